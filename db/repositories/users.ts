/** Users, departments and login sessions. SQL lives here; callers get plain objects. */
import crypto from 'node:crypto';
import type pg from 'pg';
import type { Actor, Role } from '../../domain/roles';

export interface UserRow {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  departmentCode: string | null;
  schoolId: string | null;
  disabled: boolean;
}

const userColumns = (t: string) => `${t}.id, ${t}.username, ${t}.display_name AS "displayName", ${t}.role,
  ${t}.department_code AS "departmentCode", ${t}.school_id AS "schoolId", ${t}.disabled`;
const USER_COLUMNS = userColumns('users');

export function toActor(u: UserRow): Actor {
  return { userId: u.id, username: u.username, displayName: u.displayName, role: u.role, departmentCode: u.departmentCode, schoolId: u.schoolId };
}

export async function upsertDepartment(db: pg.Pool | pg.PoolClient, code: string, nameZh: string): Promise<void> {
  await db.query(
    `INSERT INTO departments (code, name_zh) VALUES ($1, $2) ON CONFLICT (code) DO UPDATE SET name_zh = EXCLUDED.name_zh`,
    [code, nameZh],
  );
}

export async function listDepartments(db: pg.Pool): Promise<{ code: string; nameZh: string }[]> {
  return (await db.query(`SELECT code, name_zh AS "nameZh" FROM departments ORDER BY code`)).rows;
}

export async function upsertSchool(db: pg.Pool | pg.PoolClient, s: { id: string; nameZh: string; district: string }): Promise<void> {
  await db.query(
    `INSERT INTO schools (id, name_zh, district) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET name_zh = EXCLUDED.name_zh, district = EXCLUDED.district`,
    [s.id, s.nameZh, s.district],
  );
}

export interface NewUser {
  username: string;
  displayName: string;
  passwordHash: string;
  role: Role;
  departmentCode?: string | null;
  schoolId?: string | null;
}

/** Create the user, or return the existing one with that username unchanged (idempotent seeding). */
export async function ensureUser(db: pg.Pool | pg.PoolClient, u: NewUser): Promise<UserRow> {
  const inserted = await db.query<UserRow>(
    `INSERT INTO users (id, username, display_name, password_hash, role, department_code, school_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (username) DO NOTHING
     RETURNING ${USER_COLUMNS}`,
    [crypto.randomUUID(), u.username, u.displayName, u.passwordHash, u.role, u.departmentCode ?? null, u.schoolId ?? null],
  );
  if (inserted.rows[0]) return inserted.rows[0];
  const existing = await findUserByUsername(db, u.username);
  if (!existing) throw new Error(`user ${u.username} vanished during creation`);
  return existing.user;
}

export async function findUserByUsername(
  db: pg.Pool | pg.PoolClient,
  username: string,
): Promise<{ user: UserRow; passwordHash: string } | undefined> {
  const r = await db.query<UserRow & { passwordHash: string }>(
    `SELECT ${USER_COLUMNS}, password_hash AS "passwordHash" FROM users WHERE username = $1`,
    [username],
  );
  const row = r.rows[0];
  if (!row) return undefined;
  const { passwordHash, ...user } = row;
  return { user, passwordHash };
}

export async function createSession(db: pg.Pool, userId: string, tokenHash: string, ttlHours: number): Promise<Date> {
  const r = await db.query<{ expires_at: Date }>(
    `INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
     RETURNING expires_at`,
    [tokenHash, userId, ttlHours * 3600],
  );
  return r.rows[0]!.expires_at;
}

/** The user behind a live session, or undefined for an unknown, expired or disabled one. */
export async function findSessionUser(db: pg.Pool, tokenHash: string): Promise<UserRow | undefined> {
  const r = await db.query<UserRow>(
    `SELECT ${userColumns('u')}
     FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT u.disabled`,
    [tokenHash],
  );
  return r.rows[0];
}

export async function deleteSession(db: pg.Pool, tokenHash: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
}
