/** The retention purge: personal data of closed applications older than the retention period. */
import type pg from 'pg';
import { FINAL_APPLICATION_STATES } from '../../contracts/application';
import type { ApplicationForm } from '../../domain/application';
import { PURGED_MARK, anonymizeForm } from '../../domain/retention';
import { inTransaction } from '../pool';

/**
 * Purge up to `batch` applications closed before `closedBefore`; returns how many. Idempotent (purged ones are
 * skipped), so a retried activity or an overlapping run does no harm. Uploaded materials go when no application
 * that is kept still refers to them.
 */
export async function purgeClosedApplications(pool: pg.Pool, closedBefore: Date, batch = 500): Promise<number> {
  return inTransaction(pool, async (db) => {
    const due = await db.query<{ application_number: string; form: ApplicationForm }>(
      `SELECT application_number, form FROM applications
       WHERE purged_at IS NULL AND state = ANY($1::text[]) AND updated_at < $2
       ORDER BY updated_at LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [FINAL_APPLICATION_STATES, closedBefore, batch],
    );
    for (const row of due.rows) {
      const fileIds = (row.form.materials ?? []).map((m) => m.fileId);
      await db.query(
        `UPDATE applications SET form = $2, personal_sealed = NULL, child_name_masked = $3, supplement = NULL, purged_at = now()
         WHERE application_number = $1`,
        [row.application_number, JSON.stringify(anonymizeForm(row.form)), PURGED_MARK],
      );
      if (fileIds.length) {
        await db.query(
          `DELETE FROM material_owners WHERE file_id = ANY($1::text[])
             AND NOT EXISTS (SELECT 1 FROM applications a WHERE a.purged_at IS NULL AND a.form->'materials' @> jsonb_build_array(jsonb_build_object('fileId', material_owners.file_id)))`,
          [fileIds],
        );
        await db.query(`DELETE FROM materials m WHERE m.file_id = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM material_owners o WHERE o.file_id = m.file_id)`, [fileIds]);
      }
    }
    return due.rows.length;
  });
}
