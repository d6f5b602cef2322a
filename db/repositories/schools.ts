/**
 * Schools, seats, catchments and distances: loading the bureau's spreadsheets (all rows or none) and reading them
 * back, for the API and for freezing an allocation round. SQL lives here; the rules are domain/school-data.ts.
 */
import type pg from 'pg';
import type { AllocationSchool, DistanceTable } from '../../domain/allocation';
import {
  checkReferences,
  type KnownSchool,
  type ParsedSchoolData,
  type SchoolDataProblem,
} from '../../domain/school-data';
import { inTransaction } from '../pool';

type Db = pg.Pool | pg.PoolClient;

/** Serialises school-data imports, so two files never interleave and references are checked against settled data. */
const SCHOOL_DATA_LOCK = 727_007;
const BATCH = 1000;

export interface ImportSchoolDataInput {
  kind: string;
  fileName: string;
  format: 'csv' | 'xlsx';
  data: ParsedSchoolData;
  /** Problems the parse found: reported together with the reference problems, so one pass shows them all. */
  parseProblems?: readonly SchoolDataProblem[];
  importedBy: string;
}

export type ImportSchoolDataResult =
  | { ok: true; importId: number; rowsLoaded: Record<'schools' | 'seats' | 'catchments' | 'distances', number> }
  | { ok: false; problems: SchoolDataProblem[] };

async function knownSchools(db: Db, ids: readonly string[]): Promise<Map<string, KnownSchool>> {
  const r = await db.query<KnownSchool>(`SELECT id, district, kind, stages FROM schools WHERE id = ANY($1::text[])`, [[...ids]]);
  return new Map(r.rows.map((s) => [s.id, s]));
}

async function upsertBatches(db: Db, rows: readonly unknown[], sql: string): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) await db.query(sql, [JSON.stringify(rows.slice(i, i + BATCH))]);
}

/** Upserts schools, seats, catchments and distances (already checked); the caller holds the transaction. */
export async function writeSchoolData(db: pg.PoolClient, d: WritableSchoolData): Promise<void> {
  await upsertBatches(
    db,
    d.schools.map((s) => ({ id: s.id, name_zh: s.nameZh, district: s.district, kind: s.kind, stages: s.stages, address: s.address })),
    `INSERT INTO schools (id, name_zh, district, kind, stages, address)
     SELECT e->>'id', e->>'name_zh', e->>'district', e->>'kind', ARRAY(SELECT jsonb_array_elements_text(e->'stages')), e->>'address'
     FROM jsonb_array_elements($1::jsonb) AS e
     ON CONFLICT (id) DO UPDATE SET name_zh = EXCLUDED.name_zh, district = EXCLUDED.district, kind = EXCLUDED.kind,
       stages = EXCLUDED.stages, address = EXCLUDED.address, updated_at = now()`,
  );
  await upsertBatches(
    db,
    d.seats.map((s) => ({ school_id: s.schoolId, year: s.year, stage: s.stage, seats: s.seats, purchasable_seats: s.purchasableSeats, seat_price: s.seatPrice })),
    `INSERT INTO school_seats (school_id, year, stage, seats, purchasable_seats, seat_price)
     SELECT e->>'school_id', (e->>'year')::int, e->>'stage', (e->>'seats')::int, (e->>'purchasable_seats')::int, (e->>'seat_price')::numeric
     FROM jsonb_array_elements($1::jsonb) AS e
     ON CONFLICT (school_id, year, stage) DO UPDATE SET seats = EXCLUDED.seats, purchasable_seats = EXCLUDED.purchasable_seats,
       seat_price = EXCLUDED.seat_price, updated_at = now()`,
  );
  await upsertBatches(
    db,
    d.catchments.map((c) => ({ district: c.district, stage: c.stage, street: c.street, community: c.community, school_id: c.schoolId })),
    `INSERT INTO catchments (district, stage, street, community, school_id)
     SELECT e->>'district', e->>'stage', e->>'street', e->>'community', e->>'school_id' FROM jsonb_array_elements($1::jsonb) AS e
     ON CONFLICT (district, stage, street, community) DO UPDATE SET school_id = EXCLUDED.school_id, updated_at = now()`,
  );
  await upsertBatches(
    db,
    d.distances.map((x) => {
      const [a, b] = x.schoolId < x.otherSchoolId ? [x.schoolId, x.otherSchoolId] : [x.otherSchoolId, x.schoolId];
      return { a, b, distance: x.distance };
    }),
    `INSERT INTO school_distances (school_id, other_school_id, distance)
     SELECT e->>'a', e->>'b', (e->>'distance')::numeric FROM jsonb_array_elements($1::jsonb) AS e
     ON CONFLICT (school_id, other_school_id) DO UPDATE SET distance = EXCLUDED.distance, updated_at = now()`,
  );
}

/** The records writeSchoolData takes, without where they came from (seeding). */
export type WritableSchoolData = {
  schools: Omit<ParsedSchoolData['schools'][number], 'at'>[];
  seats: Omit<ParsedSchoolData['seats'][number], 'at'>[];
  catchments: Omit<ParsedSchoolData['catchments'][number], 'at'>[];
  distances: Omit<ParsedSchoolData['distances'][number], 'at'>[];
};

/**
 * Checks the parsed file's references against the database and, if everything holds, upserts every row in one
 * transaction. With any problem nothing is written (not even the import record).
 */
export async function importSchoolData(pool: pg.Pool, input: ImportSchoolDataInput): Promise<ImportSchoolDataResult> {
  const d = input.data;
  return inTransaction(pool, async (db) => {
    await db.query('SELECT pg_advisory_xact_lock($1)', [SCHOOL_DATA_LOCK]);
    const referenced = new Set<string>([
      ...d.seats.map((s) => s.schoolId),
      ...d.catchments.map((c) => c.schoolId),
      ...d.distances.flatMap((x) => [x.schoolId, x.otherSchoolId]),
      ...d.schools.map((s) => s.id),
    ]);
    const known = await knownSchools(db, [...referenced]);
    const problems = [...(input.parseProblems ?? []), ...checkReferences(d, known)];
    // A school the file turns private must not stay the catchment school of any street.
    const turningPrivate = d.schools.filter((s) => s.kind === 'private' && known.get(s.id)?.kind === 'public');
    if (turningPrivate.length > 0) {
      const inUse = await db.query<{ school_id: string; n: number }>(
        `SELECT school_id, count(*)::int AS n FROM catchments WHERE school_id = ANY($1::text[]) GROUP BY school_id`,
        [turningPrivate.map((s) => s.id)],
      );
      for (const row of inUse.rows) {
        const s = turningPrivate.find((x) => x.id === row.school_id)!;
        problems.push({ sheet: s.at.sheet, row: s.at.row, column: '办学性质', message: `${s.id}目前是${row.n}个招生片区的划片学校，改为民办前请先调整划片` });
      }
    }
    if (problems.length > 0) {
      // Sheet by sheet in the order they first appear, row by row within each.
      const sheetOrder = new Map<string, number>();
      for (const p of problems) if (!sheetOrder.has(p.sheet)) sheetOrder.set(p.sheet, sheetOrder.size);
      problems.sort((a, b) => sheetOrder.get(a.sheet)! - sheetOrder.get(b.sheet)! || (a.row ?? 0) - (b.row ?? 0));
      return { ok: false as const, problems };
    }

    await writeSchoolData(db, d);
    const rowsLoaded = { schools: d.schools.length, seats: d.seats.length, catchments: d.catchments.length, distances: d.distances.length };
    const imp = await db.query<{ id: number }>(
      `INSERT INTO school_data_imports (kind, file_name, format, rows_loaded, imported_by) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [input.kind, input.fileName, input.format, JSON.stringify(rowsLoaded), input.importedBy],
    );
    return { ok: true as const, importId: imp.rows[0]!.id, rowsLoaded };
  });
}

export interface SchoolListRow {
  id: string;
  nameZh: string;
  district: string;
  kind: 'public' | 'private';
  stages: string[];
  address: string | null;
  seats: { year: number; stage: string; seats: number; purchasableSeats: number | null; seatPrice: number | null }[];
}

export async function listSchools(db: Db, f: { district?: string; year?: number; stage?: string }): Promise<SchoolListRow[]> {
  const r = await db.query<SchoolListRow>(
    `SELECT s.id, s.name_zh AS "nameZh", s.district, s.kind, s.stages, s.address,
       coalesce((SELECT jsonb_agg(jsonb_build_object('year', x.year, 'stage', x.stage, 'seats', x.seats,
                   'purchasableSeats', x.purchasable_seats, 'seatPrice', x.seat_price::float8) ORDER BY x.year, x.stage)
                 FROM school_seats x WHERE x.school_id = s.id AND ($2::int IS NULL OR x.year = $2) AND ($3::text IS NULL OR x.stage = $3)),
                '[]'::jsonb) AS seats
     FROM schools s
     WHERE ($1::text IS NULL OR s.district = $1) AND ($3::text IS NULL OR $3 = ANY(s.stages) OR cardinality(s.stages) = 0)
     ORDER BY s.district, s.id`,
    [f.district ?? null, f.year ?? null, f.stage ?? null],
  );
  return r.rows;
}

export interface CatchmentRow {
  district: string;
  stage: string;
  street: string;
  community: string;
  schoolId: string;
  schoolNameZh: string;
}

export async function listCatchments(db: Db, district: string, stage?: string): Promise<CatchmentRow[]> {
  const r = await db.query<CatchmentRow>(
    `SELECT c.district, c.stage, c.street, c.community, c.school_id AS "schoolId", s.name_zh AS "schoolNameZh"
     FROM catchments c JOIN schools s ON s.id = c.school_id
     WHERE c.district = $1 AND ($2::text IS NULL OR c.stage = $2) ORDER BY c.stage, c.street, c.community`,
    [district, stage ?? null],
  );
  return r.rows;
}

/** The school side of an allocation for one district, year and stage: schools with seats, catchments, distances. */
export interface DistrictSeatData {
  schools: AllocationSchool[];
  catchments: CatchmentRow[];
  distances: DistanceTable;
}

export async function loadDistrictSeatData(db: Db, district: string, year: number, stage: string): Promise<DistrictSeatData> {
  // Schools with seats this year, and catchment schools without a seat row: those take part with 0 seats, so their
  // catchment's children are adjusted to the nearest school rather than told their community has no catchment.
  const schools = await db.query<{ id: string; nameZh: string; kind: 'public' | 'private'; seats: number; purchasable: number | null; price: number | null }>(
    `SELECT s.id, s.name_zh AS "nameZh", s.kind, coalesce(x.seats, 0) AS seats, x.purchasable_seats AS purchasable, x.seat_price::float8 AS price
     FROM schools s LEFT JOIN school_seats x ON x.school_id = s.id AND x.year = $2 AND x.stage = $3
     WHERE s.district = $1
       AND (x.school_id IS NOT NULL OR EXISTS (SELECT 1 FROM catchments c WHERE c.school_id = s.id AND c.district = $1 AND c.stage = $3))
     ORDER BY s.id`,
    [district, year, stage],
  );
  const ids = schools.rows.map((s) => s.id);
  const distances = await db.query<{ a: string; b: string; d: number }>(
    `SELECT school_id AS a, other_school_id AS b, distance::float8 AS d FROM school_distances
     WHERE school_id = ANY($1::text[]) AND other_school_id = ANY($1::text[]) ORDER BY 1, 2`,
    [ids],
  );
  const table: Record<string, { schoolId: string; distance: number }[]> = {};
  for (const d of distances.rows) (table[d.a] ??= []).push({ schoolId: d.b, distance: d.d });
  const publicIds = new Set(schools.rows.filter((s) => s.kind === 'public').map((s) => s.id));
  return {
    schools: schools.rows.map((s) => ({
      id: s.id,
      nameZh: s.nameZh,
      kind: s.kind,
      seats: s.seats,
      ...(s.kind === 'private' ? { purchasableSeats: s.purchasable ?? 0, ...(s.price !== null ? { seatPrice: s.price } : {}) } : {}),
    })),
    // The import keeps catchments on public schools of the district; the filter guards against data changed since.
    catchments: (await listCatchments(db, district, stage)).filter((c) => publicIds.has(c.schoolId)),
    distances: table,
  };
}

export async function findSchool(db: Db, id: string): Promise<{ id: string; nameZh: string; district: string; kind: string } | undefined> {
  const r = await db.query(`SELECT id, name_zh AS "nameZh", district, kind FROM schools WHERE id = $1`, [id]);
  return r.rows[0];
}
