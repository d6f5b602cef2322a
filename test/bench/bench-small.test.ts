/**
 * The benchmark suite's CI-size run (`npx tsx bench/run.ts --small`), end to end, on the embedded Temporal dev server
 * and PostgreSQL that bench/run.ts starts for itself (in a temporary folder). It proves the benchmarks work: every
 * figure is produced together with the baseline measured in the same run, and the report renders them. It asserts
 * no timings: those belong to BENCHMARKS.md, not to a pass or a fail.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
let out: string;
let results: Record<string, any> = {};
let report = '';

const positive = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x > 0;
const dist = (d: any) => d && d.n > 0 && [d.p50, d.p95, d.p99].every((v: unknown) => typeof v === 'number' && Number.isFinite(v));

beforeAll(async () => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-small-'));
  const log = fs.openSync(path.join(out, 'run.log'), 'w');
  // On servers of its own, as `npm run bench` runs: the benchmarks saturate the Temporal server they drive, and on the
  // suite's shared one that starved the workflows of the test files running beside this one.
  const args = ['tsx', 'bench/run.ts', '--small', '--out', out];
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('npx', args, { cwd: ROOT, stdio: ['ignore', log, log] });
    child.once('exit', resolve);
  });
  fs.closeSync(log);
  const tail = fs.readFileSync(path.join(out, 'run.log'), 'utf8').split('\n').slice(-60).join('\n');
  if (code !== 0) throw new Error(`bench/run.ts --small exited with ${code}:\n${tail}`);
  for (const f of fs.readdirSync(out).filter((x) => x.endsWith('.json'))) {
    const r = JSON.parse(fs.readFileSync(path.join(out, f), 'utf8'));
    results[r.benchmark] = r;
  }
  report = fs.readFileSync(path.join(out, 'BENCHMARKS.md'), 'utf8');
}, 30 * 60_000);

afterAll(() => {
  if (out) fs.rmSync(out, { recursive: true, force: true });
  results = {};
});

describe('npx tsx bench/run.ts --small', () => {
  it('writes a result for every benchmark, each with the machine it ran on', () => {
    // Every benchmark of bench/run.ts writes one (other benchmarks may join the list; these must be there).
    expect(Object.keys(results)).toEqual(expect.arrayContaining(['allocation', 'complete-to-visible', 'deadline-storm', 'enroll-e2e', 'inbox-100k', 'worker-memory']));
    for (const r of Object.values(results)) expect(r.machine.nproc).toBeGreaterThan(0);
  });

  it('enroll-e2e: throughput and completion latency of the service and of the bare baseline, and their ratio', () => {
    const r = results['enroll-e2e'];
    expect(r.params.applications).toBe(20);
    expect(r.service.completed).toBe(20);
    expect(positive(r.service.throughput) && positive(r.baseline.throughput) && positive(r.ratio.throughput)).toBe(true);
    for (const k of ['completion', 'submission']) expect(dist(r.service[k]) && dist(r.baseline[k])).toBe(true);
    expect(r.service.completion.n).toBe(20 * r.params.completionsPerApplication);
    expect(positive(r.ratio.completionP50) && positive(r.ratio.completionP99)).toBe(true);
    if (r.params.allocationRound) expect(dist(r.service.checkIn) && dist(r.baseline.checkIn)).toBe(true);
    // One workflow per application on both sides: the application hosts its departments' steps.
    expect([r.perApplication.service.workflows, r.perApplication.baseline.workflows]).toEqual([1, 1]);
    expect(r.perApplication.service.workflowTasks).toBeGreaterThan(0);
    expect(typeof r.targetMet).toBe('boolean');
  });

  it('complete-to-visible: the time to disappear from the inbox against one inbox read', () => {
    const r = results['complete-to-visible'];
    expect(dist(r.visible) && dist(r.inboxRead)).toBe(true);
    expect(positive(r.ratio.p50)).toBe(true);
  });

  it('inbox-100k: inbox and overdue list through the API against the raw query, with the plans', () => {
    const r = results['inbox-100k'];
    for (const e of [r.inbox, r.overdue]) {
      expect(dist(e.api) && dist(e.raw)).toBe(true);
      expect(positive(e.ratio.p95)).toBe(true);
    }
    for (const p of Object.values(r.plans)) expect(p).toMatch(/Execution Time/);
    expect(typeof r.seqScan.inbox).toBe('boolean');
  });

  it('deadline-storm: every escalation recorded and every bare timer fired, with the lag ratio', () => {
    const r = results['deadline-storm'];
    expect(r.steps.recorded).toBe(r.params.steps);
    expect(r.bare.fired).toBe(r.params.steps);
    expect(dist(r.steps.lag) && dist(r.steps.recordedLag) && dist(r.bare.lag)).toBe(true);
    expect(Number.isFinite(r.ratio.p99)).toBe(true);
  });

  it('worker-memory: peak RSS of the service worker and of the bare worker', () => {
    const r = results['worker-memory'];
    expect(positive(r.service.peakMiB) && positive(r.baseline.peakMiB) && positive(r.ratio.peak)).toBe(true);
    expect(r.service.openWorkflows).toBe(r.params.applications);
    // Both workers hold as many workflows in memory, so the ratio compares workflows rather than cache settings.
    expect(r.baseline.cache).toBe(r.service.cache);
  });

  it('renders one table per benchmark with machine, date and commit', () => {
    for (const key of ['allocation:5000x60', 'enroll-e2e:20', 'complete-to-visible:20', 'inbox-100k:2000', 'deadline-storm:100', 'worker-memory:100']) {
      const start = report.indexOf(`<!-- bench:${key}:start -->`);
      const end = report.indexOf(`<!-- bench:${key}:end -->`);
      expect({ key, found: start >= 0 && end > start }).toEqual({ key, found: true });
      const block = report.slice(start, end);
      expect(block).toMatch(/\| figure \| .* \| ratio \| machine \| date \| commit \|/);
    }
  });
});
