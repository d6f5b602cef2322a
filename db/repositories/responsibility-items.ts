/**
 * Policies, their responsibility items, the periods the items' workflows open, the dispatch board (lights per item ×
 * department × period), an item's details and timeline, and the escalation list. SQL lives here; callers get plain
 * objects. Every edit writes its audit row in the same transaction, keyed (stream, version), so an edit cannot be
 * applied without its trace; the workflow's events are keyed (stream, seq) and recorded once however often retried.
 */
import type pg from 'pg';
import { itemEditStream, itemRunStream, policyEditStream, type ItemEvent } from '../../contracts/responsibility-item';
import type { Light } from '../../domain/lights';
import type { ReportingRhythm } from '../../domain/reporting-periods';
import {
  changesBetween,
  type ItemFields,
  type ItemRole,
  type ItemStatus,
  type PolicyFields,
  type PolicyPhase,
} from '../../domain/responsibility-items';
import type { Actor } from '../../domain/roles';
import { inTransaction } from '../pool';
import { LIGHT_SQL, insertNotification } from './steps';
import { appendRunEvent } from './audit';

type Db = pg.Pool | pg.PoolClient;

/** An edit by a person through the API (no workflow run): the same append as the workflows' events, with no run. */
async function appendAudit(db: Db, row: { streamId: string; seq: number; streamType: 'policy' | 'item'; at?: string; actor: Actor; action: string; stateBefore: string | null; stateAfter: string; details: unknown; requestId: string | null }): Promise<boolean> {
  return (await appendRunEvent(db, { ...row, at: row.at ?? null }, null)).inserted;
}

function iso<T>(row: T): T {
  const out = { ...row } as Record<string, unknown>;
  for (const [k, v] of Object.entries(out)) if (v instanceof Date) out[k] = v.toISOString();
  return out as T;
}

// ---------------------------------------------------------------------------------------------------------------
// Policies

export interface PolicyRow extends PolicyFields {
  policyId: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  itemCount: number;
}

const POLICY_COLUMNS = `p.policy_id AS "policyId", p.title_zh AS "titleZh", p.issuing_body AS "issuingBody", p.issued_on AS "issuedOn",
  p.phases, p.notes_zh AS "notesZh", p.version, p.created_at AS "createdAt", p.updated_at AS "updatedAt",
  (SELECT count(*)::int FROM responsibility_items i WHERE i.policy_id = p.policy_id) AS "itemCount"`;

export async function findPolicy(db: Db, policyId: string): Promise<PolicyRow | undefined> {
  const r = await db.query<PolicyRow>(`SELECT ${POLICY_COLUMNS} FROM supervision_policies p WHERE p.policy_id = $1`, [policyId]);
  return r.rows[0] && iso(r.rows[0]);
}

export async function listPolicies(db: Db): Promise<PolicyRow[]> {
  const r = await db.query<PolicyRow>(`SELECT ${POLICY_COLUMNS} FROM supervision_policies p ORDER BY p.created_at, p.policy_id`);
  return r.rows.map(iso);
}

/** Create the policy and its 'created' audit row; false when the id is taken (nothing changed). */
export async function createPolicy(pool: pg.Pool, policyId: string, p: PolicyFields, actor: Actor, requestId: string | null): Promise<boolean> {
  return inTransaction(pool, async (db) => {
    const r = await db.query(
      `INSERT INTO supervision_policies (policy_id, title_zh, issuing_body, issued_on, phases, notes_zh)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (policy_id) DO NOTHING RETURNING policy_id`,
      [policyId, p.titleZh, p.issuingBody, p.issuedOn, JSON.stringify(p.phases), p.notesZh],
    );
    if (r.rowCount !== 1) return false;
    await appendAudit(db, { streamId: policyEditStream(policyId), seq: 1, streamType: 'policy', actor, action: 'created', stateBefore: null, stateAfter: 'version_1', details: { fields: p }, requestId });
    return true;
  });
}

/**
 * Edit a policy: `edit` gets the current fields and returns the new ones (or throws to refuse). Nothing changes and
 * no audit row is written when the fields come back equal.
 */
export async function updatePolicy(
  pool: pg.Pool,
  policyId: string,
  edit: (current: PolicyFields) => PolicyFields,
  actor: Actor,
  requestId: string | null,
): Promise<{ policy: PolicyRow; changed: string[] } | undefined> {
  return inTransaction(pool, async (db) => {
    const current = await db.query<PolicyFields & { version: number }>(
      `SELECT title_zh AS "titleZh", issuing_body AS "issuingBody", issued_on AS "issuedOn", phases, notes_zh AS "notesZh", version
       FROM supervision_policies WHERE policy_id = $1 FOR UPDATE`,
      [policyId],
    );
    const row = current.rows[0];
    if (!row) return undefined;
    const { version, ...before } = row;
    const after = edit(before);
    const changes = changesBetween(before, after);
    if (Object.keys(changes).length > 0) {
      await db.query(
        `UPDATE supervision_policies SET title_zh = $2, issuing_body = $3, issued_on = $4, phases = $5, notes_zh = $6,
           version = version + 1, updated_at = now() WHERE policy_id = $1`,
        [policyId, after.titleZh, after.issuingBody, after.issuedOn, JSON.stringify(after.phases), after.notesZh],
      );
      await appendAudit(db, { streamId: policyEditStream(policyId), seq: version + 1, streamType: 'policy', actor, action: 'edited', stateBefore: `version_${version}`, stateAfter: `version_${version + 1}`, details: { changes }, requestId });
    }
    return { policy: (await findPolicy(db, policyId))!, changed: Object.keys(changes) };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Items

export interface ItemRow extends ItemFields {
  itemId: string;
  policyId: string;
  status: ItemStatus;
  currentPeriod: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

const ITEM_COLUMNS = `i.item_id AS "itemId", i.policy_id AS "policyId", i.number, i.title_zh AS "titleZh", i.content_zh AS "contentZh",
  i.lead_department AS "leadDepartment",
  coalesce((SELECT array_agg(c.department_code ORDER BY c.position) FROM item_cooperating_departments c WHERE c.item_id = i.item_id), '{}') AS "cooperatingDepartments",
  i.leader_in_charge AS "leaderInCharge", i.rhythm, i.final_deadline AS "finalDeadline", i.evidence_requirements AS "evidenceRequirements",
  i.status, i.current_period AS "currentPeriod", i.version, i.created_at AS "createdAt", i.updated_at AS "updatedAt"`;

/** The editable fields of a row, in the order ItemFields lists them (so two versions compare field by field). */
export function itemFieldsOf(row: ItemFields): ItemFields {
  return {
    number: row.number,
    titleZh: row.titleZh,
    contentZh: row.contentZh,
    leadDepartment: row.leadDepartment,
    cooperatingDepartments: [...row.cooperatingDepartments],
    leaderInCharge: row.leaderInCharge,
    rhythm: row.rhythm,
    finalDeadline: row.finalDeadline,
    evidenceRequirements: [...row.evidenceRequirements],
  };
}

export async function findItem(db: Db, itemId: string): Promise<ItemRow | undefined> {
  const r = await db.query<ItemRow>(`SELECT ${ITEM_COLUMNS} FROM responsibility_items i WHERE i.item_id = $1`, [itemId]);
  return r.rows[0] && iso(r.rows[0]);
}

export interface ItemFilters {
  policyId?: string;
  /** Items that name the department, as lead or cooperating. */
  departmentCode?: string;
  /** Part of the leader in charge's name or post. */
  leader?: string;
  status?: ItemStatus;
}

export async function listItems(db: Db, f: ItemFilters): Promise<ItemRow[]> {
  const r = await db.query<ItemRow>(
    `SELECT ${ITEM_COLUMNS} FROM responsibility_items i
     WHERE ($1::text IS NULL OR i.policy_id = $1)
       AND ($2::text IS NULL OR i.lead_department = $2
            OR EXISTS (SELECT 1 FROM item_cooperating_departments c WHERE c.item_id = i.item_id AND c.department_code = $2))
       AND ($3::text IS NULL OR strpos(i.leader_in_charge, $3) > 0)
       AND ($4::text IS NULL OR i.status = $4)
     ORDER BY i.policy_id, i.number`,
    [f.policyId ?? null, f.departmentCode ?? null, f.leader ?? null, f.status ?? null],
  );
  return r.rows.map(iso);
}

async function writeCooperating(db: Db, itemId: string, codes: string[]): Promise<void> {
  await db.query('DELETE FROM item_cooperating_departments WHERE item_id = $1', [itemId]);
  for (const [i, code] of codes.entries()) {
    await db.query('INSERT INTO item_cooperating_departments (item_id, department_code, position) VALUES ($1, $2, $3)', [itemId, code, i + 1]);
  }
}

/** Create the item and its 'created' audit row; 'taken' when the id or the number is already used in the policy. */
export async function createItem(pool: pg.Pool, itemId: string, policyId: string, item: ItemFields, actor: Actor, requestId: string | null): Promise<'created' | 'id_taken' | 'number_taken'> {
  return inTransaction(pool, async (db) => {
    const clash = await db.query<{ item_id: string }>('SELECT item_id FROM responsibility_items WHERE item_id = $1 OR (policy_id = $2 AND number = $3)', [itemId, policyId, item.number]);
    if (clash.rows.some((r) => r.item_id === itemId)) return 'id_taken';
    if (clash.rows.length > 0) return 'number_taken';
    const r = await db.query(
      `INSERT INTO responsibility_items (item_id, policy_id, number, title_zh, content_zh, lead_department, leader_in_charge, rhythm,
         final_deadline, evidence_requirements)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING RETURNING item_id`,
      [itemId, policyId, item.number, item.titleZh, item.contentZh, item.leadDepartment, item.leaderInCharge, item.rhythm, item.finalDeadline, JSON.stringify(item.evidenceRequirements)],
    );
    if (r.rowCount !== 1) return 'id_taken';
    await writeCooperating(db, itemId, item.cooperatingDepartments);
    await appendAudit(db, { streamId: itemEditStream(itemId), seq: 1, streamType: 'item', actor, action: 'created', stateBefore: null, stateAfter: 'version_1', details: { policyId, fields: item }, requestId });
    return 'created';
  });
}

/** Edit an item like updatePolicy: one audit row with the changed fields, or nothing when nothing changed. */
export async function updateItem(
  pool: pg.Pool,
  itemId: string,
  edit: (current: ItemRow) => ItemFields,
  actor: Actor,
  requestId: string | null,
): Promise<{ item: ItemRow; changed: string[] } | undefined> {
  return inTransaction(pool, async (db) => {
    const locked = await db.query('SELECT 1 FROM responsibility_items WHERE item_id = $1 FOR UPDATE', [itemId]);
    if (locked.rowCount !== 1) return undefined;
    const current = (await findItem(db, itemId))!;
    const before = itemFieldsOf(current);
    const after = itemFieldsOf(edit(current));
    const changes = changesBetween(before, after);
    if (Object.keys(changes).length > 0) {
      await db.query(
        `UPDATE responsibility_items SET number = $2, title_zh = $3, content_zh = $4, lead_department = $5, leader_in_charge = $6,
           rhythm = $7, final_deadline = $8, evidence_requirements = $9, version = version + 1, updated_at = now()
         WHERE item_id = $1`,
        [itemId, after.number, after.titleZh, after.contentZh, after.leadDepartment, after.leaderInCharge, after.rhythm, after.finalDeadline, JSON.stringify(after.evidenceRequirements)],
      );
      if ('cooperatingDepartments' in changes) await writeCooperating(db, itemId, after.cooperatingDepartments);
      await appendAudit(db, {
        streamId: itemEditStream(itemId),
        seq: current.version + 1,
        streamType: 'item',
        actor,
        action: 'edited',
        stateBefore: `version_${current.version}`,
        stateAfter: `version_${current.version + 1}`,
        // Takes effect from the next reporting period: the steps of the current one keep their departments.
        details: { changes, status: current.status },
        requestId,
      });
    }
    return { item: (await findItem(db, itemId))!, changed: Object.keys(changes) };
  });
}

/** Close an item that was never launched (a running one is closed by its workflow). */
export async function closeDraftItem(pool: pg.Pool, itemId: string, reason: string, actor: Actor, requestId: string | null): Promise<boolean> {
  return inTransaction(pool, async (db) => {
    const r = await db.query<{ version: number }>(
      `UPDATE responsibility_items SET status = 'closed', version = version + 1, updated_at = now()
       WHERE item_id = $1 AND status = 'draft' RETURNING version`,
      [itemId],
    );
    const version = r.rows[0]?.version;
    if (version === undefined) return false;
    await appendAudit(db, { streamId: itemEditStream(itemId), seq: version, streamType: 'item', actor, action: 'closed', stateBefore: 'draft', stateAfter: 'closed', details: { reason }, requestId });
    return true;
  });
}

/** The last sequence number the item's workflow runs wrote, so a new launch continues the stream. */
export async function lastRunSeq(db: Db, itemId: string): Promise<number> {
  const r = await db.query<{ n: number }>('SELECT coalesce(max(seq), 0)::int AS n FROM audit_log WHERE stream_id = $1', [itemRunStream(itemId)]);
  return r.rows[0]!.n;
}

// ---------------------------------------------------------------------------------------------------------------
// The item workflow's events

/** Audit row, projections and notifications of one event of an item's run, in one transaction, once. */
export async function recordItemEvent(pool: pg.Pool, e: ItemEvent, runId: string | null = null): Promise<{ inserted: boolean; pendingWebhooks: number[] }> {
  return inTransaction(pool, async (db) => {
    const { inserted, seq } = await appendRunEvent(db, { streamId: itemRunStream(e.itemId), seq: e.seq, streamType: 'item', at: e.at, actor: e.actor, action: e.action, stateBefore: null, stateAfter: e.stateAfter, details: e.details, requestId: e.requestId }, runId);
    const prefix = `item:${e.itemId}:${seq}:`;
    if (inserted) {
      if (e.status !== undefined || e.currentPeriod !== undefined) {
        await db.query(
          `UPDATE responsibility_items SET status = coalesce($2, status),
             current_period = CASE WHEN $3::boolean THEN $4 ELSE current_period END, updated_at = now()
           WHERE item_id = $1`,
          [e.itemId, e.status ?? null, e.currentPeriod !== undefined, e.currentPeriod ?? null],
        );
      }
      if (e.period) {
        const p = e.period;
        await db.query(
          `INSERT INTO item_periods (item_id, label, label_zh, starts_at, ends_at, is_last, state, opened_at, closed_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $7 <> 'open' THEN $8::timestamptz END)
           ON CONFLICT (item_id, label) DO UPDATE SET
             state = EXCLUDED.state,
             closed_at = coalesce(item_periods.closed_at, EXCLUDED.closed_at)`,
          [e.itemId, p.label, p.labelZh, p.startsAt, p.endsAt, p.last, p.state, e.at],
        );
      }
      for (const s of e.periodSteps ?? []) {
        await db.query(
          `INSERT INTO item_period_steps (step_id, item_id, period_label, department_code, role, attempt)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (step_id) DO NOTHING`,
          [s.stepId, e.itemId, e.period!.label, s.departmentCode, s.role, s.attempt],
        );
      }
      for (const n of e.notifications ?? []) await insertNotification(db, `${prefix}${n.key}`, n, n.stepId ?? null);
    }
    const pending = await db.query<{ notification_id: number }>(
      `SELECT d.notification_id FROM webhook_deliveries d JOIN notifications n ON n.id = d.notification_id
       WHERE n.dedupe_key LIKE $1 AND d.status = 'pending'`,
      [`${prefix}%`],
    );
    return { inserted, pendingWebhooks: pending.rows.map((r) => r.notification_id) };
  });
}

/** The item's department steps still under way (any period), so closing the item can cancel them. */
export async function openItemStepWorkflows(db: Db, itemId: string): Promise<string[]> {
  const r = await db.query<{ workflow_id: string }>(
    `SELECT s.workflow_id FROM item_period_steps ps JOIN steps s ON s.step_id = ps.step_id
     WHERE ps.item_id = $1 AND s.state IN ('open', 'signed', 'sent_back', 'awaiting_review') ORDER BY s.step_id`,
    [itemId],
  );
  return r.rows.map((x) => x.workflow_id);
}

// ---------------------------------------------------------------------------------------------------------------
// The dispatch board and an item's details

export interface BoardRow {
  itemId: string;
  policyId: string;
  number: number;
  titleZh: string;
  leaderInCharge: string;
  period: string;
  periodZh: string;
  periodEndsAt: string;
  departmentCode: string;
  departmentNameZh: string;
  role: ItemRole;
  attempt: number;
  stepId: string;
  state: string;
  light: Light;
  deadlineAt: string | null;
  dueSoonAt: string | null;
  overdue: boolean;
  escalationLevel: number;
  openUrges: number;
  urgeCount: number;
}

export interface BoardFilters {
  policyId?: string;
  itemId?: string;
  departmentCode?: string;
  leader?: string;
  period?: string;
  light?: Light;
  due?: 'soon' | 'overdue';
  role?: ItemRole;
  page: number;
  pageSize: number;
}

const BOARD_FROM = `FROM item_period_steps ps
  JOIN steps s ON s.step_id = ps.step_id
  JOIN responsibility_items i ON i.item_id = ps.item_id
  JOIN item_periods p ON p.item_id = ps.item_id AND p.label = ps.period_label
  JOIN departments d ON d.code = ps.department_code`;

/** Running, not paused: the states in which a step can be due soon or overdue. */
const RUNNING = `s.state IN ('open', 'signed', 'sent_back') AND NOT s.paused`;

export async function board(db: Db, f: BoardFilters, now: Date): Promise<{ total: number; counts: Record<string, number>; items: BoardRow[] }> {
  // $1 is "now" for LIGHT_SQL.
  const args: unknown[] = [now];
  const arg = (v: unknown) => {
    args.push(v);
    return `$${args.length}`;
  };
  const where: string[] = ['$1::timestamptz IS NOT NULL'];
  if (f.policyId) where.push(`i.policy_id = ${arg(f.policyId)}`);
  if (f.itemId) where.push(`i.item_id = ${arg(f.itemId)}`);
  if (f.departmentCode) where.push(`ps.department_code = ${arg(f.departmentCode)}`);
  if (f.leader) where.push(`strpos(i.leader_in_charge, ${arg(f.leader)}) > 0`);
  if (f.period) where.push(`ps.period_label = ${arg(f.period)}`);
  if (f.role) where.push(`ps.role = ${arg(f.role)}`);
  if (f.due === 'soon') where.push(`${RUNNING} AND $1 >= s.due_soon_at AND $1 < s.deadline_at`);
  if (f.due === 'overdue') where.push(`${RUNNING} AND $1 >= s.deadline_at`);
  const filtered = `${BOARD_FROM} WHERE ${where.join(' AND ')}`;
  // The light counts cover every filter but the light itself, so the board can show them as tabs.
  const counts = await db.query<{ light: string; n: number }>(`SELECT ${LIGHT_SQL} AS light, count(*)::int AS n ${filtered} GROUP BY 1`, args);
  const withLight = f.light ? `${filtered} AND (${LIGHT_SQL}) = ${arg(f.light)}` : filtered;
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n ${withLight}`, args);
  const rows = await db.query<BoardRow>(
    `SELECT i.item_id AS "itemId", i.policy_id AS "policyId", i.number, i.title_zh AS "titleZh", i.leader_in_charge AS "leaderInCharge",
       ps.period_label AS period, p.label_zh AS "periodZh", p.ends_at AS "periodEndsAt", ps.department_code AS "departmentCode",
       d.name_zh AS "departmentNameZh", ps.role, ps.attempt, s.step_id AS "stepId", s.state, ${LIGHT_SQL} AS light,
       s.deadline_at AS "deadlineAt", s.due_soon_at AS "dueSoonAt", s.overdue, s.escalation_level AS "escalationLevel",
       s.open_urges AS "openUrges", jsonb_array_length(s.view->'urges') AS "urgeCount"
     ${withLight}
     ORDER BY i.policy_id, i.number, p.starts_at DESC, (ps.role = 'lead') DESC, ps.department_code, ps.attempt
     LIMIT ${arg(f.pageSize)} OFFSET ${arg((f.page - 1) * f.pageSize)}`,
    args,
  );
  return { total: total.rows[0]!.n, counts: Object.fromEntries(counts.rows.map((c) => [c.light, c.n])), items: rows.rows.map(iso) };
}

export interface PeriodRow {
  label: string;
  labelZh: string;
  startsAt: string;
  endsAt: string;
  last: boolean;
  state: string;
  /** When the period's consolidated report was accepted (its latest attempt), or null. */
  acceptedAt: string | null;
  openedAt: string;
  closedAt: string | null;
}

export async function itemPeriods(db: Db, itemId: string): Promise<PeriodRow[]> {
  const r = await db.query<PeriodRow>(
    `SELECT p.label, p.label_zh AS "labelZh", p.starts_at AS "startsAt", p.ends_at AS "endsAt", p.is_last AS last, p.state,
       (SELECT CASE WHEN s.state = 'accepted' THEN s.completed_at END
        FROM item_period_steps ps JOIN steps s ON s.step_id = ps.step_id
        WHERE ps.item_id = p.item_id AND ps.period_label = p.label AND ps.role = 'lead'
        ORDER BY ps.attempt DESC LIMIT 1) AS "acceptedAt",
       p.opened_at AS "openedAt", p.closed_at AS "closedAt"
     FROM item_periods p WHERE p.item_id = $1 ORDER BY p.starts_at DESC, p.opened_at DESC`,
    [itemId],
  );
  return r.rows.map(iso);
}

export interface ItemStepDetail {
  stepId: string;
  period: string;
  departmentCode: string;
  role: ItemRole;
  attempt: number;
  state: string;
  light: Light;
  deadlineAt: string | null;
  overdue: boolean;
  escalationLevel: number;
  /** The step's own view: outcome, findings, evidence, urging notices with their replies. */
  view: { outcome: string | null; findings: string | null; evidence: { name: string; ref: string }[]; urges: unknown[]; facts: Record<string, unknown> };
}

export async function itemSteps(db: Db, itemId: string, now: Date, period?: string): Promise<ItemStepDetail[]> {
  const r = await db.query<ItemStepDetail>(
    `SELECT ps.step_id AS "stepId", ps.period_label AS period, ps.department_code AS "departmentCode", ps.role, ps.attempt,
       s.state, ${LIGHT_SQL} AS light, s.deadline_at AS "deadlineAt", s.overdue, s.escalation_level AS "escalationLevel", s.view
     FROM item_period_steps ps JOIN steps s ON s.step_id = ps.step_id
     WHERE ps.item_id = $2 AND ($3::text IS NULL OR ps.period_label = $3)
     ORDER BY ps.period_label DESC, (ps.role = 'lead') DESC, ps.department_code, ps.attempt`,
    [now, itemId, period ?? null],
  );
  return r.rows.map(iso);
}

/** The department's step of the item in a period (the latest one for the role), or its latest step still owing work. */
export async function departmentItemStep(db: Db, itemId: string, departmentCode: string, role: ItemRole, period?: string): Promise<{ stepId: string; workflowId: string; period: string; state: string } | undefined> {
  const r = await db.query<{ stepId: string; workflowId: string; period: string; state: string }>(
    `SELECT ps.step_id AS "stepId", s.workflow_id AS "workflowId", ps.period_label AS period, s.state
     FROM item_period_steps ps JOIN steps s ON s.step_id = ps.step_id JOIN item_periods p ON p.item_id = ps.item_id AND p.label = ps.period_label
     WHERE ps.item_id = $1 AND ps.department_code = $2 AND ps.role = $3
       AND (CASE WHEN $4::text IS NULL THEN s.state IN ('open', 'signed', 'sent_back') ELSE ps.period_label = $4 END)
     ORDER BY p.starts_at DESC, ps.attempt DESC LIMIT 1`,
    [itemId, departmentCode, role, period ?? null],
  );
  return r.rows[0];
}

/** Whether the department has ever had a step of the item in this role (the item's departments may change). */
export async function departmentHadItemRole(db: Db, itemId: string, departmentCode: string, role: ItemRole): Promise<boolean> {
  const r = await db.query('SELECT 1 FROM item_period_steps WHERE item_id = $1 AND department_code = $2 AND role = $3 LIMIT 1', [itemId, departmentCode, role]);
  return (r.rowCount ?? 0) > 0;
}

export interface AuditEntry {
  stream: string;
  seq: number;
  at: string;
  action: string;
  actorName: string;
  actorRole: string;
  actorDepartment: string | null;
  stateBefore: string | null;
  stateAfter: string;
  details: Record<string, unknown>;
}

/** Audit rows of the item's edits, its runs and its steps, oldest first (the newest `limit`). */
export async function itemTimeline(db: Db, itemId: string, stepIds: string[], limit = 500): Promise<AuditEntry[]> {
  const r = await db.query<AuditEntry>(
    `SELECT * FROM (
       SELECT stream_id AS stream, seq, at, action, actor_name AS "actorName", actor_role AS "actorRole",
         actor_department AS "actorDepartment", state_before AS "stateBefore", state_after AS "stateAfter", details
       FROM audit_log WHERE stream_id = ANY($1::text[])
       ORDER BY at DESC, id DESC LIMIT $2) t
     ORDER BY at, stream, seq`,
    [[itemEditStream(itemId), itemRunStream(itemId), ...stepIds], limit],
  );
  return r.rows.map(iso);
}

/** The supervision office's review decisions and feedback on the given steps. */
export async function reviewsOf(db: Db, stepIds: string[]): Promise<{ stepId: string; at: string; by: string; decision: string; feedback: string }[]> {
  const r = await db.query<{ stepId: string; at: string; by: string; decision: string; feedback: string }>(
    `SELECT stream_id AS "stepId", at, actor_name AS by, details->>'decision' AS decision, details->>'feedback' AS feedback
     FROM audit_log WHERE stream_id = ANY($1::text[]) AND action = 'review' ORDER BY at`,
    [stepIds],
  );
  return r.rows.map(iso);
}

// ---------------------------------------------------------------------------------------------------------------
// Escalations (the leading group's list)

export interface EscalationRow {
  stepId: string;
  rung: number;
  level: string;
  cause: string;
  departmentCode: string;
  departmentNameZh: string;
  deadlineAt: string | null;
  at: string;
  title: string;
  subjectType: string;
  subjectId: string;
  stepState: string;
  light: Light;
  itemNumber: number | null;
  itemTitleZh: string | null;
  period: string | null;
}

export async function listEscalations(
  db: Db,
  f: { level?: string; departmentCode?: string; subjectType?: string; openOnly: boolean; page: number; pageSize: number },
  now: Date,
): Promise<{ total: number; items: EscalationRow[] }> {
  const args: unknown[] = [now, f.level ?? null, f.departmentCode ?? null, f.subjectType ?? null, f.openOnly];
  const where = `WHERE $1::timestamptz IS NOT NULL AND ($2::text IS NULL OR e.level = $2) AND ($3::text IS NULL OR e.department_code = $3)
    AND ($4::text IS NULL OR s.subject_type = $4)
    AND (NOT $5::boolean OR s.state IN ('open', 'signed', 'sent_back', 'awaiting_review') OR e.cause = 'unsatisfied_rating')`;
  const from = `FROM escalations e JOIN steps s ON s.step_id = e.step_id JOIN departments d ON d.code = e.department_code
    LEFT JOIN item_period_steps ps ON ps.step_id = e.step_id LEFT JOIN responsibility_items i ON i.item_id = ps.item_id`;
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n ${from} ${where}`, args);
  const rows = await db.query<EscalationRow>(
    `SELECT e.step_id AS "stepId", e.rung, e.level, e.cause, e.department_code AS "departmentCode", d.name_zh AS "departmentNameZh",
       e.deadline_at AS "deadlineAt", e.at, s.title, s.subject_type AS "subjectType", s.subject_id AS "subjectId", s.state AS "stepState",
       ${LIGHT_SQL} AS light, i.number AS "itemNumber", i.title_zh AS "itemTitleZh", ps.period_label AS period
     ${from} ${where} ORDER BY e.at DESC, e.step_id LIMIT $6 OFFSET $7`,
    [...args, f.pageSize, (f.page - 1) * f.pageSize],
  );
  return { total: total.rows[0]!.n, items: rows.rows.map(iso) };
}

// ---------------------------------------------------------------------------------------------------------------
// The planning activity's read

export interface ItemPlanRow {
  itemId: string;
  number: number;
  titleZh: string;
  status: ItemStatus;
  rhythm: ReportingRhythm | null;
  finalDeadline: string | null;
  lead: { code: string; nameZh: string };
  cooperating: { code: string; nameZh: string }[];
}

export async function itemForPlanning(db: Db, itemId: string): Promise<ItemPlanRow | undefined> {
  const r = await db.query<ItemPlanRow>(
    `SELECT i.item_id AS "itemId", i.number, i.title_zh AS "titleZh", i.status, i.rhythm, i.final_deadline AS "finalDeadline",
       jsonb_build_object('code', i.lead_department, 'nameZh', ld.name_zh) AS lead,
       coalesce((SELECT jsonb_agg(jsonb_build_object('code', c.department_code, 'nameZh', d.name_zh) ORDER BY c.position)
                 FROM item_cooperating_departments c JOIN departments d ON d.code = c.department_code WHERE c.item_id = i.item_id), '[]') AS cooperating
     FROM responsibility_items i JOIN departments ld ON ld.code = i.lead_department WHERE i.item_id = $1`,
    [itemId],
  );
  return r.rows[0];
}

export type { PolicyPhase };
