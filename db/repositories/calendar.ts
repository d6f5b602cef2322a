/**
 * The working-day calendar in PostgreSQL: seeding from the bundled package, loading it for deadline arithmetic, and an
 * administrator replacing a year with the State Council notice. SQL lives here; callers get domain objects.
 */
import type pg from 'pg';
import { OFFICIAL_CALENDAR } from '../../domain/official-calendar';
import {
  CalendarValidationError,
  type CalendarDate,
  type NamedDay,
  type YearCalendar,
  type YearStatus,
  validateYearCalendar,
  WorkingDayCalendar,
  workingDayChanges,
  provisionalYear,
} from '../../domain/working-days';
import { inTransaction } from '../pool';

type Db = pg.Pool | pg.PoolClient;

const CALENDAR_LOCK_KEY = 727_002; // arbitrary, constant: identifies "calendar year replacement" among advisory locks

/** The source recorded for a year an administrator entered. */
export const ADMINISTRATOR_SOURCE = 'administrator';

export interface StoredYearCalendar extends YearCalendar {
  notice: string | null;
  /** The administrator who entered the year; null when it came from the bundled package. */
  loadedBy: string | null;
  loadedAt: Date;
}

interface YearRow {
  year: number;
  status: YearStatus;
  source: string;
  notice: string | null;
  loadedBy: string | null;
  loadedAt: Date;
}

interface DayRow {
  date: CalendarDate;
  kind: 'off' | 'work';
  name: string;
}

function toYearCalendar({ year, status, source, offDays, workDays }: StoredYearCalendar): YearCalendar {
  return { year, status, source, offDays, workDays };
}

async function insertDays(db: Db, year: number, offDays: readonly NamedDay[], workDays: readonly NamedDay[]): Promise<void> {
  const days = [...offDays.map((d) => ({ ...d, kind: 'off' })), ...workDays.map((d) => ({ ...d, kind: 'work' }))];
  if (days.length === 0) return;
  await db.query(
    `INSERT INTO calendar_days (date, year, kind, name)
     SELECT d, $1, k, n FROM unnest($2::date[], $3::text[], $4::text[]) AS t(d, k, n)`,
    [year, days.map((d) => d.date), days.map((d) => d.kind), days.map((d) => d.name)],
  );
}

/**
 * Insert the bundled package's years that are not in the table yet; returns the years inserted. A year already there
 * is never touched, whoever loaded it: an administrator's entry is never overwritten. Safe to run concurrently from
 * every process at start (the year row is claimed with ON CONFLICT DO NOTHING before its days are written).
 */
export async function seedOfficialCalendar(pool: pg.Pool, calendars: readonly YearCalendar[] = OFFICIAL_CALENDAR): Promise<number[]> {
  const present = new Set((await pool.query<{ year: number }>('SELECT year FROM calendar_years')).rows.map((r) => r.year));
  const missing = calendars.filter((c) => !present.has(c.year));
  if (missing.length === 0) return [];
  for (const c of missing) validateYearCalendar(c);
  return inTransaction(pool, async (client) => {
    const claimed = await client.query<{ year: number }>(
      `INSERT INTO calendar_years (year, status, source)
       SELECT * FROM unnest($1::int[], $2::text[], $3::text[])
       ON CONFLICT (year) DO NOTHING
       RETURNING year`,
      [missing.map((c) => c.year), missing.map((c) => c.status), missing.map((c) => c.source)],
    );
    const inserted = claimed.rows.map((r) => r.year).sort((a, b) => a - b);
    for (const year of inserted) {
      const c = missing.find((m) => m.year === year)!;
      await insertDays(client, year, c.offDays, c.workDays);
    }
    return inserted;
  });
}

// One statement per read, so a year and its days always come from the same snapshot, even during a replacement.
const SELECT_YEARS_WITH_DAYS = `
  SELECT y.year, y.status, y.source, y.notice, y.loaded_by AS "loadedBy", y.loaded_at AS "loadedAt",
         coalesce(json_agg(json_build_object('date', d.date, 'kind', d.kind, 'name', d.name) ORDER BY d.date)
                  FILTER (WHERE d.date IS NOT NULL), '[]') AS days
  FROM calendar_years y LEFT JOIN calendar_days d ON d.year = y.year`;

async function selectYears(db: Db, where: string, params: unknown[]): Promise<StoredYearCalendar[]> {
  const r = await db.query<YearRow & { days: Omit<DayRow, 'year'>[] }>(
    `${SELECT_YEARS_WITH_DAYS} ${where} GROUP BY y.year ORDER BY y.year`,
    params,
  );
  return r.rows.map(({ days, ...year }) => ({
    ...year,
    offDays: days.filter((d) => d.kind === 'off').map(({ date, name }) => ({ date, name })),
    workDays: days.filter((d) => d.kind === 'work').map(({ date, name }) => ({ date, name })),
  }));
}

/** Every stored year with its days, ascending. */
export async function listYears(db: Db): Promise<StoredYearCalendar[]> {
  return selectYears(db, '', []);
}

/** One stored year, or undefined when the year is not stored (it then follows provisionalYear). */
export async function listYear(db: Db, year: number): Promise<StoredYearCalendar | undefined> {
  return (await selectYears(db, 'WHERE y.year = $1', [year]))[0];
}

/** The calendar over every stored year; other years fall back to the provisional rule. */
export async function loadCalendar(db: Db): Promise<WorkingDayCalendar> {
  const years = await listYears(db);
  return new WorkingDayCalendar(years.map(toYearCalendar));
}

/**
 * A cheap fingerprint of the stored calendar: it changes whenever a year is added or replaced (every write sets the
 * year's loaded_at), so a process can keep its loaded WorkingDayCalendar until the fingerprint moves.
 */
export async function calendarVersion(db: Db): Promise<string> {
  const r = await db.query<{ version: string }>(
    `SELECT count(*) || ':' || coalesce(md5(string_agg(year || '/' || status || '/' || loaded_at::text, ',' ORDER BY year)), '-')
       AS version
     FROM calendar_years`,
  );
  return r.rows[0]!.version;
}

export interface ReplaceYearInput {
  year: number;
  offDays: NamedDay[];
  workDays: NamedDay[];
  /** The State Council notice the days come from; recorded as the reason open deadlines move. */
  notice: string;
  /** The administrator entering it (users.id). */
  loadedBy: string;
}

export interface ReplaceYearResult {
  /**
   * Whether deadlines in the year may move: some date's working status differs from before, or the year was
   * provisional before (not stored, so following the provisional rule, or stored as provisional).
   */
  changed: boolean;
  /** The stored calendar before, when the year was stored. */
  previous?: YearCalendar;
  /** Dates whose working status changed, compared with the stored calendar or else the provisional rule. */
  movedDates: CalendarDate[];
}

/**
 * Replace a year's days with an administrator-entered official calendar and mark it official, in one transaction.
 * The input is validated first (every date inside the year, none both off and work, none listed twice): a
 * CalendarValidationError naming the date is thrown and nothing changes.
 */
export async function replaceYear(pool: pg.Pool, input: ReplaceYearInput): Promise<ReplaceYearResult> {
  const { year, offDays, workDays, loadedBy } = input;
  validateYearCalendar({ year, offDays, workDays });
  const notice = typeof input.notice === 'string' ? input.notice.trim() : '';
  if (!notice) throw new CalendarValidationError(`${year} 年日历：请填写所依据的通知名称与文号`);
  const next: YearCalendar = { year, status: 'official', source: ADMINISTRATOR_SOURCE, offDays, workDays };

  return inTransaction(pool, async (client) => {
    // Serialise replacements of the same year, including the first one (no row to lock yet).
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [CALENDAR_LOCK_KEY, year]);
    const stored = await listYear(client, year);
    const previous = stored && toYearCalendar(stored);
    const movedDates = workingDayChanges(previous ?? provisionalYear(year), next);

    await client.query(
      `INSERT INTO calendar_years (year, status, source, notice, loaded_by, loaded_at)
       VALUES ($1, 'official', $2, $3, $4, clock_timestamp())
       ON CONFLICT (year) DO UPDATE
         SET status = 'official', source = EXCLUDED.source, notice = EXCLUDED.notice,
             loaded_by = EXCLUDED.loaded_by, loaded_at = EXCLUDED.loaded_at`,
      [year, ADMINISTRATOR_SOURCE, notice, loadedBy],
    );
    await client.query('DELETE FROM calendar_days WHERE year = $1', [year]);
    await insertDays(client, year, offDays, workDays);

    const changed = movedDates.length > 0 || previous?.status !== 'official';
    return previous ? { changed, previous, movedDates } : { changed, movedDates };
  });
}
