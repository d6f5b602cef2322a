/**
 * Benchmark (not a test) of the central allocation (domain/allocation.ts).
 *
 *   npx tsx bench/allocation.ts --applicants 50000 --schools 300 [--runs 5] [--seed 20250601] [--no-memory]
 *
 * - Pool: deterministic (mulberry32 seeded PRNG): schools on a 30 km × 30 km map (about one in seven private, with
 *   purchasable seats), five communities per public school with uneven popularity, every school listing its distance
 *   to every other school (the densest table administrators could set), public seats ≈ 92% of the applicants and
 *   purchasable seats ≈ 6%, so every outcome occurs; 4% of applicants come as sibling pairs asking to be together.
 * - Time: one warm-up of each, then `runs` timed runs of each, alternating; the median is reported (performance.now).
 * - Baseline, same data, same run: a trivial pass that sorts the applicants by the same key (compareApplicants) and
 *   counts them per catchment school. The ratio allocation / baseline is reported.
 * - Memory: measured in a fresh child process per function (`node --expose-gc`), no warm-up: after the pool is
 *   built and a full GC, the run is executed once with V8's --trace-gc switched on only for its duration. Peak heap =
 *   max(heap used before each GC during the run, heap used at its end) − heap used before it; retained = heap used
 *   after a full GC with the result still referenced − heap used before. The child's peak RSS (getrusage maxrss,
 *   whole process including the pool) is reported too. Units: MiB.
 *
 * Writes bench/results/allocation.json. `runAllocationBench(opts)` is exported for bench/run.ts.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import {
  allocate,
  compareApplicants,
  tieBreakKey,
  type AllocationApplicant,
  type AllocationInput,
  type AllocationSchool,
} from '../domain/allocation';
import { machine, type Machine } from './machine';

const ROOT = path.join(__dirname, '..');
const DEFAULT_OUT = path.join(ROOT, 'bench', 'results', 'allocation.json');

export interface AllocationBenchOptions {
  applicants?: number;
  schools?: number;
  /** Timed runs per function (median reported). Default 5. */
  runs?: number;
  seed?: number;
  /** Measure memory in child processes. Default true. */
  memory?: boolean;
  /** Where to write the JSON; null = do not write. Default bench/results/allocation.json. */
  out?: string | null;
  /** Where the table goes. Default stdout. */
  log?: (line: string) => void;
}

export interface MemoryFigures {
  method: string;
  heapBeforeMiB: number;
  peakHeapDeltaMiB: number;
  retainedHeapDeltaMiB: number;
  gcsDuringRun: number;
  processPeakRssMiB: number;
}

export interface AllocationBenchResult {
  benchmark: 'allocation';
  measuredAt: string;
  machine: Machine;
  params: { applicants: number; schools: number; publicSchools: number; privateSchools: number; communities: number; distanceEntries: number; runs: number; seed: number };
  timeMs: {
    allocation: { median: number; runs: number[] };
    baseline: { median: number; runs: number[] };
    ratio: number;
    /** Building the pool (not part of either measurement). */
    generate: number;
  };
  memory: { allocation: MemoryFigures; baseline: MemoryFigures } | null;
  outcome: { placed: number; unplaced: number; catchment: number; adjusted: number; purchasedSeats: number; publicShare: number; purchasedCostYuan: number; deterministic: boolean };
}

// ---------------------------------------------------------------------------------------------------------------
// The pool.

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generatePool(applicants: number, schoolCount: number, seed: number): AllocationInput {
  const rnd = mulberry32(seed);
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const xy = Array.from({ length: schoolCount }, () => [rnd() * 30, rnd() * 30] as const);
  const isPrivate = (i: number) => schoolCount > 1 && i % 7 === 3;
  const publicIdx = xy.map((_, i) => i).filter((i) => !isPrivate(i));
  const privateIdx = xy.map((_, i) => i).filter(isPrivate);

  // Communities: five per public school, with uneven popularity.
  const communities: { code: string; school: number; weight: number }[] = [];
  for (const i of publicIdx) for (let k = 0; k < 5; k++) communities.push({ code: `C${pad(i, 4)}${k}`, school: i, weight: 0.2 + rnd() * rnd() * 4 });
  const cumulative: number[] = [];
  let total = 0;
  for (const c of communities) cumulative.push((total += c.weight));
  const pickCommunity = () => {
    const r = rnd() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] as number) < r) lo = mid + 1;
      else hi = mid;
    }
    return communities[lo] as (typeof communities)[number];
  };

  // Public seats ≈ 92% of applicants, spread with variation; purchasable ≈ 6% over the private schools.
  const pubWeights = publicIdx.map(() => 0.5 + rnd());
  const pubWeightSum = pubWeights.reduce((s, w) => s + w, 0);
  const schools: AllocationSchool[] = xy.map((_, i) => ({ id: `SCH${pad(i, 4)}`, nameZh: `第${i + 1}学校`, kind: isPrivate(i) ? 'private' : 'public', seats: 0 }));
  publicIdx.forEach((i, k) => ((schools[i] as AllocationSchool).seats = Math.round((applicants * 0.92 * (pubWeights[k] as number)) / pubWeightSum)));
  for (const i of privateIdx) {
    const s = schools[i] as AllocationSchool;
    s.purchasableSeats = Math.round((applicants * 0.06) / privateIdx.length);
    s.seats = s.purchasableSeats + 200;
    s.seatPrice = 6000 + Math.floor(rnd() * 13) * 500;
  }

  const distances: Record<string, { schoolId: string; distance: number }[]> = {};
  for (let i = 0; i < schoolCount; i++) {
    const [xi, yi] = xy[i] as readonly [number, number];
    distances[(schools[i] as AllocationSchool).id] = xy.flatMap(([xj, yj], j) =>
      j === i ? [] : [{ schoolId: (schools[j] as AllocationSchool).id, distance: Math.round(Math.hypot(xi - xj, yi - yj) * 10) / 10 }],
    );
  }

  const catchments: Record<string, string> = {};
  for (const c of communities) catchments[c.code] = (schools[c.school] as AllocationSchool).id;

  const start = Date.UTC(2025, 5, 1);
  const list: AllocationApplicant[] = [];
  for (let n = 0; list.length < applicants; n++) {
    const community = pickCommunity().code;
    const r = rnd();
    const priorityGroup = r < 0.05 ? 0 : r < 0.2 ? 1 : 2;
    const make = (no: string): AllocationApplicant => ({
      applicationNumber: no,
      communityCode: community,
      priorityGroup,
      points: Math.floor(rnd() * 101),
      tieBreak: tieBreakKey(new Date(start + Math.floor(rnd() * 30 * 86400) * 1000).toISOString(), no),
    });
    const first = make(`2025${pad(n, 7)}1`);
    if (rnd() < 0.02 && list.length + 2 <= applicants) {
      const second = make(`2025${pad(n, 7)}2`);
      const together = rnd() < 0.9;
      list.push({ ...first, siblingGroup: `F${n}`, siblingsTogether: together }, { ...second, siblingGroup: `F${n}`, siblingsTogether: together });
    } else list.push(first);
  }
  return { schools, catchments, distances, applicants: list, rules: { priorityOrder: ['优抚对象子女', '重点企业员工及引进人才子女', '其他随迁子女'], allowSiblingsTogether: true } };
}

/** The baseline: sort by the same key and count per catchment school. */
export function baselinePass(input: AllocationInput): { first: string | undefined; perCatchment: Map<string, number> } {
  const sorted = [...input.applicants].sort(compareApplicants);
  const catchment = new Map(Object.entries(input.catchments));
  const perCatchment = new Map<string, number>();
  for (const a of sorted) {
    const s = catchment.get(a.communityCode) ?? '';
    perCatchment.set(s, (perCatchment.get(s) ?? 0) + 1);
  }
  return { first: sorted[0]?.applicationNumber, perCatchment };
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring.

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const MiB = 2 ** 20;

/** In a child started with --expose-gc: builds the pool, then measures one run of `which`. Prints RESULT {json}. */
function memoryChild(which: 'allocation' | 'baseline', applicants: number, schools: number, seed: number): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('memory child needs --expose-gc');
  const input = generatePool(applicants, schools, seed);
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  v8.setFlagsFromString('--trace-gc');
  const kept = which === 'allocation' ? allocate(input) : baselinePass(input);
  const end = process.memoryUsage().heapUsed;
  v8.setFlagsFromString('--no-trace-gc');
  gc();
  gc();
  const retained = process.memoryUsage().heapUsed;
  process.stdout.write(
    `\nRESULT ${JSON.stringify({ before, end, retained, maxRssKiB: process.resourceUsage().maxRSS, keep: 'placements' in kept ? kept.placements.length : kept.perCatchment.size })}\n`,
  );
}

function measureMemory(which: 'allocation' | 'baseline', applicants: number, schools: number, seed: number): MemoryFigures {
  const args = ['--expose-gc', '--import', 'tsx', __filename, '--memory-child', which, '--applicants', String(applicants), '--schools', String(schools), '--seed', String(seed)];
  const child = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * MiB });
  const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (child.status !== 0 || !line) throw new Error(`memory child for ${which} failed (status ${child.status}): ${child.stderr.slice(-2000)}`);
  const r = JSON.parse(line.slice('RESULT '.length)) as { before: number; end: number; retained: number; maxRssKiB: number };
  // V8 --trace-gc lines: "… Scavenge 35.0 (52.1) -> 29.3 (50.8) MB, …": the first figure is heap used before that GC, in MiB.
  const gcBefore = [...child.stdout.matchAll(/(?:Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Sweep)[^\d]*?([\d.]+) \([\d.]+\) -> [\d.]+ \([\d.]+\) MB/g)].map((m) => Number(m[1]) * MiB);
  const peak = Math.max(r.end, ...gcBefore);
  return {
    method: 'child process with --expose-gc; heap used before each GC during the run (V8 --trace-gc) and at its end, minus heap used before the run after a full GC',
    heapBeforeMiB: round(r.before / MiB),
    peakHeapDeltaMiB: round((peak - r.before) / MiB),
    retainedHeapDeltaMiB: round((r.retained - r.before) / MiB),
    gcsDuringRun: gcBefore.length,
    processPeakRssMiB: round(r.maxRssKiB / 1024),
  };
}

export async function runAllocationBench(opts: AllocationBenchOptions = {}): Promise<AllocationBenchResult> {
  const applicants = opts.applicants ?? 50_000;
  const schoolCount = opts.schools ?? 300;
  const runs = Math.max(1, opts.runs ?? 5);
  const seed = opts.seed ?? 20250601;
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));

  const t0 = performance.now();
  const input = generatePool(applicants, schoolCount, seed);
  const generate = performance.now() - t0;

  // Warm-up, then alternate timed runs.
  const reference = allocate(input);
  baselinePass(input);
  const allocationMs: number[] = [];
  const baselineMs: number[] = [];
  let deterministic = true;
  const fingerprint = (r: typeof reference) => JSON.stringify(r.stats) + r.placements.map((p) => p.schoolId ?? '-').join(',');
  const referencePrint = fingerprint(reference);
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    const r = allocate(input);
    allocationMs.push(performance.now() - t);
    if (fingerprint(r) !== referencePrint) deterministic = false;
    t = performance.now();
    const b = baselinePass(input);
    baselineMs.push(performance.now() - t);
    if (b.perCatchment.size === 0 && applicants > 0) throw new Error('baseline counted nothing');
  }

  const memory = opts.memory === false
    ? null
    : { allocation: measureMemory('allocation', applicants, schoolCount, seed), baseline: measureMemory('baseline', applicants, schoolCount, seed) };

  const s = reference.stats;
  const result: AllocationBenchResult = {
    benchmark: 'allocation',
    measuredAt: new Date().toISOString(),
    machine: machine(),
    params: {
      applicants,
      schools: schoolCount,
      publicSchools: input.schools.filter((x) => x.kind === 'public').length,
      privateSchools: input.schools.filter((x) => x.kind === 'private').length,
      communities: Object.keys(input.catchments).length,
      distanceEntries: Object.values(input.distances).reduce((n, l) => n + l.length, 0),
      runs,
      seed,
    },
    timeMs: {
      allocation: { median: round(median(allocationMs), 2), runs: allocationMs.map((x) => round(x, 2)) },
      baseline: { median: round(median(baselineMs), 2), runs: baselineMs.map((x) => round(x, 2)) },
      ratio: round(median(allocationMs) / median(baselineMs), 2),
      generate: round(generate, 1),
    },
    memory,
    outcome: {
      placed: s.placed,
      unplaced: s.unplaced,
      catchment: s.catchment,
      adjusted: s.adjusted,
      purchasedSeats: s.purchasedSeats,
      publicShare: round(s.publicShare, 4),
      purchasedCostYuan: s.purchasedCost,
      deterministic,
    },
  };

  const m = result.machine;
  const p = result.params;
  log(`allocation benchmark — ${p.applicants} applicants, ${p.schools} schools (${p.publicSchools} public, ${p.privateSchools} private), ${p.communities} communities, ${p.distanceEntries} distance entries, seed ${p.seed}`);
  log(`machine: ${m.nproc} CPUs (${m.cpu}), node ${m.node}, ${m.platform}, ${m.totalMemGiB} GiB`);
  log('');
  const rows: string[][] = [
    ['', `median of ${runs} (ms)`, 'runs (ms)', 'peak heap Δ (MiB)', 'retained Δ (MiB)', 'GCs', 'child peak RSS (MiB)'],
    ...(['allocation', 'baseline'] as const).map((k) => {
      const mem = memory?.[k];
      return [
        k,
        String(result.timeMs[k].median),
        result.timeMs[k].runs.join(' '),
        mem ? String(mem.peakHeapDeltaMiB) : '-',
        mem ? String(mem.retainedHeapDeltaMiB) : '-',
        mem ? String(mem.gcsDuringRun) : '-',
        mem ? String(mem.processPeakRssMiB) : '-',
      ];
    }),
  ];
  const widths = (rows[0] as string[]).map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  for (const r of rows) log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  '));
  log('');
  log(`ratio allocation / baseline (medians): ${result.timeMs.ratio}×   (pool generation, not measured: ${result.timeMs.generate} ms)`);
  const o = result.outcome;
  log(`outcome: placed ${o.placed}, unplaced ${o.unplaced}; catchment ${o.catchment}, adjusted ${o.adjusted}, purchased ${o.purchasedSeats}; public share ${(o.publicShare * 100).toFixed(2)}%; purchased cost ${o.purchasedCostYuan} yuan/year; same result every run: ${o.deterministic}`);
  if (memory) log(`memory: ${memory.allocation.method}`);

  const out = opts.out === undefined ? DEFAULT_OUT : opts.out;
  if (out) {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    log(`written: ${path.relative(ROOT, out)}`);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Command line.

function parseArgs(argv: readonly string[]): Record<string, string | true> {
  const out: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const [k, v] = a.slice(2).split('=', 2) as [string, string | undefined];
    if (v !== undefined) out[k] = v;
    else if (argv[i + 1] !== undefined && !(argv[i + 1] as string).startsWith('--')) out[k] = argv[++i] as string;
    else out[k] = true;
  }
  return out;
}

function positiveInt(args: Record<string, string | true>, name: string): number | undefined {
  const v = args[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer`);
  return n;
}

if (require.main === module) {
  const args = parseArgs(process.argv.slice(2));
  const child = args['memory-child'];
  if (child === 'allocation' || child === 'baseline') {
    memoryChild(child, positiveInt(args, 'applicants') ?? 50_000, positiveInt(args, 'schools') ?? 300, positiveInt(args, 'seed') ?? 20250601);
  } else {
    runAllocationBench({
      applicants: positiveInt(args, 'applicants'),
      schools: positiveInt(args, 'schools'),
      runs: positiveInt(args, 'runs'),
      seed: positiveInt(args, 'seed'),
      memory: args['no-memory'] !== true,
      out: typeof args.out === 'string' ? path.resolve(args.out) : undefined,
    }).catch((e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    });
  }
}
