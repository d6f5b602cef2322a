/**
 * Progress reports: gathering the facts a report is computed from, out of the recorded history as of an instant, and
 * storing the finished snapshots (immutable, see migration 010).
 *
 * "As of T" means: audit rows with at < T, recorded (recorded_at) no later than the report's generation, so that the
 * same gathering later — after any amount of further activity — reads the same rows. The read models (steps,
 * applications, problems) are used only for what never changes after a row is written (a step's subject, title and
 * assignment; an application's district, year and stage); every state is folded from the trail:
 *  - a step's state is its last event's state_after; paused when its last pause/resume is a pause; its deadline the
 *    last one scheduled ('assigned' details.schedule, 'deadline_changed' details.newDeadlineAt); its department the
 *    last reassignment's `to` (or, before the first reassignment, that one's `from`);
 *  - the fold keys every "last X" as a text of the 10-digit sequence number followed by the value, so max() over a
 *    step's rows picks the latest one in one pass, without sorting per step.
 */
import type pg from 'pg';
import type { ApplicationFacts, EscalationFact, ItemFact, ItemPartFact, ItemSnapshot, ProblemFacts, ReportContent, ReportFacts, ReportKind, ReportPeriod, StepFact, UrgeFact } from '../../domain/reports';
import { inTransaction } from '../pool';

type Db = pg.Pool | pg.PoolClient;

/** The sequence number as a fixed-width sortable prefix. */
const SEQ = (col: string) => `lpad(${col}::text, 10, '0')`;
/** An instant as the 24-character ISO text JavaScript writes (UTC, milliseconds). */
const ISO = (col: string) => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The fold of step audit rows into one row per step as of $1 (recorded by $2). `source` 'all' reads every step's rows;
 * 'items' only those of the responsibility items' report steps (through item_period_steps, by index).
 */
function stepFold(source: 'all' | 'items'): string {
  // Only the scalars the fold needs leave the scan: the window below sorts narrow rows, not whole details.
  const cols = `a.stream_id, a.seq, a.at, a.action, a.state_after, a.actor_user_id = 'system' AS by_system,
      CASE a.action
        WHEN 'assigned' THEN ${SEQ('a.seq')} || (a.details->'schedule'->>'deadlineAt') || coalesce(a.details->'schedule'->>'dueSoonAt', '')
        WHEN 'deadline_changed' THEN ${SEQ('a.seq')} || (a.details->>'newDeadlineAt') END AS dl_raw,
      CASE WHEN a.action = 'reassign' THEN a.details->>'to' END AS to_department,
      CASE WHEN a.action IN ('overdue', 'escalated') THEN a.details->>'rung' END AS rung,
      CASE WHEN a.action = 'review' THEN a.details->>'decision' END AS decision`;
  const ev =
    source === 'all'
      ? `SELECT ${cols} FROM audit_log a WHERE a.stream_type = 'step' AND a.at < $1 AND a.recorded_at <= $2`
      : `SELECT ${cols} FROM item_period_steps ps JOIN audit_log a ON a.stream_id = ps.step_id WHERE a.at < $1 AND a.recorded_at <= $2`;
  return `ev AS (${ev}),
  w AS (
    SELECT ev.*, max(ev.dl_raw) OVER (PARTITION BY ev.stream_id ORDER BY ev.seq) AS dl
    FROM ev
  ),
  f AS (
    SELECT w.stream_id AS step_id,
      max(${SEQ('w.seq')} || w.state_after) AS state_k,
      max(CASE WHEN w.action IN ('pause', 'resume') THEN ${SEQ('w.seq')} || w.action END) AS pause_k,
      max(w.dl) AS dl_k,
      max(CASE WHEN w.action = 'reassign' THEN ${SEQ('w.seq')} || ${ISO('w.at')} || w.to_department END) AS reassign_k,
      max(CASE WHEN w.action IN ('overdue', 'escalated') THEN ${SEQ('w.seq')} || w.rung END) AS esc_k,
      max(CASE WHEN w.action IN ('deadline_changed', 'reassign') THEN w.seq END) AS reset_seq,
      max(CASE WHEN w.action = 'completed' THEN ${SEQ('w.seq')} || ${ISO('w.at')} || CASE WHEN w.by_system THEN '1' ELSE '0' END || coalesce(substr(w.dl, 11, 24), '') END) AS done_k,
      min(CASE WHEN w.action = 'review' THEN ${SEQ('w.seq')} || ${ISO('w.at')} || w.decision END) AS review_k,
      array_agg(${ISO('w.at')} ORDER BY w.seq) FILTER (WHERE w.action IN ('pause', 'resume')) AS pause_ats,
      array_agg(w.action ORDER BY w.seq) FILTER (WHERE w.action IN ('pause', 'resume')) AS pause_actions
    FROM w GROUP BY w.stream_id
  ),
  d AS (
    SELECT f.step_id,
      substr(f.state_k, 11) AS state,
      coalesce(substr(f.pause_k, 11) = 'pause', false) AS paused,
      substr(f.dl_k, 11, 24) AS deadline_at,
      nullif(substr(f.dl_k, 35), '') AS due_soon_at,
      substr(f.reassign_k, 11, 24) AS reassigned_at,
      substr(f.reassign_k, 35) AS reassigned_to,
      CASE WHEN f.esc_k IS NOT NULL AND left(f.esc_k, 10)::int > coalesce(f.reset_seq, 0) THEN substr(f.esc_k, 11)::int ELSE 0 END AS escalation_level,
      substr(f.done_k, 11, 24) AS completed_at,
      substr(f.done_k, 35, 1) = '1' AS completed_by_system,
      nullif(substr(f.done_k, 36), '') AS deadline_at_completion,
      substr(f.review_k, 11, 24) AS first_review_at,
      substr(f.review_k, 35) = 'accept' AS first_review_accepted,
      f.pause_ats, f.pause_actions
    FROM f
  )`;
}

/** The department holding step `s` at the report's instant (d: the fold's row). */
const DEPARTMENT_AS_OF = `coalesce(d.reassigned_to,
  (SELECT ra.details->>'from' FROM audit_log ra WHERE ra.stream_id = d.step_id AND ra.action = 'reassign' ORDER BY ra.seq LIMIT 1),
  s.department_code)`;

/** The department holding a step (alias `s`) when its audit row (stream, seq) was written. */
const departmentAtRow = (stream: string, seq: string) => `coalesce(
  (SELECT ra.details->>'to' FROM audit_log ra WHERE ra.stream_id = ${stream} AND ra.action = 'reassign' AND ra.seq < ${seq} ORDER BY ra.seq DESC LIMIT 1),
  (SELECT ra.details->>'from' FROM audit_log ra WHERE ra.stream_id = ${stream} AND ra.action = 'reassign' ORDER BY ra.seq LIMIT 1),
  s.department_code)`;

interface StepRowRaw {
  step_id: string;
  department_code: string;
  subject_type: string;
  subject_id: string;
  kind: string;
  title: string;
  state: string;
  paused: boolean;
  deadline_at: string | null;
  escalation_level: number;
  basis_at: string;
  completed_at: string | null;
  completed_by_system: boolean | null;
  deadline_at_completion: string | null;
  first_review_at: string | null;
  first_review_accepted: boolean | null;
  pause_ats: string[] | null;
  pause_actions: string[] | null;
}

/** Pause spans before the completion: a pause until the resume after it (or still paused). */
function pausedSpans(ats: string[] | null, actions: string[] | null, until: string | null): { from: string; to: string | null }[] {
  if (!ats || !actions) return [];
  const spans: { from: string; to: string | null }[] = [];
  for (let i = 0; i < ats.length; i++) {
    if (until !== null && ats[i]! >= until) break;
    if (actions[i] === 'pause') spans.push({ from: ats[i]!, to: null });
    else if (spans.length > 0 && spans[spans.length - 1]!.to === null) spans[spans.length - 1]!.to = ats[i]!;
  }
  return spans;
}

/** Steps completed or first reviewed in the period, or overdue, as of $1. $3 is the period's start. */
async function gatherSteps(db: Db, args: unknown[]): Promise<StepFact[]> {
  const r = await db.query<StepRowRaw>(
    `WITH ${stepFold('all')}
     SELECT d.step_id, ${DEPARTMENT_AS_OF} AS department_code, s.subject_type, s.subject_id, s.kind, s.title,
       d.state, d.paused, d.deadline_at, d.escalation_level,
       coalesce(d.reassigned_at, ${ISO('s.assigned_at')}) AS basis_at,
       d.completed_at, d.completed_by_system, d.deadline_at_completion, d.first_review_at, d.first_review_accepted,
       d.pause_ats, d.pause_actions
     FROM d JOIN steps s ON s.step_id = d.step_id
     WHERE (d.completed_at IS NOT NULL AND d.completed_at::timestamptz >= $3)
        OR (d.first_review_at IS NOT NULL AND d.first_review_at::timestamptz >= $3)
        OR (d.state IN ('open', 'signed', 'sent_back') AND NOT d.paused AND d.deadline_at::timestamptz <= $1)`,
    args,
  );
  return r.rows.map((x) => ({
    stepId: x.step_id,
    departmentCode: x.department_code,
    subjectType: x.subject_type,
    subjectId: x.subject_id,
    kind: x.kind,
    title: x.title,
    state: x.state,
    paused: x.paused,
    deadlineAt: x.deadline_at,
    escalationLevel: x.escalation_level,
    basisAt: x.basis_at,
    completion: x.completed_at ? { at: x.completed_at, bySystem: x.completed_by_system === true, deadlineAt: x.deadline_at_completion } : null,
    pausedSpans: pausedSpans(x.pause_ats, x.pause_actions, x.completed_at),
    firstReview: x.first_review_at ? { at: x.first_review_at, accepted: x.first_review_accepted === true } : null,
  }));
}

/** Each item department's latest report step as of $1, with what its light needs. */
async function gatherItemParts(db: Db, asOf: string, generatedAt: string): Promise<ItemPartFact[]> {
  const r = await db.query<{ item_id: string; department_code: string; role: 'lead' | 'cooperating'; period: string; state: string; paused: boolean; deadline_at: string | null; due_soon_at: string | null }>(
    `WITH ${stepFold('items')}
     SELECT DISTINCT ON (ps.item_id, ps.department_code, ps.role)
       ps.item_id, ps.department_code, ps.role, ps.period_label AS period, d.state, d.paused, d.deadline_at, d.due_soon_at
     FROM d JOIN item_period_steps ps ON ps.step_id = d.step_id
       JOIN item_periods p ON p.item_id = ps.item_id AND p.label = ps.period_label
     ORDER BY ps.item_id, ps.department_code, ps.role, p.starts_at DESC, ps.attempt DESC`,
    [asOf, generatedAt],
  );
  return r.rows.map((x) => ({
    itemId: x.item_id,
    departmentCode: x.department_code,
    role: x.role,
    period: x.period,
    state: x.state,
    paused: x.paused,
    deadlineAt: x.deadline_at,
    // A deadline moved later keeps no separate due-soon instant: the start of its last day, as planned for new ones.
    dueSoonAt: x.due_soon_at ?? (x.deadline_at ? new Date(Date.parse(x.deadline_at) - 86_400_000).toISOString() : null),
  }));
}

async function gatherEscalations(db: Db, args: unknown[]): Promise<EscalationFact[]> {
  const r = await db.query<EscalationFact>(
    `SELECT ${ISO('a.at')} AS at, a.stream_id AS "stepId", ${departmentAtRow('a.stream_id', 'a.seq')} AS "departmentCode",
       (a.details->>'rung')::int AS rung, a.details->>'level' AS level, 'deadline' AS cause, s.subject_type AS "subjectType", s.title
     FROM audit_log a JOIN steps s ON s.step_id = a.stream_id
     WHERE a.stream_type = 'step' AND a.action IN ('overdue', 'escalated') AND a.at >= $3 AND a.at < $1 AND a.recorded_at <= $2
     UNION ALL
     SELECT ${ISO('a.at')}, s.step_id, s.department_code, 3, 'leading_group', 'unsatisfied_rating', 'problem', s.title
     FROM audit_log a JOIN steps s ON s.step_id = a.stream_id || '.handling-' || (a.details->>'round')
     WHERE a.stream_type = 'problem' AND a.action IN ('reopened', 'closed_unresolved') AND a.at >= $3 AND a.at < $1 AND a.recorded_at <= $2`,
    args,
  );
  return r.rows;
}

/** Urging notices issued before $1 that were issued or answered in the period, or are still unanswered. */
async function gatherUrges(db: Db, args: unknown[]): Promise<UrgeFact[]> {
  const r = await db.query<UrgeFact>(
    `WITH u AS (
       SELECT a.stream_id, a.seq, a.details->>'urgeNumber' AS number, a.details->>'level' AS level, a.at AS issued_at
       FROM audit_log a WHERE a.stream_type = 'step' AND a.action = 'urge' AND a.at < $1 AND a.recorded_at <= $2
     ), r AS (
       SELECT a.stream_id, a.details->>'urgeNumber' AS number, min(a.at) AS replied_at, (array_agg(a.details->>'reply' ORDER BY a.seq))[1] AS reply
       FROM audit_log a WHERE a.stream_type = 'step' AND a.action = 'reply_urge' AND a.at < $1 AND a.recorded_at <= $2
       GROUP BY 1, 2
     )
     SELECT u.number, u.stream_id AS "stepId", ${departmentAtRow('u.stream_id', 'u.seq')} AS "departmentCode",
       u.level, ${ISO('u.issued_at')} AS "issuedAt", CASE WHEN r.replied_at IS NULL THEN NULL ELSE ${ISO('r.replied_at')} END AS "repliedAt",
       r.reply, s.title
     FROM u JOIN steps s ON s.step_id = u.stream_id LEFT JOIN r ON r.stream_id = u.stream_id AND r.number = u.number
     WHERE u.issued_at >= $3 OR r.replied_at IS NULL OR r.replied_at >= $3`,
    args,
  );
  return r.rows;
}

async function gatherItems(db: Db): Promise<ItemFact[]> {
  const r = await db.query<ItemFact>(
    `SELECT item_id AS "itemId", policy_id AS "policyId", number, title_zh AS "titleZh", lead_department AS "leadDepartment"
     FROM responsibility_items WHERE item_id IN (SELECT DISTINCT item_id FROM item_period_steps)`,
  );
  return r.rows;
}

async function gatherApplications(db: Db, args: unknown[]): Promise<ApplicationFacts> {
  const groups = await db.query<{ district: string; year: number; stage: string; state: string; placement_type: string | null; n: number; submitted: number }>(
    `WITH ev AS (
       SELECT a.stream_id, a.seq, a.at, a.action, a.state_after, a.details FROM audit_log a
       WHERE a.stream_type = 'application' AND a.at < $1 AND a.recorded_at <= $2
     ), f AS (
       SELECT ev.stream_id,
         max(${SEQ('ev.seq')} || ev.state_after) AS state_k,
         max(CASE WHEN ev.action = 'placed' THEN ${SEQ('ev.seq')} || (ev.details->>'type') END) AS placed_k,
         bool_or(ev.action = 'submitted' AND ev.at >= $3) AS submitted
       FROM ev GROUP BY ev.stream_id
     )
     SELECT a.district, a.year, a.stage, substr(f.state_k, 11) AS state,
       CASE WHEN substr(f.state_k, 11) IN ('placed', 'enrolled') THEN substr(f.placed_k, 11) END AS placement_type,
       count(*)::int AS n, count(*) FILTER (WHERE f.submitted)::int AS submitted
     FROM f JOIN applications a ON a.application_number = f.stream_id
     GROUP BY 1, 2, 3, 4, 5`,
    args,
  );
  const aid = await db.query<ApplicationFacts['aid']>(
    `SELECT count(*) FILTER (WHERE at >= $3)::int AS "decidedInPeriod",
       count(*) FILTER (WHERE at >= $3 AND (details->>'granted')::boolean)::int AS "grantedInPeriod",
       coalesce(sum((details->>'amount')::numeric) FILTER (WHERE at >= $3 AND (details->>'granted')::boolean), 0)::float8 AS "amountInPeriod",
       count(*)::int AS "decidedTotal",
       count(*) FILTER (WHERE (details->>'granted')::boolean)::int AS "grantedTotal",
       coalesce(sum((details->>'amount')::numeric) FILTER (WHERE (details->>'granted')::boolean), 0)::float8 AS "amountTotal"
     FROM audit_log WHERE stream_type = 'application' AND action = 'aid_decided' AND at < $1 AND recorded_at <= $2`,
    args,
  );
  const seats = await db.query<{ district: string; year: number; stage: string; active: number; cost: number; withoutPrice: number }>(
    `SELECT district, year, stage, count(*)::int AS active, coalesce(sum(price), 0)::float8 AS cost, count(*) FILTER (WHERE price IS NULL)::int AS "withoutPrice"
     FROM purchased_seats WHERE created_at < $1 AND (cancelled_at IS NULL OR cancelled_at >= $1)
     GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    [args[0]],
  );
  const placements = new Map<string, ApplicationFacts['placements'][number]>();
  for (const g of groups.rows) {
    if (!g.placement_type) continue;
    const key = `${g.district}|${g.year}|${g.stage}|${g.placement_type}`;
    const p = placements.get(key) ?? { district: g.district, year: g.year, stage: g.stage, type: g.placement_type as 'catchment', count: 0 };
    p.count += g.n;
    placements.set(key, p);
  }
  return {
    byGroup: groups.rows.map((g) => ({ district: g.district, year: g.year, stage: g.stage, state: g.state, count: g.n })),
    submittedInPeriod: groups.rows.reduce((s, g) => s + g.submitted, 0),
    placements: [...placements.values()],
    purchasedSeats: seats.rows,
    aid: aid.rows[0]!,
  };
}

async function gatherProblems(db: Db, args: unknown[]): Promise<ProblemFacts> {
  const states = await db.query<{ state: string; count: number }>(
    `SELECT substr(k, 11) AS state, count(*)::int AS count FROM (
       SELECT max(${SEQ('seq')} || state_after) AS k FROM audit_log
       WHERE stream_type = 'problem' AND at < $1 AND recorded_at <= $2 GROUP BY stream_id) t
     GROUP BY 1 ORDER BY 1`,
    [args[0], args[1]],
  );
  const events = await db.query<{ action: string; source: string | null; in_period: boolean; n: number }>(
    `SELECT action, CASE WHEN action = 'submitted' THEN details->>'source' END AS source, at >= $3 AS in_period, count(*)::int AS n
     FROM audit_log
     WHERE stream_type = 'problem' AND at < $1 AND recorded_at <= $2
       AND action IN ('submitted', 'rated_satisfied', 'reopened', 'closed_unresolved')
     GROUP BY 1, 2, 3`,
    args,
  );
  const sum = (pred: (e: { action: string; in_period: boolean }) => boolean) => events.rows.filter(pred).reduce((s, e) => s + e.n, 0);
  const opened = new Map<string, number>();
  for (const e of events.rows) if (e.action === 'submitted' && e.in_period) opened.set(e.source ?? 'unknown', (opened.get(e.source ?? 'unknown') ?? 0) + e.n);
  return {
    openedInPeriod: [...opened.entries()].map(([source, count]) => ({ source, count })),
    byState: states.rows,
    closedInPeriod: { resolved: sum((e) => e.in_period && e.action === 'rated_satisfied'), unresolved: sum((e) => e.in_period && e.action === 'closed_unresolved') },
    ratingsInPeriod: { satisfied: sum((e) => e.in_period && e.action === 'rated_satisfied'), unsatisfied: sum((e) => e.in_period && (e.action === 'reopened' || e.action === 'closed_unresolved')) },
    ratingsTotal: { satisfied: sum((e) => e.action === 'rated_satisfied'), unsatisfied: sum((e) => e.action === 'reopened' || e.action === 'closed_unresolved') },
  };
}

export interface GatherWindow {
  period: ReportPeriod;
  /** The instants of the item trend, oldest first; the last is the report's own as-of. */
  trend: { label: string; labelZh: string; asOf: string }[];
  /** Rows recorded later than this are not read (null: now, taken inside the gathering's snapshot). */
  generatedAt: string | null;
}

/**
 * Everything a report is computed from, in one read-only snapshot of the database (repeatable read), so all sections
 * agree with each other. Returns the facts and the generation instant used (never before the as-of).
 */
export async function gatherReportFacts(pool: pg.Pool, w: GatherWindow): Promise<{ facts: ReportFacts; generatedAt: string }> {
  return inTransaction(pool, async (db) => {
    await db.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    let generatedAt = w.generatedAt;
    if (generatedAt === null) {
      const now = (await db.query<{ now: Date }>('SELECT now() AS now')).rows[0]!.now;
      generatedAt = new Date(Math.max(now.getTime(), Date.parse(w.period.asOf))).toISOString();
    }
    const args = [w.period.asOf, generatedAt, w.period.startsAt];
    const steps = await gatherSteps(db, args);
    const escalations = await gatherEscalations(db, args);
    const urges = await gatherUrges(db, args);
    const items = await gatherItems(db);
    const itemSnapshots: ItemSnapshot[] = [];
    for (const t of w.trend) itemSnapshots.push({ ...t, parts: await gatherItemParts(db, t.asOf, generatedAt) });
    const applications = await gatherApplications(db, args);
    const problems = await gatherProblems(db, args);
    return { facts: { steps, escalations, urges, items, itemSnapshots, applications, problems }, generatedAt };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Stored snapshots

export interface StoredReport {
  reportId: string;
  kind: ReportKind;
  periodLabel: string;
  labelZh: string;
  startsAt: string;
  endsAt: string;
  asOf: string;
  complete: boolean;
  generatedAt: string;
  trigger: 'schedule' | 'on_demand';
  requestedBy: string | null;
  version: number;
}

const REPORT_COLUMNS = `report_id AS "reportId", kind, period_label AS "periodLabel", label_zh AS "labelZh", starts_at AS "startsAt",
  ends_at AS "endsAt", as_of AS "asOf", complete, generated_at AS "generatedAt", trigger, requested_by AS "requestedBy", version`;

function iso<T>(row: T): T {
  const out = { ...row } as Record<string, unknown>;
  for (const [k, v] of Object.entries(out)) if (v instanceof Date) out[k] = v.toISOString();
  return out as T;
}

/** Stores the snapshot once; a report already stored for the same id (or the same complete period) wins. Returns the stored one. */
export async function insertReport(
  pool: pg.Pool,
  r: { period: ReportPeriod; generatedAt: string; trigger: 'schedule' | 'on_demand'; requestedBy: string | null; version: number; content: ReportContent },
): Promise<{ report: StoredReport; inserted: boolean }> {
  const p = r.period;
  const ins = await pool.query(
    `INSERT INTO reports (report_id, kind, period_label, label_zh, starts_at, ends_at, as_of, complete, generated_at, trigger, requested_by, version, content)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING`,
    [p.reportId, p.kind, p.label, p.labelZh, p.startsAt, p.endsAt, p.asOf, p.complete, r.generatedAt, r.trigger, r.requestedBy, r.version, JSON.stringify(r.content)],
  );
  const stored = (await findReport(pool, p.reportId)) ?? (p.complete ? await findCompleteReport(pool, p.kind, p.label) : undefined);
  if (!stored) throw new Error(`report ${p.reportId} was neither stored nor found`);
  return { report: stored, inserted: ins.rowCount === 1 };
}

export async function findReport(db: Db, reportId: string): Promise<StoredReport | undefined> {
  const r = await db.query<StoredReport>(`SELECT ${REPORT_COLUMNS} FROM reports WHERE report_id = $1`, [reportId]);
  return r.rows[0] && iso(r.rows[0]);
}

export async function findCompleteReport(db: Db, kind: ReportKind, label: string): Promise<StoredReport | undefined> {
  const r = await db.query<StoredReport>(`SELECT ${REPORT_COLUMNS} FROM reports WHERE kind = $1 AND period_label = $2 AND complete`, [kind, label]);
  return r.rows[0] && iso(r.rows[0]);
}

/** The latest interim report of a running period, if one was made. */
export async function latestInterimReport(db: Db, kind: ReportKind, label: string): Promise<StoredReport | undefined> {
  const r = await db.query<StoredReport>(
    `SELECT ${REPORT_COLUMNS} FROM reports WHERE kind = $1 AND period_label = $2 AND NOT complete ORDER BY as_of DESC LIMIT 1`,
    [kind, label],
  );
  return r.rows[0] && iso(r.rows[0]);
}

export async function reportContent(db: Db, reportId: string): Promise<(StoredReport & { content: ReportContent }) | undefined> {
  const r = await db.query<StoredReport & { content: ReportContent }>(`SELECT ${REPORT_COLUMNS}, content FROM reports WHERE report_id = $1`, [reportId]);
  return r.rows[0] && iso(r.rows[0]);
}

export async function listReports(db: Db, f: { kind?: ReportKind; complete?: boolean; limit: number; offset: number }): Promise<{ total: number; items: (StoredReport & { summary: ReportContent['summary'] })[] }> {
  const where = `WHERE ($1::text IS NULL OR kind = $1) AND ($2::boolean IS NULL OR complete = $2)`;
  const args = [f.kind ?? null, f.complete ?? null];
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM reports ${where}`, args);
  const rows = await db.query<StoredReport & { summary: ReportContent['summary'] }>(
    `SELECT ${REPORT_COLUMNS}, content->'summary' AS summary FROM reports ${where}
     ORDER BY starts_at DESC, as_of DESC, kind LIMIT $3 OFFSET $4`,
    [...args, f.limit, f.offset],
  );
  return { total: total.rows[0]!.n, items: rows.rows.map(iso) };
}

/** The in-app notices that a report is ready, to the leading group and the supervision office, once each. */
/** A report that could not be made, told once per run to the supervision office and the administrator. */
export async function notifyReportFailed(db: Db, runKey: string, notices: { role: 'supervisor' | 'admin'; title: string; body: string }[]): Promise<number> {
  let n = 0;
  for (const { role, title, body } of notices) {
    const r = await db.query(
      `INSERT INTO notifications (dedupe_key, recipient_role, kind, title, body) VALUES ($1, $2, 'report', $3, $4)
       ON CONFLICT (dedupe_key) DO NOTHING`,
      [`report-failed:${runKey}:${role}`, role, title, body],
    );
    n += r.rowCount ?? 0;
  }
  return n;
}

export async function notifyReportReady(db: Db, reportId: string, title: string, body: string): Promise<number> {
  let n = 0;
  for (const role of ['leader', 'supervisor'] as const) {
    const r = await db.query(
      `INSERT INTO notifications (dedupe_key, recipient_role, kind, title, body) VALUES ($1, $2, 'report', $3, $4)
       ON CONFLICT (dedupe_key) DO NOTHING`,
      [`report:${reportId}:${role}`, role, title, body],
    );
    n += r.rowCount ?? 0;
  }
  return n;
}
