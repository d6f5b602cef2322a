/**
 * What administrators change by hand: user accounts (create, disable), departments, and the eligibility regime and
 * points rules of a published enrollment policy. Every change is one transaction with its audit_log row (stream
 * `user:<id>`, `department:<code>` or `enrollment-policy:<district>/<year>/<stage>`), so who changed what stays on
 * record like every other change of state.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import type { Actor, Role } from '../../domain/roles';
import { inTransaction } from '../pool';
import type { PolicyRow } from './applications';

export interface UserListRow {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  departmentCode: string | null;
  schoolId: string | null;
  schoolNameZh: string | null;
  disabled: boolean;
  createdAt: string;
}

async function audit(client: pg.PoolClient, streamId: string, action: string, actor: Actor, stateAfter: string, details: Record<string, unknown>, requestId: string): Promise<void> {
  // One writer per stream at a time, so the next sequence number is unambiguous.
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [streamId]);
  await client.query(
    `INSERT INTO audit_log (stream_id, seq, stream_type, at, actor_user_id, actor_name, actor_role, actor_department, action, state_after, details, request_id)
     SELECT $1, coalesce(max(seq), 0) + 1, 'administration', now(), $2, $3, $4, $5, $6, $7, $8, $9 FROM audit_log WHERE stream_id = $1`,
    [streamId, actor.userId, actor.displayName, actor.role, actor.departmentCode, action, stateAfter, JSON.stringify(details), requestId],
  );
}

export async function listUsers(db: pg.Pool, f: { role?: Role; departmentCode?: string; schoolId?: string }): Promise<UserListRow[]> {
  const r = await db.query<UserListRow>(
    `SELECT u.id, u.username, u.display_name AS "displayName", u.role, u.department_code AS "departmentCode", u.school_id AS "schoolId",
       s.name_zh AS "schoolNameZh", u.disabled, u.created_at AS "createdAt"
     FROM users u LEFT JOIN schools s ON s.id = u.school_id
     WHERE ($1::text IS NULL OR u.role = $1) AND ($2::text IS NULL OR u.department_code = $2) AND ($3::text IS NULL OR u.school_id = $3)
     ORDER BY u.created_at DESC, u.username LIMIT 1000`,
    [f.role ?? null, f.departmentCode ?? null, f.schoolId ?? null],
  );
  return r.rows.map((u) => ({ ...u, createdAt: new Date(u.createdAt).toISOString() }));
}

export async function findUserById(db: pg.Pool | pg.PoolClient, userId: string): Promise<UserListRow | undefined> {
  const r = await db.query<UserListRow>(
    `SELECT u.id, u.username, u.display_name AS "displayName", u.role, u.department_code AS "departmentCode", u.school_id AS "schoolId",
       s.name_zh AS "schoolNameZh", u.disabled, u.created_at AS "createdAt"
     FROM users u LEFT JOIN schools s ON s.id = u.school_id WHERE u.id = $1`,
    [userId],
  );
  const u = r.rows[0];
  return u && { ...u, createdAt: new Date(u.createdAt).toISOString() };
}

export async function schoolExists(db: pg.Pool, schoolId: string): Promise<boolean> {
  return ((await db.query('SELECT 1 FROM schools WHERE id = $1', [schoolId])).rowCount ?? 0) > 0;
}

export async function departmentExists(db: pg.Pool, code: string): Promise<boolean> {
  return ((await db.query('SELECT 1 FROM departments WHERE code = $1', [code])).rowCount ?? 0) > 0;
}

/** Create an account; 'username_taken' when the username exists (whatever its role). */
export async function createUserAccount(
  pool: pg.Pool,
  u: { username: string; displayName: string; passwordHash: string; role: Role; departmentCode: string | null; schoolId: string | null },
  actor: Actor,
  requestId: string,
): Promise<UserListRow | 'username_taken'> {
  return inTransaction(pool, async (client) => {
    const id = crypto.randomUUID();
    const r = await client.query(
      `INSERT INTO users (id, username, display_name, password_hash, role, department_code, school_id) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (username) DO NOTHING RETURNING id`,
      [id, u.username, u.displayName, u.passwordHash, u.role, u.departmentCode, u.schoolId],
    );
    if (r.rowCount === 0) return 'username_taken';
    await audit(client, `user:${id}`, 'user_created', actor, 'active', { username: u.username, role: u.role, departmentCode: u.departmentCode, schoolId: u.schoolId }, requestId);
    return (await findUserById(client, id))!;
  });
}

/** Disable (or enable again) an account; disabling ends its sessions at once. Undefined for an unknown user. */
export async function setUserDisabled(pool: pg.Pool, userId: string, disabled: boolean, actor: Actor, requestId: string): Promise<UserListRow | undefined> {
  return inTransaction(pool, async (client) => {
    const r = await client.query<{ was: boolean }>(`SELECT disabled AS was FROM users WHERE id = $1 FOR UPDATE`, [userId]);
    if (!r.rows[0]) return undefined;
    if (r.rows[0].was !== disabled) {
      await client.query('UPDATE users SET disabled = $2 WHERE id = $1', [userId, disabled]);
      await audit(client, `user:${userId}`, disabled ? 'user_disabled' : 'user_enabled', actor, disabled ? 'disabled' : 'active', {}, requestId);
    }
    if (disabled) await client.query('DELETE FROM sessions WHERE user_id = $1', [userId]);
    return findUserById(client, userId);
  });
}

/** Add a department; false when the code is taken. */
export async function createDepartment(pool: pg.Pool, code: string, nameZh: string, actor: Actor, requestId: string): Promise<boolean> {
  return inTransaction(pool, async (client) => {
    const r = await client.query(`INSERT INTO departments (code, name_zh) VALUES ($1, $2) ON CONFLICT (code) DO NOTHING`, [code, nameZh]);
    if (r.rowCount === 0) return false;
    await audit(client, `department:${code}`, 'department_created', actor, 'active', { code, nameZh }, requestId);
    return true;
  });
}

/**
 * Replace the eligibility regime or the points rules of a published policy. Applications assessed from now on use
 * the new values; assessments already made keep theirs (they are stored with the application).
 */
export async function updateEnrollmentPolicy(
  pool: pg.Pool,
  key: { district: string; year: number; stage: string },
  change: { eligibility: PolicyRow['eligibility'] } | { pointsRules: PolicyRow['pointsRules'] },
  actor: Actor,
  requestId: string,
): Promise<boolean> {
  return inTransaction(pool, async (client) => {
    const column = 'eligibility' in change ? 'eligibility' : 'points_rules';
    const value = 'eligibility' in change ? change.eligibility : change.pointsRules;
    const before = await client.query(`SELECT ${column} AS v FROM enrollment_policies WHERE district = $1 AND year = $2 AND stage = $3 FOR UPDATE`, [key.district, key.year, key.stage]);
    if (!before.rows[0]) return false;
    await client.query(`UPDATE enrollment_policies SET ${column} = $4 WHERE district = $1 AND year = $2 AND stage = $3`, [key.district, key.year, key.stage, JSON.stringify(value)]);
    await audit(
      client,
      `enrollment-policy:${key.district}/${key.year}/${key.stage}`,
      'eligibility' in change ? 'eligibility_changed' : 'points_rules_changed',
      actor,
      'published',
      { before: before.rows[0].v, after: value },
      requestId,
    );
    return true;
  });
}
