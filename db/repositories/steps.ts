/**
 * The department steps' read model, audit trail, urging notices, escalations and notifications. Writes are keyed by
 * (step, sequence number) so recording the same event twice, as a retried activity does, changes nothing.
 */
import type pg from 'pg';
import type { StepView } from '../../contracts/department-step';
import { classOf, workingDaysOf } from '../../domain/deadline-classes';
import type { NotificationDraft, Recipient, StepEvent } from '../../domain/department-step';
import type { Light } from '../../domain/lights';
import { inTransaction } from '../pool';
import { maskPersonalDataInText } from '../../domain/personal-data';
import { appendRunEvent } from './audit';

type Db = pg.Pool | pg.PoolClient;

/** SQL twin of domain/lights.ts stepLight(); $1 is "now". A test checks that both agree. */
export const LIGHT_SQL = `CASE
  WHEN s.state IN ('done', 'accepted') THEN 'green'
  WHEN s.state = 'awaiting_review' THEN 'blue'
  WHEN s.state IN ('returned', 'cancelled') OR s.paused THEN 'grey'
  WHEN s.state = 'sent_back' THEN 'red'
  WHEN s.deadline_at IS NOT NULL AND $1::timestamptz >= s.deadline_at THEN 'red'
  WHEN s.due_soon_at IS NOT NULL AND $1::timestamptz >= s.due_soon_at THEN 'yellow'
  ELSE 'white' END`;

export interface RecordResult {
  /** False when this event had been recorded before (a retried activity). */
  inserted: boolean;
  /** Webhook deliveries still pending for this event's notifications. */
  pendingWebhooks: number[];
}

export function notificationKey(stepId: string, seq: number, draft: NotificationDraft): string {
  return `step:${stepId}:${seq}:${draft.key}`;
}

export async function recordStepEvent(pool: pg.Pool, event: StepEvent, parentWorkflowId: string | null, runId: string | null = null): Promise<RecordResult> {
  return inTransaction(pool, async (db) => {
    const v = event.view;
    const { inserted, seq } = await appendRunEvent(db, {
      streamId: v.stepId, seq: event.seq, streamType: 'step', at: event.at, actor: event.actor, action: event.action,
      stateBefore: event.stateBefore, stateAfter: event.stateAfter, details: event.details, requestId: event.requestId,
    }, runId);
    if (inserted) {
      await upsertProjection(db, event, seq, parentWorkflowId, runId);
      await recordSideEffects(db, event);
      for (const draft of event.notifications) await insertNotification(db, notificationKey(v.stepId, seq, draft), draft, v.stepId);
    }
    const pending = await db.query<{ notification_id: number }>(
      `SELECT d.notification_id FROM webhook_deliveries d JOIN notifications n ON n.id = d.notification_id
       WHERE n.dedupe_key LIKE $1 AND d.status = 'pending'`,
      [`step:${v.stepId}:${seq}:%`],
    );
    return { inserted, pendingWebhooks: pending.rows.map((r) => r.notification_id) };
  });
}

async function upsertProjection(db: Db, event: StepEvent, seq: number, parentWorkflowId: string | null, runId: string | null): Promise<void> {
  const v = event.view;
  const openUrges = v.urges.filter((u) => u.reply === null).length;
  const completedAt = ['done', 'accepted', 'returned', 'cancelled'].includes(v.state) ? event.at : null;
  await db.query(
    `INSERT INTO steps (step_id, workflow_id, parent_workflow_id, department_code, title, kind, subject_type, subject_id,
       subject_label, state, paused, requires_review, deadline_class, working_days, assigned_at, deadline_at, due_soon_at,
       last_day, deadline_provisional, overdue, escalation_level, pending_extension, open_urges, outcome, completed_at,
       view, last_seq, run_id, updated_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28, now())
     ON CONFLICT (step_id) DO UPDATE SET
       department_code = EXCLUDED.department_code, state = EXCLUDED.state, paused = EXCLUDED.paused,
       deadline_class = EXCLUDED.deadline_class, working_days = EXCLUDED.working_days,
       deadline_at = EXCLUDED.deadline_at, due_soon_at = EXCLUDED.due_soon_at, last_day = EXCLUDED.last_day,
       deadline_provisional = EXCLUDED.deadline_provisional, overdue = EXCLUDED.overdue,
       escalation_level = EXCLUDED.escalation_level, pending_extension = EXCLUDED.pending_extension,
       open_urges = EXCLUDED.open_urges, outcome = EXCLUDED.outcome,
       completed_at = CASE WHEN EXCLUDED.completed_at IS NOT NULL THEN COALESCE(steps.completed_at, EXCLUDED.completed_at) END,
       view = EXCLUDED.view, last_seq = EXCLUDED.last_seq, run_id = EXCLUDED.run_id, updated_at = now()
     WHERE steps.last_seq < EXCLUDED.last_seq`,
    [v.stepId, v.workflowId, parentWorkflowId, v.departmentCode, v.title, v.kind, v.subject.type, v.subject.id,
      v.subject.label ?? null, v.state, v.paused !== null, v.requiresReview, classOf(v.deadlineSpec), workingDaysOf(v.deadlineSpec),
      v.assignedAt, v.paused ? null : (v.schedule?.deadlineAt ?? null), v.paused ? null : (v.schedule?.dueSoonAt ?? null),
      v.schedule?.lastDay ?? null, v.schedule?.provisional ?? false, v.overdue, v.escalationLevel,
      v.pendingExtension ? JSON.stringify(v.pendingExtension) : null, openUrges, v.outcome, completedAt, JSON.stringify(v), seq, runId],
  );
}

async function recordSideEffects(db: Db, event: StepEvent): Promise<void> {
  const v = event.view;
  const d = event.details;
  if (event.action === 'urge') {
    await db.query(
      `UPDATE urge_notices SET level = $3, message = $4, issued_by = $5, issued_at = $6 WHERE step_id = $1 AND number = $2`,
      [v.stepId, d.urgeNumber, d.level, d.message, event.actor.displayName, event.at],
    );
  } else if (event.action === 'reply_urge') {
    await db.query(`UPDATE urge_notices SET reply = $3, replied_by = $4, replied_at = $5 WHERE step_id = $1 AND number = $2`, [
      v.stepId, d.urgeNumber, d.reply, event.actor.displayName, event.at,
    ]);
  } else if (event.action === 'overdue' || event.action === 'escalated') {
    await db.query(
      `INSERT INTO escalations (step_id, rung, level, department_code, deadline_at, at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT DO NOTHING`,
      [v.stepId, d.rung, d.level, v.departmentCode, d.deadlineAt, event.at],
    );
  }
}

function recipientColumns(to: Recipient): [string | null, string | null, string | null] {
  if ('department' in to) return [to.department, null, null];
  if ('role' in to) return [null, to.role, null];
  return [null, null, to.userId];
}

/** Insert once per dedupe key; a department notification also queues a webhook delivery if one is configured. */
export async function insertNotification(db: Db, dedupeKey: string, draft: NotificationDraft, stepId: string | null): Promise<void> {
  const [department, role, userId] = recipientColumns(draft.to);
  const r = await db.query<{ id: number }>(
    `INSERT INTO notifications (dedupe_key, recipient_department, recipient_role, recipient_user_id, kind, title, body, step_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
    // Titles and bodies carry officials' free text (a step's title, a reply) to people not entitled to ID numbers.
    [dedupeKey, department, role, userId, draft.kind, maskPersonalDataInText(draft.title), maskPersonalDataInText(draft.body), stepId],
  );
  const id = r.rows[0]?.id;
  if (id !== undefined && department) {
    await db.query(
      `INSERT INTO webhook_deliveries (notification_id, url)
       SELECT $1, url FROM department_webhooks WHERE department_code = $2 AND enabled`,
      [id, department],
    );
  }
}

/**
 * The urging-notice number of a step's n-th urge in one run, the same number however often it is asked for. A later
 * run of the same business id (runId) issues new notices rather than overwriting the earlier run's.
 */
export async function issueUrgeNumber(pool: pg.Pool, stepId: string, urgeSeq: number, year: number, runId: string | null = null): Promise<string> {
  const run = runId ?? '';
  const existing = await pool.query<{ number: string }>('SELECT number FROM urge_notices WHERE step_id = $1 AND run_id = $2 AND urge_seq = $3', [stepId, run, urgeSeq]);
  if (existing.rows[0]) return existing.rows[0].number;
  const r = await pool.query<{ number: string }>(
    `INSERT INTO urge_notices (number, step_id, run_id, urge_seq)
     VALUES ('督办〔' || $4::text || '〕' || lpad(nextval('urge_notice_number')::text, 4, '0') || '号', $1, $2, $3)
     ON CONFLICT (step_id, run_id, urge_seq) DO NOTHING RETURNING number`,
    [stepId, run, urgeSeq, year],
  );
  if (r.rows[0]) return r.rows[0].number;
  return issueUrgeNumber(pool, stepId, urgeSeq, year, runId);
}

export interface StepRow {
  stepId: string;
  workflowId: string;
  departmentCode: string;
  title: string;
  kind: string;
  subjectType: string;
  subjectId: string;
  subjectLabel: string | null;
  state: string;
  paused: boolean;
  deadlineClass: string;
  workingDays: number;
  assignedAt: string;
  deadlineAt: string | null;
  dueSoonAt: string | null;
  lastDay: string | null;
  deadlineProvisional: boolean;
  overdue: boolean;
  escalationLevel: number;
  openUrges: number;
  light: Light;
  updatedAt: string;
}

/**
 * Instants come out of the database already as ISO 8601 strings (the same text Date.toISOString() gives, milliseconds
 * truncated): parsing each timestamp into a Date and printing it again cost more than the query itself for a
 * 1,000-row overdue list (bench/inbox.ts).
 */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const ROW_COLUMNS = `s.step_id AS "stepId", s.workflow_id AS "workflowId", s.department_code AS "departmentCode", s.title,
  s.kind, s.subject_type AS "subjectType", s.subject_id AS "subjectId", s.subject_label AS "subjectLabel", s.state, s.paused,
  s.deadline_class AS "deadlineClass", s.working_days AS "workingDays", ${iso('s.assigned_at')} AS "assignedAt",
  ${iso('s.deadline_at')} AS "deadlineAt", ${iso('s.due_soon_at')} AS "dueSoonAt", s.last_day AS "lastDay",
  s.deadline_provisional AS "deadlineProvisional", s.overdue, s.escalation_level AS "escalationLevel",
  s.open_urges AS "openUrges", ${LIGHT_SQL} AS light, ${iso('s.updated_at')} AS "updatedAt"`;

export interface StepFilters {
  departmentCode?: string;
  states?: string[];
  light?: Light;
  dueBefore?: Date;
  subjectType?: string;
  subjectId?: string;
  page: number;
  pageSize: number;
}

export async function listSteps(db: Db, f: StepFilters, now: Date): Promise<{ total: number; items: StepRow[] }> {
  // $1 is "now" for the light; stating its type here keeps the count query valid when no light filter uses it.
  const where: string[] = ['$1::timestamptz IS NOT NULL'];
  const args: unknown[] = [now];
  const arg = (v: unknown) => {
    args.push(v);
    return `$${args.length}`;
  };
  if (f.departmentCode) where.push(`s.department_code = ${arg(f.departmentCode)}`);
  if (f.states?.length) where.push(`s.state = ANY(${arg(f.states)}::text[])`);
  if (f.light) where.push(`(${LIGHT_SQL}) = ${arg(f.light)}`);
  if (f.dueBefore) where.push(`s.deadline_at < ${arg(f.dueBefore)}`);
  if (f.subjectType) where.push(`s.subject_type = ${arg(f.subjectType)}`);
  if (f.subjectId) where.push(`s.subject_id = ${arg(f.subjectId)}`);
  const whereSql = `WHERE ${where.join(' AND ')}`;
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM steps s ${whereSql}`, args);
  const items = await db.query<StepRow>(
    `SELECT ${ROW_COLUMNS} FROM steps s ${whereSql}
     ORDER BY s.deadline_at ASC NULLS LAST, s.step_id LIMIT ${arg(f.pageSize)} OFFSET ${arg((f.page - 1) * f.pageSize)}`,
    args,
  );
  return { total: total.rows[0]!.n, items: items.rows.map(isoDates) };
}

/**
 * Overdue, unfinished steps (a department's, or all), most overdue first, one page at a time with the total: the
 * supervision office reads the first page and the count; a list of thousands is nobody's reading (bench/inbox.ts
 * measured a 1,000-row answer at 600 KB and four times the time of a page).
 */
export async function listOverdue(
  db: Db,
  now: Date,
  opts: { departmentCode?: string; page?: number; pageSize?: number } = {},
): Promise<{ total: number; items: StepRow[] }> {
  const page = opts.page ?? 1;
  const pageSize = opts.pageSize ?? 50;
  const args: unknown[] = [now];
  const where = `s.state IN ('open', 'signed', 'sent_back') AND NOT s.paused AND s.deadline_at < $1${
    opts.departmentCode ? ` AND s.department_code = $${args.push(opts.departmentCode)}` : ''
  }`;
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM steps s WHERE ${where}`, args);
  const items = await db.query<StepRow>(
    `SELECT ${ROW_COLUMNS} FROM steps s WHERE ${where}
     ORDER BY s.deadline_at ASC, s.step_id LIMIT $${args.length + 1} OFFSET $${args.length + 2}`,
    [...args, pageSize, (page - 1) * pageSize],
  );
  return { total: total.rows[0]!.n, items: items.rows.map(isoDates) };
}

export async function findStep(db: Db, stepId: string, now: Date): Promise<(StepRow & { view: StepView }) | undefined> {
  const r = await db.query<StepRow & { view: StepView }>(`SELECT ${ROW_COLUMNS}, s.view FROM steps s WHERE s.step_id = $2`, [now, stepId]);
  return r.rows[0] && isoDates(r.rows[0]);
}

export interface TimelineEntry {
  seq: number;
  at: string;
  action: string;
  actorName: string;
  actorRole: string;
  actorDepartment: string | null;
  stateBefore: string | null;
  stateAfter: string;
  details: Record<string, unknown>;
  requestId: string | null;
}

export async function stepTimeline(db: Db, stepId: string): Promise<TimelineEntry[]> {
  const r = await db.query<TimelineEntry>(
    `SELECT seq, at, action, actor_name AS "actorName", actor_role AS "actorRole", actor_department AS "actorDepartment",
       state_before AS "stateBefore", state_after AS "stateAfter", details, request_id AS "requestId"
     FROM audit_log WHERE stream_id = $1 ORDER BY seq`,
    [stepId],
  );
  return r.rows.map(isoDates);
}

/** Open steps whose deadline a change of the given years' calendar may move (running, or paused with no deadline). */
export async function openStepsTouchingYears(db: Db, years: number[]): Promise<{ stepId: string; workflowId: string }[]> {
  const r = await db.query<{ stepId: string; workflowId: string }>(
    `SELECT step_id AS "stepId", workflow_id AS "workflowId" FROM steps
     WHERE state IN ('open', 'signed', 'sent_back', 'awaiting_review') AND NOT paused
       AND (extract(year FROM assigned_at AT TIME ZONE 'Asia/Shanghai')::int <= ANY($1::int[]))
       -- the escalation ladder runs a few working days past the last day
       AND (last_day IS NULL OR extract(year FROM last_day + 30)::int >= ANY($1::int[]))
     -- in code-unit order: the calendar load resumes after the last step id it signalled, compared in JavaScript
     ORDER BY step_id COLLATE "C"`,
    [years],
  );
  return r.rows;
}

function isoDates<T>(row: T): T {
  // In place: the rows are fresh objects from the driver, and copying each one showed in the list's profile.
  const out = row as Record<string, unknown>;
  for (const k in out) {
    const v = out[k];
    if (v instanceof Date) out[k] = v.toISOString();
  }
  return row;
}
