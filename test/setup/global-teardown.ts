/**
 * Stops the suite's servers, then scans the run's logs, the API's answers to everyone who may not see ID numbers
 * (test/support/harness.ts writes them to the log folder) and the Temporal state file for full ID numbers: the
 * service must never put one where logs, the wrong user or the Temporal UI would see it. A find fails the run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { scanForIdNumbers } from '../support/personal-data-scan';

const RESULTS_DIR = path.join(__dirname, '..', '..', 'test-results');

export default async function globalTeardown(): Promise<void> {
  const stops = (globalThis as { __testStops?: (() => Promise<void>)[] }).__testStops ?? [];
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  const tmp = process.env.TEST_TMP_DIR;

  const scanned = [path.join(RESULTS_DIR, 'logs'), ...(tmp ? [path.join(tmp, 'temporal')] : [])];
  const scan = scanForIdNumbers(scanned);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(RESULTS_DIR, 'personal-data-scan.json'), JSON.stringify({ scanned, ...scan }, null, 2));
  process.stdout.write(`personal-data scan: ${scan.files} files, ${scan.bytes} bytes (logs, API answers to everyone not entitled to ID numbers, Temporal state), full ID numbers found: ${scan.found.length}\n`);

  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  if (scan.found.length > 0) {
    throw new Error(`full ID numbers found after the run: ${scan.found.map((f) => `${f.idNumberMasked} in ${f.file}`).join('; ')}`);
  }
}
