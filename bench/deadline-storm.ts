/**
 * deadline-storm: N open department steps whose deadlines fall in the same minute, against N bare timers in the same
 * run on the same Temporal server. Figure: the lag from each deadline to its escalation being recorded.
 *
 * How the deadlines are placed: deadlines are ends of working days, so they cannot be spread inside one minute by
 * choosing assignment times; instead the step worker runs with a time scale (activities/time-scale.ts, the mechanism
 * the clock tests use): one working day of the schedule lasts 86400 / factor real seconds (factor 24: one hour). Every
 * step is assigned (StepInput.assignedAt) at the same virtual instant, so all N deadlines fall on the same real
 * instant T: the harshest case inside the one-minute window. The reminder (start of the last day) falls an hour before
 * T, so it fires as the steps are created; the second escalation rung an hour or more after T.
 *   T is chosen after a pilot: a few steps with far deadlines are created first to measure the creation rate here and
 *   now, and T = now + 1.5 × (time to create all N at that rate) + 10 s; the worker's time-scale origin is then set over
 *   IPC so that the virtual deadline maps to T. Steps whose creation finished after T are counted and reported.
 * Lag: audit_log 'overdue' row `at` (the workflow's clock in the task that fired the timer) − the step's deadline, and
 *   `recorded_at` (the database clock when the activity committed the row, audit row, read model and notification)
 *   − the deadline. Baseline: bench/workflows bareTimerWorkflow, N workflows sleeping until one instant, each
 *   returning the workflow clock of the task that woke it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { WorkflowIdConflictPolicy } from '@temporalio/client';
import { makeStepWorkflowId, type StepInput } from '../contracts/department-step';
import { SA } from '../contracts/search-attributes';
import { CalendarSource } from '../db/calendar-source';
import { DEPARTMENTS, type Actor } from '../domain/roles';
import { computeDeadline } from '../domain/working-days';
import { benchEnv, cpuDelta, cpuSnapshot, distribution, machine, mapLimit, progress, ratioOf, sampleRss, waitUntil, type BenchEnvOptions, type CpuSnapshot, type Distribution, type Machine } from './env';

const ROOT = path.join(__dirname, '..');

export interface StormBenchOptions extends BenchEnvOptions {
  steps?: number;
  /** Time-scale factor of the step worker (virtual seconds per real second). Default 24. */
  factor?: number;
  concurrency?: number;
  out?: string | null;
  log?: (line: string) => void;
}

export interface StormBenchResult {
  benchmark: 'deadline-storm';
  measuredAt: string;
  machine: Machine;
  servers: string;
  params: { steps: number; departments: number; factor: number; windowSeconds: number; concurrency: number };
  steps: {
    /** audit 'overdue' at − deadline (ms). */
    lag: Distribution;
    /** audit 'overdue' recorded_at − deadline (ms). */
    recordedLag: Distribution;
    recorded: number;
    /** Seconds from the first to the last deadline. */
    deadlineSpreadSeconds: number;
    leadSeconds: number;
    creationSeconds: number;
    /** Steps whose 'assigned' row was committed after their deadline (their lag says nothing about the clock). */
    createdLate: number;
    secondsToLastEscalation: number;
    workerCache: number | null;
    workerPeakRssMiB: number | null;
    cpu: CpuSnapshot;
  };
  bare: { lag: Distribution; fired: number; leadSeconds: number; creationSeconds: number; createdLate: number; secondsToLast: number; cpu: CpuSnapshot };
  ratio: { p50: number; p99: number; recordedP99: number };
}

const SUPERVISOR: Actor = { userId: 'bench-supervisor', username: 'bench-supervisor', displayName: '督查室（基准测试）', role: 'supervisor', departmentCode: null, schoolId: null };

export async function runStormBench(opts: StormBenchOptions = {}): Promise<StormBenchResult> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const n = opts.steps ?? 5000;
  const factor = opts.factor ?? 24;
  const c = opts.concurrency ?? 32;
  const env = await benchEnv(opts);
  const servers = env.embedded ? 'embedded defaults: Temporal dev server (SQLite state file), embedded PostgreSQL' : `given servers (Temporal ${env.temporalAddress})`;
  const departments = DEPARTMENTS.slice(0, 20).map((d) => d.code);
  log(`deadline-storm: ${n} steps with one deadline instant, time scale ×${factor} (one working day = ${(86400 / factor / 60).toFixed(0)} min), against ${n} bare timers`);

  const db = await env.createDatabase('storm');
  const run = crypto.randomBytes(3).toString('hex');
  const queue = `bench-storm-${run}`;
  const bareQueue = `bench-storm-bare-${run}`;
  const worker = await env.spawnService({ name: `worker-storm-${run}`, role: 'worker', databaseUrl: db.url, taskQueue: queue, bundlePath: env.serviceBundlePath, timeScale: { factor, origin: Date.now() } });
  const bare = await env.spawnService({ name: `bare-storm-${run}`, role: 'bare-worker', databaseUrl: db.url, taskQueue: bareQueue, bundlePath: env.bareBundlePath });
  const client = env.client;
  const assignedCount = async (prefix: string) =>
    (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'assigned' AND stream_id LIKE $1`, [`${prefix}%`])).rows[0]!.n;
  const startStep = (stepId: string, i: number, deadline: StepInput['deadline'], assignedAt?: string) =>
    client.workflow.start('departmentStepWorkflow', {
      taskQueue: queue,
      workflowId: makeStepWorkflowId(stepId),
      args: [
        {
          stepId,
          departmentCode: departments[i % departments.length]!,
          title: `限期办理事项 ${i + 1}（基准测试）`,
          kind: 'task',
          subject: { type: 'standalone', id: stepId },
          deadline,
          requiresReview: false,
          ...(assignedAt ? { assignedAt } : {}),
          createdBy: SUPERVISOR,
        } satisfies StepInput,
      ],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      typedSearchAttributes: [{ key: SA.DepartmentCode, value: departments[i % departments.length]! }, { key: SA.StepState, value: 'open' }],
    });

  try {
    // ---- Pilot: how fast steps are created here and now ----
    const k = Math.max(10, Math.min(200, Math.round(n / 20)));
    const pilotPrefix = `storm-pilot-${run}-`;
    let t = performance.now();
    await mapLimit(Array.from({ length: k }, (_, i) => i), c, (i) => startStep(`${pilotPrefix}${i}`, i, { workingDays: 20 }));
    await waitUntil(async () => (await assignedCount(pilotPrefix)) >= k, 'the pilot steps', 300_000, 50);
    const rate = k / ((performance.now() - t) / 1000);
    await mapLimit(Array.from({ length: k }, (_, i) => i), c, (i) => client.workflow.getHandle(makeStepWorkflowId(`${pilotPrefix}${i}`)).terminate('bench pilot'));

    // ---- Place the deadline ----
    const lead = Math.max(20, (1.5 * n) / rate + 10);
    const T = Date.now() + lead * 1000;
    const calendar = await new CalendarSource(db.pool).get();
    const Va = Date.now() + 7 * 86_400_000;
    const Dv = computeDeadline(calendar, new Date(Va), 1).deadline.getTime();
    const origin = (T * factor - Dv) / (factor - 1);
    const A = origin + (Va - origin) / factor;
    await worker.send({ type: 'timeScale', origin, factor }, 'timeScale-ok');
    log(`  storm: pilot ${k} steps at ${rate.toFixed(1)}/s; deadline of all ${n} steps in ${lead.toFixed(0)} s`);

    // ---- Create the steps ----
    const prefix = `storm-${run}-`;
    const rss = sampleRss(worker, 500);
    const cpu0 = cpuSnapshot(env, { worker, bareWorker: bare });
    t = performance.now();
    const pc = progress('storm: steps created', n, log);
    await mapLimit(Array.from({ length: n }, (_, i) => i), c, async (i) => {
      await startStep(`${prefix}${i}`, i, { workingDays: 1 }, new Date(A).toISOString());
      pc.tick();
    });
    await waitUntil(async () => (await assignedCount(prefix)) >= n, 'every step assigned', 30 * 60_000, 200);
    const creationSeconds = (performance.now() - t) / 1000;
    pc.done();

    // ---- The storm ----
    const overdueCount = async () => (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'overdue' AND stream_id LIKE $1`, [`${prefix}%`])).rows[0]!.n;
    let lastLog = 0;
    await waitUntil(
      async () => {
        const m = await overdueCount();
        if (Date.now() - lastLog > 3000) {
          lastLog = Date.now();
          const s = (Date.now() - T) / 1000;
          log(`  storm: ${m}/${n} escalations recorded (${s < 0 ? `deadline in ${(-s).toFixed(0)} s` : `${s.toFixed(0)} s after the deadline`})`);
        }
        return m >= n;
      },
      'every escalation recorded',
      lead * 1000 + 30 * 60_000,
      250,
    );
    const cpu1 = cpuSnapshot(env, { worker, bareWorker: bare });
    const r = rss.stop();
    const lags = await db.pool.query<{ lag: number; rlag: number; late: boolean; deadline: Date }>(
      `SELECT extract(epoch FROM a.at - s.deadline_at) * 1000 AS lag, extract(epoch FROM a.recorded_at - s.deadline_at) * 1000 AS rlag,
              (SELECT b.recorded_at > s.deadline_at FROM audit_log b WHERE b.stream_id = s.step_id AND b.action = 'assigned') AS late,
              s.deadline_at AS deadline
       FROM audit_log a JOIN steps s ON s.step_id = a.stream_id WHERE a.action = 'overdue' AND a.stream_id LIKE $1`,
      [`${prefix}%`],
    );
    const deadlines = lags.rows.map((x) => x.deadline.getTime());
    const lag = distribution(lags.rows.map((x) => Number(x.lag)));
    const recordedLag = distribution(lags.rows.map((x) => Number(x.rlag)));
    const createdLate = lags.rows.filter((x) => x.late).length;
    const secondsToLastEscalation = Math.round(Math.max(...lags.rows.map((x) => Number(x.rlag)))) / 1000;
    log(`  storm: steps p50/p99 lag ${lag.p50}/${lag.p99} ms (recorded ${recordedLag.p50}/${recordedLag.p99} ms); ${createdLate} created after the deadline`);

    // ---- Baseline: bare timers ----
    const barePilot = `storm-bare-pilot-${run}-`;
    t = performance.now();
    await mapLimit(Array.from({ length: k }, (_, i) => i), c, (i) => client.workflow.start('bareTimerWorkflow', { taskQueue: bareQueue, workflowId: `${barePilot}${i}`, args: [{ fireAt: Date.now() + 86_400_000 }] }));
    const bareRate = k / ((performance.now() - t) / 1000);
    await mapLimit(Array.from({ length: k }, (_, i) => i), c, (i) => client.workflow.getHandle(`${barePilot}${i}`).terminate('bench pilot'));
    const bareLead = Math.max(20, (1.5 * n) / bareRate + 10);
    const Tb = Date.now() + bareLead * 1000;
    const barePrefix = `storm-bare-${run}-`;
    const cpu2 = cpuSnapshot(env, { worker, bareWorker: bare });
    t = performance.now();
    const pb = progress('storm: bare timers started', n, log);
    let bareLate = 0;
    await mapLimit(Array.from({ length: n }, (_, i) => i), c, async (i) => {
      await client.workflow.start('bareTimerWorkflow', { taskQueue: bareQueue, workflowId: `${barePrefix}${i}`, args: [{ fireAt: Tb }] });
      if (Date.now() > Tb) bareLate += 1;
      pb.tick();
    });
    const bareCreation = (performance.now() - t) / 1000;
    pb.done();
    const fired = await mapLimit(Array.from({ length: n }, (_, i) => i), 64, (i) => client.workflow.getHandle(`${barePrefix}${i}`).result() as Promise<{ fireAt: number; firedAt: number }>);
    const cpu3 = cpuSnapshot(env, { worker, bareWorker: bare });
    const bareLag = distribution(fired.map((f) => f.firedAt - f.fireAt));
    const bareLast = (Math.max(...fired.map((f) => f.firedAt)) - Tb) / 1000;
    log(`  storm: bare timers p50/p99 lag ${bareLag.p50}/${bareLag.p99} ms`);

    const result: StormBenchResult = {
      benchmark: 'deadline-storm',
      measuredAt: new Date().toISOString(),
      machine: machine(),
      servers,
      params: { steps: n, departments: departments.length, factor, windowSeconds: 60, concurrency: c },
      steps: {
        lag,
        recordedLag,
        recorded: lags.rows.length,
        deadlineSpreadSeconds: deadlines.length ? (Math.max(...deadlines) - Math.min(...deadlines)) / 1000 : 0,
        leadSeconds: Math.round(lead),
        creationSeconds: Math.round(creationSeconds * 10) / 10,
        createdLate,
        secondsToLastEscalation,
        workerCache: worker.info.maxCachedWorkflows ?? null,
        workerPeakRssMiB: r.samples ? Math.round((r.peakKiB / 1024) * 10) / 10 : null,
        cpu: cpuDelta(cpu0, cpu1),
      },
      bare: { lag: bareLag, fired: fired.length, leadSeconds: Math.round(bareLead), creationSeconds: Math.round(bareCreation * 10) / 10, createdLate: bareLate, secondsToLast: Math.round(bareLast * 1000) / 1000, cpu: cpuDelta(cpu2, cpu3) },
      ratio: { p50: ratioOf(lag.p50, bareLag.p50), p99: ratioOf(lag.p99, bareLag.p99), recordedP99: ratioOf(recordedLag.p99, bareLag.p99) },
    };
    log(`deadline-storm: escalation lag p99 ${lag.p99} ms (recorded ${recordedLag.p99} ms) vs bare timers p99 ${bareLag.p99} ms: ${result.ratio.p99}× (recorded ${result.ratio.recordedP99}×); last escalation ${secondsToLastEscalation} s after the deadline, last bare timer ${result.bare.secondsToLast} s`);
    if (opts.out !== null) {
      const out = opts.out ?? path.join(ROOT, 'bench', 'results', 'deadline-storm.json');
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
      log(`written: ${path.relative(ROOT, out)}`);
    }
    return result;
  } finally {
    await Promise.all([worker.stop(), bare.stop()]);
    await db.pool.end();
  }
}
