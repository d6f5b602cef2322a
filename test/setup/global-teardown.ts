import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const stops = (globalThis as { __testStops?: (() => Promise<void>)[] }).__testStops ?? [];
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  const tmp = process.env.TEST_TMP_DIR;
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}
