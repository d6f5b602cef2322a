/**
 * Reporting periods of a responsibility item (seed 002: 月调度、季分析; seed 000: 清单化管理、滚动式推进). Pure: every
 * "now" and the working-day calendar are parameters, so the activity that plans a period (and the unit tests) get the
 * same answer, and the workflow records that answer in its history instead of computing it.
 *
 * A period is a span of Asia/Shanghai calendar days [startDate, endDate), aligned to the item's rhythm:
 *   weekly    ISO weeks, Monday to Sunday              label 2026-W48   (2026年第48周（11月23日—11月29日）)
 *   monthly   calendar months                          label 2026-11    (2026年11月)
 *   quarterly calendar quarters                        label 2026-Q4    (2026年第四季度)
 * An item with a final deadline ends there: the period holding the deadline is cut at the end of that day and is the
 * last one. An item with a final deadline and no rhythm has a single period from its launch to the deadline, 'final'.
 *
 * Inside a period, the lead department files the consolidated report by the period's last working day; the cooperating
 * departments report a few working days earlier, so the lead has time to consolidate. The reserve follows the 1-3-5
 * rule: 1 working day for a weekly item, 3 for a monthly one, 5 for a quarterly one (3 for a single final period).
 * Working days are counted as for every department step (domain/working-days.ts: the day of receipt is not counted),
 * so a step given N working days from the period's start falls due exactly at the end of the period's last working day.
 */
import {
  addCalendarDays,
  countWorkingDays,
  dayOfReceipt,
  isCalendarDate,
  shanghaiDate,
  startOfShanghaiDay,
  type CalendarDate,
  type WorkingDayCalendar,
} from './working-days';

export const REPORTING_RHYTHMS = ['weekly', 'monthly', 'quarterly'] as const;
export type ReportingRhythm = (typeof REPORTING_RHYTHMS)[number];

export const RHYTHM_NAMES_ZH: Record<ReportingRhythm, string> = {
  weekly: '每周报送',
  monthly: '每月报送',
  quarterly: '每季度报送',
};

/** Working days kept for the lead department to consolidate the cooperating departments' reports (the 1-3-5 rule). */
export const CONSOLIDATION_RESERVE: Record<ReportingRhythm | 'final', number> = { weekly: 1, monthly: 3, quarterly: 5, final: 3 };

/** When an item reports: on a rhythm, until a final deadline, or both. At least one is set. */
export interface ItemSchedule {
  rhythm: ReportingRhythm | null;
  /** The last day (Asia/Shanghai) by which the item must be done; its period is the last one. */
  finalDeadline: CalendarDate | null;
}

export interface PeriodSpan {
  /** Stable and ASCII (it is part of step ids): 2026-W48, 2026-11, 2026-Q4, final. */
  label: string;
  labelZh: string;
  startDate: CalendarDate;
  /** The day after the period's last day. */
  endDate: CalendarDate;
  /** The period that holds the final deadline: the item closes when its report is accepted. */
  last: boolean;
}

/**
 * How a period is opened:
 *  - 'launch': the item has just been launched; open the current period if enough working days are left in it,
 *    otherwise wait for the next one (a report due tomorrow would be unfair and useless);
 *  - 'launch_next': the item has just been launched; reporting starts with the next period;
 *  - 'boundary': the previous period ended; open the period that has just begun, counted from its start (so a worker
 *    that wakes up late does not give the departments a later deadline than the period allows).
 */
export type PeriodOpening = 'launch' | 'launch_next' | 'boundary';

export type PeriodPlan =
  | {
      kind: 'open';
      period: PeriodSpan;
      /** The instant the period's steps count from (the period's start, or the launch mid-period). */
      assignedAt: Date;
      /** Working days the cooperating departments have for their progress reports. */
      departmentWorkingDays: number;
      /** Working days the lead has for the consolidated report: up to the period's last working day. */
      consolidatedWorkingDays: number;
    }
  | { kind: 'wait'; until: Date; next: PeriodSpan; reason: 'starts_next_period' | 'too_little_time_left' }
  | { kind: 'skip'; period: PeriodSpan; until: Date; reason: 'no_working_days' };

const DAY_MS = 86_400_000;
const QUARTER_ZH = ['一', '二', '三', '四'] as const;

function dayNumber(date: CalendarDate): number {
  if (!isCalendarDate(date)) throw new RangeError(`not a calendar date: ${JSON.stringify(date)}`);
  return Date.parse(`${date}T00:00:00Z`) / DAY_MS;
}

function fromDayNumber(n: number): CalendarDate {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

const pad2 = (n: number) => String(n).padStart(2, '0');
const monthDayZh = (date: CalendarDate) => `${Number(date.slice(5, 7))}月${Number(date.slice(8, 10))}日`;
const dateZh = (date: CalendarDate) => `${Number(date.slice(0, 4))}年${monthDayZh(date)}`;

/** ISO 8601 week: weeks start on Monday, and week 1 is the week holding the year's first Thursday. */
export function isoWeekOf(date: CalendarDate): { year: number; week: number; monday: CalendarDate } {
  const n = dayNumber(date);
  const weekday = (((n + 3) % 7) + 7) % 7; // 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday)
  const monday = n - weekday;
  const thursday = monday + 3;
  const year = new Date(thursday * DAY_MS).getUTCFullYear();
  const firstThursdayOfYear = (() => {
    const jan1 = Date.UTC(year, 0, 1) / DAY_MS;
    const w = (((jan1 + 3) % 7) + 7) % 7;
    return jan1 + ((3 - w + 7) % 7);
  })();
  return { year, week: 1 + Math.round((thursday - firstThursdayOfYear) / 7), monday: fromDayNumber(monday) };
}

/** The period of the rhythm that holds the date. */
export function rhythmPeriodContaining(rhythm: ReportingRhythm, date: CalendarDate): PeriodSpan {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7));
  switch (rhythm) {
    case 'weekly': {
      const w = isoWeekOf(date);
      const end = fromDayNumber(dayNumber(w.monday) + 7);
      return {
        label: `${w.year}-W${pad2(w.week)}`,
        labelZh: `${w.year}年第${w.week}周（${monthDayZh(w.monday)}—${monthDayZh(addCalendarDays(end, -1))}）`,
        startDate: w.monday,
        endDate: end,
        last: false,
      };
    }
    case 'monthly': {
      const next = m === 12 ? `${y + 1}-01-01` : `${y}-${pad2(m + 1)}-01`;
      return { label: `${y}-${pad2(m)}`, labelZh: `${y}年${m}月`, startDate: `${y}-${pad2(m)}-01`, endDate: next, last: false };
    }
    case 'quarterly': {
      const q = Math.floor((m - 1) / 3) + 1;
      const startMonth = (q - 1) * 3 + 1;
      const next = q === 4 ? `${y + 1}-01-01` : `${y}-${pad2(startMonth + 3)}-01`;
      return { label: `${y}-Q${q}`, labelZh: `${y}年第${QUARTER_ZH[q - 1]}季度`, startDate: `${y}-${pad2(startMonth)}-01`, endDate: next, last: false };
    }
  }
}

/** The item's period holding the date, cut at the final deadline (which makes it the last one). */
export function periodContaining(schedule: ItemSchedule, date: CalendarDate): PeriodSpan {
  const final = schedule.finalDeadline;
  if (!schedule.rhythm) {
    if (!final) throw new RangeError('an item needs a reporting rhythm or a final deadline');
    return { label: 'final', labelZh: `截至${dateZh(final)}`, startDate: date, endDate: addCalendarDays(final, 1), last: true };
  }
  const span = rhythmPeriodContaining(schedule.rhythm, date);
  if (final && dayNumber(final) < dayNumber(span.endDate)) {
    return { ...span, labelZh: `${span.labelZh}（截至${dateZh(final)}）`, endDate: addCalendarDays(final, 1), last: true };
  }
  return span;
}

/** Working days after the day an assignment at `at` counts as received, up to the period's last day. */
function workingDaysLeftInPeriod(calendar: WorkingDayCalendar, at: Date, period: PeriodSpan): number {
  return countWorkingDays(calendar, dayOfReceipt(calendar, at), addCalendarDays(period.endDate, -1));
}

/** Which period to open at `now`, and the working days its steps get; or how long to wait for one. */
export function planReportingPeriod(calendar: WorkingDayCalendar, schedule: ItemSchedule, now: Date, opening: PeriodOpening): PeriodPlan {
  const today = shanghaiDate(now);
  const reserve = CONSOLIDATION_RESERVE[schedule.rhythm ?? 'final'];
  const final = schedule.finalDeadline;

  if (final && dayNumber(today) > dayNumber(final)) {
    // Launched after the final deadline: the last report is already late; it is due at once (one working day).
    const period: PeriodSpan = { label: 'final', labelZh: `截至${dateZh(final)}（已逾期）`, startDate: today, endDate: addCalendarDays(today, 1), last: true };
    return { kind: 'open', period, assignedAt: now, departmentWorkingDays: 1, consolidatedWorkingDays: 1 };
  }

  const current = periodContaining(schedule, today);
  if (opening === 'launch_next' && !current.last) {
    const next = periodContaining(schedule, current.endDate);
    return { kind: 'wait', until: startOfShanghaiDay(next.startDate), next, reason: 'starts_next_period' };
  }

  const assignedAt = opening === 'boundary' ? startOfShanghaiDay(current.startDate) : now;
  let consolidated = workingDaysLeftInPeriod(calendar, assignedAt, current);
  if (opening !== 'boundary' && !current.last && consolidated < reserve + 1) {
    const next = periodContaining(schedule, current.endDate);
    return { kind: 'wait', until: startOfShanghaiDay(next.startDate), next, reason: 'too_little_time_left' };
  }
  if (consolidated < 1) {
    // The last report is owed however short its period is; any other period without a working day is skipped.
    if (!current.last) return { kind: 'skip', period: current, until: startOfShanghaiDay(current.endDate), reason: 'no_working_days' };
    consolidated = 1;
  }
  return {
    kind: 'open',
    period: current,
    assignedAt,
    departmentWorkingDays: Math.max(1, consolidated - reserve),
    consolidatedWorkingDays: consolidated,
  };
}
