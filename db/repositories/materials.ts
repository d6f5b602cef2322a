/**
 * Uploaded materials, stored by content: the file id is the SHA-256 of the bytes, so an upload repeated (a retry, the
 * same scan uploaded by both parents) stores the bytes once, while each uploader is recorded as an owner and sees
 * only what they uploaded themselves.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import type { MaterialMediaType } from '../../domain/application';
import { inTransaction } from '../pool';

export interface StoredMaterial {
  fileId: string;
  size: number;
  mediaType: MaterialMediaType;
}

export function materialFileId(content: Buffer): string {
  return crypto.createHash('sha256').update(content).digest('hex');
}

/** Stores the bytes unless already stored, and records `userId` as an owner, on a transaction's client. */
async function storeOwned(client: pg.PoolClient, m: { content: Buffer; mediaType: MaterialMediaType; userId: string }): Promise<StoredMaterial> {
  const fileId = materialFileId(m.content);
  await client.query(
    `INSERT INTO materials (file_id, media_type, size_bytes, content, uploaded_by) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (file_id) DO NOTHING`,
    [fileId, m.mediaType, m.content.length, m.content, m.userId],
  );
  await client.query(`INSERT INTO material_owners (file_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [fileId, m.userId]);
  const r = await client.query<StoredMaterial>(`SELECT file_id AS "fileId", size_bytes AS size, media_type AS "mediaType" FROM materials WHERE file_id = $1`, [fileId]);
  return r.rows[0]!;
}

/** Stores the bytes unless already stored, and records `userId` as an owner; the same call twice changes nothing. */
export async function storeMaterial(
  pool: pg.Pool,
  m: { content: Buffer; mediaType: MaterialMediaType; userId: string },
): Promise<StoredMaterial> {
  return inTransaction(pool, (client) => storeOwned(client, m));
}

export interface MaterialContent extends StoredMaterial {
  content: Buffer;
  uploadedAt: Date;
}

export async function findMaterial(db: pg.Pool, fileId: string): Promise<MaterialContent | undefined> {
  const r = await db.query<MaterialContent>(
    `SELECT file_id AS "fileId", size_bytes AS size, media_type AS "mediaType", content, uploaded_at AS "uploadedAt"
     FROM materials WHERE file_id = $1`,
    [fileId],
  );
  return r.rows[0];
}

export async function userOwnsMaterial(db: pg.Pool, fileId: string, userId: string): Promise<boolean> {
  const r = await db.query('SELECT 1 FROM material_owners WHERE file_id = $1 AND user_id = $2', [fileId, userId]);
  return (r.rowCount ?? 0) > 0;
}

// ---------------------------------------------------------------------------------------------------------------
// Evidence files of department steps

export interface StepEvidenceFile extends StoredMaterial {
  fileName: string;
  departmentCode: string;
  uploadedBy: string;
  uploadedAt: string;
}

/**
 * Store an officer's evidence file and attach it to the step, in one transaction: a file is never stored without
 * saying which step it is evidence of. The same file twice on the same step keeps the first name.
 */
export async function storeStepEvidence(
  pool: pg.Pool,
  e: { stepId: string; departmentCode: string; fileName: string; content: Buffer; mediaType: MaterialMediaType; userId: string },
): Promise<StoredMaterial> {
  return inTransaction(pool, async (client) => {
    const stored = await storeOwned(client, e);
    await client.query(
      `INSERT INTO step_evidence_files (step_id, file_id, file_name, department_code, uploaded_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (step_id, file_id) DO NOTHING`,
      [e.stepId, stored.fileId, e.fileName, e.departmentCode, e.userId],
    );
    return stored;
  });
}

export async function listStepEvidence(db: pg.Pool, stepId: string): Promise<StepEvidenceFile[]> {
  const r = await db.query<StepEvidenceFile>(
    `SELECT e.file_id AS "fileId", m.size_bytes AS size, m.media_type AS "mediaType", e.file_name AS "fileName",
       e.department_code AS "departmentCode", u.display_name AS "uploadedBy", e.uploaded_at AS "uploadedAt"
     FROM step_evidence_files e JOIN materials m ON m.file_id = e.file_id JOIN users u ON u.id = e.uploaded_by
     WHERE e.step_id = $1 ORDER BY e.uploaded_at, e.file_id`,
    [stepId],
  );
  return r.rows.map((x) => ({ ...x, uploadedAt: new Date(x.uploadedAt).toISOString() }));
}

export async function isStepEvidence(db: pg.Pool, stepId: string, fileId: string): Promise<boolean> {
  const r = await db.query('SELECT 1 FROM step_evidence_files WHERE step_id = $1 AND file_id = $2', [stepId, fileId]);
  return (r.rowCount ?? 0) > 0;
}

/**
 * Whether an officer may read a file: evidence of a step of their department, a file they uploaded themselves, or a
 * material of an application (on its form or in a 补正 answer) on which their department has a step. A parent's file
 * is that family's: knowing its content hash is not a reason to read it.
 */
export async function officerMayReadMaterial(db: pg.Pool, fileId: string, userId: string, departmentCode: string): Promise<boolean> {
  const r = await db.query<{ allowed: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM step_evidence_files e JOIN steps s ON s.step_id = e.step_id WHERE e.file_id = $1 AND s.department_code = $3)
         OR EXISTS (SELECT 1 FROM material_owners WHERE file_id = $1 AND user_id = $2)
         OR EXISTS (
           SELECT 1 FROM applications a
           WHERE (a.form->'materials' @> jsonb_build_array(jsonb_build_object('fileId', $1::text))
                  OR a.form->'supplements' @> jsonb_build_array(jsonb_build_object('materials', jsonb_build_array($1::text))))
             AND EXISTS (SELECT 1 FROM steps s WHERE s.subject_type = 'application' AND s.subject_id = a.application_number AND s.department_code = $3)
         ) AS allowed`,
    [fileId, userId, departmentCode],
  );
  return r.rows[0]!.allowed;
}
