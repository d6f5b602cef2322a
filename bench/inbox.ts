/**
 * inbox-100k: a department's inbox and overdue list with 100,000 open steps over 20 departments in the read model,
 * under 8 concurrent clients, through the API, against the same SQL run straight on a pool in the same run.
 *
 * - Data: rows inserted straight into the `steps` read model of a database of this benchmark's own (never the demo's):
 *   states as a season has them (80% open, 10% signed, 7% sent back, 3% awaiting review; 2% paused, without a
 *   deadline, as the projection writes them), deadlines at the end of a day (24:00 Asia/Shanghai, as every working-day
 *   deadline is) spread from 10 days ago to 20 days ahead (about a third overdue: a bad season), a realistic `view`
 *   document on every row. VACUUM ANALYZE afterwards, as autovacuum would.
 * - API: GET /api/steps?state=open,signed,sent_back,awaiting_review&page=1&pageSize=50 (the inbox page's default
 *   query) and GET /api/steps/overdue, each client an officer of a department (rotating over all 20), every request
 *   timed at the client. The API runs as its own process with the service's pool size.
 * - Raw: the repository functions the routes call (listSteps: count + page; listOverdue), on a pool of the same size in
 *   the load generator, same clients, same departments: the same SQL with nothing around it.
 * - Two alternations (API, raw, API, raw) so drift on a busy machine hits both; p50 / p95 over all requests.
 * - Plans: EXPLAIN (ANALYZE, BUFFERS) of the exact statements the routes run, captured from the repository.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { createPool } from '../db/pool';
import { listOverdue, listSteps, type StepFilters } from '../db/repositories/steps';
import { newStepView } from '../domain/department-step';
import { DEPARTMENTS } from '../domain/roles';
import { SYSTEM_ACTOR } from '../domain/roles';
import { benchEnv, distribution, loginAs, machine, ratioOf, type BenchEnvOptions, type Distribution, type Http, type Machine } from './env';

const ROOT = path.join(__dirname, '..');
const INBOX_STATES = ['open', 'signed', 'sent_back', 'awaiting_review'];
const PAGE_SIZE = 50;

export interface InboxBenchOptions extends BenchEnvOptions {
  steps?: number;
  departments?: number;
  clients?: number;
  /** Requests per client per endpoint and per side (API, raw), split over two alternations. */
  requests?: number;
  out?: string | null;
  log?: (line: string) => void;
}

export interface EndpointFigures {
  api: Distribution;
  raw: Distribution;
  ratio: { p50: number; p95: number };
  apiPerSecond: number;
  rawPerSecond: number;
  /** Mean response size (bytes) and rows per response. */
  responseBytes: number;
  rows: number;
  targetP95Under50: boolean;
  targetWithin3x: boolean;
}

export interface InboxBenchResult {
  benchmark: 'inbox-100k';
  measuredAt: string;
  machine: Machine;
  servers: string;
  params: { steps: number; departments: number; clients: number; requestsPerClient: number; pageSize: number; overduePerDepartment: number; tableMiB: number };
  inbox: EndpointFigures;
  overdue: EndpointFigures;
  plans: { inboxCount: string; inboxPage: string; overdueCount: string; overdue: string };
  seqScan: { inbox: boolean; overdue: boolean };
  indexes: string[];
}

function sampleView(i: number, dept: string) {
  const v = newStepView(
    {
      stepId: `inbox-${i}`,
      departmentCode: dept,
      title: `居住证信息核验（申请编号 2027-BENCH-${String(i).padStart(6, '0')}）`,
      kind: 'police_verification',
      subject: { type: 'application', id: `2027-BENCH-${String(i).padStart(6, '0')}`, label: `2027-BENCH-${String(i).padStart(6, '0')}` },
      deadline: { class: 'ordinary' },
      requiresReview: false,
      createdBy: SYSTEM_ACTOR,
    },
    `step-inbox-${i}`,
    '2027-05-06T01:00:00.000Z',
  );
  v.schedule = { deadlineAt: '2027-05-11T16:00:00.000Z', dueSoonAt: '2027-05-10T16:00:00.000Z', lastDay: '2027-05-11', provisional: false, escalationAts: ['2027-05-11T16:00:00.000Z', '2027-05-12T16:00:00.000Z', '2027-05-13T16:00:00.000Z'] };
  v.seq = 1;
  return v;
}

async function insertSteps(pool: pg.Pool, n: number, departments: string[], log: (l: string) => void): Promise<void> {
  const view = JSON.stringify(sampleView(1, departments[0]!));
  const chunk = 20_000;
  for (let from = 1; from <= n; from += chunk) {
    const to = Math.min(n, from + chunk - 1);
    await pool.query(
      `INSERT INTO steps (step_id, workflow_id, parent_workflow_id, department_code, title, kind, subject_type, subject_id,
         subject_label, state, paused, requires_review, deadline_class, working_days, assigned_at, deadline_at, due_soon_at,
         last_day, deadline_provisional, overdue, escalation_level, pending_extension, open_urges, outcome, completed_at,
         view, last_seq, updated_at)
       SELECT 'inbox-' || i, 'step-inbox-' || i, 'application-2027-BENCH-' || lpad((i / 4)::text, 6, '0'),
         ($3::text[])[1 + i % array_length($3::text[], 1)],
         '居住证信息核验（申请编号 2027-BENCH-' || lpad((i / 4)::text, 6, '0') || '）', 'police_verification', 'application',
         '2027-BENCH-' || lpad((i / 4)::text, 6, '0'), '2027-BENCH-' || lpad((i / 4)::text, 6, '0'),
         CASE WHEN i % 100 < 80 THEN 'open' WHEN i % 100 < 90 THEN 'signed' WHEN i % 100 < 97 THEN 'sent_back' ELSE 'awaiting_review' END,
         paused, false, 'ordinary', 3, d - interval '5 days',
         CASE WHEN paused THEN NULL ELSE d END, CASE WHEN paused THEN NULL ELSE d - interval '1 day' END, (d - interval '1 second')::date,
         false, NOT paused AND d < now(), CASE WHEN NOT paused AND d < now() THEN 1 ELSE 0 END, NULL, 0, NULL, NULL,
         $4::jsonb, 1, now()
       FROM (SELECT i, (i % 50 = 7) AS paused,
               date_trunc('day', now()) + interval '16 hours' + (((i::bigint * 7919) % 30) - 10) * interval '1 day' AS d
             FROM generate_series($1::int, $2::int) AS i) g`,
      [from, to, departments, view],
    );
    log(`  inbox-100k: inserted ${to}/${n} steps`);
  }
  await pool.query('VACUUM ANALYZE steps');
}

/** Runs listSteps / listOverdue against a recording stand-in for the pool, to get the exact SQL they send. */
async function captureSql(fn: (db: pg.Pool) => Promise<unknown>): Promise<{ text: string; values: unknown[] }[]> {
  const seen: { text: string; values: unknown[] }[] = [];
  const fake = {
    query: async (text: string, values: unknown[]) => {
      seen.push({ text, values: [...values] });
      return { rows: [{ n: 0 }], rowCount: 0 };
    },
  };
  await fn(fake as unknown as pg.Pool);
  return seen;
}

async function explain(pool: pg.Pool, q: { text: string; values: unknown[] }): Promise<string> {
  const r = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${q.text}`, q.values);
  return r.rows.map((x) => x['QUERY PLAN']).join('\n');
}

async function closedLoop(clients: number, perClient: number, fn: (client: number, j: number) => Promise<{ ms: number; bytes?: number; rows?: number }>) {
  const samples: number[] = [];
  let bytes = 0;
  let rows = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let j = 0; j < perClient; j++) {
        const r = await fn(c, j);
        samples.push(r.ms);
        bytes += r.bytes ?? 0;
        rows += r.rows ?? 0;
      }
    }),
  );
  return { samples, seconds: (performance.now() - t0) / 1000, bytes, rows };
}

export async function runInboxBench(opts: InboxBenchOptions = {}): Promise<InboxBenchResult> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const n = opts.steps ?? 100_000;
  const deptCount = Math.min(opts.departments ?? 20, DEPARTMENTS.length);
  const clients = opts.clients ?? 8;
  const perClient = Math.max(2, opts.requests ?? 100);
  const env = await benchEnv(opts);
  const servers = env.embedded ? 'embedded defaults: embedded PostgreSQL' : 'given servers';
  const departments = DEPARTMENTS.slice(0, deptCount).map((d) => d.code);
  log(`inbox-100k: ${n} open steps over ${deptCount} departments, ${clients} clients, ${perClient} requests per client per endpoint and side`);

  const db = await env.createDatabase('inbox');
  await insertSteps(db.pool, n, departments, log);
  const tableMiB = Number((await db.pool.query<{ b: string }>(`SELECT pg_total_relation_size('steps') AS b`)).rows[0]!.b) / 2 ** 20;
  const api = await env.spawnService({ name: 'api-inbox', role: 'api', databaseUrl: db.url, taskQueue: 'bench-inbox-unused' });
  const raw = createPool(db.url, 10);
  try {
    const baseUrl = `http://127.0.0.1:${api.port}`;
    const officers: Http[] = [];
    for (const d of departments) officers.push(await loginAs(db.pool, baseUrl, { username: `bench-officer-${d}`, role: 'officer', departmentCode: d }));
    const dept = (c: number, j: number) => (c + clients * j) % deptCount;
    const inboxUrl = `/api/steps?state=${INBOX_STATES.join(',')}&page=1&pageSize=${PAGE_SIZE}`;
    const inboxFilters = (d: string): StepFilters => ({ departmentCode: d, states: INBOX_STATES, page: 1, pageSize: PAGE_SIZE });

    const apiCall = (url: string) => async (c: number, j: number) => {
      const r = await officers[dept(c, j)]!.get(url);
      if (r.status !== 200) throw new Error(`${url}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
      return { ms: r.ms, bytes: JSON.stringify(r.body).length, rows: (r.body.items as unknown[]).length };
    };
    const rawInbox = async (c: number, j: number) => {
      const t = performance.now();
      const r = await listSteps(raw, inboxFilters(departments[dept(c, j)]!), new Date());
      return { ms: performance.now() - t, rows: r.items.length };
    };
    const rawOverdue = async (c: number, j: number) => {
      const t = performance.now();
      const r = await listOverdue(raw, new Date(), { departmentCode: departments[dept(c, j)]! });
      return { ms: performance.now() - t, rows: r.items.length };
    };

    // Warm-up: every department once on both sides.
    await closedLoop(clients, Math.ceil(deptCount / clients), apiCall(inboxUrl));
    await closedLoop(clients, Math.ceil(deptCount / clients), apiCall('/api/steps/overdue'));
    await closedLoop(clients, Math.ceil(deptCount / clients), rawInbox);
    await closedLoop(clients, Math.ceil(deptCount / clients), rawOverdue);

    const measure = async (label: string, apiFn: ReturnType<typeof apiCall>, rawFn: typeof rawInbox): Promise<EndpointFigures> => {
      const half = Math.ceil(perClient / 2);
      const a: number[] = [];
      const b: number[] = [];
      let aSec = 0;
      let bSec = 0;
      let bytes = 0;
      let rows = 0;
      for (let k = 0; k < 2; k++) {
        const x = await closedLoop(clients, half, apiFn);
        a.push(...x.samples);
        aSec += x.seconds;
        bytes += x.bytes;
        rows += x.rows;
        log(`  inbox-100k ${label}: API ${x.samples.length} requests in ${x.seconds.toFixed(1)} s`);
        const y = await closedLoop(clients, half, rawFn);
        b.push(...y.samples);
        bSec += y.seconds;
        log(`  inbox-100k ${label}: raw SQL ${y.samples.length} in ${y.seconds.toFixed(1)} s`);
      }
      const da = distribution(a);
      const dr = distribution(b);
      return {
        api: da,
        raw: dr,
        ratio: { p50: ratioOf(da.p50, dr.p50), p95: ratioOf(da.p95, dr.p95) },
        apiPerSecond: Math.round((a.length / aSec) * 10) / 10,
        rawPerSecond: Math.round((b.length / bSec) * 10) / 10,
        responseBytes: Math.round(bytes / a.length),
        rows: Math.round((rows / a.length) * 10) / 10,
        targetP95Under50: da.p95 < 50,
        targetWithin3x: da.p95 <= 3 * dr.p95,
      };
    };
    const inbox = await measure('inbox', apiCall(inboxUrl), rawInbox);
    const overdue = await measure('overdue', apiCall('/api/steps/overdue'), rawOverdue);

    // Plans of the exact statements, for one department.
    const [countQ, pageQ] = await captureSql((p) => listSteps(p, inboxFilters(departments[1]!), new Date()));
    const [overdueCountQ, overdueQ] = await captureSql((p) => listOverdue(p, new Date(), { departmentCode: departments[1]! }));
    const plans = {
      inboxCount: await explain(db.pool, countQ!),
      inboxPage: await explain(db.pool, pageQ!),
      overdueCount: await explain(db.pool, overdueCountQ!),
      overdue: await explain(db.pool, overdueQ!),
    };
    const seq = (plan: string) => /Seq Scan on steps/.test(plan);
    const overduePerDepartment = Number(
      (await db.pool.query<{ n: string }>(`SELECT count(*) / $1 AS n FROM steps WHERE state IN ('open','signed','sent_back') AND NOT paused AND deadline_at < now()`, [deptCount])).rows[0]!.n,
    );
    const indexes = (await db.pool.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE tablename = 'steps' ORDER BY indexname`)).rows.map((r) => r.indexdef);

    const result: InboxBenchResult = {
      benchmark: 'inbox-100k',
      measuredAt: new Date().toISOString(),
      machine: machine(),
      servers,
      params: { steps: n, departments: deptCount, clients, requestsPerClient: 2 * Math.ceil(perClient / 2), pageSize: PAGE_SIZE, overduePerDepartment, tableMiB: Math.round(tableMiB * 10) / 10 },
      inbox,
      overdue,
      plans,
      seqScan: { inbox: seq(plans.inboxCount) || seq(plans.inboxPage), overdue: seq(plans.overdueCount) || seq(plans.overdue) },
      indexes,
    };
    for (const [k, f] of [['inbox', inbox], ['overdue', overdue]] as const) {
      log(`${k}: API p50/p95 ${f.api.p50}/${f.api.p95} ms (${f.apiPerSecond}/s, ${f.rows} rows, ${f.responseBytes} B) vs raw SQL ${f.raw.p50}/${f.raw.p95} ms (${f.rawPerSecond}/s); ratio p95 ${f.ratio.p95}×; p95 < 50 ms: ${f.targetP95Under50 ? 'yes' : 'NO'}, within 3× raw: ${f.targetWithin3x ? 'yes' : 'NO'}`);
    }
    log(`plans: sequential scan on steps in the inbox: ${result.seqScan.inbox ? 'YES' : 'no'}; in the overdue list: ${result.seqScan.overdue ? 'YES' : 'no'}`);
    if (opts.out !== null) {
      const out = opts.out ?? path.join(ROOT, 'bench', 'results', 'inbox-100k.json');
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
      log(`written: ${path.relative(ROOT, out)}`);
    }
    return result;
  } finally {
    await api.stop();
    await raw.end();
    await db.pool.end();
  }
}
