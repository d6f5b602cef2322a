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

/** Stores the bytes unless already stored, and records `userId` as an owner; the same call twice changes nothing. */
export async function storeMaterial(
  pool: pg.Pool,
  m: { content: Buffer; mediaType: MaterialMediaType; userId: string },
): Promise<StoredMaterial> {
  const fileId = materialFileId(m.content);
  return inTransaction(pool, async (client) => {
    await client.query(
      `INSERT INTO materials (file_id, media_type, size_bytes, content, uploaded_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (file_id) DO NOTHING`,
      [fileId, m.mediaType, m.content.length, m.content, m.userId],
    );
    await client.query(`INSERT INTO material_owners (file_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [fileId, m.userId]);
    const r = await client.query<StoredMaterial>(
      `SELECT file_id AS "fileId", size_bytes AS size, media_type AS "mediaType" FROM materials WHERE file_id = $1`,
      [fileId],
    );
    return r.rows[0]!;
  });
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
