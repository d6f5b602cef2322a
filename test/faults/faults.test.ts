/**
 * Faults injected in the middle of a load of applications, on real servers of this file's own (a Temporal dev server
 * with a state file, an embedded PostgreSQL, the worker as a child process, the API in-process as api/main.ts builds
 * it):
 *   1. the worker is SIGKILLed three times and restarted each time;
 *   2. the Temporal server is stopped and started again on the same state file and port;
 *   3. PostgreSQL is stopped for 30 seconds and started again on the same data folder and port.
 * Parents and officers are played by a driver that behaves like people do: it retries on 503 and on a dropped
 * connection after a short pause, and sends an Idempotency-Key with every completion so a retry is the same act.
 * While a server is down, requests that would change state must get 503 with a clear message and leave nothing
 * behind. After each fault every application of that phase must be in the pool, with every audit row and
 * notification exactly once, and the read model must agree with the workflows' queries.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import type pg from 'pg';
import { hashPassword } from '../../api/auth/passwords';
import { getApplicationQuery, makeApplicationWorkflowId } from '../../contracts/application';
import { getStepQuery, makeStepWorkflowId, standaloneStepId } from '../../contracts/department-step';
import { createPool } from '../../db/pool';
import { prepareDatabase } from '../../db/prepare';
import { ensureUser } from '../../db/repositories/users';
import { DEMO_PASSWORD, seedDemoData } from '../../db/seed-demo';
import { findFullIdNumbers } from '../../domain/personal-data';
import { applicationForm } from '../support/application-fixtures';
import { replayHistoryOf } from '../support/concurrency';
import { TEST_PAYLOAD_KEYS, TEST_PERSONAL_DATA_KEY } from '../support/harness';
import { scanForIdNumbers } from '../support/personal-data-scan';
import { LOG_DIR, ROOT, RestartablePostgres, RestartableTemporal, WorkerProcess, startInProcessApi, type InProcessApi } from '../support/service-processes';

jest.setTimeout(300_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const say = (line: string) => process.stdout.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------------------------
// The servers of this file

let dir: string | undefined;
let postgres: RestartablePostgres | undefined;
let temporal: RestartableTemporal | undefined;
let worker: WorkerProcess | undefined;
let api: InProcessApi | undefined;
/** The test's own connection for seeding and for checking the tables afterwards. */
let db: pg.Pool | undefined;
const workerLog = path.join(LOG_DIR, `faults-worker-${process.pid}.log`);
const apiLog = path.join(LOG_DIR, `faults-api-${process.pid}.log`);

// ---------------------------------------------------------------------------------------------------------------
// What the run counted

interface Outage {
  what: 'temporal' | 'postgres' | 'worker';
  from: number;
  to?: number;
}
const outages: Outage[] = [];
/** A request still counts as overlapping an outage this long after the server is back (its answer was on the way). */
const OUTAGE_GRACE_MS = 5_000;
/** Temporal's default workflow task timeout: how long a task held by a killed worker waits before another takes it. */
const WORKFLOW_TASK_TIMEOUT_MS = 10_000;

const totals = { injected: 0, checked: 0, lost: 0, duplicated: 0, mismatched: 0 };
const http = {
  requests: 0,
  /** 503 to a request that overlapped an outage: what the service should answer then. */
  unavailableDuringOutage: 0,
  /** 503 with every server up. */
  unavailableOtherwise: [] as string[],
  /** 500–599 other than 503. */
  serverErrors: [] as string[],
  connectionErrors: 0,
};
/** Answers to an act that the driver did not expect (a retried completion refused, say). */
const oddAnswers: string[] = [];

function overlapsOutage(start: number, end: number): boolean {
  return outages.some((o) => o.from <= end && (o.to === undefined || o.to + OUTAGE_GRACE_MS >= start));
}

// ---------------------------------------------------------------------------------------------------------------
// The driver: people using the API

interface Reply {
  status: number;
  body: any;
}

interface User {
  username: string;
  userId: string;
  token: string;
}

/** One HTTP request, no retries; throws when the connection fails. */
async function send(token: string | undefined, method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await fetch(api!.baseUrl + urlPath, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON; keep the text
  }
  return { status: res.status, body: parsed };
}

/** Count one answer: 503 during an outage is expected, any other 5xx is a fault of the service. */
function tally(method: string, urlPath: string, start: number, reply: Reply): void {
  http.requests += 1;
  if (reply.status === 503) {
    if (overlapsOutage(start, Date.now())) http.unavailableDuringOutage += 1;
    else http.unavailableOtherwise.push(`${method} ${urlPath}: ${JSON.stringify(reply.body)}`);
  } else if (reply.status >= 500) {
    http.serverErrors.push(`${method} ${urlPath}: ${reply.status} ${JSON.stringify(reply.body)}`);
  }
}

/** What a person does: send, and on 503, 5xx or a dropped connection wait a little and send the same again. */
async function call(user: User | undefined, method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = 240_000): Promise<Reply> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const start = Date.now();
    let reply: Reply | undefined;
    try {
      reply = await send(user?.token, method, urlPath, body, headers);
      tally(method, urlPath, start, reply);
      if (reply.status < 500) return reply;
    } catch {
      http.connectionErrors += 1;
    }
    if (Date.now() > deadline) throw new Error(`${method} ${urlPath}: no answer but ${reply ? reply.status : 'connection errors'} for ${timeoutMs / 1000} s`);
    await sleep(Math.min(300 * 2 ** attempt, 2000) + Math.random() * 200);
  }
}

/** Look again and again (as a person reloads a page) until the answer is what they wait for. */
async function poll(user: User, urlPath: string, ok: (r: Reply) => boolean, what: string, timeoutMs = 240_000): Promise<Reply> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await call(user, 'GET', urlPath, undefined, {}, timeoutMs);
    if (ok(r)) return r;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last answer ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    await sleep(400);
  }
}

async function login(username: string): Promise<User> {
  const r = await call(undefined, 'POST', '/api/auth/login', { username, password: DEMO_PASSWORD });
  if (r.status !== 200) throw new Error(`login as ${username}: ${r.status} ${JSON.stringify(r.body)}`);
  const me = await call({ username, userId: '', token: r.body.token }, 'GET', '/api/me');
  return { username, userId: me.body.userId, token: r.body.token };
}

const officers: Record<'edu' | 'police' | 'hrss' | 'housing' | 'supervisor', User> = {} as never;

let passwordHash: Promise<string> | undefined;
async function newParent(): Promise<User> {
  const username = `fault-parent-${crypto.randomUUID().slice(0, 12)}`;
  await ensureUser(db!, { username, displayName: `家长${username.slice(-4)}`, passwordHash: await (passwordHash ??= hashPassword(DEMO_PASSWORD)), role: 'applicant' });
  return login(username);
}

const FACTS = {
  police: { valid: true, months: 40 },
  hrss: { employed: true, insuranceMonths: 36 },
  housing: { rentalRegistered: true, communityResidenceProof: true },
} as const;
const VERIFYING = ['police', 'hrss', 'housing'] as const;
const PARTS = ['pre_review', ...VERIFYING] as const;

interface AppUnderTest {
  parent: User;
  form: any;
  appNo?: string;
  error?: string;
}

/** Every application of every phase, re-checked at the end: a later fault must not disturb an earlier phase's. */
const allApps: AppUnderTest[] = [];

/** Acts answered "refresh and retry" (409) while a retried workflow task had not yet hosted its steps again. */
const refreshAndRetry: string[] = [];

/** Progress of the current phase's load, so a fault can be injected when the load is under way. */
const progress = { acts: 0 };

/** An officer opens the step once it is in their inbox and completes it; the Idempotency-Key makes a retry the same act. */
async function complete(officer: User, stepId: string, body: Record<string, unknown>): Promise<void> {
  await poll(officer, `/api/steps/${encodeURIComponent(stepId)}`, (r) => r.status === 200, `step ${stepId} in the inbox`);
  let r = await call(officer, 'POST', `/api/steps/${encodeURIComponent(stepId)}/complete`, body, { 'idempotency-key': `fault-complete-${stepId}` });
  // An act that reaches an application whose workflow task a killed worker left is answered "请刷新后重试" until the
  // retried task has hosted its steps again; the officer does as told. Counted, and printed in the summary.
  for (let attempt = 0; attempt < 30 && r.status === 409 && JSON.stringify(r.body).includes('请刷新后重试'); attempt++) {
    refreshAndRetry.push(`complete ${stepId}`);
    await sleep(1000);
    r = await call(officer, 'POST', `/api/steps/${encodeURIComponent(stepId)}/complete`, body, { 'idempotency-key': `fault-complete-${stepId}` });
  }
  if (r.status !== 200) oddAnswers.push(`complete ${stepId}: ${r.status} ${JSON.stringify(r.body)}`);
  progress.acts += 1;
}

/** One family's way through: submit, pre-review by the education bureau, the three verifications at once, the pool. */
async function journey(app: AppUnderTest): Promise<void> {
  try {
    const submitted = await call(app.parent, 'POST', '/api/applications', app.form);
    if (submitted.status !== 201 && submitted.status !== 200) throw new Error(`submission: ${submitted.status} ${JSON.stringify(submitted.body)}`);
    const appNo: string = submitted.body.applicationNumber;
    app.appNo = appNo;
    await complete(officers.edu, `${appNo}.pre_review`, { outcome: 'confirmed', findings: '材料齐全' });
    await Promise.all(VERIFYING.map((d) => complete(officers[d], `${appNo}.${d}`, { outcome: 'confirmed', findings: '经核验属实', facts: FACTS[d] })));
    await poll(app.parent, `/api/applications/${appNo}`, (r) => r.status === 200 && r.body.state === 'in_pool', `${appNo} in the pool`);
  } catch (err) {
    app.error = (err as Error).message;
  }
}

async function newApps(n: number): Promise<AppUnderTest[]> {
  return Promise.all(Array.from({ length: n }, async () => ({ parent: await newParent(), form: applicationForm() })));
}

/** Start the journeys a little apart, as families do; resolves when all of them have ended. */
function startLoad(apps: AppUnderTest[], spacingMs: number): Promise<void> {
  return Promise.all(apps.map(async (a, i) => {
    await sleep(i * spacingMs);
    await journey(a);
  })).then(() => undefined);
}

async function until(pred: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred() && Date.now() < deadline) await sleep(100);
}

// ---------------------------------------------------------------------------------------------------------------
// The checks after a fault

interface Findings {
  lost: string[];
  duplicated: string[];
  mismatched: string[];
}

const count = async (sql: string, args: unknown[]): Promise<number> => Number((await db!.query(sql, args)).rows[0].n);

/** Each expected action exactly once, sequence numbers 1..n without gaps; anything else is named. */
async function checkAuditStream(streamId: string, expected: readonly string[], f: Findings): Promise<Map<string, number>> {
  const rows = (await db!.query<{ action: string; seq: number }>('SELECT action, seq FROM audit_log WHERE stream_id = $1 ORDER BY seq', [streamId])).rows;
  const seqOf = new Map<string, number>();
  for (const action of expected) {
    const found = rows.filter((r) => r.action === action);
    if (found.length === 0) f.lost.push(`${streamId}: audit '${action}' missing`);
    if (found.length > 1) f.duplicated.push(`${streamId}: audit '${action}' ${found.length} times`);
    if (found[0]) seqOf.set(action, found[0].seq);
  }
  for (const r of rows) if (!expected.includes(r.action)) f.mismatched.push(`${streamId}: unexpected audit '${r.action}'`);
  rows.forEach((r, i) => {
    if (r.seq !== i + 1) f.lost.push(`${streamId}: audit sequence has a gap before seq ${r.seq}`);
  });
  return seqOf;
}

/** The step's 'assigned' notice exactly once, under the dedupe key of its 'assigned' event; no kind twice. */
async function checkStepNotifications(stepId: string, assignedSeq: number | undefined, f: Findings): Promise<void> {
  const rows = (await db!.query<{ kind: string; dedupe_key: string }>('SELECT kind, dedupe_key FROM notifications WHERE step_id = $1', [stepId])).rows;
  const assigned = rows.filter((r) => r.kind === 'assigned');
  if (assigned.length === 0) f.lost.push(`${stepId}: 'assigned' notification missing`);
  else if (assigned.length > 1) f.duplicated.push(`${stepId}: 'assigned' notification ${assigned.length} times`);
  else if (assignedSeq !== undefined && assigned[0]!.dedupe_key !== `step:${stepId}:${assignedSeq}:assigned`) {
    f.mismatched.push(`${stepId}: 'assigned' notification under ${assigned[0]!.dedupe_key}`);
  }
  const kinds = new Map<string, number>();
  for (const r of rows) kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
  for (const [kind, n] of kinds) if (kind !== 'assigned' && n > 1) f.duplicated.push(`${stepId}: '${kind}' notification ${n} times`);
}

/**
 * A query needs a worker polling the task queue. A worker the test has just restarted may not have polled yet (the
 * load can finish before the last restart), and the server then answers FAILED_PRECONDITION "no poller seen";
 * ask again for up to 30 s, as an operator's tool would, rather than report a workflow that is fine.
 */
async function queryOnceWorkerPolls<T>(ask: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await ask();
    } catch (err) {
      const cause = (err as { cause?: { code?: number; details?: string } }).cause;
      if (!(cause?.code === 9 && /no poller seen/.test(cause.details ?? '')) || Date.now() > deadline) throw err;
      await sleep(500);
    }
  }
}

/** The read model's row against the workflow's own query: same state, same sequence number. */
async function checkStepAgainstWorkflow(stepId: string, f: Findings): Promise<void> {
  const row = (await db!.query<{ state: string; last_seq: number; workflow_id: string }>('SELECT state, last_seq, workflow_id FROM steps WHERE step_id = $1', [stepId])).rows[0];
  if (!row) return; // reported as lost by the caller
  // The step's workflow: its own (a standalone step) or the application hosting it.
  const view = await queryOnceWorkerPolls(() => api!.temporal.workflow.getHandle(row.workflow_id).query(getStepQuery, stepId));
  if (view.state !== row.state || view.seq !== row.last_seq) {
    f.mismatched.push(`${stepId}: steps row ${row.state}/${row.last_seq}, workflow ${view.state}/${view.seq}`);
  }
}

async function checkApplication(app: AppUnderTest, f: Findings): Promise<void> {
  const rows = (await db!.query<{ application_number: string; state: string; last_seq: number }>(
    'SELECT application_number, state, last_seq FROM applications WHERE applicant_user_id = $1',
    [app.parent.userId],
  )).rows;
  if (rows.length === 0) {
    f.lost.push(`${app.parent.username}: no application (${app.error ?? 'no error seen'})`);
    return;
  }
  if (rows.length > 1) f.duplicated.push(`${app.parent.username}: ${rows.length} applications`);
  const row = rows[0]!;
  const appNo = row.application_number;
  if (row.state !== 'in_pool') f.lost.push(`${appNo}: ${row.state}, not in_pool${app.error ? ` (${app.error})` : ''}`);

  const seqOf = await checkAuditStream(appNo, ['submitted', 'verification_started', 'assessment_started', 'entered_pool'], f);
  // The parent's notices: one when the application is accepted, one when it enters the pool; nothing else, once each.
  const notices = (await db!.query<{ dedupe_key: string; recipient_user_id: string }>(
    'SELECT dedupe_key, recipient_user_id FROM notifications WHERE starts_with(dedupe_key, $1)',
    [`application:${appNo}:`],
  )).rows;
  for (const action of ['submitted', 'entered_pool']) {
    const seq = seqOf.get(action);
    if (seq === undefined) continue;
    const key = `application:${appNo}:${seq}`;
    const n = notices.filter((x) => x.dedupe_key === key && x.recipient_user_id === app.parent.userId).length;
    if (n === 0) f.lost.push(`${appNo}: parent's '${action}' notice missing`);
  }
  if (notices.length > 2) f.duplicated.push(`${appNo}: ${notices.length} notices to the parent, expected 2`);

  const view = await queryOnceWorkerPolls(() => api!.temporal.workflow.getHandle(makeApplicationWorkflowId(appNo)).query(getApplicationQuery));
  if (view.state !== row.state || view.seq !== row.last_seq) f.mismatched.push(`${appNo}: projection ${row.state}/${row.last_seq}, workflow ${view.state}/${view.seq}`);

  const stepIds = (await db!.query<{ step_id: string }>(`SELECT step_id FROM steps WHERE subject_type = 'application' AND subject_id = $1`, [appNo])).rows.map((r) => r.step_id);
  for (const part of PARTS) {
    const stepId = `${appNo}.${part}`;
    if (!stepIds.includes(stepId)) f.lost.push(`${stepId}: no steps row`);
    const stepSeqs = await checkAuditStream(stepId, ['assigned', 'completed'], f);
    await checkStepNotifications(stepId, stepSeqs.get('assigned'), f);
    await checkStepAgainstWorkflow(stepId, f);
  }
  for (const id of stepIds) if (!(PARTS as readonly string[]).map((p) => `${appNo}.${p}`).includes(id)) f.duplicated.push(`${appNo}: unexpected step ${id}`);
}

/** The operator's sweep (`npm run sweep -- --json`) against this file's servers: exit code, answer, error text. */
function runSweep(): Promise<{ code: number; stalls: { kind: string; workflowId: string; subject: string; lastError: string | null }[]; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'scripts', 'sweep.ts'), '--json'],
      { cwd: ROOT, env: { ...process.env, TEMPORAL_ADDRESS: temporal!.address, DATABASE_URL: postgres!.url, LOG_LEVEL: 'error' }, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stalls: code === 1 ? [] : (JSON.parse(stdout) as { stalls: never[] }).stalls, stderr });
      },
    );
  });
}

/**
 * Once a fault has healed, the sweep must come to list nothing stalled: a workflow left failing or retrying after
 * the fault is work that silently stopped. A workflow task the fault interrupted may show for a moment.
 */
async function expectSweepClear(name: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  let seen = new Set<string>();
  for (;;) {
    const r = await runSweep();
    if (r.code === 1) throw new Error(`the sweep could not run after ${name}: ${r.stderr}`);
    if (r.code === 0) break;
    seen = new Set([...seen, ...r.stalls.map((s) => `${s.kind} ${s.workflowId} ${s.subject} ${s.lastError ?? ''}`)]);
    if (Date.now() > deadline) {
      for (const line of r.stalls) say(`  still stalled: ${line.kind} ${line.workflowId} ${line.subject} ${line.lastError ?? ''}`);
      expect(r.stalls).toEqual([]);
    }
    await sleep(3000);
  }
  say(`  sweep after ${name}: nothing stalled${seen.size ? ` (listed for a while, then moving: ${[...seen].join('; ')})` : ''}`);
}

/** Check a phase's applications, print its line, add to the totals. */
async function checkPhase(name: string, injected: number, apps: AppUnderTest[], startedAt: number, extra: Findings = { lost: [], duplicated: [], mismatched: [] }): Promise<Findings> {
  const f: Findings = { lost: [...extra.lost], duplicated: [...extra.duplicated], mismatched: [...extra.mismatched] };
  for (const app of apps) await checkApplication(app, f);
  allApps.push(...apps);
  totals.checked += apps.length;
  totals.lost += f.lost.length;
  totals.duplicated += f.duplicated.length;
  totals.mismatched += f.mismatched.length;
  const inPool = (await db!.query(`SELECT count(*)::int AS n FROM applications WHERE applicant_user_id = ANY($1) AND state = 'in_pool'`, [apps.map((a) => a.parent.userId)])).rows[0].n;
  say(
    `fault ${name}: injected ${injected}, applications ${apps.length} (in_pool ${inPool}), lost ${f.lost.length}, duplicated ${f.duplicated.length}, ` +
      `mismatched ${f.mismatched.length}, 5xx so far ${http.serverErrors.length}, 503 during outages so far ${http.unavailableDuringOutage}, ` +
      `${((Date.now() - startedAt) / 1000).toFixed(0)} s`,
  );
  for (const line of [...f.lost, ...f.duplicated, ...f.mismatched]) say(`  ${line}`);
  await expectSweepClear(name);
  return f;
}

function expectClean(f: Findings): void {
  expect(f.lost).toEqual([]);
  expect(f.duplicated).toEqual([]);
  expect(f.mismatched).toEqual([]);
  expect(http.serverErrors).toEqual([]);
  expect(oddAnswers).toEqual([]);
  // The worker dies only when this test kills it: an outage must not crash it (it is restarted if it does).
  expect(worker!.exits.filter((e) => !e.expected)).toEqual([]);
}

// ---------------------------------------------------------------------------------------------------------------
// Probes while a server is down

const STEP_BODY = { departmentCode: 'police', title: '故障期间的核验事项', deadline: { class: 'urgent' } };

async function timed(reply: Promise<Reply>): Promise<Reply & { ms: number }> {
  const start = Date.now();
  const r = await reply;
  return { ...r, ms: Date.now() - start };
}

/** A request that would change state, sent while a server is down: 503 with a clear message. */
function expectUnavailable(r: Reply, what: string): void {
  if (r.status !== 503) throw new Error(`${what}: expected 503 while a server is down, got ${r.status} ${JSON.stringify(r.body)}`);
  expect(r.body.error.code).toBe('service_unavailable');
  expect(r.body.error.message).toContain('服务暂时不可用');
}

/** Nothing of a step refused with 503: no read-model row, no audit row, no workflow. */
async function expectNoStep(stepId: string): Promise<void> {
  expect(await count('SELECT count(*)::int AS n FROM steps WHERE step_id = $1', [stepId])).toBe(0);
  expect(await count('SELECT count(*)::int AS n FROM audit_log WHERE stream_id = $1', [stepId])).toBe(0);
  await expect(api!.temporal.workflow.getHandle(makeStepWorkflowId(stepId)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
}

/** The user's retry after the outage creates the step, exactly once. */
async function retryStepOnce(stepKey: string, f: Findings): Promise<void> {
  const r = await call(officers.supervisor, 'POST', '/api/steps', { ...STEP_BODY, stepKey });
  expect(r.status).toBe(201);
  const stepId = standaloneStepId(stepKey);
  await poll(officers.supervisor, `/api/steps/${stepId}`, (x) => x.status === 200, `step ${stepId}`, 120_000);
  expect(await count('SELECT count(*)::int AS n FROM steps WHERE step_id = $1', [stepId])).toBe(1);
  const seqs = await checkAuditStream(stepId, ['assigned'], f);
  await checkStepNotifications(stepId, seqs.get('assigned'), f);
  await checkStepAgainstWorkflow(stepId, f);
}

async function waitHealthy(timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${api!.baseUrl}/health`)).status === 200) return;
    } catch {
      // not answering yet
    }
    await sleep(250);
  }
  throw new Error('the API did not become healthy again');
}

// ---------------------------------------------------------------------------------------------------------------

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'enrollment-faults-'));
  fs.mkdirSync(LOG_DIR, { recursive: true });
  // PostgreSQL's cluster lives in dir/postgres, Temporal's state file in dir/temporal.
  postgres = await RestartablePostgres.start(dir, 'enrollment_faults', path.join(dir, 'postgres.log'));
  temporal = await RestartableTemporal.start(path.join(dir, 'temporal'));
  db = createPool(postgres.url, 4);
  await prepareDatabase(db);
  await seedDemoData(db);

  const taskQueue = `faults-${crypto.randomUUID()}`;
  worker = new WorkerProcess({
    temporalAddress: temporal.address,
    databaseUrl: postgres.url,
    personalDataKey: TEST_PERSONAL_DATA_KEY,
    payloadKeys: TEST_PAYLOAD_KEYS,
    taskQueue,
    logFile: workerLog,
    restartOnCrash: true,
  });
  api = await startInProcessApi({ databaseUrl: postgres.url, temporalAddress: temporal.address, taskQueue, personalDataKey: TEST_PERSONAL_DATA_KEY, payloadKeys: TEST_PAYLOAD_KEYS, logFile: apiLog });
  await Promise.all([
    worker.start(),
    (async () => {
      for (const u of ['edu', 'police', 'hrss', 'housing', 'supervisor'] as const) officers[u] = await login(u);
    })(),
  ]);
});

afterAll(async () => {
  say(
    `faults: injected ${totals.injected}, applications checked ${totals.checked}, lost ${totals.lost}, duplicated ${totals.duplicated}, ` +
      `mismatched ${totals.mismatched}, 5xx ${http.serverErrors.length}` +
      ` (requests ${http.requests}, 503 during outages ${http.unavailableDuringOutage}, 503 with all servers up ${http.unavailableOtherwise.length}, ` +
      `dropped connections ${http.connectionErrors}, odd answers ${oddAnswers.length}, refresh-and-retry answers ${refreshAndRetry.length}, worker exits ${worker?.exits.length ?? 0} of which unexpected ${worker?.exits.filter((e) => !e.expected).length ?? 0})`,
  );
  for (const line of [...http.serverErrors, ...http.unavailableOtherwise, ...oddAnswers]) say(`  ${line}`);
  const steps: [string, () => Promise<unknown> | undefined][] = [
    ['API', () => api?.close()],
    ['worker', () => worker?.stop()],
    ['check pool', () => db?.end()],
    ['Temporal', () => temporal?.stop()],
    ['PostgreSQL', () => postgres?.stop()],
  ];
  for (const [what, stop] of steps) {
    try {
      await stop();
    } catch (err) {
      say(`faults: stopping ${what} failed: ${(err as Error).message}`);
    }
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

it('1. the worker SIGKILLed three times in the middle of the load: every application reaches the pool, once', async () => {
  const started = Date.now();
  const apps = await newApps(6);
  progress.acts = 0;
  const load = startLoad(apps, 1500);
  await until(() => progress.acts >= 2, 60_000);
  for (let k = 1; k <= 3; k++) {
    // A killed worker is a server down too: an act that reaches a workflow whose task the dead worker held waits
    // until Temporal gives that task up (the workflow task timeout, 10 s) and may be answered 503 meanwhile.
    const outage: Outage = { what: 'worker', from: Date.now() };
    outages.push(outage);
    await worker!.kill('SIGKILL');
    totals.injected += 1;
    await sleep(500);
    await worker!.start();
    outage.to = Date.now() + WORKFLOW_TASK_TIMEOUT_MS;
    // Let the load move on before the next kill, so each one hits work in flight.
    const before = progress.acts;
    if (k < 3) await until(() => progress.acts >= before + 2, 10_000);
  }
  await load;
  const f = await checkPhase('1/3 worker SIGKILL x3', 3, apps, started);
  expectClean(f);
});

it('1b. a burst of concurrent acts, then every workflow evicted (the worker restarted): each history replays and every application reaches the pool', async () => {
  const started = Date.now();
  const apps = await newApps(6);
  // Up to the verifications, one family after another.
  for (const app of apps) {
    const submitted = await call(app.parent, 'POST', '/api/applications', app.form);
    expect([200, 201]).toContain(submitted.status);
    app.appNo = submitted.body.applicationNumber as string;
    await complete(officers.edu, `${app.appNo}.pre_review`, { outcome: 'confirmed', findings: '材料齐全' });
  }
  for (const app of apps) for (const d of VERIFYING) await poll(officers[d], `/api/steps/${app.appNo}.${d}`, (r) => r.status === 200, `step ${app.appNo}.${d}`);
  // Every department completes every application's step at the same moment: many acts reach each workflow together.
  await Promise.all(apps.flatMap((app) => VERIFYING.map((d) => complete(officers[d], `${app.appNo}.${d}`, { outcome: 'confirmed', findings: '经核验属实', facts: FACTS[d] }))));
  // The worker's cache goes with it: the next workflow task of each application replays its whole history.
  await worker!.kill('SIGTERM');
  totals.injected += 1;
  await worker!.start();
  for (const app of apps) {
    await poll(app.parent, `/api/applications/${app.appNo}`, (r) => r.status === 200 && r.body.state === 'in_pool', `${app.appNo} in the pool`).catch((err: Error) => {
      app.error = err.message;
    });
  }
  const f = await checkPhase('1b worker restarted after a burst of concurrent acts', 1, apps, started);
  expectClean(f);
  for (const app of apps) await replayHistoryOf(api!.temporal, makeApplicationWorkflowId(app.appNo!));
});

let submissionLeftBehind: number | undefined;
let commentStep = '';
/** A standalone step for an act (a comment) while a server is down. */
async function ensureCommentStep(): Promise<void> {
  if (commentStep) return;
  const id = `fault-comment-${crypto.randomUUID().slice(0, 8)}`;
  expect((await call(officers.supervisor, 'POST', '/api/steps', { ...STEP_BODY, stepKey: id })).status).toBe(201);
  commentStep = standaloneStepId(id);
  await poll(officers.supervisor, `/api/steps/${commentStep}`, (r) => r.status === 200, `step ${commentStep}`);
}
const comments = () => count(`SELECT count(*)::int AS n FROM audit_log WHERE stream_id = $1 AND action = 'comment'`, [commentStep]);

it('2. the Temporal server stopped and started again on its state file: 503 meanwhile, nothing lost or doubled', async () => {
  const started = Date.now();
  const apps = await newApps(6);
  const probeParent = await newParent();
  const probeApp: AppUnderTest = { parent: probeParent, form: applicationForm() };
  const extra: Findings = { lost: [], duplicated: [], mismatched: [] };
  await ensureCommentStep();

  progress.acts = 0;
  const load = startLoad(apps, 1000);
  await until(() => progress.acts >= 3, 60_000);

  const outage: Outage = { what: 'temporal', from: Date.now() };
  outages.push(outage);
  await temporal!.stop();
  totals.injected += 1;
  const stepKey = `fault-temporal-${crypto.randomUUID().slice(0, 8)}`;
  const commentKey = `fault-comment-${crypto.randomUUID()}`;
  // Sent once each, as a person clicks once: the service's own Temporal client retries for about 20 s, then gives up.
  const [health, created, commented, submitted] = await Promise.all([
    send(undefined, 'GET', '/health'),
    timed(send(officers.supervisor.token, 'POST', '/api/steps', { ...STEP_BODY, stepKey })),
    timed(send(officers.supervisor.token, 'POST', `/api/steps/${commentStep}/comments`, { text: '故障期间的意见' }, { 'idempotency-key': commentKey })),
    timed(send(probeParent.token, 'POST', '/api/applications', probeApp.form)),
  ]);
  for (const r of [created, commented, submitted]) tally('POST', '(probe during the Temporal outage)', outage.from, r);
  expect(health.status).toBe(503);
  expect(health.body).toMatchObject({ status: 'unavailable', temporal: { up: false } });
  expectUnavailable(created, 'a new step while Temporal is down');
  expectUnavailable(commented, 'a comment while Temporal is down');
  expectUnavailable(submitted, 'a submission while Temporal is down');
  await temporal!.start();
  outage.to = Date.now();
  say(`  Temporal was down ${((outage.to - outage.from) / 1000).toFixed(0)} s; a new step, a comment and a submission got 503 after ${[created, commented, submitted].map((r) => (r.ms / 1000).toFixed(1)).join(' / ')} s`);
  await waitHealthy();

  // Nothing the 503s refused was kept...
  await expectNoStep(standaloneStepId(stepKey));
  expect(await comments()).toBe(0);
  // (A refused submission is the exception, recorded here and in its own test below.)
  submissionLeftBehind = await count('SELECT count(*)::int AS n FROM applications WHERE applicant_user_id = $1', [probeParent.userId]);
  say(`  the submission refused with 503 left ${submissionLeftBehind} application row(s) behind`);
  // ...and the users' retries now do each thing exactly once.
  await retryStepOnce(stepKey, extra);
  expect((await call(officers.supervisor, 'POST', `/api/steps/${commentStep}/comments`, { text: '故障期间的意见' }, { 'idempotency-key': commentKey })).status).toBe(200);
  expect(await comments()).toBe(1);
  await Promise.all([load, journey(probeApp)]);

  const f = await checkPhase('2/3 Temporal restart', 1, [...apps, probeApp], started, extra);
  expectClean(f);
});

it('2b. a submission refused with 503 while Temporal is down leaves no application behind', () => {
  // POST /api/applications writes the application row, then starts its workflow; when the start fails, the row is
  // removed again, so the parent's 503 ("nothing was changed") is true.
  expect(submissionLeftBehind).toBe(0);
});

it('3. PostgreSQL down for 30 seconds in the middle of the load: 503 meanwhile, nothing lost or doubled', async () => {
  const started = Date.now();
  const apps = await newApps(6);
  const probeParent = await newParent();
  const probeApp: AppUnderTest = { parent: probeParent, form: applicationForm() };
  const extra: Findings = { lost: [], duplicated: [], mismatched: [] };
  await ensureCommentStep();
  const commentsBefore = await comments();

  progress.acts = 0;
  const load = startLoad(apps, 1000);
  await until(() => progress.acts >= 3, 60_000);

  const outage: Outage = { what: 'postgres', from: Date.now() };
  outages.push(outage);
  await postgres!.stop();
  totals.injected += 1;
  const stepKey = `fault-postgres-${crypto.randomUUID().slice(0, 8)}`;
  const commentKey = `fault-comment-${crypto.randomUUID()}`;
  const [health, created, commented, submitted, loggedIn] = await Promise.all([
    send(undefined, 'GET', '/health'),
    send(officers.supervisor.token, 'POST', '/api/steps', { ...STEP_BODY, stepKey }),
    send(officers.supervisor.token, 'POST', `/api/steps/${commentStep}/comments`, { text: '数据库故障期间的意见' }, { 'idempotency-key': commentKey }),
    send(probeParent.token, 'POST', '/api/applications', probeApp.form),
    send(undefined, 'POST', '/api/auth/login', { username: 'police', password: DEMO_PASSWORD }),
  ]);
  for (const r of [created, commented, submitted, loggedIn]) tally('POST', '(probe during the PostgreSQL outage)', outage.from, r);
  expect(health.status).toBe(503);
  expect(health.body).toMatchObject({ status: 'unavailable', postgres: { up: false } });
  expectUnavailable(created, 'a new step while PostgreSQL is down');
  expectUnavailable(commented, 'a comment while PostgreSQL is down');
  expectUnavailable(submitted, 'a submission while PostgreSQL is down');
  expectUnavailable(loggedIn, 'a login while PostgreSQL is down');
  // An operator sweeping now is told the database is what stands in the way, not that all is well.
  const sweep = await runSweep();
  expect(sweep.code).toBe(1);
  expect(sweep.stderr).toContain('无法连接数据库');
  await sleep(Math.max(0, outage.from + 30_000 - Date.now()));
  await postgres!.start();
  outage.to = Date.now();
  say(`  PostgreSQL was down ${((outage.to - outage.from) / 1000).toFixed(0)} s`);
  await waitHealthy();

  await expectNoStep(standaloneStepId(stepKey));
  expect(await comments()).toBe(commentsBefore);
  expect(await count('SELECT count(*)::int AS n FROM applications WHERE applicant_user_id = $1', [probeParent.userId])).toBe(0);
  await retryStepOnce(stepKey, extra);
  expect((await call(officers.supervisor, 'POST', `/api/steps/${commentStep}/comments`, { text: '数据库故障期间的意见' }, { 'idempotency-key': commentKey })).status).toBe(200);
  expect(await comments()).toBe(commentsBefore + 1);
  await Promise.all([load, journey(probeApp)]);

  const f = await checkPhase('3/3 PostgreSQL down 30 s', 1, [...apps, probeApp], started, extra);
  expectClean(f);
});

it('4. at the end every application of every phase is still whole; no 503 with every server up; no ID number in the state file or logs', async () => {
  const f: Findings = { lost: [], duplicated: [], mismatched: [] };
  for (const app of allApps) await checkApplication(app, f);
  say(`faults: re-checked all ${allApps.length} applications at the end: lost ${f.lost.length}, duplicated ${f.duplicated.length}, mismatched ${f.mismatched.length}`);
  for (const line of [...f.lost, ...f.duplicated, ...f.mismatched]) say(`  ${line}`);
  totals.lost += f.lost.length;
  totals.duplicated += f.duplicated.length;
  totals.mismatched += f.mismatched.length;
  expect(f).toEqual({ lost: [], duplicated: [], mismatched: [] });
  expect(http.unavailableOtherwise).toEqual([]);
  // The suite's own scan reads test-results/logs (these logs too) and the shared Temporal state, not this file's.
  const scan = scanForIdNumbers([path.join(dir!, 'temporal')]);
  const inLogs = [workerLog, apiLog].filter((p) => fs.existsSync(p)).flatMap((p) => findFullIdNumbers(fs.readFileSync(p, 'latin1')));
  say(`faults: personal-data scan of this file's Temporal state (${scan.files} files) and logs: full ID numbers found ${scan.found.length + inLogs.length}`);
  expect(scan.found).toEqual([]);
  expect(inLogs).toEqual([]);
});
