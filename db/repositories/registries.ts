/**
 * The departments' registry exports: loading a file (all rows or none) and finding the record an application
 * matches. The formats and match rules are domain/registries.ts; the keyed hash they take is `hmac(secret)` here.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import { inTransaction } from '../pool';
import {
  matchKeyForRow,
  parseRegistryCsv,
  recordForRow,
  type RegistryDepartment,
  type RegistryRecord,
  type RegistryRowError,
} from '../../domain/registries';

/**
 * HMAC-SHA256 with the server's personal-data key, as lowercase hex: the keyed hash registry records are stored
 * under. Without the key, a leaked table cannot be searched for a known ID number (a plain SHA-256 of an 18-digit
 * ID number with a checksum is brute-forced in minutes).
 */
export function hmac(secret: string): (s: string) => string {
  if (!secret) throw new Error('the personal-data key is empty');
  return (s) => crypto.createHmac('sha256', secret).update(s, 'utf8').digest('hex');
}

/** Rows per INSERT: keeps each statement's JSON parameter a few hundred KB at most. */
const BATCH = 1000;
/** Serialises imports of one department (the second waits for the first), so two files never interleave. */
const IMPORT_LOCK_CLASS = 727_005;

export interface ImportRegistryInput {
  department: RegistryDepartment;
  fileName: string;
  csvText: string;
  importedBy: string;
  hmacSecret: string;
}

export type ImportRegistryResult =
  | { ok: true; importId: number; department: RegistryDepartment; fileName: string; rowsTotal: number; rowsLoaded: number; inserted: number; replaced: number }
  | { ok: false; rowsTotal: number; errors: RegistryRowError[] };

/**
 * Parses the file; if any row has an error, writes nothing and returns every error. Otherwise, in one transaction,
 * records the import and upserts every record (a record for a key already loaded is replaced by this one).
 */
export async function importRegistry(pool: pg.Pool, input: ImportRegistryInput): Promise<ImportRegistryResult> {
  const parsed = parseRegistryCsv(input.department, input.csvText);
  if (parsed.errors.length > 0) {
    return { ok: false, rowsTotal: parsed.rowsTotal, errors: parsed.errors };
  }
  const keyed = hmac(input.hmacSecret);
  // Sorted by key, so concurrent writers (if the lock were ever dropped) would take row locks in the same order.
  const entries = parsed.rows
    .map((p) => ({ k: matchKeyForRow(p, keyed), r: recordForRow(p) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));

  return inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [IMPORT_LOCK_CLASS, input.department]);
    const imp = await client.query<{ id: number }>(
      `INSERT INTO registry_imports (department_code, file_name, rows_total, rows_loaded, imported_by)
       VALUES ($1, $2, $3, $3, $4) RETURNING id`,
      [input.department, input.fileName, entries.length, input.importedBy],
    );
    const importId = imp.rows[0]!.id;
    let inserted = 0;
    for (let i = 0; i < entries.length; i += BATCH) {
      const r = await client.query<{ inserted: boolean }>(
        `INSERT INTO registry_records (department_code, match_key, record, import_id)
         SELECT $1, e->>'k', e->'r', $3 FROM jsonb_array_elements($2::jsonb) AS e
         ON CONFLICT (department_code, match_key) DO UPDATE SET record = EXCLUDED.record, import_id = EXCLUDED.import_id
         RETURNING (xmax = 0) AS inserted`,
        [input.department, JSON.stringify(entries.slice(i, i + BATCH)), importId],
      );
      inserted += r.rows.filter((row) => row.inserted).length;
    }
    return {
      ok: true as const,
      importId,
      department: input.department,
      fileName: input.fileName,
      rowsTotal: entries.length,
      rowsLoaded: entries.length,
      inserted,
      replaced: entries.length - inserted,
    };
  });
}

export interface RegistryRecordRow {
  department: RegistryDepartment;
  matchKey: string;
  importId: number;
  record: RegistryRecord;
  importedAt: Date;
}

/** The record for the first of `matchKeys` (in their order) that the department's registry holds, if any. */
export async function findRegistryRecord(
  db: pg.Pool | pg.PoolClient,
  department: RegistryDepartment,
  matchKeys: readonly string[],
): Promise<RegistryRecordRow | undefined> {
  if (matchKeys.length === 0) return undefined;
  const r = await db.query<RegistryRecordRow>(
    `SELECT rr.department_code AS department, rr.match_key AS "matchKey", rr.import_id AS "importId", rr.record,
            ri.imported_at AS "importedAt"
     FROM registry_records rr JOIN registry_imports ri ON ri.id = rr.import_id
     WHERE rr.department_code = $1 AND rr.match_key = ANY($2::text[])`,
    [department, [...matchKeys]],
  );
  const byKey = new Map(r.rows.map((row) => [row.matchKey, row]));
  for (const k of matchKeys) {
    const found = byKey.get(k);
    if (found) return found;
  }
  return undefined;
}

export interface RegistryImportRow {
  id: number;
  department: string;
  fileName: string;
  rowsTotal: number;
  rowsLoaded: number;
  importedBy: { userId: string; displayName: string };
  importedAt: Date;
}

/** A department's imports, newest first. */
export async function listRegistryImports(db: pg.Pool, department: string, opts: { limit?: number; offset?: number } = {}): Promise<{ items: RegistryImportRow[]; total: number }> {
  const r = await db.query<Omit<RegistryImportRow, 'importedBy'> & { userId: string; displayName: string }>(
    `SELECT ri.id, ri.department_code AS department, ri.file_name AS "fileName", ri.rows_total AS "rowsTotal",
            ri.rows_loaded AS "rowsLoaded", ri.imported_at AS "importedAt", u.id AS "userId", u.display_name AS "displayName"
     FROM registry_imports ri JOIN users u ON u.id = ri.imported_by
     WHERE ri.department_code = $1
     ORDER BY ri.id DESC
     LIMIT $2 OFFSET $3`,
    [department, opts.limit ?? 50, opts.offset ?? 0],
  );
  const total = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM registry_imports WHERE department_code = $1', [department]);
  return {
    total: total.rows[0]!.n,
    items: r.rows.map(({ userId, displayName, ...row }) => ({ ...row, importedBy: { userId, displayName } })),
  };
}
