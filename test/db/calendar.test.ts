/**
 * The calendar tables against the suite's real PostgreSQL. Read-only checks run on the suite database (seeded by the
 * global setup through prepareDatabase); tests that replace years run in a schema of their own, so no other test file
 * ever sees a made-up 2027 calendar.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import { createPool } from '../../db/pool';
import { prepareDatabase } from '../../db/prepare';
import {
  ADMINISTRATOR_SOURCE,
  calendarVersion,
  listYear,
  listYears,
  loadCalendar,
  replaceYear,
  seedOfficialCalendar,
  type ReplaceYearInput,
} from '../../db/repositories/calendar';
import { ensureUser } from '../../db/repositories/users';
import { OFFICIAL_CALENDAR, OFFICIAL_CALENDAR_SOURCE, OFFICIAL_CALENDAR_YEARS } from '../../domain/official-calendar';
import { addCalendarDays, CalendarValidationError, computeDeadline, WorkingDayCalendar } from '../../domain/working-days';

const databaseUrl = process.env.TEST_DATABASE_URL!;
let pool: pg.Pool;

beforeAll(() => {
  pool = createPool(databaseUrl);
});
afterAll(() => pool.end());

describe('the seeded calendar', () => {
  it('holds every year of the package, official, from chinese-days, loaded by nobody', async () => {
    const years = await listYears(pool);
    expect(years.map((y) => y.year)).toEqual(expect.arrayContaining([...OFFICIAL_CALENDAR_YEARS]));
    const y2026 = await listYear(pool, 2026);
    expect(y2026).toMatchObject({ year: 2026, status: 'official', source: OFFICIAL_CALENDAR_SOURCE, loadedBy: null, notice: null });
    expect(y2026!.workDays).toEqual(expect.arrayContaining([{ date: '2026-09-20', name: '国庆节' }, { date: '2026-10-10', name: '国庆节' }]));
    expect(y2026!.offDays).toContainEqual({ date: '2026-10-01', name: '国庆节' });
    expect(await listYear(pool, 2027)).toBeUndefined();
  });

  it('loads into a calendar that agrees with the package on every date it covers', async () => {
    const loaded = await loadCalendar(pool);
    const bundled = new WorkingDayCalendar(OFFICIAL_CALENDAR);
    const disagreements: string[] = [];
    for (const year of OFFICIAL_CALENDAR_YEARS) {
      expect(loaded.yearStatus(year)).toBe('official');
      for (let date = `${year}-01-01`; date.startsWith(String(year)); date = addCalendarDays(date, 1)) {
        if (loaded.isWorkingDay(date) !== bundled.isWorkingDay(date)) disagreements.push(date);
      }
    }
    expect(disagreements).toEqual([]);
    expect(computeDeadline(loaded, new Date('2026-09-29T10:00:00+08:00'), 3).lastDay).toBe('2026-10-09');
    expect(loaded.yearStatus(2027)).toBe('provisional');
  });

  it('seeds again without inserting or changing anything', async () => {
    const version = await calendarVersion(pool);
    expect(await seedOfficialCalendar(pool)).toEqual([]);
    expect(await calendarVersion(pool)).toBe(version);
  });
});

describe('an administrator replacing a year', () => {
  const schema = `calendar_test_${crypto.randomUUID().replace(/-/g, '')}`;
  let own: pg.Pool;
  let adminId: string;

  // A made-up 2027 notice (the real one is not published yet): National Day 10-01..10-07 with one make-up day.
  const nationalDay = Array.from({ length: 7 }, (_, i) => ({ date: `2027-10-0${i + 1}`, name: '国庆节' }));
  const version1 = (): ReplaceYearInput => ({
    year: 2027,
    offDays: [{ date: '2027-01-01', name: '元旦' }, ...nationalDay],
    workDays: [{ date: '2027-09-26', name: '国庆节' }], // Sunday
    notice: '测试用：假设的2027年部分节假日安排（第一版）',
    loadedBy: adminId,
  });
  // The corrected notice moves the make-up workday from Sunday 09-26 to Saturday 10-09.
  const version2 = (): ReplaceYearInput => ({
    ...version1(),
    workDays: [{ date: '2027-10-09', name: '国庆节' }],
    notice: '测试用：假设的2027年部分节假日安排（更正）',
  });

  beforeAll(async () => {
    await pool.query(`CREATE SCHEMA ${schema}`);
    const url = new URL(databaseUrl);
    url.searchParams.set('options', `-c search_path=${schema}`);
    own = createPool(url.toString(), 3);
    await prepareDatabase(own); // the real start-up path: migrations, reference data, calendar seed
    adminId = (await ensureUser(own, { username: 'calendar_admin', displayName: '日历管理员', passwordHash: 'x', role: 'admin' })).id;
  });
  afterAll(async () => {
    await own?.end();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  it('starts from the package seed in its own schema', async () => {
    expect((await own.query('SELECT current_schema() AS s')).rows[0].s).toBe(schema);
    expect((await listYears(own)).map((y) => y.year)).toEqual([...OFFICIAL_CALENDAR_YEARS]);
  });

  it('turns a provisional year official, then moves a make-up day and with it a deadline', async () => {
    const before = await loadCalendar(own);
    expect(before.yearStatus(2027)).toBe('provisional');
    const versionBefore = await calendarVersion(own);

    const first = await replaceYear(own, version1());
    expect(first.changed).toBe(true);
    expect(first.previous).toBeUndefined();
    // Against the provisional rule: 10-04..10-07 become days off, Sunday 09-26 a workday; the lunar holidays the
    // made-up notice leaves out become working days.
    expect(first.movedDates).toEqual(expect.arrayContaining(['2027-09-26', '2027-10-04', '2027-10-07', '2027-02-08']));
    const v1 = await loadCalendar(own);
    expect(v1.yearStatus(2027)).toBe('official');
    expect(v1.dayInfo('2027-09-26')).toMatchObject({ working: true, reason: 'makeup', provisional: false });
    expect(v1.isWorkingDay('2027-10-09')).toBe(false);
    expect(await calendarVersion(own)).not.toBe(versionBefore);
    expect(await listYear(own, 2027)).toMatchObject({ status: 'official', source: ADMINISTRATOR_SOURCE, loadedBy: adminId, notice: version1().notice });

    const versionAfterFirst = await calendarVersion(own);
    const second = await replaceYear(own, version2());
    expect(second).toEqual({
      changed: true,
      previous: { year: 2027, status: 'official', source: ADMINISTRATOR_SOURCE, offDays: version1().offDays, workDays: version1().workDays },
      movedDates: ['2027-09-26', '2027-10-09'],
    });
    const v2 = await loadCalendar(own);
    expect(v2.isWorkingDay('2027-09-26')).toBe(false);
    expect(v2.isWorkingDay('2027-10-09')).toBe(true);
    expect(await calendarVersion(own)).not.toBe(versionAfterFirst);

    // One working day from Friday 2027-10-08: Monday 10-11 before the correction, Saturday 10-09 after it.
    const assignedAt = new Date('2027-10-08T10:00:00+08:00');
    expect(computeDeadline(v1, assignedAt, 1).lastDay).toBe('2027-10-11');
    expect(computeDeadline(v2, assignedAt, 1).lastDay).toBe('2027-10-09');

    const again = await replaceYear(own, version2());
    expect(again).toMatchObject({ changed: false, movedDates: [] });
  });

  it('rejects a date outside the year, naming it, and changes nothing', async () => {
    await replaceYear(own, version2());
    const stored = await listYear(own, 2027);
    const version = await calendarVersion(own);
    const outside = { ...version2(), offDays: [...version2().offDays, { date: '2028-01-01', name: '元旦' }] };
    await expect(replaceYear(own, outside)).rejects.toThrow(CalendarValidationError);
    await expect(replaceYear(own, outside)).rejects.toThrow(/2028-01-01/);
    const both = { ...version2(), workDays: [{ date: '2027-10-07', name: '国庆节' }] };
    await expect(replaceYear(own, both)).rejects.toThrow(/2027-10-07/);
    await expect(replaceYear(own, { ...version2(), notice: '  ' })).rejects.toThrow(/通知名称与文号/);
    expect(await listYear(own, 2027)).toEqual(stored);
    expect(await calendarVersion(own)).toBe(version);
  });

  it('rolls the whole replacement back when the database refuses part of it', async () => {
    const stored = await listYear(own, 2027);
    const unknownUser = { ...version1(), loadedBy: crypto.randomUUID() };
    await expect(replaceYear(own, unknownUser)).rejects.toThrow(/foreign key/);
    expect(await listYear(own, 2027)).toEqual(stored);
  });

  it('never lets seeding overwrite a year an administrator loaded, and fills in a missing one', async () => {
    const package2026 = OFFICIAL_CALENDAR.find((y) => y.year === 2026)!;
    await replaceYear(own, {
      year: 2026,
      offDays: package2026.offDays,
      workDays: package2026.workDays.filter((d) => d.date !== '2026-10-10'),
      notice: '测试用：管理员录入的2026年安排',
      loadedBy: adminId,
    });
    await own.query('DELETE FROM calendar_years WHERE year = 2005');

    expect(await seedOfficialCalendar(own)).toEqual([2005]);
    expect(await listYear(own, 2026)).toMatchObject({ source: ADMINISTRATOR_SOURCE, loadedBy: adminId });
    expect((await loadCalendar(own)).isWorkingDay('2026-10-10')).toBe(false);
    expect(await listYear(own, 2005)).toMatchObject({ source: OFFICIAL_CALENDAR_SOURCE, offDays: OFFICIAL_CALENDAR.find((y) => y.year === 2005)!.offDays });
  });
});
