/**
 * Renders benchmark results into BENCHMARKS.md: one block per benchmark and size, between markers, so each run
 * replaces its own block and leaves every other one (other benchmarks, other sizes, other machines' figures) as it
 * was. The results JSON under bench/results/ is not committed; BENCHMARKS.md is, with the machine, date and commit
 * the figures came from.
 *
 *   npx tsx bench/report.ts [bench/results/allocation.json …]   (default: every bench/results/*.json it knows)
 *
 * Other benchmarks add a renderer to RENDERERS (keyed by the JSON's "benchmark" field).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { AllocationBenchResult } from './allocation';
import { machineLine } from './machine';
import { SERVICE_RENDERERS, SERVICE_SECTION_TITLES } from './report-service';
import { renderReportsBench } from './reports';

const ROOT = path.join(__dirname, '..');
export const BENCHMARKS_MD = path.join(ROOT, 'BENCHMARKS.md');
const RESULTS_DIR = path.join(ROOT, 'bench', 'results');

const HEADER = `# Benchmarks

Figures measured on the machine named in each table, written by \`npm run bench\` (\`npx tsx bench/run.ts\`; add
\`--small\` for the CI-size run). Each benchmark measures a trivial pass over the same data in the same run as its
baseline, so the ratio says how much work the real thing adds on that machine, whatever the machine is.
Benchmarks are not tests: nothing fails when a figure changes; compare ratios, not milliseconds, across machines.
`;

/** The commit the code was at: short hash, "+dirty" when the working tree had changes. */
export function currentCommit(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  if (head.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' });
  return `${head.stdout.trim()}${dirty.stdout.trim() ? '+dirty' : ''}`;
}

export interface RenderedBlock {
  /** Unique per benchmark and size, e.g. 'allocation:50000x300'. */
  key: string;
  markdown: string;
}

const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : '–');

export function renderAllocation(r: AllocationBenchResult & { commit?: string; loadAverage1m?: number }): RenderedBlock {
  const p = r.params;
  const m = r.machine;
  const machine = machineLine(m);
  const date = r.measuredAt.slice(0, 10);
  const commit = r.commit ?? `${currentCommit()} (at report time)`;
  const row = (figure: string, value: string, baseline: string, rat: string) => `| ${figure} | ${value} | ${baseline} | ${rat} | ${machine} | ${date} | ${commit} |`;
  const t = r.timeMs;
  const rows = [
    row(`time, median of ${p.runs} runs (ms)`, fmt(t.allocation.median, 1), fmt(t.baseline.median, 1), `${t.ratio.toFixed(2)}×`),
  ];
  if (r.memory) {
    const a = r.memory.allocation;
    const b = r.memory.baseline;
    rows.push(
      row('peak heap growth during one run (MiB)', fmt(a.peakHeapDeltaMiB), fmt(b.peakHeapDeltaMiB), ratio(a.peakHeapDeltaMiB, b.peakHeapDeltaMiB)),
      row('heap retained by the result (MiB)', fmt(a.retainedHeapDeltaMiB), fmt(b.retainedHeapDeltaMiB), '–'),
      row('peak RSS of the measuring process, pool included (MiB)', fmt(a.processPeakRssMiB), fmt(b.processPeakRssMiB), ratio(a.processPeakRssMiB, b.processPeakRssMiB)),
    );
  }
  const o = r.outcome;
  const markdown = [
    `### ${p.applicants.toLocaleString('en-US')} applicants, ${p.schools} schools`,
    '',
    `${p.publicSchools} public and ${p.privateSchools} private schools, ${p.communities} communities, ${p.distanceEntries.toLocaleString('en-US')} distance entries, seed ${p.seed}.`,
    'Baseline: sorting the same applicants by the same key and counting them per catchment school.',
    '',
    '| figure | allocation | baseline | ratio | machine | date | commit |',
    '| --- | ---: | ---: | ---: | --- | --- | --- |',
    ...rows,
    '',
    `Outcome: ${o.placed.toLocaleString('en-US')} placed, ${o.unplaced.toLocaleString('en-US')} waitlisted (catchment ${o.catchment}, adjusted ${o.adjusted}, purchased ${o.purchasedSeats}); ` +
      `public share ${(o.publicShare * 100).toFixed(2)}%; purchased cost ${o.purchasedCostYuan.toLocaleString('en-US')} yuan/year; same result on every run: ${o.deterministic ? 'yes' : 'NO'}.` +
      (r.memory ? ` Memory: ${r.memory.allocation.method}.` : '') +
      (r.loadAverage1m !== undefined ? ` Load average (1 min) when the run started: ${r.loadAverage1m} on ${m.nproc} CPUs.` : ''),
  ].join('\n');
  return { key: `allocation:${p.applicants}x${p.schools}`, markdown };
}

const SECTION_TITLES: Record<string, string> = {
  allocation: '## Seat allocation (domain/allocation.ts `allocate`, bench/allocation.ts)',
  ...SERVICE_SECTION_TITLES,
  reports: '## Progress reports (activities/reports.ts `computeReport`, bench/reports.ts)',
};

const RENDERERS: Record<string, (r: never) => RenderedBlock> = {
  allocation: renderAllocation as (r: never) => RenderedBlock,
  ...SERVICE_RENDERERS,
  reports: renderReportsBench as (r: never) => RenderedBlock,
};

const start = (key: string) => `<!-- bench:${key}:start -->`;
const end = (key: string) => `<!-- bench:${key}:end -->`;

/** Replaces (or adds, under its benchmark's section) the block for `block.key`; everything else stays. */
export function spliceBlock(doc: string, benchmark: string, block: RenderedBlock): string {
  const body = `${start(block.key)}\n${block.markdown}\n${end(block.key)}`;
  const s = doc.indexOf(start(block.key));
  const e = doc.indexOf(end(block.key));
  if (s >= 0 && e > s) return doc.slice(0, s) + body + doc.slice(e + end(block.key).length);
  const title = SECTION_TITLES[benchmark] ?? `## ${benchmark}`;
  const at = doc.indexOf(title);
  if (at < 0) return `${doc.trimEnd()}\n\n${title}\n\n${body}\n`;
  // After the section's last block (or its title), before the next section.
  const next = doc.indexOf('\n## ', at + title.length);
  const insertAt = next < 0 ? doc.length : next;
  return `${doc.slice(0, insertAt).trimEnd()}\n\n${body}\n${doc.slice(insertAt)}`;
}

/** Renders the given results (parsed JSON objects with a "benchmark" field) into BENCHMARKS.md. */
export function writeReport(results: readonly { benchmark: string }[], file = BENCHMARKS_MD): string[] {
  let doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : HEADER;
  const keys: string[] = [];
  for (const r of results) {
    const render = RENDERERS[r.benchmark];
    if (!render) throw new Error(`no renderer for benchmark "${r.benchmark}"`);
    const block = render(r as never);
    doc = spliceBlock(doc, r.benchmark, block);
    keys.push(block.key);
  }
  fs.writeFileSync(file, `${doc.trimEnd()}\n`);
  return keys;
}

if (require.main === module) {
  const files = process.argv.slice(2).length
    ? process.argv.slice(2).map((f) => path.resolve(f))
    : fs.existsSync(RESULTS_DIR)
      ? fs.readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(RESULTS_DIR, f))
      : [];
  if (files.length === 0) {
    process.stderr.write('no results to report: run npx tsx bench/run.ts first\n');
    process.exitCode = 1;
  } else {
    const results = files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as { benchmark: string }).filter((r) => RENDERERS[r.benchmark]);
    const keys = writeReport(results);
    process.stdout.write(`BENCHMARKS.md: ${keys.join(', ')}\n`);
  }
}
