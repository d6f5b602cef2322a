/**
 * enroll-e2e and complete-to-visible: a district's enrollment season through the API, against the floor Temporal
 * itself sets, in the same run on the same Temporal server.
 *
 * Service run (the API and the worker as separate processes, the service's own worker options):
 *   1. verify: N applications submitted by parents (POST /api/applications), each pre-reviewed by the education
 *      bureau and verified by police, hrss and housing (POST /api/steps/:id/complete), C applications in flight.
 *      Officers act on a step once it is in their department's read model (one shared query per tick looks for all
 *      awaited steps, so the load generator's looking is not what is measured).
 *   2. allocate: the education bureau starts the allocation round (POST /api/allocation-rounds); until every child is
 *      placed (the round publishes to each application, which records its placement).
 *   3. check-in: each school records check-in for its children (POST /api/applications/:no/check-in).
 *   Throughput: N / (wall time of 1 + 2 + 3). Latency: every completion call, as the officer's client sees it.
 * complete-to-visible, sampled on every k-th completion: the officer's inbox filtered to the application
 *   (GET /api/steps?state=<open states>&subjectType=application&subjectId=<no>, the inbox page's search) is read
 *   once before the call (its latency is the baseline: one look at the inbox), then read again from the moment the
 *   completion answers until the step is no longer listed.
 * Baseline (bench/workflows bareApplicationWorkflow on a bench-only worker): the same N starts, the same four
 *   completion updates (same update name, same payload, same order: pre-review first, then three at once), the
 *   placement signal to each (16 at once, as the round publishes) and the check-in update, sent straight with the
 *   Temporal client, C in flight. Run before and after the service run; the figures are both runs pooled.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { checkInUpdate, makeApplicationWorkflowId, placementSignal, type Placement } from '../contracts/application';
import { stepActionUpdate, type StepActionRequest } from '../contracts/department-step';
import { findPolicy, upsertPolicy } from '../db/repositories/applications';
import { writeSchoolData } from '../db/repositories/schools';
import { inTransaction } from '../db/pool';
import { DEMO_PASSWORD, seedDemoData } from '../db/seed-demo';
import type { Actor } from '../domain/roles';
import { applicationForm } from '../test/support/application-fixtures';
import {
  RowWatcher,
  benchEnv,
  cpuDelta,
  cpuSnapshot,
  distribution,
  http,
  loginAs,
  machine,
  mapLimit,
  progress,
  ratioOf,
  sampleRss,
  waitUntil,
  type BenchEnvOptions,
  type Distribution,
  type Http,
  type CpuSnapshot,
  type Machine,
} from './env';

const ROOT = path.join(__dirname, '..');
const DISTRICT = 'bench';
const YEAR = 2027;
const STAGE = 'primary_1';
const OPEN_STATES = 'open,signed,sent_back,awaiting_review';
const VERIFY = ['police', 'hrss', 'housing'] as const;
const FACTS: Record<(typeof VERIFY)[number], Record<string, unknown>> = {
  police: { valid: true, months: 40 },
  hrss: { employed: true, insuranceMonths: 36 },
  housing: { rentalRegistered: true, communityResidenceProof: true },
};

export interface EnrollBenchOptions extends BenchEnvOptions {
  applications?: number;
  /** Applications in flight at once (parents and officers acting concurrently). Default 32. */
  concurrency?: number;
  /** Sample complete-to-visible on every k-th completion. Default 10. */
  visibleEvery?: number;
  out?: string | null;
  log?: (line: string) => void;
}

export interface RunFigures {
  seconds: { verify: number; allocate: number | null; checkIn: number | null; total: number };
  /** Completed applications per second over the whole run (enrolled, or in the pool when no round exists). */
  throughput: number;
  completed: number;
  completion: Distribution;
  submission: Distribution;
  checkIn: Distribution | null;
}

export interface EnrollBenchResult {
  benchmark: 'enroll-e2e';
  measuredAt: string;
  machine: Machine;
  servers: string;
  params: { applications: number; concurrency: number; completionsPerApplication: number; visibleEvery: number; allocationRound: boolean };
  service: RunFigures & { workerPeakRssMiB: number | null; workerCache: number | null; apiPeakRssMiB: number | null; roundId: string | null };
  baseline: RunFigures & { runs: number; throughputs: number[] };
  ratio: { throughput: number; completionP50: number; completionP95: number; completionP99: number };
  /** CPU seconds spent by each component during the service run and during the two baseline runs together. */
  cpu: { service: CpuSnapshot; baseline: CpuSnapshot };
  /** Work per application: workflows, workflow tasks, activities, history events (from the histories of a sample). */
  perApplication: { service: Work | null; baseline: Work | null };
  targetMet: boolean;
  notes: string[];
}

export interface VisibleBenchResult {
  benchmark: 'complete-to-visible';
  measuredAt: string;
  machine: Machine;
  servers: string;
  params: { applications: number; visibleEvery: number };
  /** From the completion's response until the filtered inbox no longer lists the step (ms). */
  visible: Distribution;
  /** One read of the same filtered inbox while the step is still listed (ms). */
  inboxRead: Distribution;
  /** Reads after the response that still listed the step (summed over samples). */
  staleReads: number;
  ratio: { p50: number; p99: number };
}

function form() {
  return applicationForm({ district: DISTRICT, year: YEAR });
}

export async function setupDistrict(pool: pg.Pool, n: number): Promise<{ schools: string[] }> {
  await seedDemoData(pool);
  const demo = await findPolicy(pool, 'demo', YEAR, STAGE);
  if (!demo) throw new Error('the demo policy is missing');
  await upsertPolicy(pool, { ...demo, district: DISTRICT, districtNameZh: '基准测试区' });
  const k = Math.max(2, Math.ceil(n / 400));
  const seats = Math.ceil((n * 1.1) / k) + 1;
  const ids = Array.from({ length: k }, (_, i) => `bench-primary-${i + 1}`);
  await inTransaction(pool, (db) =>
    writeSchoolData(db, {
      schools: ids.map((id, i) => ({ id, nameZh: `基准测试区第${i + 1}小学`, district: DISTRICT, kind: 'public' as const, stages: [STAGE], address: `基准路${i + 1}号` })),
      seats: ids.map((schoolId) => ({ schoolId, year: YEAR, stage: STAGE, seats, purchasableSeats: null, seatPrice: null })),
      catchments: [{ district: DISTRICT, stage: STAGE, street: '演示街道', community: '幸福社区', schoolId: ids[0]! }],
      distances: ids.slice(1).map((otherSchoolId, i) => ({ schoolId: ids[0]!, otherSchoolId, distance: 1 + i })),
    }),
  );
  return { schools: ids };
}

async function login(baseUrl: string, username: string): Promise<Http> {
  const r = await http(baseUrl).post<{ token: string }>('/api/auth/login', { username, password: DEMO_PASSWORD });
  if (r.status !== 200) throw new Error(`login as ${username}: ${r.status}`);
  return http(baseUrl, r.body.token);
}

const must = (what: string, r: { status: number; body: unknown }, ...ok: number[]) => {
  if (!ok.includes(r.status)) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 500)}`);
};

/** The service run. */
async function serviceRun(o: {
  n: number;
  c: number;
  visibleEvery: number;
  pool: pg.Pool;
  baseUrl: string;
  schools: string[];
  withRound: boolean;
  log: (l: string) => void;
}): Promise<{ figures: RunFigures; visible: number[]; inboxRead: number[]; staleReads: number; roundId: string | null; notes: string[] }> {
  const { n, c, pool, baseUrl, log } = o;
  const notes: string[] = [];
  const parents = await Promise.all(Array.from({ length: c }, (_, i) => loginAs(pool, baseUrl, { username: `bench-parent-${i}`, role: 'applicant', displayName: `基准家长${i}` })));
  const officers: Record<string, Http> = { education: await login(baseUrl, 'edu') };
  for (const d of VERIFY) officers[d] = await login(baseUrl, d);

  const steps = new RowWatcher(pool, async (p, keys) => (await p.query<{ step_id: string }>('SELECT step_id FROM steps WHERE step_id = ANY($1)', [keys])).rows.map((r) => r.step_id));
  const inPool = new RowWatcher(pool, async (p, keys) =>
    (await p.query<{ n: string }>(`SELECT application_number AS n FROM applications WHERE application_number = ANY($1) AND state <> 'verifying' AND state <> 'pre_review' AND state <> 'assessing'`, [keys])).rows.map((r) => r.n),
  );
  const completion: number[] = [];
  const submission: number[] = [];
  const visible: number[] = [];
  const inboxRead: number[] = [];
  let staleReads = 0;
  let completionCount = 0;
  let checkInRetries = 0;

  const complete = async (officer: Http, appNo: string, part: string, body: unknown) => {
    const stepId = `${appNo}.${part}`;
    await steps.wait(stepId);
    const sample = completionCount++ % o.visibleEvery === 0;
    const inbox = `/api/steps?state=${OPEN_STATES}&subjectType=application&subjectId=${encodeURIComponent(appNo)}&page=1&pageSize=50`;
    if (sample) {
      const before = await officer.get(inbox);
      must('inbox', before, 200);
      if (before.body.items.some((s: { stepId: string }) => s.stepId === stepId)) inboxRead.push(before.ms);
    }
    const r = await officer.post(`/api/steps/${encodeURIComponent(stepId)}/complete`, body);
    must(`complete ${stepId}`, r, 200);
    completion.push(r.ms);
    if (sample) {
      const t0 = performance.now();
      for (let i = 0; ; i++) {
        const after = await officer.get(inbox);
        must('inbox', after, 200);
        if (!after.body.items.some((s: { stepId: string }) => s.stepId === stepId)) break;
        staleReads += 1;
        if (i > 2000) throw new Error(`${stepId} still listed 2000 reads after its completion`);
        await new Promise((res) => setTimeout(res, 5));
      }
      visible.push(performance.now() - t0);
    }
  };

  const t0 = performance.now();
  const appNos: string[] = [];
  const pv = progress('service verify', n, log);
  await mapLimit(Array.from({ length: n }, (_, i) => i), c, async (i) => {
    const r = await parents[i % c]!.post('/api/applications', form());
    must('submit', r, 201);
    submission.push(r.ms);
    const appNo = r.body.applicationNumber as string;
    appNos.push(appNo);
    await complete(officers.education!, appNo, 'pre_review', { outcome: 'confirmed', findings: '材料齐全' });
    await Promise.all(VERIFY.map((d) => complete(officers[d]!, appNo, d, { outcome: 'confirmed', findings: '经核验属实', facts: FACTS[d] })));
    await inPool.wait(appNo);
    pv.tick();
  });
  const verify = pv.done();
  steps.close();
  inPool.close();
  const states = await pool.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM applications WHERE district = $1 GROUP BY state', [DISTRICT]);
  const pooled = states.rows.find((r) => r.state === 'in_pool')?.n ?? 0;
  if (pooled !== n) throw new Error(`expected ${n} applications in the pool, found ${JSON.stringify(states.rows)}`);

  // ---- The allocation round, if this checkout has one ----
  const edu = officers.education!;
  let allocate: number | null = null;
  let checkInSeconds: number | null = null;
  let checkIn: number[] | null = null;
  let roundId: string | null = null;
  let completed = pooled;
  if (!o.withRound) {
    notes.push('No allocation round in this checkout (POST /api/allocation-rounds answered 404): the run ends with the applications in the pool; the round and check-in phases are included once the route exists.');
  } else {
    const started = await edu.post('/api/allocation-rounds', { district: DISTRICT, year: YEAR, stage: STAGE });
    must('start round', started, 201, 200);
    roundId = started.body.roundId as string;
    const ta = performance.now();
    log(`  service allocate: round ${roundId}`);
    let lastLog = ta;
    await waitUntil(
      async () => {
        const r = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM applications WHERE district = $1 AND state = 'placed'`, [DISTRICT]);
        if (performance.now() - lastLog > 3000) {
          lastLog = performance.now();
          log(`  service allocate: ${r.rows[0]!.n}/${n} placed (${((performance.now() - ta) / 1000).toFixed(0)} s)`);
        }
        return r.rows[0]!.n === n;
      },
      'every child placed',
      30 * 60_000,
      100,
    );
    allocate = (performance.now() - ta) / 1000;
    log(`  service allocate: ${n}/${n} placed in ${allocate.toFixed(1)} s`);

    const placements = await pool.query<{ no: string; school: string }>(`SELECT application_number AS no, placement->>'schoolId' AS school FROM applications WHERE district = $1`, [DISTRICT]);
    const schools: Record<string, Http> = {};
    for (const id of o.schools) schools[id] = await loginAs(pool, baseUrl, { username: `bench-${id}`, role: 'school', schoolId: id });
    checkIn = [];
    const pc = progress('service check-in', n, log);
    await mapLimit(placements.rows, c, async (p) => {
      // The read model says "placed" as soon as the placement's activity commits, a moment before the application's
      // workflow has taken the activity's result; a check-in in that moment is refused (409) and the school tries again.
      let r = await schools[p.school]!.post(`/api/applications/${p.no}/check-in`, { result: 'checked_in' });
      for (let i = 0; r.status === 409 && i < 200; i++) {
        checkInRetries += 1;
        await new Promise((res) => setTimeout(res, 50));
        r = await schools[p.school]!.post(`/api/applications/${p.no}/check-in`, { result: 'checked_in' });
      }
      must(`check-in ${p.no}`, r, 200);
      checkIn!.push(r.ms);
      pc.tick();
    });
    checkInSeconds = pc.done();
    const enrolled = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM applications WHERE district = $1 AND state = 'enrolled'`, [DISTRICT]);
    completed = enrolled.rows[0]!.n;
    if (completed !== n) throw new Error(`expected ${n} enrolled, found ${completed}`);
    if (checkInRetries > 0) {
      notes.push(`${checkInRetries} check-in call(s) answered 409 and were repeated: the read model shows "placed" as soon as the placement's activity commits, a moment before the application's workflow has taken the activity's result, and the check-in validator reads the workflow's state.`);
    }
  }
  const total = (performance.now() - t0) / 1000;
  return {
    figures: {
      seconds: { verify: round1(verify), allocate: allocate === null ? null : round1(allocate), checkIn: checkInSeconds === null ? null : round1(checkInSeconds), total: round1(total) },
      throughput: round2(completed / total),
      completed,
      completion: distribution(completion),
      submission: distribution(submission),
      checkIn: checkIn ? distribution(checkIn) : null,
    },
    visible,
    inboxRead,
    staleReads,
    roundId,
    notes,
  };
}

/** The floor: the same messages to bare workflows, straight through the Temporal client. */
async function baselineRun(o: { n: number; c: number; taskQueue: string; withRound: boolean; label: string; log: (l: string) => void }): Promise<RunFigures & { completionSamples: number[]; submissionSamples: number[]; checkInSamples: number[]; sampleIds: string[] }> {
  const env = await benchEnv();
  const { n, c, log } = o;
  const runId = crypto.randomBytes(4).toString('hex');
  const officer = (dept: string): Actor => ({ userId: crypto.randomUUID(), username: dept, displayName: `${dept}经办人`, role: 'officer', departmentCode: dept, schoolId: null });
  const school: Actor = { userId: crypto.randomUUID(), username: 'school', displayName: '学校', role: 'school', departmentCode: null, schoolId: 'bench-primary-1' };
  const completion: number[] = [];
  const submission: number[] = [];
  const checkIn: number[] = [];
  const ids = Array.from({ length: n }, (_, i) => `bench-bare-${runId}-${i}`);
  const update = async (id: string, dept: string, findings: string, facts?: Record<string, unknown>) => {
    const req: StepActionRequest = { action: { type: 'complete', outcome: 'confirmed', findings, evidence: [], ...(facts ? { facts: facts as Record<string, string | number | boolean> } : {}) }, actor: officer(dept), requestId: crypto.randomUUID() };
    const t = performance.now();
    await env.client.workflow.getHandle(id).executeUpdate(stepActionUpdate, { args: [req], updateId: `complete:${req.requestId}` });
    completion.push(performance.now() - t);
  };

  const t0 = performance.now();
  const pv = progress(`${o.label} verify`, n, log);
  await mapLimit(ids, c, async (id, i) => {
    const t = performance.now();
    await env.client.workflow.start('bareApplicationWorkflow', { taskQueue: o.taskQueue, workflowId: id, args: [{ applicationNumber: `${YEAR}-BARE-${String(i + 1).padStart(6, '0')}`, completions: 4 }] });
    submission.push(performance.now() - t);
    await update(id, 'education', '材料齐全');
    await Promise.all(VERIFY.map((d) => update(id, d, '经核验属实', FACTS[d])));
    pv.tick();
  });
  const verify = pv.done();
  let allocate: number | null = null;
  let checkInSeconds: number | null = null;
  if (o.withRound) {
    const placement: Placement = { roundId: `bench-bare-round-${runId}`, schoolId: 'bench-primary-1', schoolNameZh: '基准测试区第1小学', type: 'catchment', reasonZh: '划片学校有学位，按划片入学', checkInLastDay: '2027-09-10' };
    const pa = progress(`${o.label} placement signals`, n, log);
    await mapLimit(ids, 16, async (id) => {
      await env.client.workflow.getHandle(id).signal(placementSignal, placement);
      pa.tick();
    });
    allocate = pa.done();
    const pc = progress(`${o.label} check-in`, n, log);
    await mapLimit(ids, c, async (id) => {
      const t = performance.now();
      await env.client.workflow.getHandle(id).executeUpdate(checkInUpdate, { args: [{ actor: school, requestId: crypto.randomUUID(), result: 'checked_in' }] });
      checkIn.push(performance.now() - t);
      pc.tick();
    });
    checkInSeconds = pc.done();
  }
  const total = (performance.now() - t0) / 1000;
  return {
    seconds: { verify: round1(verify), allocate: allocate === null ? null : round1(allocate), checkIn: checkInSeconds === null ? null : round1(checkInSeconds), total: round1(total) },
    throughput: round2(n / total),
    completed: n,
    completion: distribution(completion),
    submission: distribution(submission),
    checkIn: o.withRound ? distribution(checkIn) : null,
    completionSamples: completion,
    submissionSamples: submission,
    checkInSamples: checkIn,
    sampleIds: ids.slice(0, 20),
  };
}

type Work = { workflows: number; workflowTasks: number; activities: number; historyEvents: number; historyKiB: number; sampled: number };

/** Counts what one application cost Temporal, from the histories of a sample (each group: one application's workflows). */
async function countWork(client: Client, groups: string[][]): Promise<Work | null> {
  if (groups.length === 0) return null;
  let workflows = 0;
  let workflowTasks = 0;
  let activities = 0;
  let historyEvents = 0;
  let historyBytes = 0;
  for (const ids of groups) {
    for (const id of ids) {
      const h = await client.workflow.getHandle(id).fetchHistory();
      const events = h.events ?? [];
      workflows += 1;
      historyEvents += events.length;
      historyBytes += temporal.api.history.v1.History.encode(h).finish().length;
      for (const e of events) {
        if (e.workflowTaskStartedEventAttributes) workflowTasks += 1;
        if (e.activityTaskScheduledEventAttributes) activities += 1;
      }
    }
  }
  const per = (x: number) => Math.round((x / groups.length) * 10) / 10;
  return { workflows: per(workflows), workflowTasks: per(workflowTasks), activities: per(activities), historyEvents: per(historyEvents), historyKiB: per(historyBytes / 1024), sampled: groups.length };
}

async function serviceWork(client: Client, pool: pg.Pool, sample: number): Promise<Work | null> {
  const apps = await pool.query<{ no: string }>('SELECT application_number AS no FROM applications WHERE district = $1 ORDER BY application_number LIMIT $2', [DISTRICT, sample]);
  // An application's workflows: its own, and each step's where the steps run in workflows of their own (the read
  // model names the workflow of every step; applications that host their steps name their own).
  const groups: string[][] = [];
  for (const { no } of apps.rows) {
    const steps = await pool.query<{ id: string }>(`SELECT DISTINCT workflow_id AS id FROM steps WHERE subject_type = 'application' AND subject_id = $1`, [no]);
    groups.push([...new Set([makeApplicationWorkflowId(no), ...steps.rows.map((r) => r.id)])]);
  }
  return countWork(client, groups);
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;

export async function runEnrollBench(opts: EnrollBenchOptions = {}): Promise<[EnrollBenchResult, VisibleBenchResult]> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const n = opts.applications ?? 2000;
  const c = opts.concurrency ?? 32;
  const visibleEvery = Math.max(1, opts.visibleEvery ?? 10);
  const env = await benchEnv(opts);
  const servers = env.embedded ? 'embedded defaults: Temporal dev server (SQLite state file), embedded PostgreSQL' : `given servers (Temporal ${env.temporalAddress})`;
  log(`enroll-e2e: ${n} applications, ${c} in flight, complete-to-visible on every ${visibleEvery}th completion`);

  const db = await env.createDatabase('enroll');
  const { schools } = await setupDistrict(db.pool, n);
  const suffix = crypto.randomBytes(3).toString('hex');
  const taskQueue = `bench-enroll-${suffix}`;
  const bareQueue = `bench-bare-${suffix}`;
  const api = await env.spawnService({ name: `api-enroll-${suffix}`, role: 'api', databaseUrl: db.url, taskQueue });
  const worker = await env.spawnService({ name: `worker-enroll-${suffix}`, role: 'worker', databaseUrl: db.url, taskQueue, bundlePath: env.serviceBundlePath });
  const bare = await env.spawnService({ name: `bare-enroll-${suffix}`, role: 'bare-worker', databaseUrl: db.url, taskQueue: bareQueue, bundlePath: env.bareBundlePath });
  const baseUrl = `http://127.0.0.1:${api.port}`;
  const roundRoute = (await http(baseUrl).post('/api/allocation-rounds', {})).status !== 404;

  try {
    const procs = { worker, api, bareWorker: bare };
    const c0 = cpuSnapshot(env, procs);
    const b1 = await baselineRun({ n, c, taskQueue: bareQueue, withRound: roundRoute, label: 'baseline (1/2)', log });
    const c1 = cpuSnapshot(env, procs);
    const workerRss = sampleRss(worker);
    const apiRss = sampleRss(api);
    const s = await serviceRun({ n, c, visibleEvery, pool: db.pool, baseUrl, schools, withRound: roundRoute, log });
    const wr = workerRss.stop();
    const ar = apiRss.stop();
    const c2 = cpuSnapshot(env, procs);
    const b2 = await baselineRun({ n, c, taskQueue: bareQueue, withRound: roundRoute, label: 'baseline (2/2)', log });
    const c3 = cpuSnapshot(env, procs);
    const baselineCpu = cpuDelta(c0, c1);
    for (const [k, v] of Object.entries(cpuDelta(c2, c3))) baselineCpu[k] = Math.round(((baselineCpu[k] ?? 0) + v) * 100) / 100;
    const perApplication = { service: await serviceWork(env.client, db.pool, Math.min(n, 20)), baseline: await countWork(env.client, b2.sampleIds.map((id) => [id])) };

    const pooledSeconds = (k: 'verify' | 'allocate' | 'checkIn' | 'total') => {
      const a = b1.seconds[k];
      const b = b2.seconds[k];
      return a === null || b === null ? null : round1((a + b) / 2);
    };
    const baseline: EnrollBenchResult['baseline'] = {
      runs: 2,
      throughputs: [b1.throughput, b2.throughput],
      seconds: { verify: pooledSeconds('verify')!, allocate: pooledSeconds('allocate'), checkIn: pooledSeconds('checkIn'), total: pooledSeconds('total')! },
      throughput: round2((2 * n) / (b1.seconds.total + b2.seconds.total)),
      completed: n,
      completion: distribution([...b1.completionSamples, ...b2.completionSamples]),
      submission: distribution([...b1.submissionSamples, ...b2.submissionSamples]),
      checkIn: roundRoute ? distribution([...b1.checkInSamples, ...b2.checkInSamples]) : null,
    };
    const sv = s.figures;
    const ratio = {
      throughput: ratioOf(sv.throughput, baseline.throughput),
      completionP50: ratioOf(sv.completion.p50, baseline.completion.p50),
      completionP95: ratioOf(sv.completion.p95, baseline.completion.p95),
      completionP99: ratioOf(sv.completion.p99, baseline.completion.p99),
    };
    const now = new Date().toISOString();
    const result: EnrollBenchResult = {
      benchmark: 'enroll-e2e',
      measuredAt: now,
      machine: machine(),
      servers,
      params: { applications: n, concurrency: c, completionsPerApplication: 1 + VERIFY.length, visibleEvery, allocationRound: roundRoute },
      service: {
        ...sv,
        workerPeakRssMiB: wr.samples ? round1(wr.peakKiB / 1024) : null,
        workerCache: worker.info.maxCachedWorkflows ?? null,
        apiPeakRssMiB: ar.samples ? round1(ar.peakKiB / 1024) : null,
        roundId: s.roundId,
      },
      baseline,
      ratio,
      cpu: { service: cpuDelta(c1, c2), baseline: baselineCpu },
      perApplication,
      targetMet: ratio.throughput >= 0.5,
      notes: s.notes,
    };
    const visible: VisibleBenchResult = {
      benchmark: 'complete-to-visible',
      measuredAt: now,
      machine: result.machine,
      servers,
      params: { applications: n, visibleEvery },
      visible: distribution(s.visible),
      inboxRead: distribution(s.inboxRead),
      staleReads: s.staleReads,
      ratio: { p50: 0, p99: 0 },
    };
    visible.ratio = { p50: ratioOf(visible.visible.p50, visible.inboxRead.p50), p99: ratioOf(visible.visible.p99, visible.inboxRead.p99) };

    log('');
    log(`enroll-e2e: service ${sv.throughput} applications/s (${sv.completed} in ${sv.seconds.total} s: verify ${sv.seconds.verify}, allocate ${sv.seconds.allocate ?? '–'}, check-in ${sv.seconds.checkIn ?? '–'})`);
    log(`            baseline ${baseline.throughput} applications/s (runs ${baseline.throughputs.join(', ')}); ratio ${ratio.throughput}× (target ≥ 0.5×: ${result.targetMet ? 'met' : 'NOT met'})`);
    log(`            completion call p50/p95/p99 ${sv.completion.p50}/${sv.completion.p95}/${sv.completion.p99} ms vs ${baseline.completion.p50}/${baseline.completion.p95}/${baseline.completion.p99} ms`);
    log(`            CPU s, service run: ${JSON.stringify(result.cpu.service)}; both baseline runs: ${JSON.stringify(result.cpu.baseline)}`);
    log(`            per application: service ${JSON.stringify(perApplication.service)}; baseline ${JSON.stringify(perApplication.baseline)}`);
    log(`complete-to-visible: p50 ${visible.visible.p50} ms, p99 ${visible.visible.p99} ms (one inbox read p50 ${visible.inboxRead.p50} ms, p99 ${visible.inboxRead.p99} ms; ${visible.staleReads} stale reads in ${visible.visible.n} samples)`);

    if (opts.out !== null) {
      const out = opts.out ?? path.join(ROOT, 'bench', 'results', 'enroll-e2e.json');
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
      const vOut = path.join(path.dirname(out), path.basename(out).replace('enroll-e2e', 'complete-to-visible'));
      fs.writeFileSync(vOut, `${JSON.stringify(visible, null, 2)}\n`);
      log(`written: ${path.relative(ROOT, out)}, ${path.relative(ROOT, vOut)}`);
    }
    return [result, visible];
  } finally {
    await Promise.all([api.stop(), worker.stop(), bare.stop()]);
    await db.pool.end();
  }
}
