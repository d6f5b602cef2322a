/**
 * The working-day calendar and the deadline counting rule, across real holiday edges, cross-checked against an
 * independent copy of the official calendar (holiday-cn).
 */
import fs from 'node:fs';
import path from 'node:path';
import * as chineseDays from 'chinese-days';
import fc from 'fast-check';
import { OFFICIAL_CALENDAR, OFFICIAL_CALENDAR_SOURCE, OFFICIAL_CALENDAR_YEARS } from '../../domain/official-calendar';
import {
  addCalendarDays,
  addWorkingDays,
  CalendarValidationError,
  computeDeadline,
  countWorkingDays,
  LUNAR_TABLE_YEARS,
  provisionalYear,
  remainingOnPause,
  resumeDeadline,
  shanghaiDate,
  startOfShanghaiDay,
  WorkingDayCalendar,
  workingDayChanges,
  workingDaysLeft,
  type YearCalendar,
} from '../../domain/working-days';

// The cross-check data (NateScarlet/holiday-cn, MIT): the shared copy beside the repository when there is one, else the
// copy kept in test/fixtures, so a clone anywhere runs the check.
const SHARED_HOLIDAY_CN = path.join(__dirname, '../../../shared/data/holiday-cn');
const HOLIDAY_CN_DIR = fs.existsSync(SHARED_HOLIDAY_CN) ? SHARED_HOLIDAY_CN : path.join(__dirname, '../fixtures/holiday-cn');

const calendar = new WorkingDayCalendar(OFFICIAL_CALENDAR);
/** An instant given as Asia/Shanghai wall time. */
const at = (local: string) => new Date(`${local}+08:00`);

describe('Asia/Shanghai days', () => {
  it('maps instants to Shanghai calendar days and back', () => {
    expect(shanghaiDate(new Date('2026-09-29T15:59:59.999Z'))).toBe('2026-09-29');
    expect(shanghaiDate(new Date('2026-09-29T16:00:00Z'))).toBe('2026-09-30');
    expect(startOfShanghaiDay('2026-10-10').toISOString()).toBe('2026-10-09T16:00:00.000Z');
    expect(addCalendarDays('2026-12-31', 1)).toBe('2027-01-01');
  });

  it('rejects malformed and non-existent dates and invalid instants', () => {
    expect(() => calendar.isWorkingDay('2026-02-30')).toThrow(RangeError);
    expect(() => calendar.isWorkingDay('2026-9-1')).toThrow(/'YYYY-MM-DD'/);
    expect(() => shanghaiDate(new Date('nonsense'))).toThrow(RangeError);
  });
});

describe('the official calendar from chinese-days', () => {
  it('covers 2004–2026 as official years from the package', () => {
    expect(OFFICIAL_CALENDAR_SOURCE).toMatch(/^chinese-days@\d+\.\d+\.\d+$/);
    expect(OFFICIAL_CALENDAR_YEARS[0]).toBe(2004);
    expect(OFFICIAL_CALENDAR_YEARS).toContain(2026);
    expect(OFFICIAL_CALENDAR.every((y) => y.status === 'official' && y.source === OFFICIAL_CALENDAR_SOURCE)).toBe(true);
  });

  it('knows National Day 2026 and its make-up workdays (Sunday 09-20, Saturday 10-10)', () => {
    expect(calendar.dayInfo('2026-09-20')).toEqual({ date: '2026-09-20', working: true, reason: 'makeup', name: '国庆节', provisional: false });
    expect(calendar.dayInfo('2026-10-10')).toMatchObject({ working: true, reason: 'makeup', name: '国庆节' });
    for (let d = 1; d <= 7; d++) expect(calendar.dayInfo(`2026-10-0${d}`)).toMatchObject({ working: false, reason: 'holiday', name: '国庆节' });
    expect(calendar.dayInfo('2026-09-25')).toMatchObject({ working: false, reason: 'holiday', name: '中秋节' });
    expect(calendar.dayInfo('2026-10-08')).toMatchObject({ working: true, reason: 'weekday' });
    expect(calendar.dayInfo('2026-10-17')).toMatchObject({ working: false, reason: 'weekend' });
    expect(calendar.yearStatus(2026)).toBe('official');
  });

  it('knows Spring Festival 2026: 02-15..02-23 off, Saturdays 02-14 and 02-28 on', () => {
    expect(calendar.isWorkingDay('2026-02-14')).toBe(true);
    for (let d = 15; d <= 23; d++) expect(calendar.isWorkingDay(`2026-02-${d}`)).toBe(false);
    expect(calendar.isWorkingDay('2026-02-24')).toBe(true);
    expect(calendar.isWorkingDay('2026-02-28')).toBe(true);
  });

  it('agrees with holiday-cn on every date of every year both cover', () => {
    if (!fs.existsSync(HOLIDAY_CN_DIR)) {
      throw new Error(`holiday-cn data not found at ${HOLIDAY_CN_DIR}: neither beside the repository nor in test/fixtures`);
    }
    const listed = new Map<string, boolean>(); // date → isOffDay, across files (a file may list neighbouring-year days)
    const yearsWithData = new Set<number>();
    for (const file of fs.readdirSync(HOLIDAY_CN_DIR).filter((f) => /^\d{4}\.json$/.test(f))) {
      const data = JSON.parse(fs.readFileSync(path.join(HOLIDAY_CN_DIR, file), 'utf8')) as {
        year: number;
        days: { name: string; date: string; isOffDay: boolean }[];
      };
      if (data.days.length > 0) yearsWithData.add(data.year);
      for (const d of data.days) listed.set(d.date, d.isOffDay);
    }
    const both = OFFICIAL_CALENDAR_YEARS.filter((y) => yearsWithData.has(y));
    expect(both.length).toBeGreaterThanOrEqual(20); // 2007–2026 at the time of writing
    expect(both).toContain(2026);

    const disagreements: string[] = [];
    for (const year of both) {
      for (let date = `${year}-01-01`; date.startsWith(String(year)); date = addCalendarDays(date, 1)) {
        const weekday = ![0, 6].includes(new Date(`${date}T00:00:00Z`).getUTCDay());
        const off = listed.get(date);
        const expected = off === undefined ? weekday : !off;
        if (calendar.isWorkingDay(date) !== expected) disagreements.push(date);
      }
    }
    expect(disagreements).toEqual([]);
  });
});

describe('the provisional fallback', () => {
  it('reports a year the data does not cover as provisional, with the statutory holidays on their dates', () => {
    expect(OFFICIAL_CALENDAR_YEARS).not.toContain(2027);
    expect(calendar.yearStatus(2027)).toBe('provisional');
    expect(calendar.yearStatus(2099)).toBe('provisional');
    expect(calendar.dayInfo('2099-10-02')).toEqual({ date: '2099-10-02', working: false, reason: 'holiday', name: '国庆节', provisional: true });
    expect(calendar.dayInfo('2099-05-06')).toMatchObject({ working: true, reason: 'weekday', provisional: true });
    expect(calendar.yearCalendar(2027)).toBe(calendar.yearCalendar(2027)); // built once

    const y2027 = provisionalYear(2027);
    expect(y2027).toMatchObject({ year: 2027, status: 'provisional', workDays: [] });
    expect(y2027.offDays.map((d) => `${d.date} ${d.name}`)).toEqual([
      '2027-01-01 元旦',
      '2027-02-05 春节', // lunar New Year's Eve
      '2027-02-06 春节',
      '2027-02-07 春节',
      '2027-02-08 春节',
      '2027-04-05 清明节',
      '2027-05-01 劳动节',
      '2027-05-02 劳动节',
      '2027-06-09 端午节',
      '2027-09-15 中秋节',
      '2027-10-01 国庆节',
      '2027-10-02 国庆节',
      '2027-10-03 国庆节',
    ]);
  });

  it('merges a day belonging to two holidays and lists only fixed-date holidays beyond the lunar table', () => {
    expect(provisionalYear(2031).offDays).toContainEqual({ date: '2031-10-01', name: '国庆节、中秋节' });
    expect(provisionalYear(2031).offDays).toHaveLength(12);
    expect(provisionalYear(LUNAR_TABLE_YEARS.last + 1).offDays.map((d) => d.name)).toEqual(['元旦', '劳动节', '劳动节', '国庆节', '国庆节', '国庆节']);
  });

  it('has a lunar table that matches chinese-days for every year in it', () => {
    for (let year = LUNAR_TABLE_YEARS.first; year <= LUNAR_TABLE_YEARS.last; year++) {
      const days = provisionalYear(year).offDays;
      const dates = (name: string) => days.filter((d) => d.name.split('、').includes(name)).map((d) => d.date);
      const springFestival = chineseDays.getSolarDateFromLunar(`${year}-01-01`).date;
      expect([year, dates('春节')]).toEqual([year, [-1, 0, 1, 2].map((k) => addCalendarDays(springFestival, k))]);
      expect([year, dates('清明节')]).toEqual([year, [chineseDays.getSolarTermDate(year, 4, 'pure_brightness')]]);
      expect([year, dates('端午节')]).toEqual([year, [chineseDays.getSolarDateFromLunar(`${year}-05-05`).date]]);
      expect([year, dates('中秋节')]).toEqual([year, [chineseDays.getSolarDateFromLunar(`${year}-08-15`).date]]);
    }
  });

  it('lists only days that the official calendar also gives off, in the years under the current rules', () => {
    for (const year of [2025, 2026]) {
      const notOff = provisionalYear(year).offDays.filter((d) => calendar.isWorkingDay(d.date)).map((d) => d.date);
      expect(notOff).toEqual([]);
    }
  });

  it('marks a deadline provisional when any day counted is in a provisional year', () => {
    expect(computeDeadline(calendar, at('2026-12-21T10:00:00'), 5).provisional).toBe(false);
    const crossing = computeDeadline(calendar, at('2026-12-30T10:00:00'), 5);
    expect(crossing).toMatchObject({ firstDay: '2026-12-31', lastDay: '2027-01-07', provisional: true });
    expect(computeDeadline(calendar, at('2040-03-01T10:00:00'), 1).provisional).toBe(true);
  });
});

describe('computeDeadline', () => {
  it('counts 3 working days from Tuesday 2026-09-29 across National Day: last day Friday 10-09', () => {
    const d = computeDeadline(calendar, at('2026-09-29T10:00:00'), 3);
    expect(d).toEqual({
      deadline: new Date('2026-10-09T16:00:00Z'), // 2026-10-10 00:00 Asia/Shanghai
      receivedDay: '2026-09-29',
      firstDay: '2026-09-30',
      lastDay: '2026-10-09',
      provisional: false,
    });
  });

  it('counts from the next working day after office hours: 2026-09-29 at 18:00 ends on make-up Saturday 10-10', () => {
    const d = computeDeadline(calendar, at('2026-09-29T18:00:00'), 3);
    expect(d).toMatchObject({ receivedDay: '2026-09-30', firstDay: '2026-10-08', lastDay: '2026-10-10' });
    expect(d.deadline).toEqual(new Date('2026-10-10T16:00:00Z'));
  });

  it('treats 17:30 as closed and 17:29 as open, and honours another closing time', () => {
    expect(computeDeadline(calendar, at('2026-03-10T17:29:59'), 1).lastDay).toBe('2026-03-11');
    expect(computeDeadline(calendar, at('2026-03-10T17:30:00'), 1).lastDay).toBe('2026-03-12');
    expect(computeDeadline(calendar, at('2026-03-10T17:45:00'), 1, { officeCloses: '18:00' }).lastDay).toBe('2026-03-11');
    expect(() => computeDeadline(calendar, at('2026-03-10T10:00:00'), 1, { officeCloses: '5pm' })).toThrow(/officeCloses/);
  });

  it('counts an after-hours Friday assignment from Monday', () => {
    expect(computeDeadline(calendar, at('2026-03-13T10:00:00'), 1)).toMatchObject({ receivedDay: '2026-03-13', lastDay: '2026-03-16' });
    expect(computeDeadline(calendar, at('2026-03-13T18:05:00'), 1)).toMatchObject({ receivedDay: '2026-03-16', lastDay: '2026-03-17' });
  });

  it('takes a make-up Saturday as a working day of receipt, and a holiday or weekend as the next working day', () => {
    expect(computeDeadline(calendar, at('2026-10-10T09:00:00'), 1)).toMatchObject({ receivedDay: '2026-10-10', lastDay: '2026-10-12' });
    expect(computeDeadline(calendar, at('2026-10-11T09:00:00'), 1)).toMatchObject({ receivedDay: '2026-10-12', lastDay: '2026-10-13' });
    expect(computeDeadline(calendar, at('2026-10-03T09:00:00'), 1)).toMatchObject({ receivedDay: '2026-10-08', lastDay: '2026-10-09' });
  });

  it('crosses Spring Festival 2026 through its make-up Saturday 02-14', () => {
    expect(computeDeadline(calendar, at('2026-02-13T10:00:00'), 3)).toMatchObject({ firstDay: '2026-02-14', lastDay: '2026-02-25' });
    // The "1-3-5" rule's complex step: 5 working days from Thursday 02-12.
    expect(computeDeadline(calendar, at('2026-02-12T10:00:00'), 5)).toMatchObject({ firstDay: '2026-02-13', lastDay: '2026-02-26' });
    // Assigned on the eve, 02-16: received on the first working day after the holiday, 02-24.
    expect(computeDeadline(calendar, at('2026-02-16T10:00:00'), 1)).toMatchObject({ receivedDay: '2026-02-24', lastDay: '2026-02-25' });
  });

  it('crosses New Year 2026, whose make-up workday is Sunday 01-04', () => {
    expect(computeDeadline(calendar, at('2025-12-31T10:00:00'), 1)).toMatchObject({ lastDay: '2026-01-04' });
  });

  it('requires a whole number of working days, at least 1, naming the argument', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => computeDeadline(calendar, at('2026-03-10T10:00:00'), bad)).toThrow(RangeError);
      expect(() => computeDeadline(calendar, at('2026-03-10T10:00:00'), bad)).toThrow(/workingDays/);
    }
    expect(() => computeDeadline(calendar, new Date(Number.NaN), 1)).toThrow(/assignedAt/);
  });

  it('holds for any in-hours assignment: N left right after it, 0 on the last day, overdue from the deadline on', () => {
    const day = fc.integer({ min: 0, max: 365 * 20 - 1 }).map((k) => addCalendarDays('2007-01-01', k));
    fc.assert(
      fc.property(day, fc.integer({ min: 0, max: 1049 }), fc.integer({ min: 1, max: 30 }), (date, minute, n) => {
        const assignedAt = new Date(startOfShanghaiDay(date).getTime() + minute * 60_000); // 00:00..17:29
        const d = computeDeadline(calendar, assignedAt, n);
        expect(calendar.isWorkingDay(d.lastDay)).toBe(true);
        expect(countWorkingDays(calendar, d.receivedDay, d.lastDay)).toBe(n);
        expect(addWorkingDays(calendar, d.receivedDay, n)).toBe(d.lastDay);
        expect(d.receivedDay === date).toBe(calendar.isWorkingDay(date));
        expect(workingDaysLeft(calendar, assignedAt, d.deadline)).toBe(calendar.isWorkingDay(date) ? n : n + 1);
        expect(workingDaysLeft(calendar, new Date(d.deadline.getTime() - 1), d.deadline)).toBe(0);
        expect(workingDaysLeft(calendar, d.deadline, d.deadline)).toBe(-1);
      }),
      { numRuns: 300 },
    );
  });
});

describe('working-day helpers', () => {
  it('adds working days forwards and backwards across holidays and make-up days', () => {
    expect(addWorkingDays(calendar, '2026-09-30', 1)).toBe('2026-10-08');
    expect(addWorkingDays(calendar, '2026-10-08', -1)).toBe('2026-09-30');
    expect(addWorkingDays(calendar, '2026-10-09', 1)).toBe('2026-10-10');
    expect(addWorkingDays(calendar, '2026-10-03', 0)).toBe('2026-10-03');
    expect(() => addWorkingDays(calendar, '2026-10-03', 0.5)).toThrow(/\bn\b/);
    expect(countWorkingDays(calendar, '2026-09-19', '2026-10-11')).toBe(11);
  });
});

describe('workingDaysLeft', () => {
  // 3 working days from Tuesday 2026-09-29: last day Friday 10-09, then the make-up Saturday 10-10.
  const { deadline } = computeDeadline(calendar, at('2026-09-29T10:00:00'), 3);
  const left = (local: string) => workingDaysLeft(calendar, at(local), deadline);

  it('counts down before the last day, holidays not counted', () => {
    expect(left('2026-09-29T10:00:00')).toBe(3);
    expect(left('2026-09-30T23:59:00')).toBe(2);
    expect(left('2026-10-05T12:00:00')).toBe(2);
    expect(left('2026-10-08T09:00:00')).toBe(1);
  });

  it('is 0 all through the last day', () => {
    expect(left('2026-10-09T00:00:00')).toBe(0);
    expect(left('2026-10-09T23:59:59')).toBe(0);
  });

  it('is negative once overdue, counting overdue working days, and never 0 after the deadline', () => {
    expect(left('2026-10-10T00:00:00')).toBe(-1); // make-up Saturday: a working day missed
    expect(left('2026-10-11T12:00:00')).toBe(-1); // Sunday
    expect(left('2026-10-12T12:00:00')).toBe(-2);
    const friday = computeDeadline(calendar, at('2026-03-19T10:00:00'), 1).deadline; // last day Friday 03-20
    expect(workingDaysLeft(calendar, at('2026-03-21T10:00:00'), friday)).toBe(-1); // ordinary Saturday
    expect(workingDaysLeft(calendar, at('2026-03-23T10:00:00'), friday)).toBe(-1);
    expect(workingDaysLeft(calendar, at('2026-03-24T10:00:00'), friday)).toBe(-2);
  });
});

describe('pausing and resuming the clock', () => {
  const { deadline } = computeDeadline(calendar, at('2026-09-29T10:00:00'), 3); // last day 10-09

  it('keeps the working days after the day of the pause and restarts them from the resume', () => {
    const kept = remainingOnPause(calendar, at('2026-09-30T15:00:00'), deadline);
    expect(kept).toBe(2);
    const resumed = resumeDeadline(calendar, at('2026-10-19T09:00:00'), kept);
    expect(resumed).toMatchObject({ receivedDay: '2026-10-19', lastDay: '2026-10-21', provisional: false });
    expect(workingDaysLeft(calendar, at('2026-10-19T09:00:00'), resumed.deadline)).toBe(kept);
  });

  it('gives at least 1 working day when paused on the last day or overdue', () => {
    expect(remainingOnPause(calendar, at('2026-10-09T11:00:00'), deadline)).toBe(0);
    expect(remainingOnPause(calendar, at('2026-10-13T11:00:00'), deadline)).toBe(0);
    expect(resumeDeadline(calendar, at('2026-10-14T10:00:00'), 0).lastDay).toBe('2026-10-15');
  });

  it('resumes after hours or on a non-working day from the next working day', () => {
    expect(resumeDeadline(calendar, at('2026-10-16T19:00:00'), 2)).toMatchObject({ receivedDay: '2026-10-19', lastDay: '2026-10-21' });
    expect(resumeDeadline(calendar, at('2026-10-04T10:00:00'), 1)).toMatchObject({ receivedDay: '2026-10-08', lastDay: '2026-10-09' });
    expect(() => resumeDeadline(calendar, at('2026-10-14T10:00:00'), 1.5)).toThrow(/remaining/);
  });
});

describe('calendar validation and changes', () => {
  const year = (offDays: [string, string][], workDays: [string, string][] = []): YearCalendar => ({
    year: 2027,
    status: 'official',
    source: 'test',
    offDays: offDays.map(([date, name]) => ({ date, name })),
    workDays: workDays.map(([date, name]) => ({ date, name })),
  });

  it('rejects a date outside the year, a date both off and work, a duplicate year, naming the culprit', () => {
    expect(() => new WorkingDayCalendar([year([['2028-01-01', '元旦']])])).toThrow(CalendarValidationError);
    expect(() => new WorkingDayCalendar([year([['2028-01-01', '元旦']])])).toThrow(/2028-01-01/);
    expect(() => new WorkingDayCalendar([year([['2027-10-08', '国庆节']], [['2027-10-08', '国庆节']])])).toThrow(/2027-10-08 不能既是放假日又是调休上班日/);
    expect(() => new WorkingDayCalendar([year([['2027-02-30', '春节']])])).toThrow(/2027-02-30/);
    expect(() => new WorkingDayCalendar([year([]), year([])])).toThrow(/2027/);
  });

  it('lists the dates whose working status differs between two versions of a year', () => {
    const before = year([['2027-10-04', '国庆节']], [['2027-09-26', '国庆节']]);
    const after = year([['2027-10-04', '国庆节']], [['2027-10-09', '国庆节']]);
    expect(workingDayChanges(before, after)).toEqual(['2027-09-26', '2027-10-09']);
    expect(workingDayChanges(before, before)).toEqual([]);
  });
});

describe('purity (the module is imported by Temporal workflow code)', () => {
  it('imports nothing and reads no clock or randomness', () => {
    const source = fs.readFileSync(path.join(__dirname, '../../domain/working-days.ts'), 'utf8');
    expect(source).not.toMatch(/^\s*import\s/m);
    expect(source).not.toMatch(/require\(|Date\.now|Math\.random|new Date\(\)|process\./);
  });
});
