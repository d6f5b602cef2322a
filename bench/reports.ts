/**
 * Benchmark (not a test) of progress-report generation (activities/reports.ts computeReport: the facts folded from the
 * audit trail as of the period's end, and the content computed from them), against the plain SQL aggregation of the
 * same numbers from the read models, measured in the same run on the same data.
 *
 *   npx tsx bench/reports.ts [--small] [--steps 100000] [--runs 3] [--seed 20261130] [--database-url postgres://…]
 *
 * - Data (deterministic, mulberry32): `steps` department steps over the eight weeks before the last ended week's end,
 *   written straight into PostgreSQL as the service's activities write them (audit rows with their details, the
 *   steps read model, urging notices): 10 departments; application verifications (a third confirmed by data
 *   sharing), standalone tasks (two in five reviewed, one in five sent back once), problem handling, and 18
 *   responsibility items × 3 departments × 8 weekly periods; about 65% done on time, 13% late, the rest open (the
 *   overdue ones escalated up the ladder, a third urged, half of those answered). steps / 5 applications (states,
 *   placements by type, purchased seats, aid) and steps / 100 problems (ratings) alongside.
 * - Report: computeReport for that week, complete (as of its end), with the eight-week item trend; also rendered to
 *   HTML and to the workbook (timed apart).
 * - Baseline: one SQL script of GROUP BYs over the read models (steps, urge_notices, applications, purchased_seats,
 *   problems, problem_ratings, the board's join of item steps) and the last completion / first review per step,
 *   working days counted in SQL on the calendar table: the numbers a report shows, without folding the history.
 *   Nothing happens after the week's end, so both must agree; every compared number is checked and the run says so.
 * - Time: one warm-up of each, then `runs` alternating timed runs; medians (performance.now).
 *
 * Writes bench/results/reports[-small].json. `runReportsBench(opts)` is exported for bench/run.ts.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { renderReportHtml } from '../api/reports/html';
import { renderReportWorkbook } from '../api/reports/xlsx';
import { computeReport } from '../activities/reports';
import { createPool } from '../db/pool';
import { prepareDatabase } from '../db/prepare';
import { loadCalendar } from '../db/repositories/calendar';
import { LIGHT_SQL } from '../db/repositories/steps';
import { LIGHTS, type Light } from '../domain/lights';
import { lastEndedPeriod, reportIdOf, spanInstants, type ReportContent, type ReportPeriod } from '../domain/reports';
import { computeDeadline, type WorkingDayCalendar } from '../domain/working-days';
import { startEmbeddedPostgres } from '../platform/postgres-server';
import { freePort } from '../test/support/ports';
import { mulberry32 } from './allocation';
import { machine, machineLine, type Machine } from './machine';

const ROOT = path.join(__dirname, '..');
const DAY = 86_400_000;
const HOUR = 3_600_000;
const DEPARTMENTS = ['police', 'hrss', 'housing', 'market', 'education', 'finance', 'civil_affairs', 'health', 'natural_resources', 'government_services'];
const VERIFY_KINDS: Record<string, string> = { police: 'verification.residence_permit', hrss: 'verification.employment', housing: 'verification.housing', market: 'verification.business_licence' };
const SYSTEM = { id: 'system', name: '系统', role: 'admin' };
const OFFICE = { id: 'bench-supervisor', name: '督查室', role: 'supervisor' };

export interface ReportsBenchOptions {
  steps?: number;
  runs?: number;
  seed?: number;
  databaseUrl?: string;
  out?: string | null;
  log?: (line: string) => void;
}

export interface ReportsBenchResult {
  benchmark: 'reports';
  measuredAt: string;
  machine: Machine;
  params: { steps: number; auditRows: number; applications: number; problems: number; itemSteps: number; runs: number; seed: number; period: string };
  timeMs: {
    report: { median: number; runs: number[] };
    baseline: { median: number; runs: number[] };
    ratio: number;
    renderHtml: number;
    renderXlsx: number;
    generate: number;
  };
  outcome: { agree: boolean; compared: number; mismatches: string[]; overdue: number; completed: number; rankedDepartments: number; escalations: number; itemsRed: number; placed: number; publicShare: number };
}

// ---------------------------------------------------------------------------------------------------------------
// Data

interface AuditRow { stream: string; seq: number; type: string; at: number; actor: typeof SYSTEM; dept: string | null; action: string; before: string | null; after: string; details: unknown }
interface StepRow { id: string; dept: string; title: string; kind: string; subjectType: string; subjectId: string; state: string; review: boolean; assignedAt: number; deadlineAt: number; dueSoonAt: number; lastDay: string; overdue: boolean; level: number; openUrges: number; completedAt: number | null; lastSeq: number }
interface UrgeRow { number: string; stepId: string; seq: number; level: string; issuedAt: number; repliedAt: number | null; reply: string | null }

class Generator {
  audit: AuditRow[] = [];
  steps: StepRow[] = [];
  urges: UrgeRow[] = [];
  private urgeNo = 0;

  constructor(
    private readonly rnd: () => number,
    private readonly calendar: WorkingDayCalendar,
    private readonly end: number,
  ) {}

  /** One step's life up to the period's end, as its workflow would have recorded it. */
  step(s: { id: string; dept: string; title: string; kind: string; subjectType: string; subjectId: string; review: boolean; assignedAt: number; workingDays: number; system?: boolean; fate?: number }): void {
    const rnd = this.rnd;
    const d = computeDeadline(this.calendar, new Date(s.assignedAt), s.workingDays);
    const deadline = d.deadline.getTime();
    const dueSoon = deadline - DAY;
    const officer = { id: `bench-${s.dept}`, name: `${s.dept}经办人`, role: 'officer' };
    const ev: Omit<AuditRow, 'seq' | 'stream' | 'type'>[] = [];
    const add = (at: number, actor: typeof SYSTEM, action: string, after: string, details: unknown) => {
      if (at < this.end) ev.push({ at, actor, dept: actor.role === 'officer' ? s.dept : null, action, before: null, after, details });
    };
    add(s.assignedAt, OFFICE, 'assigned', 'open', { schedule: { deadlineAt: new Date(deadline).toISOString(), dueSoonAt: new Date(dueSoon).toISOString(), lastDay: d.lastDay, provisional: false, escalationAts: [] }, workingDays: s.workingDays });
    let completedAt: number | null = null;
    const fate = s.fate ?? rnd();
    if (s.system) completedAt = s.assignedAt + 1000;
    else if (fate < 0.65) completedAt = s.assignedAt + rnd() * (deadline - s.assignedAt) * 0.95;
    else if (fate < 0.78) completedAt = deadline + HOUR + rnd() * 6 * DAY;
    // The clock: overdue at the deadline, then one rung a day, until done.
    const until = Math.min(completedAt ?? Infinity, this.end);
    let level = 0;
    for (let rung = 1; rung <= 3; rung++) {
      const at = deadline + (rung - 1) * DAY;
      if (at >= until) break;
      level = rung;
      add(at, SYSTEM, rung === 1 ? 'overdue' : 'escalated', 'open', { rung, level: ['department_head', 'supervision_office', 'leading_group'][rung - 1], deadlineAt: new Date(deadline).toISOString() });
    }
    if (level > 0 && rnd() < 0.33) {
      const issuedAt = deadline + 2 * HOUR;
      if (issuedAt < until) {
        const number = `督办〔2026〕${String(++this.urgeNo).padStart(6, '0')}号`;
        const levelName = ['normal', 'serious', 'severe'][Math.floor(rnd() * 3)]!;
        add(issuedAt, OFFICE, 'urge', 'open', { urgeNumber: number, level: levelName, message: '请抓紧办理' });
        const repliedAt = rnd() < 0.5 ? issuedAt + rnd() * 2 * DAY : null;
        const replied = repliedAt !== null && repliedAt < until;
        if (replied) add(repliedAt, officer, 'reply_urge', 'open', { urgeNumber: number, reply: '正在办理' });
        this.urges.push({ number, stepId: s.id, seq: 0, level: levelName, issuedAt, repliedAt: replied ? repliedAt : null, reply: replied ? '正在办理' : null });
      }
    }
    if (completedAt !== null && completedAt < this.end) {
      const by = s.system ? SYSTEM : officer;
      add(completedAt, by, 'completed', s.review ? 'awaiting_review' : 'done', { outcome: 'confirmed', findings: '已办理', evidence: [], facts: {} });
      if (s.review) {
        const first = completedAt + 2 * HOUR;
        if (rnd() < 0.2) {
          add(first, OFFICE, 'review', 'sent_back', { decision: 'send_back', feedback: '请补充佐证' });
          add(first + DAY, officer, 'completed', 'awaiting_review', { outcome: 'confirmed', findings: '已补充', evidence: [], facts: {} });
          add(first + DAY + 2 * HOUR, OFFICE, 'review', 'accepted', { decision: 'accept', feedback: '' });
        } else add(first, OFFICE, 'review', 'accepted', { decision: 'accept', feedback: '' });
      }
    }
    ev.sort((a, b) => a.at - b.at);
    ev.forEach((e, i) => this.audit.push({ ...e, stream: s.id, seq: i + 1, type: 'step' }));
    // The state after the last state-changing event (the clock's and the urges' events keep it).
    const state = ev.filter((e) => ['assigned', 'completed', 'review'].includes(e.action)).at(-1)!.after;
    for (const e of ev) if (!['assigned', 'completed', 'review'].includes(e.action)) e.after = ev.filter((x) => x.at <= e.at && ['assigned', 'completed', 'review'].includes(x.action)).at(-1)!.after;
    const seqOf = new Map(ev.map((e, i) => [e, i + 1]));
    for (const u of this.urges.filter((x) => x.stepId === s.id && x.seq === 0)) u.seq = seqOf.get(ev.find((e) => e.action === 'urge' && (e.details as { urgeNumber: string }).urgeNumber === u.number)!)!;
    const terminalAt = ev.filter((e) => e.after === 'done' || e.after === 'accepted').at(-1)?.at ?? null;
    this.steps.push({
      id: s.id, dept: s.dept, title: s.title, kind: s.kind, subjectType: s.subjectType, subjectId: s.subjectId, state, review: s.review,
      assignedAt: s.assignedAt, deadlineAt: deadline, dueSoonAt: dueSoon, lastDay: d.lastDay,
      overdue: level > 0, level,
      openUrges: this.urges.filter((u) => u.stepId === s.id && u.repliedAt === null).length,
      completedAt: terminalAt, lastSeq: ev.length,
    });
  }
}

async function insertRows(db: pg.Pool, table: string, columns: [string, string][], rows: unknown[][]): Promise<void> {
  const BATCH = 20_000;
  for (let i = 0; i < rows.length; i += BATCH) {
    const chunk = rows.slice(i, i + BATCH);
    const arrays = columns.map((_, c) => chunk.map((r) => r[c]));
    await db.query(
      `INSERT INTO ${table} (${columns.map(([n]) => n).join(', ')}) SELECT * FROM unnest(${columns.map(([, t], k) => `$${k + 1}::${t}[]`).join(', ')})`,
      arrays,
    );
  }
}

const isoOf = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export async function generateData(pool: pg.Pool, opts: { steps: number; seed: number; period: ReportPeriod }): Promise<{ auditRows: number; applications: number; problems: number; itemSteps: number }> {
  const rnd = mulberry32(opts.seed);
  const calendar = await loadCalendar(pool);
  const end = Date.parse(opts.period.endsAt);
  const windowStart = end - 56 * DAY;
  const g = new Generator(rnd, calendar, end);
  const when = () => {
    // A working hour of a day in the window.
    const day = Math.floor(rnd() * 56);
    return windowStart + day * DAY + (1 + rnd() * 8) * HOUR;
  };

  // ---- Responsibility items: 18 items × (lead + 2 cooperating) × 8 weekly periods ----
  const user = crypto.randomUUID();
  await pool.query(`INSERT INTO users (id, username, display_name, password_hash, role) VALUES ($1, 'bench-parent', '基准家长', 'x', 'applicant')`, [user]);
  await pool.query(`INSERT INTO supervision_policies (policy_id, title_zh, issuing_body) VALUES ('bench-policy', '基准政策', '基准旗人民政府')`);
  const itemRows: unknown[][] = [];
  const periodRows: unknown[][] = [];
  const partRows: unknown[][] = [];
  let itemSteps = 0;
  for (let n = 1; n <= 18; n++) {
    const itemId = `bench-item-${n}`;
    const depts = [DEPARTMENTS[n % 10]!, DEPARTMENTS[(n + 3) % 10]!, DEPARTMENTS[(n + 7) % 10]!];
    itemRows.push([itemId, 'bench-policy', n, `基准事项${n}`, depts[0], '副旗长', 'weekly', 'running']);
    for (let w = 8; w >= 1; w--) {
      const startsAt = end - w * 7 * DAY;
      const label = `P${9 - w}`;
      periodRows.push([itemId, label, `第${9 - w}期`, isoOf(startsAt), isoOf(startsAt + 7 * DAY), false, w === 1 ? 'open' : 'closed', isoOf(startsAt)]);
      depts.forEach((dept, k) => {
        const stepId = `${itemId}.${label}.${dept}`;
        g.step({ id: stepId, dept, title: `第${n}项 第${9 - w}期报送`, kind: 'item.report', subjectType: 'item', subjectId: itemId, review: k === 0, assignedAt: startsAt + 60_000, workingDays: k === 0 ? 4 : 3 });
        partRows.push([stepId, itemId, label, dept, k === 0 ? 'lead' : 'cooperating', 1]);
        itemSteps++;
      });
    }
  }
  await insertRows(pool, 'responsibility_items', [['item_id', 'text'], ['policy_id', 'text'], ['number', 'int'], ['title_zh', 'text'], ['lead_department', 'text'], ['leader_in_charge', 'text'], ['rhythm', 'text'], ['status', 'text']], itemRows);
  await insertRows(pool, 'item_periods', [['item_id', 'text'], ['label', 'text'], ['label_zh', 'text'], ['starts_at', 'timestamptz'], ['ends_at', 'timestamptz'], ['is_last', 'boolean'], ['state', 'text'], ['opened_at', 'timestamptz']], periodRows);
  await insertRows(pool, 'item_period_steps', [['step_id', 'text'], ['item_id', 'text'], ['period_label', 'text'], ['department_code', 'text'], ['role', 'text'], ['attempt', 'int']], partRows);

  // ---- Applications (steps / 5) and problems (steps / 100) ----
  const applications = Math.max(10, Math.floor(opts.steps / 5));
  const problems = Math.max(5, Math.floor(opts.steps / 100));
  await pool.query(`INSERT INTO districts (code, name_zh) VALUES ('bench', '基准区') ON CONFLICT DO NOTHING`);
  await pool.query(`INSERT INTO schools (id, name_zh, district) VALUES ('bench-private', '基准民办学校', 'bench')`);
  await pool.query(`INSERT INTO allocation_rounds (round_id, district, year, stage, round_no, phase, config) VALUES ('bench-round', 'bench', 2027, 'primary_1', 1, 'check_in', '{}')`);
  const appRows: unknown[][] = [];
  const seatRows: unknown[][] = [];
  for (let i = 0; i < applications; i++) {
    const no = `B2027${String(i).padStart(7, '0')}`;
    const t0 = when();
    const r = rnd();
    const path: [string, string, unknown][] = [['submitted', 'pre_review', { verifications: ['police', 'hrss', 'housing'] }]];
    let placement: { type: string } | null = null;
    let aid: unknown = null;
    if (r >= 0.05) path.push(['verification_started', 'verifying', {}]);
    if (r >= 0.2 && r < 0.25) path.push(['rejected', 'rejected', { stage: 'eligibility' }]);
    else if (r >= 0.25) {
      path.push(['entered_pool', 'in_pool', { pointsTotal: 10 }]);
      if (r >= 0.35 && r < 0.4) path.push(['withdrawn', 'withdrawn', { reason: '回户籍地' }]);
      else if (r >= 0.4) {
        const u = rnd();
        placement = { type: u < 0.8 ? 'catchment' : u < 0.95 ? 'adjusted' : 'purchased' };
        path.push(['placed', 'placed', { roundId: 'bench-round', schoolId: placement.type === 'purchased' ? 'bench-private' : 'bench-public', type: placement.type, reasonZh: '基准' }]);
        if (r >= 0.75) path.push(['enrolled', 'enrolled', { schoolId: 'x' }]);
        if (placement.type === 'purchased') seatRows.push(['bench-round', no, 'bench-private', 2027, 'primary_1', 'bench', rnd() < 0.9 ? 8000 : null, 'active', isoOf(Math.min(t0 + 5 * HOUR, end - 1))]);
      }
    }
    if (rnd() < 0.1 && r >= 0.25) {
      const granted = rnd() < 0.8;
      aid = { granted, amount: granted ? 800 : 0, findings: '' };
      path.push(['aid_decided', path.at(-1)![1], { granted, amount: granted ? 800 : 0 }]);
    }
    path.forEach(([action, after, details], k) => g.audit.push({ stream: no, seq: k + 1, type: 'application', at: Math.min(t0 + k * HOUR, end - 1), actor: SYSTEM, dept: null, action, before: null, after, details }));
    appRows.push([no, `bench-${no}`, user, 2027, 'bench', 'primary_1', '{}', '王*明', path.at(-1)![1], placement ? JSON.stringify(placement) : null, aid ? JSON.stringify(aid) : null, path.length, isoOf(t0)]);
    // Its verification steps (a third confirmed by the registries at once).
    for (const dept of ['police', 'hrss', 'housing']) {
      if (g.steps.length >= opts.steps) break;
      g.step({ id: `${no}.${dept}`, dept, title: `核验（申请编号 ${no}）`, kind: VERIFY_KINDS[dept]!, subjectType: 'application', subjectId: no, review: false, assignedAt: t0 + HOUR, workingDays: 3, system: rnd() < 0.33 });
    }
  }
  await insertRows(pool, 'applications', [['application_number', 'text'], ['child_key', 'text'], ['applicant_user_id', 'uuid'], ['year', 'int'], ['district', 'text'], ['stage', 'text'], ['form', 'jsonb'], ['child_name_masked', 'text'], ['state', 'text'], ['placement', 'jsonb'], ['aid', 'jsonb'], ['last_seq', 'int'], ['submitted_at', 'timestamptz']], appRows);
  await insertRows(pool, 'purchased_seats', [['round_id', 'text'], ['application_number', 'text'], ['school_id', 'text'], ['year', 'int'], ['stage', 'text'], ['district', 'text'], ['price', 'numeric'], ['status', 'text'], ['created_at', 'timestamptz']], seatRows);

  const problemRows: unknown[][] = [];
  const ratingRows: unknown[][] = [];
  for (let i = 0; i < problems; i++) {
    const id = `WT2026${String(i).padStart(6, '0')}`;
    const t0 = when();
    const r = rnd();
    const ev: [string, string, unknown][] = [['submitted', 'found', { source: 'official' }], ['analysed', 'analysing', {}], ['assigned', 'handling', { departmentCode: 'government_services', round: 1 }]];
    let closedAt: number | null = null;
    if (r < 0.7) {
      ev.push(['handled', 'feedback', { round: 1 }]);
      if (r < 0.6) ev.push(['rated_satisfied', 'closed', { round: 1, satisfied: true }]);
      else ev.push(['reopened', 'handling', { round: 1, satisfied: false, newRound: 2 }]);
    }
    const at = (k: number) => Math.min(t0 + k * 3 * HOUR, end - 1);
    ev.forEach(([action, after, details], k) => g.audit.push({ stream: id, seq: k + 1, type: 'problem', at: at(k), actor: OFFICE, dept: null, action, before: null, after, details }));
    if (r < 0.7) ratingRows.push([id, 1, r < 0.6, isoOf(at(4))]);
    if (r < 0.6) closedAt = at(4);
    problemRows.push([id, 'official', '基准问题', '描述', user, ev.at(-1)![1], ev.length, isoOf(t0), isoOf(closedAt)]);
    if (g.steps.length < opts.steps) g.step({ id: `${id}.handling-1`, dept: 'government_services', title: id, kind: 'problem.handling', subjectType: 'problem', subjectId: id, review: false, assignedAt: at(2), workingDays: 3 });
  }
  await insertRows(pool, 'problems', [['problem_id', 'text'], ['source', 'text'], ['title_zh', 'text'], ['description', 'text'], ['reporter_user_id', 'uuid'], ['state', 'text'], ['last_seq', 'int'], ['created_at', 'timestamptz'], ['closed_at', 'timestamptz']], problemRows);
  await insertRows(pool, 'problem_ratings', [['problem_id', 'text'], ['round', 'int'], ['satisfied', 'boolean'], ['rated_at', 'timestamptz']], ratingRows);

  // ---- Standalone tasks up to the number of steps ----
  for (let i = 0; g.steps.length < opts.steps; i++) {
    const dept = DEPARTMENTS[Math.floor(rnd() * DEPARTMENTS.length)]!;
    g.step({ id: `bench-task-${i}`, dept, title: '交办事项', kind: 'task', subjectType: 'standalone', subjectId: `bench-task-${i}`, review: rnd() < 0.4, assignedAt: when(), workingDays: [1, 3, 5][Math.floor(rnd() * 3)]! });
  }

  await insertRows(
    pool,
    'steps',
    [['step_id', 'text'], ['workflow_id', 'text'], ['department_code', 'text'], ['title', 'text'], ['kind', 'text'], ['subject_type', 'text'], ['subject_id', 'text'], ['state', 'text'], ['requires_review', 'boolean'], ['deadline_class', 'text'], ['working_days', 'int'], ['assigned_at', 'timestamptz'], ['deadline_at', 'timestamptz'], ['due_soon_at', 'timestamptz'], ['last_day', 'date'], ['overdue', 'boolean'], ['escalation_level', 'int'], ['open_urges', 'int'], ['completed_at', 'timestamptz'], ['view', 'jsonb'], ['last_seq', 'int']],
    g.steps.map((s) => [s.id, `step-${s.id}`, s.dept, s.title, s.kind, s.subjectType, s.subjectId, s.state, s.review, 'ordinary', 3, isoOf(s.assignedAt), isoOf(s.deadlineAt), isoOf(s.dueSoonAt), s.lastDay, s.overdue, s.level, s.openUrges, isoOf(s.completedAt), '{}', s.lastSeq]),
  );
  await insertRows(
    pool,
    'urge_notices',
    [['number', 'text'], ['step_id', 'text'], ['urge_seq', 'int'], ['level', 'text'], ['message', 'text'], ['issued_by', 'text'], ['issued_at', 'timestamptz'], ['reply', 'text'], ['replied_by', 'text'], ['replied_at', 'timestamptz']],
    g.urges.map((u, k) => [u.number, u.stepId, k + 1, u.level, '请抓紧办理', '督查室', isoOf(u.issuedAt), u.reply, u.reply ? '经办人' : null, isoOf(u.repliedAt)]),
  );
  await insertRows(
    pool,
    'audit_log',
    [['stream_id', 'text'], ['seq', 'int'], ['stream_type', 'text'], ['at', 'timestamptz'], ['actor_user_id', 'text'], ['actor_name', 'text'], ['actor_role', 'text'], ['actor_department', 'text'], ['action', 'text'], ['state_before', 'text'], ['state_after', 'text'], ['details', 'jsonb']],
    g.audit.map((a) => [a.stream, a.seq, a.type, isoOf(a.at), a.actor.id, a.actor.name, a.actor.role, a.dept, a.action, a.before, a.after, JSON.stringify(a.details)]),
  );
  await pool.query('ANALYZE');
  return { auditRows: g.audit.length, applications, problems, itemSteps };
}

// ---------------------------------------------------------------------------------------------------------------
// The baseline: the same numbers by plain SQL aggregation over the read models

/** Working days in SQL: every day of the span with its running count of working days (the calendar table's exceptions to the weekend rule). */
const WORKING_DAYS_CTE = `wd AS (
  SELECT d::date AS day, sum(CASE WHEN coalesce(c.kind = 'work', extract(isodow FROM d) < 6) THEN 1 ELSE 0 END) OVER (ORDER BY d) AS cum,
    coalesce(c.kind = 'work', extract(isodow FROM d) < 6) AS working
  FROM generate_series(($2::timestamptz AT TIME ZONE 'Asia/Shanghai')::date - 120, ($1::timestamptz AT TIME ZONE 'Asia/Shanghai')::date + 30, interval '1 day') d
  LEFT JOIN calendar_days c ON c.date = d::date
)`;

export interface BaselineNumbers {
  tallies: { department_code: string; completed: number; on_time: number; overdue_open: number; reviewed: number; accepted: number; avg_response: number | null }[];
  overdue: { department_code: string; n: number; max_days: number; sum_days: number }[];
  escalations: { level: string; n: number }[];
  urges: { issued: number; replied_of_issued: number; open_at_end: number };
  itemLights: Record<Light, number>;
  applications: { state: string; n: number }[];
  placements: { type: string; n: number }[];
  purchased: { active: number; cost: number };
  aid: { granted: number; amount: number };
  problems: { opened: number; closed: number; satisfied: number; unsatisfied: number };
}

export async function baseline(pool: pg.Pool, period: ReportPeriod): Promise<BaselineNumbers> {
  const args = [period.asOf, period.startsAt];
  const tallies = await pool.query(
    `WITH ${WORKING_DAYS_CTE},
     done AS (SELECT DISTINCT ON (stream_id) stream_id, at, actor_user_id FROM audit_log WHERE stream_type = 'step' AND action = 'completed' ORDER BY stream_id, seq DESC),
     rev AS (SELECT DISTINCT ON (stream_id) stream_id, at, details->>'decision' AS decision FROM audit_log WHERE stream_type = 'step' AND action = 'review' ORDER BY stream_id, seq),
     x AS (
       SELECT s.department_code, s.state, s.paused, s.deadline_at, c.at AS done_at, c.actor_user_id = 'system' AS by_system, r.at AS review_at, r.decision,
         (c.at >= $2 AND s.state IN ('done', 'awaiting_review', 'accepted') AND c.actor_user_id <> 'system') AS counted,
         greatest(0, cd.cum - ad.cum - CASE WHEN ad.working AND (s.assigned_at AT TIME ZONE 'Asia/Shanghai')::time < '17:30' THEN 0 ELSE 1 END) AS response
       FROM steps s
         LEFT JOIN done c ON c.stream_id = s.step_id LEFT JOIN rev r ON r.stream_id = s.step_id
         LEFT JOIN wd ad ON ad.day = (s.assigned_at AT TIME ZONE 'Asia/Shanghai')::date
         LEFT JOIN wd cd ON cd.day = (c.at AT TIME ZONE 'Asia/Shanghai')::date
     )
     SELECT department_code,
       count(*) FILTER (WHERE counted)::int AS completed,
       count(*) FILTER (WHERE counted AND done_at <= deadline_at)::int AS on_time,
       count(*) FILTER (WHERE state IN ('open', 'signed', 'sent_back') AND NOT paused AND deadline_at <= $1)::int AS overdue_open,
       count(*) FILTER (WHERE review_at >= $2)::int AS reviewed,
       count(*) FILTER (WHERE review_at >= $2 AND decision = 'accept')::int AS accepted,
       round(avg(response) FILTER (WHERE counted), 2)::float8 AS avg_response
     FROM x GROUP BY 1 ORDER BY 1`,
    args,
  );
  const overdue = await pool.query(
    `WITH ${WORKING_DAYS_CTE}
     SELECT s.department_code, count(*)::int AS n,
       max(greatest(1, e.cum - l.cum))::int AS max_days, sum(greatest(1, e.cum - l.cum))::int AS sum_days
     FROM steps s
       JOIN wd l ON l.day = s.last_day
       JOIN wd e ON e.day = (($1::timestamptz - interval '1 millisecond') AT TIME ZONE 'Asia/Shanghai')::date
     WHERE s.state IN ('open', 'signed', 'sent_back') AND NOT s.paused AND s.deadline_at <= $1
     GROUP BY 1 ORDER BY 1`,
    args,
  );
  const escalations = await pool.query(
    `SELECT level, count(*)::int AS n FROM (
       SELECT details->>'level' AS level FROM audit_log
       WHERE stream_type = 'step' AND action IN ('overdue', 'escalated') AND at >= $2 AND at < $1
       UNION ALL
       SELECT 'leading_group' FROM audit_log
       WHERE stream_type = 'problem' AND action IN ('reopened', 'closed_unresolved') AND at >= $2 AND at < $1) e
     GROUP BY 1 ORDER BY 1`,
    args,
  );
  const urges = await pool.query(
    `SELECT count(*) FILTER (WHERE issued_at >= $2)::int AS issued,
       count(*) FILTER (WHERE issued_at >= $2 AND replied_at IS NOT NULL)::int AS replied_of_issued,
       count(*) FILTER (WHERE replied_at IS NULL)::int AS open_at_end
     FROM urge_notices WHERE issued_at < $1`,
    args,
  );
  const lights = await pool.query<{ light: Light; n: number }>(
    `WITH parts AS (
       SELECT DISTINCT ON (ps.item_id, ps.department_code, ps.role) ps.item_id, ${LIGHT_SQL} AS light
       FROM item_period_steps ps JOIN steps s ON s.step_id = ps.step_id JOIN item_periods p ON p.item_id = ps.item_id AND p.label = ps.period_label
       ORDER BY ps.item_id, ps.department_code, ps.role, p.starts_at DESC, ps.attempt DESC
     ), worst AS (
       SELECT item_id, (array_agg(light ORDER BY array_position(ARRAY['red', 'yellow', 'blue', 'white', 'green', 'grey'], light)))[1] AS light FROM parts GROUP BY 1
     )
     SELECT light, count(*)::int AS n FROM worst GROUP BY 1`,
    [period.asOf],
  );
  const applications = await pool.query(`SELECT state, count(*)::int AS n FROM applications GROUP BY 1 ORDER BY 1`);
  const placements = await pool.query(`SELECT placement->>'type' AS type, count(*)::int AS n FROM applications WHERE state IN ('placed', 'enrolled') GROUP BY 1 ORDER BY 1`);
  const purchased = await pool.query(`SELECT count(*)::int AS active, coalesce(sum(price), 0)::float8 AS cost FROM purchased_seats WHERE status = 'active'`);
  const aid = await pool.query(`SELECT count(*) FILTER (WHERE (aid->>'granted')::boolean)::int AS granted, coalesce(sum((aid->>'amount')::numeric) FILTER (WHERE (aid->>'granted')::boolean), 0)::float8 AS amount FROM applications WHERE aid IS NOT NULL`);
  const problems = await pool.query(
    `SELECT (SELECT count(*) FROM problems WHERE created_at >= $2 AND created_at < $1)::int AS opened,
       (SELECT count(*) FROM problems WHERE closed_at >= $2 AND closed_at < $1)::int AS closed,
       (SELECT count(*) FROM problem_ratings WHERE rated_at >= $2 AND rated_at < $1 AND satisfied)::int AS satisfied,
       (SELECT count(*) FROM problem_ratings WHERE rated_at >= $2 AND rated_at < $1 AND NOT satisfied)::int AS unsatisfied`,
    args,
  );
  const itemLights = Object.fromEntries(LIGHTS.map((l) => [l, 0])) as Record<Light, number>;
  for (const r of lights.rows) itemLights[r.light] = r.n;
  return {
    tallies: tallies.rows.filter((r) => r.completed + r.overdue_open + r.reviewed > 0),
    overdue: overdue.rows,
    escalations: escalations.rows,
    urges: urges.rows[0],
    itemLights,
    applications: applications.rows,
    placements: placements.rows,
    purchased: purchased.rows[0],
    aid: aid.rows[0],
    problems: problems.rows[0],
  };
}

/** Every number the baseline has, against the report's. */
export function compareWithBaseline(c: ReportContent, b: BaselineNumbers): { compared: number; mismatches: string[] } {
  const mismatches: string[] = [];
  let compared = 0;
  const eq = (what: string, report: unknown, base: unknown) => {
    compared++;
    if (report !== base) mismatches.push(`${what}: report ${JSON.stringify(report)} ≠ SQL ${JSON.stringify(base)}`);
  };
  eq('ranked departments', c.ranking.length, b.tallies.length);
  for (const t of b.tallies) {
    const r = c.ranking.find((x) => x.departmentCode === t.department_code);
    eq(`${t.department_code} completed`, r?.completed, t.completed);
    eq(`${t.department_code} on time`, r?.onTime, t.on_time);
    eq(`${t.department_code} overdue open`, r?.overdueOpen, t.overdue_open);
    eq(`${t.department_code} reviewed`, r?.reviewed, t.reviewed);
    eq(`${t.department_code} first pass`, r?.firstPassAccepted, t.accepted);
    eq(`${t.department_code} avg response`, r?.avgResponseWorkingDays, t.avg_response);
  }
  eq('overdue total', c.overdue.total, b.overdue.reduce((s, o) => s + o.n, 0));
  for (const o of b.overdue) {
    const r = c.overdue.byDepartment.find((x) => x.departmentCode === o.department_code);
    eq(`${o.department_code} overdue`, r?.count, o.n);
    eq(`${o.department_code} overdue max days`, r?.maxWorkingDays, o.max_days);
    eq(`${o.department_code} overdue avg days`, r?.avgWorkingDays, Math.round((o.sum_days / o.n) * 100) / 100);
  }
  for (const l of c.escalations.byLevel) eq(`escalations ${l.level}`, l.count, b.escalations.find((e) => e.level === l.level)?.n ?? 0);
  eq('urges issued', c.urges.issued, b.urges.issued);
  eq('urges replied', c.urges.repliedOfIssued, b.urges.replied_of_issued);
  eq('urges open', c.urges.openAtEnd, b.urges.open_at_end);
  for (const l of LIGHTS) eq(`items ${l}`, c.items.byLight[l], b.itemLights[l]);
  for (const a of c.applications.byState) eq(`applications ${a.state}`, a.count, b.applications.find((x) => x.state === a.state)?.n ?? 0);
  const n = c.applications.placements.totals;
  eq('catchment', n.catchment, b.placements.find((p) => p.type === 'catchment')?.n ?? 0);
  eq('adjusted', n.adjusted, b.placements.find((p) => p.type === 'adjusted')?.n ?? 0);
  eq('purchased', n.purchasedSeats, b.placements.find((p) => p.type === 'purchased')?.n ?? 0);
  eq('purchased seats', c.applications.purchasedSeats.active, b.purchased.active);
  eq('purchased cost', c.applications.purchasedSeats.cost, b.purchased.cost);
  eq('aid granted', c.applications.aid.grantedTotal, b.aid.granted);
  eq('aid amount', c.applications.aid.amountTotal, b.aid.amount);
  eq('problems opened', c.problems.openedInPeriod, b.problems.opened);
  eq('problems closed', c.problems.closedResolved, b.problems.closed);
  eq('ratings satisfied', c.problems.ratingsInPeriod.satisfied, b.problems.satisfied);
  eq('ratings unsatisfied', c.problems.ratingsInPeriod.unsatisfied, b.problems.unsatisfied);
  return { compared, mismatches };
}

// ---------------------------------------------------------------------------------------------------------------
// The run

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const r1 = (x: number) => Math.round(x * 10) / 10;

export async function runReportsBench(opts: ReportsBenchOptions = {}): Promise<ReportsBenchResult> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const steps = opts.steps ?? 100_000;
  const runs = opts.runs ?? 3;
  const seed = opts.seed ?? 20261130;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'reports-bench-'));
  let stopPg: (() => Promise<void>) | undefined;
  let url = opts.databaseUrl ?? process.env.DATABASE_URL;
  let admin: pg.Pool | undefined;
  let dbName: string | undefined;
  let pool: pg.Pool | undefined;
  try {
    if (!url) {
      log(`[reports] starting embedded PostgreSQL in ${tmp}`);
      const server = await startEmbeddedPostgres({ dataDir: tmp, port: await freePort(), database: 'bench' });
      stopPg = server.stop;
      url = server.url;
    }
    // A database of its own, dropped at the end.
    admin = createPool(url, 1);
    dbName = `bench_reports_${crypto.randomBytes(3).toString('hex')}`;
    await admin.query(`CREATE DATABASE ${dbName}`);
    const u = new URL(url);
    u.pathname = `/${dbName}`;
    pool = createPool(u.toString(), 4);
    await prepareDatabase(pool);

    const span = lastEndedPeriod('weekly', new Date());
    const { startsAt, endsAt } = spanInstants(span);
    const period: ReportPeriod = { kind: 'weekly', label: span.label, labelZh: span.labelZh, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString(), asOf: endsAt.toISOString(), complete: true, reportId: reportIdOf('weekly', span.label, null) };
    log(`[reports] generating ${steps.toLocaleString('en-US')} steps (seed ${seed}) up to the end of ${span.label}`);
    const g0 = performance.now();
    const data = await generateData(pool, { steps, seed, period });
    const generate = performance.now() - g0;
    log(`[reports] ${data.auditRows.toLocaleString('en-US')} audit rows, ${data.applications.toLocaleString('en-US')} applications, ${data.problems} problems in ${(generate / 1000).toFixed(1)} s`);

    const calendar = await loadCalendar(pool);
    const deps = { pool, calendar: { get: async () => calendar } };
    const reportOnce = () => computeReport(deps, period);
    // Warm-up, then alternating timed runs.
    const warm = await reportOnce();
    await baseline(pool, period);
    const reportRuns: number[] = [];
    const baselineRuns: number[] = [];
    let content: ReportContent = warm.content;
    let base: BaselineNumbers | undefined;
    for (let i = 0; i < runs; i++) {
      let t = performance.now();
      content = (await reportOnce()).content;
      reportRuns.push(performance.now() - t);
      t = performance.now();
      base = await baseline(pool, period);
      baselineRuns.push(performance.now() - t);
      log(`[reports] run ${i + 1}/${runs}: report ${reportRuns.at(-1)!.toFixed(0)} ms, SQL ${baselineRuns.at(-1)!.toFixed(0)} ms`);
    }
    let t = performance.now();
    renderReportHtml(content);
    const renderHtml = performance.now() - t;
    t = performance.now();
    await renderReportWorkbook(content);
    const renderXlsx = performance.now() - t;
    const cmp = compareWithBaseline(content, base!);
    if (cmp.mismatches.length) log(`[reports] MISMATCHES:\n  ${cmp.mismatches.join('\n  ')}`);

    const result: ReportsBenchResult = {
      benchmark: 'reports',
      measuredAt: new Date().toISOString(),
      machine: machine(),
      params: { steps, auditRows: data.auditRows, applications: data.applications, problems: data.problems, itemSteps: data.itemSteps, runs, seed, period: span.label },
      timeMs: {
        report: { median: r1(median(reportRuns)), runs: reportRuns.map(r1) },
        baseline: { median: r1(median(baselineRuns)), runs: baselineRuns.map(r1) },
        ratio: Math.round((median(reportRuns) / median(baselineRuns)) * 100) / 100,
        renderHtml: r1(renderHtml),
        renderXlsx: r1(renderXlsx),
        generate: r1(generate),
      },
      outcome: {
        agree: cmp.mismatches.length === 0,
        compared: cmp.compared,
        mismatches: cmp.mismatches.slice(0, 20),
        overdue: content.overdue.total,
        completed: content.ranking.reduce((s, r) => s + r.completed, 0),
        rankedDepartments: content.ranking.length,
        escalations: content.escalations.total,
        itemsRed: content.items.byLight.red,
        placed: content.applications.placements.totals.placed,
        publicShare: content.applications.placements.totals.publicShare,
      },
    };
    log(`[reports] report ${result.timeMs.report.median} ms vs plain SQL ${result.timeMs.baseline.median} ms (${result.timeMs.ratio}×); HTML ${result.timeMs.renderHtml} ms, workbook ${result.timeMs.renderXlsx} ms; numbers agree: ${result.outcome.agree ? 'yes' : 'NO'} (${cmp.compared} compared)`);
    const out = opts.out === undefined ? path.join(ROOT, 'bench', 'results', `reports${steps < 100_000 ? '-small' : ''}.json`) : opts.out;
    if (out) {
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    }
    return result;
  } finally {
    await pool?.end().catch(() => undefined);
    if (admin && dbName) await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin?.end().catch(() => undefined);
    await stopPg?.().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// BENCHMARKS.md

export function renderReportsBench(r: ReportsBenchResult & { commit?: string; loadAverage1m?: number }): { key: string; markdown: string } {
  const p = r.params;
  const m = r.machine;
  const machine = machineLine(m);
  const date = r.measuredAt.slice(0, 10);
  const commit = r.commit ?? 'unknown';
  const t = r.timeMs;
  const o = r.outcome;
  const markdown = [
    `### ${p.steps.toLocaleString('en-US')} department steps`,
    '',
    `${p.auditRows.toLocaleString('en-US')} audit rows over eight weeks, ${p.applications.toLocaleString('en-US')} applications, ${p.problems.toLocaleString('en-US')} problems, ${p.itemSteps} item report steps; the weekly report of ${p.period}, seed ${p.seed}.`,
    'Baseline: the same numbers by plain SQL aggregation over the read models (GROUP BYs on steps, urge notices, applications, problems; the last completion and first review per step; working days on the calendar table), in the same run.',
    '',
    '| figure | report | baseline | ratio | machine | date | commit |',
    '| --- | ---: | ---: | ---: | --- | --- | --- |',
    `| time, median of ${p.runs} runs (ms) | ${t.report.median.toFixed(1)} | ${t.baseline.median.toFixed(1)} | ${t.ratio.toFixed(2)}× | ${machine} | ${date} | ${commit} |`,
    `| rendering the HTML page / the workbook (ms) | ${t.renderHtml.toFixed(1)} / ${t.renderXlsx.toFixed(1)} | – | – | ${machine} | ${date} | ${commit} |`,
    '',
    `Outcome: ${o.completed.toLocaleString('en-US')} completions ranked over ${o.rankedDepartments} departments, ${o.overdue.toLocaleString('en-US')} overdue steps, ${o.escalations.toLocaleString('en-US')} escalations in the week, ${o.itemsRed} red items, ${o.placed.toLocaleString('en-US')} children placed (public share ${(o.publicShare * 100).toFixed(2)}%); ` +
      `report and SQL agree on all ${o.compared} compared numbers: ${o.agree ? 'yes' : `NO (${o.mismatches.join('; ')})`}. Generating the data took ${(t.generate / 1000).toFixed(1)} s (not measured).` +
      (r.loadAverage1m !== undefined ? ` Load average (1 min) when the run started: ${r.loadAverage1m} on ${m.nproc} CPUs.` : ''),
  ].join('\n');
  return { key: `reports:${p.steps}`, markdown };
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const small = argv.includes('--small');
  runReportsBench({
    steps: Number(arg('--steps') ?? (small ? 10_000 : 100_000)),
    runs: Number(arg('--runs') ?? (small ? 5 : 3)),
    seed: arg('--seed') ? Number(arg('--seed')) : undefined,
    databaseUrl: arg('--database-url'),
  }).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
