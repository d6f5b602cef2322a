/**
 * Stops the suite's servers, then scans the run's logs, the API's answers to everyone who may not see ID numbers
 * (test/support/harness.ts writes them to the log folder) and the Temporal state file for full ID numbers: the
 * service must never put one where logs, the wrong user or the Temporal UI would see it. A find fails the run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { scanForIdNumbers } from '../support/personal-data-scan';

/**
 * What the SDK's core logs when a workflow task could not do its work: a local activity whose run was evicted while
 * it ran (its result is thrown away and the task is retried), or code that does not replay. In the replay-every-task
 * lane either means the lane no longer proves what it is for, so it fails the run there.
 */
const CORE_TROUBLE = [/Tried to complete untracked local activity/, /local activities are still in flight/, /Nondeterminism/i];

function coreTroubleIn(logDir: string): string[] {
  if (!fs.existsSync(logDir)) return [];
  const found: string[] = [];
  for (const file of fs.readdirSync(logDir).filter((f) => f.startsWith('worker-'))) {
    for (const line of fs.readFileSync(path.join(logDir, file), 'utf8').split('\n')) {
      if (CORE_TROUBLE.some((re) => re.test(line))) found.push(`${file}: ${line.slice(0, 300)}`);
    }
  }
  return found;
}

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

  const trouble = coreTroubleIn(path.join(RESULTS_DIR, 'logs'));
  process.stdout.write(`worker logs: local activities dropped or nondeterminism reported: ${trouble.length}\n`);

  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  if (process.env.TEST_LANE === 'replay-every-task' && trouble.length > 0) {
    throw new Error(`the replay-every-task lane's worker reported trouble:\n${trouble.slice(0, 5).join('\n')}`);
  }
  if (scan.found.length > 0) {
    throw new Error(`full ID numbers found after the run: ${scan.found.map((f) => `${f.idNumberMasked} in ${f.file}`).join('; ')}`);
  }
}
