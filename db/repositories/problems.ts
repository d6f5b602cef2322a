/**
 * The problem ledger (问题台账): problems with their reporter's contact (public channel: sealed at rest for calling
 * back, returned only masked), the projection the problem workflow keeps up to date, rating comments, and the rate limit of
 * the public channel. SQL lives here; callers get plain objects.
 */
import type pg from 'pg';
import type { ProblemEvent } from '../../contracts/problem';
import type { ProblemSource } from '../../domain/problem-ledger';
import { inTransaction } from '../pool';
import { insertNotification } from './steps';
import { appendRunEvent } from './audit';

type Db = pg.Pool | pg.PoolClient;

export interface NewProblem {
  source: ProblemSource;
  titleZh: string;
  description: string;
  itemId: string | null;
  relatedStepId: string | null;
  reporterUserId: string | null;
  /** The public reporter's phone, sealed by the personal-data vault. */
  contactPhoneSealed: Buffer | null;
  contactPhoneMasked: string | null;
  trackingCodeHash: string | null;
  requesterHash: string | null;
  phoneHash: string | null;
}

export interface RateLimit {
  /** Public submissions allowed per client address per hour. */
  perRequesterPerHour: number;
  /** Public submissions allowed per contact phone per hour. */
  perPhonePerHour: number;
}

/**
 * Create the problem with a number from the sequence: 'WT' + Shanghai year + six digits. For the public channel the
 * rate limit is checked in the same transaction, under a lock on the requester, so parallel requests cannot slip past.
 */
export async function createProblem(pool: pg.Pool, p: NewProblem, year: number, limit: RateLimit): Promise<{ problemId: string } | { limited: 'requester' | 'phone' }> {
  return inTransaction(pool, async (db) => {
    if (p.source === 'public') {
      await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`problem-rate:${p.requesterHash}`]);
      const r = await db.query<{ by_requester: number; by_phone: number }>(
        `SELECT count(*) FILTER (WHERE requester_hash = $1)::int AS by_requester, count(*) FILTER (WHERE phone_hash = $2)::int AS by_phone
         FROM problems WHERE source = 'public' AND created_at > now() - interval '1 hour' AND (requester_hash = $1 OR phone_hash = $2)`,
        [p.requesterHash, p.phoneHash],
      );
      const counts = r.rows[0]!;
      if (counts.by_requester >= limit.perRequesterPerHour) return { limited: 'requester' as const };
      if (counts.by_phone >= limit.perPhonePerHour) return { limited: 'phone' as const };
    }
    const seq = await db.query<{ n: number }>(`SELECT nextval('problem_number')::int AS n`);
    const problemId = `WT${year}${String(seq.rows[0]!.n).padStart(6, '0')}`;
    await db.query(
      `INSERT INTO problems (problem_id, source, title_zh, description, item_id, related_step_id, reporter_user_id, contact_phone_sealed,
         contact_phone_masked, tracking_code_hash, requester_hash, phone_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [problemId, p.source, p.titleZh, p.description, p.itemId, p.relatedStepId, p.reporterUserId, p.contactPhoneSealed, p.contactPhoneMasked,
        p.trackingCodeHash, p.requesterHash, p.phoneHash],
    );
    return { problemId };
  });
}

/** A problem as officials read it: never the raw phone. */
export interface ProblemRow {
  problemId: string;
  source: ProblemSource;
  titleZh: string;
  description: string;
  itemId: string | null;
  relatedStepId: string | null;
  reporterUserId: string | null;
  contactPhoneMasked: string | null;
  state: string;
  analysis: string | null;
  instructions: string | null;
  departmentCode: string | null;
  deadlineClass: string | null;
  handlingRound: number;
  handlingStepId: string | null;
  feedback: string | null;
  escalated: boolean;
  /** 0 until the problem's workflow has recorded its first event. */
  lastSeq: number;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

const COLUMNS = `p.problem_id AS "problemId", p.source, p.title_zh AS "titleZh", p.description, p.item_id AS "itemId",
  p.related_step_id AS "relatedStepId", p.reporter_user_id AS "reporterUserId", p.contact_phone_masked AS "contactPhoneMasked",
  p.state, p.analysis, p.instructions, p.department_code AS "departmentCode", p.deadline_class AS "deadlineClass", p.handling_round AS "handlingRound",
  p.handling_step_id AS "handlingStepId", p.feedback, p.escalated, p.last_seq AS "lastSeq", p.created_at AS "createdAt", p.updated_at AS "updatedAt",
  p.closed_at AS "closedAt"`;

function iso(row: ProblemRow): ProblemRow {
  return {
    ...row,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
    closedAt: row.closedAt ? new Date(row.closedAt).toISOString() : null,
  };
}

export async function findProblem(db: Db, problemId: string): Promise<ProblemRow | undefined> {
  const r = await db.query<ProblemRow>(`SELECT ${COLUMNS} FROM problems p WHERE p.problem_id = $1`, [problemId]);
  return r.rows[0] && iso(r.rows[0]);
}

export async function findProblemByTrackingCode(db: Db, trackingCodeHash: string): Promise<ProblemRow | undefined> {
  const r = await db.query<ProblemRow>(`SELECT ${COLUMNS} FROM problems p WHERE p.tracking_code_hash = $1`, [trackingCodeHash]);
  return r.rows[0] && iso(r.rows[0]);
}

export interface ProblemFilters {
  state?: string;
  source?: string;
  departmentCode?: string;
  reporterUserId?: string;
  itemId?: string;
  escalated?: boolean;
  page: number;
  pageSize: number;
}

export async function listProblems(db: Db, f: ProblemFilters): Promise<{ total: number; items: ProblemRow[] }> {
  const args = [f.state ?? null, f.source ?? null, f.departmentCode ?? null, f.reporterUserId ?? null, f.itemId ?? null, f.escalated ?? null];
  const where = `WHERE ($1::text IS NULL OR p.state = $1) AND ($2::text IS NULL OR p.source = $2) AND ($3::text IS NULL OR p.department_code = $3)
    AND ($4::uuid IS NULL OR p.reporter_user_id = $4) AND ($5::text IS NULL OR p.item_id = $5) AND ($6::boolean IS NULL OR p.escalated = $6)`;
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM problems p ${where}`, args);
  const rows = await db.query<ProblemRow>(`SELECT ${COLUMNS} FROM problems p ${where} ORDER BY p.created_at DESC, p.problem_id DESC LIMIT $7 OFFSET $8`, [
    ...args, f.pageSize, (f.page - 1) * f.pageSize,
  ]);
  return { total: total.rows[0]!.n, items: rows.rows.map(iso) };
}

/** Audit row, projection, notifications and escalation of one event of a problem, in one transaction, once. */
export async function recordProblemEvent(pool: pg.Pool, e: ProblemEvent, runId: string | null = null): Promise<{ inserted: boolean; pendingWebhooks: number[] }> {
  return inTransaction(pool, async (db) => {
    const v = e.view;
    const { inserted, seq } = await appendRunEvent(db, {
      streamId: e.problemId, seq: e.seq, streamType: 'problem', at: e.at, actor: e.actor, action: e.action,
      stateBefore: e.stateBefore, stateAfter: v.state, details: e.details, requestId: e.requestId,
    }, runId);
    const prefix = `problem:${e.problemId}:${seq}:`;
    if (inserted) {
      await db.query(
        `UPDATE problems SET state = $2, analysis = $3, department_code = $4, deadline_class = $5, handling_round = $6, handling_step_id = $7,
           feedback = $8, escalated = $9, last_seq = $10, instructions = $12, updated_at = now(),
           closed_at = CASE WHEN $2 IN ('closed', 'closed_unresolved') THEN coalesce(closed_at, $11::timestamptz) END
         WHERE problem_id = $1 AND last_seq < $10`,
        [e.problemId, v.state, v.analysis, v.departmentCode, v.deadlineClass, v.round, v.handlingStepId, v.feedback, v.escalated, seq, e.at, v.instructions],
      );
      for (const n of e.notifications) await insertNotification(db, `${prefix}${n.key}`, n, n.stepId ?? null);
      if (e.escalation) {
        await db.query(
          `INSERT INTO escalations (step_id, rung, level, department_code, deadline_at, at, cause)
           SELECT s.step_id, 3, 'leading_group', s.department_code, s.deadline_at, $2, 'unsatisfied_rating' FROM steps s WHERE s.step_id = $1
           ON CONFLICT DO NOTHING`,
          [e.escalation.stepId, e.at],
        );
      }
    }
    const pending = await db.query<{ notification_id: number }>(
      `SELECT d.notification_id FROM webhook_deliveries d JOIN notifications n ON n.id = d.notification_id
       WHERE n.dedupe_key LIKE $1 AND d.status = 'pending'`,
      [`${prefix}%`],
    );
    return { inserted, pendingWebhooks: pending.rows.map((r) => r.notification_id) };
  });
}

/** Keep the reporter's comment with the rating of a round (outside the workflow's history); the first one stays. */
export async function saveRatingComment(db: Db, problemId: string, round: number, satisfied: boolean, comment: string | null): Promise<void> {
  await db.query(
    `INSERT INTO problem_ratings (problem_id, round, satisfied, comment) VALUES ($1, $2, $3, $4) ON CONFLICT (problem_id, round) DO NOTHING`,
    [problemId, round, satisfied, comment],
  );
}

export async function problemRatings(db: Db, problemId: string): Promise<{ round: number; satisfied: boolean; comment: string | null; ratedAt: string }[]> {
  const r = await db.query<{ round: number; satisfied: boolean; comment: string | null; ratedAt: Date }>(
    `SELECT round, satisfied, comment, rated_at AS "ratedAt" FROM problem_ratings WHERE problem_id = $1 ORDER BY round`,
    [problemId],
  );
  return r.rows.map((x) => ({ ...x, ratedAt: x.ratedAt.toISOString() }));
}

/** Audit rows of the problem and of its handling steps, oldest first. */
export async function problemTimeline(db: Db, problemId: string): Promise<{ stream: string; seq: number; at: string; action: string; actorName: string; actorRole: string; actorDepartment: string | null; stateAfter: string; details: Record<string, unknown> }[]> {
  const r = await db.query(
    `SELECT stream_id AS stream, seq, at, action, actor_name AS "actorName", actor_role AS "actorRole", actor_department AS "actorDepartment",
       state_after AS "stateAfter", details
     FROM audit_log
     WHERE stream_id = $1 OR stream_id IN (SELECT step_id FROM steps WHERE subject_type = 'problem' AND subject_id = $1)
     ORDER BY at, stream_id, seq`,
    [problemId],
  );
  return r.rows.map((row) => ({ ...row, at: new Date(row.at).toISOString() }));
}
