/**
 * Runs the benchmarks and writes their figures into BENCHMARKS.md (bench/report.ts), with the machine, date and
 * commit. `npm run bench` runs the sizes of the issues (allocation: 50,000 applicants over 300 schools); `--small`
 * runs CI-size pools that finish in seconds. Benchmarks are not tests: nothing fails on a slow figure.
 *
 *   npx tsx bench/run.ts [--small] [--only allocation] [--no-report]
 *
 * Results also go to bench/results/<benchmark>[-small].json (not committed). Add a benchmark to BENCHMARKS below.
 */
import os from 'node:os';
import path from 'node:path';
import { runAllocationBench } from './allocation';
import { currentCommit, writeReport } from './report';

const RESULTS = path.join(__dirname, 'results');

interface Benchmark {
  name: string;
  run(opts: { small: boolean; out: string }): Promise<{ benchmark: string }>;
}

const BENCHMARKS: Benchmark[] = [
  {
    name: 'allocation',
    run: ({ small, out }) =>
      small
        ? runAllocationBench({ applicants: 5_000, schools: 60, runs: 7, out })
        : runAllocationBench({ applicants: 50_000, schools: 300, runs: 5, out }),
  },
];

async function main(argv: readonly string[]): Promise<void> {
  const small = argv.includes('--small');
  const report = !argv.includes('--no-report');
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? argv[onlyAt + 1] : undefined;
  const unknown = argv.filter((a, i) => a.startsWith('--') && !['--small', '--no-report', '--only'].includes(a) && argv[i - 1] !== '--only');
  if (unknown.length) throw new Error(`unknown option(s) ${unknown.join(' ')}; use --small, --only <name>, --no-report`);
  const selected = BENCHMARKS.filter((b) => !only || b.name === only);
  if (selected.length === 0) throw new Error(`no benchmark named ${only}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);

  const commit = currentCommit();
  const results: { benchmark: string; commit: string; loadAverage1m: number }[] = [];
  for (const b of selected) {
    process.stdout.write(`\n== ${b.name}${small ? ' (small)' : ''} ==\n`);
    // Other work on the machine skews the figures; the report says how busy it was when the run started.
    const loadAverage1m = Math.round(os.loadavg()[0]! * 100) / 100;
    const r = await b.run({ small, out: path.join(RESULTS, `${b.name}${small ? '-small' : ''}.json`) });
    results.push({ ...r, commit, loadAverage1m });
  }
  if (report) {
    const keys = writeReport(results);
    process.stdout.write(`\nBENCHMARKS.md updated: ${keys.join(', ')} (commit ${commit})\n`);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
