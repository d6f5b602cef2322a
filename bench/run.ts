/**
 * Runs the benchmarks and writes their figures into BENCHMARKS.md (bench/report.ts), with the machine, date and
 * commit. `npm run bench` runs the sizes of the issues (allocation: 50,000 applicants over 300 schools); `--small`
 * runs CI-size pools that finish in seconds. Benchmarks are not tests: nothing fails on a slow figure.
 *
 *   npx tsx bench/run.ts [--small] [--only allocation] [--no-report]
 *
 * Results also go to bench/results/<benchmark>[-small].json (not committed). Add a benchmark to BENCHMARKS below.
 *
 * The service benchmarks (bench/enroll.ts, bench/inbox.ts, bench/deadline-storm.ts, bench/worker-memory.ts) start a
 * Temporal dev server and an embedded PostgreSQL in a temporary folder (the embedded defaults) once for the run, and
 * run the API and the worker as separate processes. Sizes (defaults / --small):
 *   --applications N        enroll-e2e and complete-to-visible: applications (2,000 / 20)
 *   --steps N               inbox-100k: open steps in the read model (100,000 / 2,000)
 *   --storm-steps N         deadline-storm: steps with one deadline instant (5,000 / 100)
 *   --open-applications N   worker-memory: applications left open (10,000 / 100)
 *   --concurrency N         applications in flight at once (32)
 * Elsewhere:
 *   --only a,b              run only these benchmarks (allocation, enroll-e2e, inbox-100k, deadline-storm, worker-memory, reports)
 *   --out DIR               results JSON into DIR, and the report into DIR/BENCHMARKS.md instead of the repository's
 *   --temporal-address H:P, --database-url URL   use running servers instead of starting them (each benchmark creates
 *                           and drops a database of its own on that cluster)
 */
import os from 'node:os';
import path from 'node:path';
import { runAllocationBench } from './allocation';
import { currentCommit, writeReport, BENCHMARKS_MD } from './report';
import { runStormBench } from './deadline-storm';
import { runEnrollBench } from './enroll';
import { stopBenchEnv, type BenchEnvOptions } from './env';
import { runInboxBench } from './inbox';
import { runMemoryBench } from './worker-memory';
import { runReportsBench } from './reports';

const RESULTS = path.join(__dirname, 'results');

interface Sizes {
  applications?: number;
  steps?: number;
  stormSteps?: number;
  openApplications?: number;
  concurrency?: number;
}

interface Benchmark {
  name: string;
  /** One result, or several (enroll-e2e also yields complete-to-visible). */
  run(opts: { small: boolean; out: string; sizes: Sizes; servers: BenchEnvOptions }): Promise<{ benchmark: string } | { benchmark: string }[]>;
}

const BENCHMARKS: Benchmark[] = [
  {
    name: 'allocation',
    run: ({ small, out }) =>
      small
        ? runAllocationBench({ applicants: 5_000, schools: 60, runs: 7, out })
        : runAllocationBench({ applicants: 50_000, schools: 300, runs: 5, out }),
  },
  {
    name: 'enroll-e2e',
    run: ({ small, out, sizes, servers }) =>
      runEnrollBench({ ...servers, applications: sizes.applications ?? (small ? 20 : 2000), concurrency: sizes.concurrency ?? (small ? 8 : 32), visibleEvery: small ? 1 : 10, out }),
  },
  {
    name: 'inbox-100k',
    run: ({ small, out, sizes, servers }) => runInboxBench({ ...servers, steps: sizes.steps ?? (small ? 2000 : 100_000), requests: small ? 10 : 100, out }),
  },
  {
    name: 'deadline-storm',
    run: ({ small, out, sizes, servers }) => runStormBench({ ...servers, steps: sizes.stormSteps ?? (small ? 100 : 5000), concurrency: sizes.concurrency ?? 32, out }),
  },
  {
    name: 'worker-memory',
    run: ({ small, out, sizes, servers }) =>
      runMemoryBench({ ...servers, applications: sizes.openApplications ?? (small ? 100 : 10_000), concurrency: sizes.concurrency ?? 32, settleSeconds: small ? 3 : 10, out }),
  },
  {
    // Progress report over 100,000 department steps (10,000 with --small) against plain SQL; PostgreSQL only.
    name: 'reports',
    run: ({ small, out, servers }) => runReportsBench({ steps: small ? 10_000 : 100_000, runs: small ? 5 : 3, databaseUrl: servers.databaseUrl, out }),
  },
];

const VALUE_OPTIONS = ['--only', '--out', '--temporal-address', '--database-url', '--applications', '--steps', '--storm-steps', '--open-applications', '--concurrency'];

function optionValue(argv: readonly string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
}

function sizeOption(argv: readonly string[], name: string): number | undefined {
  const v = optionValue(argv, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
}

async function main(argv: readonly string[]): Promise<void> {
  const small = argv.includes('--small');
  const report = !argv.includes('--no-report');
  const only = optionValue(argv, '--only')?.split(',');
  const unknown = argv.filter((a, i) => a.startsWith('--') && !['--small', '--no-report', ...VALUE_OPTIONS].includes(a) && !VALUE_OPTIONS.includes(argv[i - 1] ?? ''));
  if (unknown.length) throw new Error(`unknown option(s) ${unknown.join(' ')}; use --small, --only <name>[,<name>], --no-report, --out <dir>, ${VALUE_OPTIONS.slice(2).join(', ')}`);
  const selected = BENCHMARKS.filter((b) => !only || only.includes(b.name));
  if (selected.length === 0 || (only && selected.length !== only.length)) throw new Error(`no benchmark named ${only?.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  const outDir = optionValue(argv, '--out');
  const resultsDir = outDir ? path.resolve(outDir) : RESULTS;
  const sizes: Sizes = {
    applications: sizeOption(argv, '--applications'),
    steps: sizeOption(argv, '--steps'),
    stormSteps: sizeOption(argv, '--storm-steps'),
    openApplications: sizeOption(argv, '--open-applications'),
    concurrency: sizeOption(argv, '--concurrency'),
  };
  const servers: BenchEnvOptions = { temporalAddress: optionValue(argv, '--temporal-address'), databaseUrl: optionValue(argv, '--database-url') };

  const commit = currentCommit();
  const results: { benchmark: string; commit: string; loadAverage1m: number }[] = [];
  try {
    for (const b of selected) {
      process.stdout.write(`\n== ${b.name}${small ? ' (small)' : ''} ==\n`);
      // Other work on the machine skews the figures; the report says how busy it was when the run started.
      const loadAverage1m = Math.round(os.loadavg()[0]! * 100) / 100;
      const r = await b.run({ small, out: path.join(resultsDir, `${b.name}${small ? '-small' : ''}.json`), sizes, servers });
      for (const one of Array.isArray(r) ? r : [r]) results.push({ ...one, commit, loadAverage1m });
    }
  } finally {
    await stopBenchEnv();
  }
  if (report) {
    const file = outDir ? path.join(resultsDir, 'BENCHMARKS.md') : BENCHMARKS_MD;
    const keys = writeReport(results, file);
    process.stdout.write(`\n${outDir ? file : 'BENCHMARKS.md'} updated: ${keys.join(', ')} (commit ${commit})\n`);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
