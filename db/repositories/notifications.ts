/** In-app notifications (per user, department or role), read marks, and department webhooks. */
import type pg from 'pg';
import type { Actor } from '../../domain/roles';

export interface NotificationRow {
  id: number;
  kind: string;
  title: string;
  body: string;
  stepId: string | null;
  createdAt: string;
  read: boolean;
}

/** What reaches this user: addressed to them, to their department (officers), or to their role. */
function audience(actor: Actor, firstArg: number): { sql: string; args: unknown[] } {
  return {
    sql: `(n.recipient_user_id::text = $${firstArg} OR n.recipient_role = $${firstArg + 1}
           OR ($${firstArg + 2}::text IS NOT NULL AND n.recipient_department = $${firstArg + 2}))`,
    args: [actor.userId, actor.role, actor.role === 'officer' ? actor.departmentCode : null],
  };
}

export async function listNotifications(db: pg.Pool, actor: Actor, opts: { unreadOnly: boolean; limit: number }): Promise<NotificationRow[]> {
  const a = audience(actor, 2);
  const r = await db.query<NotificationRow & { created_at: Date }>(
    `SELECT n.id, n.kind, n.title, n.body, n.step_id AS "stepId", n.created_at AS "createdAt", (r.user_id IS NOT NULL) AS read
     FROM notifications n LEFT JOIN notification_reads r ON r.notification_id = n.id AND r.user_id::text = $1
     WHERE ${a.sql} ${opts.unreadOnly ? 'AND r.user_id IS NULL' : ''}
     ORDER BY n.id DESC LIMIT $5`,
    [actor.userId, ...a.args, opts.limit],
  );
  return r.rows.map((row) => ({ ...row, createdAt: new Date(row.createdAt).toISOString() }));
}

/** Mark read; false when the notification does not exist or is not addressed to this user. */
export async function markNotificationRead(db: pg.Pool, actor: Actor, id: number): Promise<boolean> {
  const a = audience(actor, 2);
  const r = await db.query(
    `INSERT INTO notification_reads (notification_id, user_id)
     SELECT n.id, $1::uuid FROM notifications n WHERE n.id = $5 AND ${a.sql}
     ON CONFLICT DO NOTHING RETURNING notification_id`,
    [actor.userId, ...a.args, id],
  );
  if (r.rowCount === 1) return true;
  // Already read before: it still exists for this user.
  const b = audience(actor, 1);
  const exists = await db.query(`SELECT 1 FROM notifications n WHERE n.id = $4 AND ${b.sql}`, [...b.args, id]);
  return exists.rowCount === 1;
}

export async function setDepartmentWebhook(db: pg.Pool, departmentCode: string, url: string | null): Promise<void> {
  if (url === null) {
    await db.query('DELETE FROM department_webhooks WHERE department_code = $1', [departmentCode]);
    return;
  }
  await db.query(
    `INSERT INTO department_webhooks (department_code, url) VALUES ($1, $2)
     ON CONFLICT (department_code) DO UPDATE SET url = EXCLUDED.url, enabled = true, updated_at = now()`,
    [departmentCode, url],
  );
}

export interface PendingDelivery {
  notificationId: number;
  url: string;
  payload: Record<string, unknown>;
}

export async function pendingDeliveries(db: pg.Pool, ids: number[]): Promise<PendingDelivery[]> {
  const r = await db.query<{ id: number; url: string; kind: string; title: string; body: string; step_id: string | null; department: string; created_at: Date }>(
    `SELECT n.id, d.url, n.kind, n.title, n.body, n.step_id, n.recipient_department AS department, n.created_at
     FROM webhook_deliveries d JOIN notifications n ON n.id = d.notification_id
     WHERE d.notification_id = ANY($1::bigint[]) AND d.status = 'pending' ORDER BY n.id`,
    [ids],
  );
  return r.rows.map((row) => ({
    notificationId: row.id,
    url: row.url,
    payload: { id: row.id, kind: row.kind, title: row.title, text: `${row.title}\n${row.body}`, stepId: row.step_id, department: row.department, createdAt: row.created_at.toISOString() },
  }));
}

export async function markDelivery(db: pg.Pool, id: number, error: string | null): Promise<void> {
  await db.query(
    error === null
      ? `UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, delivered_at = now(), last_error = NULL WHERE notification_id = $1`
      : `UPDATE webhook_deliveries SET attempts = attempts + 1, last_error = $2 WHERE notification_id = $1`,
    error === null ? [id] : [id, error.slice(0, 500)],
  );
}
