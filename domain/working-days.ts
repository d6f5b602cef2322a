/**
 * China's official working days and the deadline arithmetic built on them. Pure: no I/O, no Node builtins, no clock
 * (every "now" is a parameter), so Temporal workflow code can import it and replay it deterministically.
 *
 * A day is a working day when it is a weekday that the calendar does not list as a day off, or any day the calendar
 * lists as a make-up workday (调休上班, often a Saturday or Sunday). Dates are calendar days in Asia/Shanghai, which is
 * UTC+8 all year (no daylight saving since 1991), so a fixed offset is exact.
 *
 * THE COUNTING RULE (Chinese administrative practice: 期限开始之日不计算在内, the day a period starts is not counted)
 *  1. Day of receipt: a step assigned on a working day before the office closes (default 17:30 Asia/Shanghai;
 *     17:30:00 itself is already closed) is received that day. Assigned at or after closing time, or on any
 *     non-working day (weekend, holiday), it counts as received on the next working day.
 *  2. The day of receipt itself does not count. The first working day after it is day 1 (`firstDay`); the N-th
 *     working day after it is the last day (`lastDay`).
 *  3. The deadline is the end of the last day: 00:00 Asia/Shanghai of the following calendar day, as a JS Date
 *     (an instant in UTC). Work done any time on the last day is on time.
 *  A result is `provisional` when any day examined (from the day of assignment to the last day) lies in a year for
 *  which only the provisional fallback calendar is known, because the State Council may still move days there.
 *
 * Example: 3 working days assigned Tuesday 2026-09-29 at 10:00. Received that day; 09-30 is day 1; 10-01..10-07 are
 * the National Day holiday; 10-08 is day 2 and 10-09 day 3. Deadline: 2026-10-10 00:00 +08:00 = 2026-10-09T16:00Z.
 * Assigned at 18:00 the same day, it is received on 09-30 and the last day is the make-up Saturday 10-10.
 */

/** A calendar day, 'YYYY-MM-DD', meaning the day in Asia/Shanghai. */
export type CalendarDate = string;

export type YearStatus = 'official' | 'provisional';

export interface NamedDay {
  date: CalendarDate;
  /** The holiday the day belongs to, in Chinese (e.g. 国庆节). */
  name: string;
}

export interface YearCalendar {
  year: number;
  status: YearStatus;
  /** Where the days come from, e.g. 'chinese-days@1.5.7', 'administrator', 'provisional rule'. */
  source: string;
  /** Days off for statutory holidays and their bridges (放假), whether they fall on weekdays or weekends. */
  offDays: NamedDay[];
  /** Make-up workdays (调休上班): weekend days that are working days. */
  workDays: NamedDay[];
}

export type DayReason = 'weekday' | 'weekend' | 'holiday' | 'makeup';

export interface DayInfo {
  date: CalendarDate;
  working: boolean;
  reason: DayReason;
  /** The holiday's name for 'holiday' and 'makeup' days. */
  name?: string;
  /** True when the day's year is only known from the provisional fallback. */
  provisional: boolean;
}

export interface CountingRule {
  /** When the office closes, 'HH:MM' in Asia/Shanghai; an assignment at or after it counts from the next working day. */
  officeCloses: string;
}

export const DEFAULT_COUNTING_RULE: Readonly<CountingRule> = Object.freeze({ officeCloses: '17:30' });

export interface Deadline {
  /** End of the last day: 00:00 Asia/Shanghai of the next calendar day. */
  deadline: Date;
  /** The day the assignment counts as received (not itself counted). */
  receivedDay: CalendarDate;
  /** Working day 1. */
  firstDay: CalendarDate;
  /** Working day N: the last day on which the work is on time. */
  lastDay: CalendarDate;
  provisional: boolean;
}

/** A calendar that contradicts itself or names a date outside its year; the message names the offending date. */
export class CalendarValidationError extends Error {
  override readonly name = 'CalendarValidationError';
}

/** The years the service can reason about (the database holds the same bounds). */
export const MIN_CALENDAR_YEAR = 1900;
export const MAX_CALENDAR_YEAR = 2199;

const DAY_MS = 86_400_000;
const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
/** No real calendar goes this long without a working day; a longer run means corrupt data, not a long holiday. */
const MAX_DAYS_WITHOUT_WORK = 800;

// ---------------------------------------------------------------------------------------------------------------
// Calendar dates as day numbers (days since 1970-01-01), so the arithmetic never meets a time zone.

const DATE_PATTERN = /^([1-9]\d{3})-(\d{2})-(\d{2})$/;

function dayNumberOf(date: CalendarDate): number | undefined {
  const m = DATE_PATTERN.exec(date);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return undefined;
  return ms / DAY_MS;
}

function toDayNumber(date: CalendarDate, argument = 'date'): number {
  const n = typeof date === 'string' ? dayNumberOf(date) : undefined;
  if (n === undefined) throw new RangeError(`${argument} must be a calendar date 'YYYY-MM-DD', got ${JSON.stringify(date)}`);
  return n;
}

function fromDayNumber(n: number): CalendarDate {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

function yearOfDayNumber(n: number): number {
  return new Date(n * DAY_MS).getUTCFullYear();
}

/** 0 = Sunday … 6 = Saturday. 1970-01-01 was a Thursday. */
function weekdayOf(n: number): number {
  return (((n + 4) % 7) + 7) % 7;
}

function isWeekend(n: number): boolean {
  const w = weekdayOf(n);
  return w === 0 || w === 6;
}

/** True for a well-formed, existing calendar date 'YYYY-MM-DD'. */
export function isCalendarDate(value: unknown): value is CalendarDate {
  return typeof value === 'string' && dayNumberOf(value) !== undefined;
}

/** The calendar date `days` days after `date` (before it when negative); calendar days, not working days. */
export function addCalendarDays(date: CalendarDate, days: number): CalendarDate {
  requireInteger('days', days);
  return fromDayNumber(toDayNumber(date) + days);
}

function requireInstant(argument: string, instant: Date): number {
  const ms = instant instanceof Date ? instant.getTime() : NaN;
  if (!Number.isFinite(ms)) throw new RangeError(`${argument} must be a valid Date, got ${String(instant)}`);
  return ms;
}

function requireInteger(argument: string, value: number, min?: number): void {
  if (!Number.isInteger(value) || (min !== undefined && value < min)) {
    const bound = min === undefined ? 'an integer' : `an integer ≥ ${min}`;
    throw new RangeError(`${argument} must be ${bound}, got ${String(value)}`);
  }
}

/** The Asia/Shanghai calendar day of an instant. */
export function shanghaiDate(instant: Date): CalendarDate {
  const ms = requireInstant('instant', instant);
  return fromDayNumber(Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS));
}

/** 00:00 Asia/Shanghai of a calendar day, as an instant. */
export function startOfShanghaiDay(date: CalendarDate): Date {
  return new Date(toDayNumber(date) * DAY_MS - SHANGHAI_OFFSET_MS);
}

/** Minutes since Asia/Shanghai midnight of an instant. */
function shanghaiMinuteOfDay(ms: number): number {
  const msOfDay = (((ms + SHANGHAI_OFFSET_MS) % DAY_MS) + DAY_MS) % DAY_MS;
  return Math.floor(msOfDay / 60_000);
}

function parseClock(value: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (!m) throw new RangeError(`officeCloses must be 'HH:MM', got ${JSON.stringify(value)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

// ---------------------------------------------------------------------------------------------------------------
// The provisional fallback.

/**
 * Solar dates of the lunar holidays and Qingming, 2025–2060, computed once with chinese-days' lunar conversion
 * (getSolarDateFromLunar, getSolarTermDate; the test suite re-checks every entry against it):
 * 'Spring Festival (正月初一) | Qingming (清明 solar term) | Dragon Boat (五月初五) | Mid-Autumn (八月十五)', each MM-DD.
 */
const LUNAR_HOLIDAYS: Readonly<Record<number, string>> = {
  2025: '01-29 04-04 05-31 10-06', 2026: '02-17 04-05 06-19 09-25', 2027: '02-06 04-05 06-09 09-15',
  2028: '01-26 04-04 05-28 10-03', 2029: '02-13 04-04 06-16 09-22', 2030: '02-03 04-05 06-05 09-12',
  2031: '01-23 04-05 06-24 10-01', 2032: '02-11 04-04 06-12 09-19', 2033: '01-31 04-04 06-01 09-08',
  2034: '02-19 04-05 06-20 09-27', 2035: '02-08 04-05 06-10 09-16', 2036: '01-28 04-04 05-30 10-04',
  2037: '02-15 04-04 06-18 09-24', 2038: '02-04 04-05 06-07 09-13', 2039: '01-24 04-05 05-27 10-02',
  2040: '02-12 04-04 06-14 09-20', 2041: '02-01 04-04 06-03 09-10', 2042: '01-22 04-04 06-22 09-28',
  2043: '02-10 04-05 06-11 09-17', 2044: '01-30 04-04 05-31 10-05', 2045: '02-17 04-04 06-19 09-25',
  2046: '02-06 04-04 06-08 09-15', 2047: '01-26 04-05 05-29 10-04', 2048: '02-14 04-04 06-15 09-22',
  2049: '02-02 04-04 06-04 09-11', 2050: '01-23 04-04 06-23 09-30', 2051: '02-11 04-05 06-13 09-19',
  2052: '02-01 04-04 06-01 09-07', 2053: '02-19 04-04 06-20 09-26', 2054: '02-08 04-04 06-10 09-16',
  2055: '01-28 04-05 05-30 10-05', 2056: '02-15 04-04 06-17 09-24', 2057: '02-04 04-04 06-06 09-13',
  2058: '01-24 04-04 06-25 10-02', 2059: '02-12 04-05 06-14 09-21', 2060: '02-02 04-04 06-03 09-09',
};

/** The years for which provisionalYear knows the lunar holidays and Qingming. */
export const LUNAR_TABLE_YEARS: Readonly<{ first: number; last: number }> = Object.freeze({ first: 2025, last: 2060 });

export const PROVISIONAL_SOURCE = 'provisional rule';

/**
 * The fallback calendar for a year the official data does not cover (the State Council publishes each year's
 * arrangement late in the previous year). It is exactly:
 *  - weekends off (implicitly: no make-up workdays are listed);
 *  - the statutory holidays of the 全国年节及纪念日放假办法 as in force since 2025 (13 days), on their own dates only:
 *    元旦 Jan 1; 劳动节 May 1–2; 国庆节 Oct 1–3; and, for 2025–2060 from the table above, 春节 (lunar New Year's
 *    Eve and lunar 1–3 of the first month), 清明节 (the Qingming solar-term day), 端午节 (lunar 5/5) and 中秋节
 *    (lunar 8/15). Outside 2025–2060 only the fixed-date holidays are listed.
 *  - nothing else: no substitute day off for a holiday falling on a weekend, no bridge days, no make-up workdays.
 *    Those are exactly what the official notice decides, so provisional deadlines can move by a few days when it
 *    is published; the `provisional` flag tells users so.
 * A day belonging to two holidays (e.g. 中秋节 on Oct 1) is listed once under both names.
 */
export function provisionalYear(year: number): YearCalendar {
  requireInteger('year', year);
  if (year < MIN_CALENDAR_YEAR || year > MAX_CALENDAR_YEAR) {
    throw new RangeError(`year must be between ${MIN_CALENDAR_YEAR} and ${MAX_CALENDAR_YEAR}, got ${year}`);
  }
  const names = new Map<number, string[]>();
  const add = (date: CalendarDate, name: string, span = 1, offset = 0) => {
    const start = toDayNumber(date) + offset;
    for (let n = start; n < start + span; n++) names.set(n, [...(names.get(n) ?? []), name]);
  };
  add(`${year}-01-01`, '元旦');
  add(`${year}-05-01`, '劳动节', 2);
  add(`${year}-10-01`, '国庆节', 3);
  const lunar = LUNAR_HOLIDAYS[year]?.split(' ');
  if (lunar) {
    const [springFestival, qingming, dragonBoat, midAutumn] = lunar.map((md) => `${year}-${md}`) as [string, string, string, string];
    add(springFestival, '春节', 4, -1); // New Year's Eve (除夕) and the first three days of the first lunar month
    add(qingming, '清明节');
    add(dragonBoat, '端午节');
    add(midAutumn, '中秋节');
  }
  const offDays = [...names.entries()]
    .sort(([a], [b]) => a - b)
    .map(([n, list]) => ({ date: fromDayNumber(n), name: list.join('、') }));
  return { year, status: 'provisional', source: PROVISIONAL_SOURCE, offDays, workDays: [] };
}

// ---------------------------------------------------------------------------------------------------------------
// Validation and the calendar itself.

/**
 * Check that a year's calendar is consistent: a plausible year, every date well-formed and inside that year, no date
 * listed twice, none both off and work, every day named. Throws CalendarValidationError naming the offending date.
 */
export function validateYearCalendar(calendar: Pick<YearCalendar, 'year' | 'offDays' | 'workDays'>): void {
  const { year } = calendar;
  if (!Number.isInteger(year) || year < MIN_CALENDAR_YEAR || year > MAX_CALENDAR_YEAR) {
    throw new CalendarValidationError(
      `年份应为 ${MIN_CALENDAR_YEAR} 至 ${MAX_CALENDAR_YEAR} 之间的整数（收到 ${String(year)}）`,
    );
  }
  const seen = new Map<CalendarDate, 'off' | 'work'>();
  const check = (days: readonly NamedDay[], kind: 'off' | 'work') => {
    for (const day of days) {
      const date = day?.date;
      if (!isCalendarDate(date)) {
        throw new CalendarValidationError(`${year} 年日历：${JSON.stringify(date)} 不是有效日期，应写作 YYYY-MM-DD`);
      }
      if (Number(date.slice(0, 4)) !== year) throw new CalendarValidationError(`${year} 年日历：${date} 不在 ${year} 年内`);
      const before = seen.get(date);
      if (before === kind) throw new CalendarValidationError(`${year} 年日历：${date} 作为${kind === 'off' ? '放假日' : '调休上班日'}重复列出`);
      if (before) throw new CalendarValidationError(`${year} 年日历：${date} 不能既是放假日又是调休上班日`);
      if (typeof day.name !== 'string' || day.name.trim() === '') {
        throw new CalendarValidationError(`${year} 年日历：${date} 缺少节日名称`);
      }
      seen.set(date, kind);
    }
  };
  check(calendar.offDays, 'off');
  check(calendar.workDays, 'work');
}

interface IndexedYear {
  calendar: YearCalendar;
  days: Map<number, { kind: 'off' | 'work'; name: string }>;
}

function indexYear(calendar: YearCalendar): IndexedYear {
  validateYearCalendar(calendar);
  const days = new Map<number, { kind: 'off' | 'work'; name: string }>();
  for (const d of calendar.offDays) days.set(toDayNumber(d.date), { kind: 'off', name: d.name });
  for (const d of calendar.workDays) days.set(toDayNumber(d.date), { kind: 'work', name: d.name });
  return { calendar, days };
}

/**
 * The working-day calendar over the years supplied (usually every official year known); any other year falls back
 * to provisionalYear(year) and is reported as provisional. Immutable once built; build a new one when data changes.
 */
export class WorkingDayCalendar {
  private readonly supplied = new Map<number, IndexedYear>();
  private readonly fallback = new Map<number, IndexedYear>();

  constructor(years: readonly YearCalendar[] = []) {
    for (const y of years) {
      if (this.supplied.has(y.year)) throw new CalendarValidationError(`${y.year} 年的日历重复提供`);
      this.supplied.set(y.year, indexYear(y));
    }
  }

  /** The years supplied to the calendar (not the fallback ones), ascending. */
  suppliedYears(): number[] {
    return [...this.supplied.keys()].sort((a, b) => a - b);
  }

  /** The calendar in force for a year: the one supplied, or the provisional fallback. */
  yearCalendar(year: number): YearCalendar {
    return this.indexed(year).calendar;
  }

  yearStatus(year: number): YearStatus {
    return this.indexed(year).calendar.status;
  }

  isWorkingDay(date: CalendarDate): boolean {
    return this.isWorkingDayNumber(toDayNumber(date));
  }

  dayInfo(date: CalendarDate): DayInfo {
    const n = toDayNumber(date);
    const year = this.indexed(yearOfDayNumber(n));
    const provisional = year.calendar.status === 'provisional';
    const listed = year.days.get(n);
    if (listed?.kind === 'work') return { date, working: true, reason: 'makeup', name: listed.name, provisional };
    if (listed?.kind === 'off') return { date, working: false, reason: 'holiday', name: listed.name, provisional };
    return isWeekend(n)
      ? { date, working: false, reason: 'weekend', provisional }
      : { date, working: true, reason: 'weekday', provisional };
  }

  /** @internal isWorkingDay for a day number (days since 1970-01-01), for the arithmetic below: no re-parsing in loops. */
  isWorkingDayNumber(n: number): boolean {
    const listed = this.indexed(yearOfDayNumber(n)).days.get(n);
    if (listed) return listed.kind === 'work';
    return !isWeekend(n);
  }

  private indexed(year: number): IndexedYear {
    const found = this.supplied.get(year) ?? this.fallback.get(year);
    if (found) return found;
    const made = indexYear(provisionalYear(year));
    this.fallback.set(year, made);
    return made;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Arithmetic.

function nextWorkingDayNumber(calendar: WorkingDayCalendar, n: number, step: 1 | -1): number {
  for (let i = 1; i <= MAX_DAYS_WITHOUT_WORK; i++) {
    if (calendar.isWorkingDayNumber(n + i * step)) return n + i * step;
  }
  throw new Error(`no working day within ${MAX_DAYS_WITHOUT_WORK} days of ${fromDayNumber(n)}: the calendar data is wrong`);
}

function addWorkingDayNumbers(calendar: WorkingDayCalendar, n: number, count: number): number {
  const step = count < 0 ? -1 : 1;
  let day = n;
  for (let i = 0; i < Math.abs(count); i++) day = nextWorkingDayNumber(calendar, day, step);
  return day;
}

/**
 * The n-th working day after `date` (`date` itself not counted); before it for negative n; `date` itself for 0.
 * `date` need not be a working day.
 */
export function addWorkingDays(calendar: WorkingDayCalendar, date: CalendarDate, n: number): CalendarDate {
  requireInteger('n', n);
  return fromDayNumber(addWorkingDayNumbers(calendar, toDayNumber(date), n));
}

/** Working days in the span (from, to]: after `from`, up to and including `to`; 0 when to <= from. */
export function countWorkingDays(calendar: WorkingDayCalendar, from: CalendarDate, to: CalendarDate): number {
  const [a, b] = [toDayNumber(from, 'from'), toDayNumber(to, 'to')];
  let count = 0;
  for (let n = a + 1; n <= b; n++) if (calendar.isWorkingDayNumber(n)) count++;
  return count;
}

/** The day an assignment counts as received: its own day if a working day before closing time, else the next working day. */
export function dayOfReceipt(calendar: WorkingDayCalendar, assignedAt: Date, rule: CountingRule = DEFAULT_COUNTING_RULE): CalendarDate {
  const ms = requireInstant('assignedAt', assignedAt);
  const closes = parseClock(rule.officeCloses);
  const day = Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS);
  const inOfficeHours = calendar.isWorkingDayNumber(day) && shanghaiMinuteOfDay(ms) < closes;
  return fromDayNumber(inOfficeHours ? day : nextWorkingDayNumber(calendar, day, 1));
}

/** The deadline of a step of `workingDays` working days assigned at `assignedAt`, by the counting rule above. */
export function computeDeadline(
  calendar: WorkingDayCalendar,
  assignedAt: Date,
  workingDays: number,
  rule: CountingRule = DEFAULT_COUNTING_RULE,
): Deadline {
  requireInteger('workingDays', workingDays, 1);
  const receivedDay = dayOfReceipt(calendar, assignedAt, rule);
  const received = toDayNumber(receivedDay);
  const first = nextWorkingDayNumber(calendar, received, 1);
  const last = addWorkingDayNumbers(calendar, first, workingDays - 1);
  const lastDay = fromDayNumber(last);
  const fromYear = Number(shanghaiDate(assignedAt).slice(0, 4));
  let provisional = false;
  for (let y = fromYear; y <= yearOfDayNumber(last); y++) provisional ||= calendar.yearStatus(y) === 'provisional';
  return {
    deadline: new Date((last + 1) * DAY_MS - SHANGHAI_OFFSET_MS),
    receivedDay,
    firstDay: fromDayNumber(first),
    lastDay,
    provisional,
  };
}

/** The last day on which work is on time for a deadline instant: the Asia/Shanghai day just before it. */
export function lastDayOf(deadline: Date): CalendarDate {
  return shanghaiDate(new Date(requireInstant('deadline', deadline) - 1));
}

/**
 * Whole working days left, for "N working days left" and the clock:
 *  - before the last day: the working days after today up to and including the last day (today not counted, as in
 *    the counting rule; right after an in-hours assignment it equals the step's N);
 *  - on the last day: 0;
 *  - after it (now >= deadline): minus the working days after the last day up to and including today, and at most
 *    −1, so an overdue step is never reported as 0 (e.g. the Saturday after a Friday last day is −1).
 */
export function workingDaysLeft(calendar: WorkingDayCalendar, now: Date, deadline: Date): number {
  const today = toDayNumber(shanghaiDate(now));
  const last = toDayNumber(lastDayOf(deadline));
  let count = 0;
  const [from, to] = today <= last ? [today, last] : [last, today];
  for (let n = from + 1; n <= to; n++) if (calendar.isWorkingDayNumber(n)) count++;
  return today <= last ? count : -Math.max(1, count);
}

/*
 * PAUSING THE CLOCK (e.g. while a parent supplements documents, 补正):
 *  - On pause, the step keeps the working days left after the day of the pause: workingDaysLeft at that instant,
 *    never below 0. The day of the pause is used up, like the day of an assignment is not counted.
 *  - On resume, the deadline is computed afresh from the resume instant with the kept days, at least 1, exactly as for
 *    a new assignment: the resume day does not count, and a resume after closing time or on a non-working day counts
 *    from the next working day. So a step paused on its last day, or when already overdue, gets 1 working day.
 */

/** The working days a step keeps when its clock is paused at `pausedAt` (≥ 0). */
export function remainingOnPause(calendar: WorkingDayCalendar, pausedAt: Date, deadline: Date): number {
  return Math.max(0, workingDaysLeft(calendar, pausedAt, deadline));
}

/** The new deadline when a paused clock resumes at `resumedAt` with `remaining` working days (at least 1 is given). */
export function resumeDeadline(
  calendar: WorkingDayCalendar,
  resumedAt: Date,
  remaining: number,
  rule: CountingRule = DEFAULT_COUNTING_RULE,
): Deadline {
  requireInteger('remaining', remaining);
  return computeDeadline(calendar, resumedAt, Math.max(1, remaining), rule);
}

/**
 * The dates of a year whose working status differs between two calendars of it (e.g. the provisional fallback and
 * the official notice, or two versions of the notice): the days on which open deadlines may move.
 */
export function workingDayChanges(before: YearCalendar, after: YearCalendar): CalendarDate[] {
  if (before.year !== after.year) throw new RangeError(`cannot compare calendar ${before.year} with ${after.year}`);
  const a = new WorkingDayCalendar([before]);
  const b = new WorkingDayCalendar([after]);
  const moved: CalendarDate[] = [];
  const start = toDayNumber(`${before.year}-01-01`);
  const end = toDayNumber(`${before.year}-12-31`);
  for (let n = start; n <= end; n++) if (a.isWorkingDayNumber(n) !== b.isWorkingDayNumber(n)) moved.push(fromDayNumber(n));
  return moved;
}
