/** Applications, their published policies and their events. SQL lives here; callers get plain objects. */
import type pg from 'pg';
import type { ApplicationState, Placement } from '../../contracts/application';
import type { ApplicationForm } from '../../domain/application';
import type { Actor } from '../../domain/roles';
import { inTransaction } from '../pool';
import { appendRunEvent } from './audit';
import { mergePersonalData, splitPersonalData, type SealedPersonalData } from '../../domain/application-view';
import type { PersonalDataVault } from '../../platform/personal-data-vault';

type Db = pg.Pool | pg.PoolClient;

export interface PolicyRow {
  district: string;
  year: number;
  stage: string;
  eligibility: { regime: { kind: 'permit_only' | 'strict' }; basisZh: string };
  pointsRules: { basisZh: string; rules: unknown[] };
  checklist: { kind: string; nameZh: string; required: boolean; noteZh?: string }[];
  notesZh: string | null;
}

export async function findPolicy(db: Db, district: string, year: number, stage: string): Promise<PolicyRow | undefined> {
  const r = await db.query<PolicyRow>(
    `SELECT district, year, stage, eligibility, points_rules AS "pointsRules", checklist, notes_zh AS "notesZh"
     FROM enrollment_policies WHERE district = $1 AND year = $2 AND stage = $3`,
    [district, year, stage],
  );
  return r.rows[0];
}

export async function listPolicies(db: Db, filter: { district?: string; year?: number }): Promise<PolicyRow[]> {
  const r = await db.query<PolicyRow>(
    `SELECT district, year, stage, eligibility, points_rules AS "pointsRules", checklist, notes_zh AS "notesZh"
     FROM enrollment_policies WHERE ($1::text IS NULL OR district = $1) AND ($2::int IS NULL OR year = $2)
     ORDER BY district, year, stage`,
    [filter.district ?? null, filter.year ?? null],
  );
  return r.rows;
}

export async function upsertPolicy(db: Db, p: PolicyRow & { districtNameZh: string }): Promise<void> {
  await db.query(`INSERT INTO districts (code, name_zh) VALUES ($1, $2) ON CONFLICT (code) DO UPDATE SET name_zh = EXCLUDED.name_zh`, [p.district, p.districtNameZh]);
  await db.query(
    `INSERT INTO enrollment_policies (district, year, stage, eligibility, points_rules, checklist, notes_zh)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (district, year, stage) DO UPDATE SET eligibility = EXCLUDED.eligibility, points_rules = EXCLUDED.points_rules,
       checklist = EXCLUDED.checklist, notes_zh = EXCLUDED.notes_zh`,
    [p.district, p.year, p.stage, JSON.stringify(p.eligibility), JSON.stringify(p.pointsRules), JSON.stringify(p.checklist), p.notesZh],
  );
}

export interface NewApplication {
  childKey: string;
  applicantUserId: string;
  form: ApplicationForm;
  childNameMasked: string;
}

/**
 * Create the application, or find the one this child already has this year. Returns created = false for a repeat;
 * the number comes from a sequence only when a row is really created.
 */
export async function createOrFindApplication(
  pool: pg.Pool,
  vault: PersonalDataVault,
  a: NewApplication,
  makeNumber: (sequence: number) => string,
): Promise<{ applicationNumber: string; applicantUserId: string; created: boolean; submittedAt: string }> {
  return inTransaction(pool, async (db) => {
    // Serialise submissions for one child so two concurrent ones cannot both draw a number.
    await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [a.childKey]);
    const existing = await db.query<{ application_number: string; applicant_user_id: string; submitted_at: Date }>(
      'SELECT application_number, applicant_user_id, submitted_at FROM applications WHERE child_key = $1',
      [a.childKey],
    );
    if (existing.rows[0]) {
      const e = existing.rows[0];
      return { applicationNumber: e.application_number, applicantUserId: e.applicant_user_id, created: false, submittedAt: e.submitted_at.toISOString() };
    }
    const seq = await db.query<{ n: number }>(`SELECT nextval('application_number_seq')::int AS n`);
    const applicationNumber = makeNumber(seq.rows[0]!.n);
    const { stored, sealed } = splitPersonalData(a.form);
    const r = await db.query<{ submitted_at: Date }>(
      `INSERT INTO applications (application_number, child_key, applicant_user_id, year, district, stage, form, personal_sealed, child_name_masked)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING submitted_at`,
      [applicationNumber, a.childKey, a.applicantUserId, a.form.enrollmentYear, a.form.district, a.form.stage, JSON.stringify(stored), vault.seal(sealed), a.childNameMasked],
    );
    const submittedAt = r.rows[0]!.submitted_at.toISOString();
    return { applicationNumber, applicantUserId: a.applicantUserId, created: true, submittedAt };
  });
}

/**
 * Undo a submission whose workflow could not be started: only a row that no workflow has touched yet (no event
 * recorded) is removed, so a start that did reach Temporal after all is never orphaned by this.
 */
export async function discardUnstartedApplication(db: Db, applicationNumber: string): Promise<boolean> {
  const r = await db.query(`DELETE FROM applications WHERE application_number = $1 AND last_seq = 0`, [applicationNumber]);
  return r.rowCount === 1;
}

export interface ApplicationRow {
  applicationNumber: string;
  applicantUserId: string;
  year: number;
  district: string;
  stage: string;
  form: ApplicationForm & { supplements?: { materials: string[]; note: string; at: string }[] };
  childNameMasked: string;
  state: ApplicationState | 'submitted';
  holderDepartment: string | null;
  supplement: { items: string[]; deadlineAt: string; requestedBy: string } | null;
  eligibility: unknown;
  pointsTotal: number | null;
  points: unknown;
  placement: Placement | null;
  aid: unknown;
  submittedAt: string;
  updatedAt: string;
}

const COLUMNS = `a.personal_sealed AS "personalSealed", a.application_number AS "applicationNumber", a.applicant_user_id AS "applicantUserId", a.year, a.district,
  a.stage, a.form, a.child_name_masked AS "childNameMasked", a.state, a.holder_department AS "holderDepartment",
  a.supplement, a.eligibility, a.points_total::float8 AS "pointsTotal", a.points, a.placement, a.aid,
  a.submitted_at AS "submittedAt", a.updated_at AS "updatedAt"`;

/**
 * The row as callers see it. With a vault, the form carries the full ID and phone numbers (for the people and
 * activities that verify them); without one, they stay masked as stored.
 */
function toRow(row: ApplicationRow & { personalSealed: Buffer | null }, vault?: PersonalDataVault): ApplicationRow {
  const { personalSealed, ...rest } = row;
  const form = vault && personalSealed ? { ...rest.form, ...mergePersonalData(rest.form, vault.open<SealedPersonalData>(personalSealed)) } : rest.form;
  return { ...rest, form, submittedAt: new Date(row.submittedAt).toISOString(), updatedAt: new Date(row.updatedAt).toISOString() };
}

export async function findApplication(db: Db, applicationNumber: string, vault?: PersonalDataVault): Promise<ApplicationRow | undefined> {
  const r = await db.query<ApplicationRow & { personalSealed: Buffer | null }>(`SELECT ${COLUMNS} FROM applications a WHERE a.application_number = $1`, [applicationNumber]);
  return r.rows[0] && toRow(r.rows[0], vault);
}

export interface ApplicationFilters {
  applicantUserId?: string;
  /** Only applications with a step of this department. */
  departmentCode?: string;
  state?: string;
  district?: string;
  year?: number;
  limit: number;
  offset: number;
}

export async function listApplications(db: Db, f: ApplicationFilters): Promise<ApplicationRow[]> {
  const r = await db.query<ApplicationRow & { personalSealed: Buffer | null }>(
    `SELECT ${COLUMNS} FROM applications a
     WHERE ($1::uuid IS NULL OR a.applicant_user_id = $1)
       AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM steps s WHERE s.subject_type = 'application'
                                        AND s.subject_id = a.application_number AND s.department_code = $2))
       AND ($3::text IS NULL OR a.state = $3) AND ($4::text IS NULL OR a.district = $4) AND ($5::int IS NULL OR a.year = $5)
     ORDER BY a.submitted_at DESC LIMIT $6 OFFSET $7`,
    [f.applicantUserId ?? null, f.departmentCode ?? null, f.state ?? null, f.district ?? null, f.year ?? null, f.limit, f.offset],
  );
  return r.rows.map((row) => toRow(row));
}

export interface ApplicationEvent {
  applicationNumber: string;
  seq: number;
  at: string;
  actor: Actor;
  requestId: string | null;
  action: string;
  stateBefore: string;
  stateAfter: string;
  details: Record<string, unknown>;
  notifyApplicant: { title: string; body: string } | null;
  projection: { state: string; holderDepartment: string | null; supplement: unknown; placement: unknown };
}

/** Audit row, projection and the parent's notification of one event, in one transaction, once. */
export async function recordApplicationEvent(pool: pg.Pool, e: ApplicationEvent, runId: string | null = null): Promise<boolean> {
  return inTransaction(pool, async (db) => {
    const { inserted, seq } = await appendRunEvent(db, {
      streamId: e.applicationNumber, seq: e.seq, streamType: 'application', at: e.at, actor: e.actor, action: e.action,
      stateBefore: e.stateBefore, stateAfter: e.stateAfter, details: e.details, requestId: e.requestId,
    }, runId);
    if (!inserted) return false;
    const p = e.projection;
    const updated = await db.query<{ applicant_user_id: string }>(
      `UPDATE applications SET state = $2, holder_department = $3, supplement = $4, placement = $5, last_seq = $6, updated_at = now()
       WHERE application_number = $1 AND last_seq < $6 RETURNING applicant_user_id`,
      [e.applicationNumber, p.state, p.holderDepartment, p.supplement ? JSON.stringify(p.supplement) : null, p.placement ? JSON.stringify(p.placement) : null, seq],
    );
    const applicant = updated.rows[0]?.applicant_user_id;
    if (e.notifyApplicant && applicant) {
      await db.query(
        `INSERT INTO notifications (dedupe_key, recipient_user_id, kind, title, body) VALUES ($1, $2, 'application', $3, $4)
         ON CONFLICT (dedupe_key) DO NOTHING`,
        [`application:${e.applicationNumber}:${seq}`, applicant, e.notifyApplicant.title, e.notifyApplicant.body],
      );
    }
    return true;
  });
}

export async function saveAssessment(db: Db, applicationNumber: string, eligibility: unknown, pointsTotal: number, points: unknown): Promise<void> {
  await db.query(`UPDATE applications SET eligibility = $2, points_total = $3, points = $4, updated_at = now() WHERE application_number = $1`, [
    applicationNumber, JSON.stringify(eligibility), pointsTotal, JSON.stringify(points),
  ]);
}

export async function saveAid(db: Db, applicationNumber: string, aid: unknown): Promise<void> {
  await db.query(`UPDATE applications SET aid = $2, updated_at = now() WHERE application_number = $1`, [applicationNumber, JSON.stringify(aid)]);
}

/** Append a supplement once (keyed by its request id), so a retried activity does not add it twice. */
export async function attachSupplement(db: Db, applicationNumber: string, supplement: { materials: string[]; note: string; key: string }): Promise<void> {
  await db.query(
    `UPDATE applications SET form = jsonb_set(form, '{supplements}', coalesce(form->'supplements', '[]'::jsonb) || jsonb_build_array($2::jsonb)),
       updated_at = now()
     WHERE application_number = $1
       AND NOT coalesce(form->'supplements', '[]'::jsonb) @> jsonb_build_array(jsonb_build_object('key', $3::text))`,
    [applicationNumber, JSON.stringify({ ...supplement, at: new Date().toISOString() }), supplement.key],
  );
}

export async function applicationTimeline(db: Db, applicationNumber: string): Promise<{ stream: string; seq: number; at: string; action: string; actorName: string; actorRole: string; details: Record<string, unknown> }[]> {
  const r = await db.query(
    `SELECT stream_id AS stream, seq, at, action, actor_name AS "actorName", actor_role AS "actorRole", actor_department AS "actorDepartment", details
     FROM audit_log
     WHERE stream_id = $1 OR stream_id IN (SELECT step_id FROM steps WHERE subject_type = 'application' AND subject_id = $1)
     ORDER BY at, stream_id, seq`,
    [applicationNumber],
  );
  return r.rows.map((row) => ({ ...row, at: new Date(row.at).toISOString() }));
}

/** Applications waiting for the parent's 补正 (their deadline counts working days). */
export async function applicationsAwaitingSupplement(db: Db): Promise<string[]> {
  const r = await db.query<{ application_number: string }>(`SELECT application_number FROM applications WHERE state = 'awaiting_supplement' ORDER BY application_number`);
  return r.rows.map((row) => row.application_number);
}
