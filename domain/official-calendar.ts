/**
 * The official calendars bundled with the `chinese-days` package, as YearCalendar[]: the seed of the calendar tables.
 * Reads the package's JSON, so it is for the database side only; workflow code gets calendars through activities.
 *
 * The package's data (dist/chinese-days.json) is three maps keyed by date 'YYYY-MM-DD', each value
 * "<English name>,<Chinese name>,<statutory days>":
 *  - holidays:   every day off of a holiday period, weekend days inside it included (2026-10-03, a Saturday, is there);
 *  - workdays:   make-up workdays (调休上班), all on weekends;
 *  - inLieuDays: weekdays that are off in exchange for a make-up workday; a subset of `holidays`, so not needed here.
 * `holidays` becomes offDays (weekend ones too: they name the holiday a day belongs to) and `workdays` workDays.
 */
import chineseDays from 'chinese-days/dist/chinese-days.json';
import chineseDaysPackage from 'chinese-days/package.json';
import type { NamedDay, YearCalendar } from './working-days';

interface ChineseDaysData {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
  inLieuDays: Record<string, string>;
}

export const OFFICIAL_CALENDAR_SOURCE = `chinese-days@${chineseDaysPackage.version}`;

/** The notices' own names where the package abbreviates them. */
const FULL_NAMES: Readonly<Record<string, string>> = { 清明: '清明节', 端午: '端午节', 中秋: '中秋节' };

function holidayName(value: string): string {
  const zh = value.split(',')[1]?.trim() ?? '';
  if (!zh) throw new Error(`chinese-days: unexpected holiday value ${JSON.stringify(value)}`);
  return FULL_NAMES[zh] ?? zh;
}

function byYear(days: Record<string, string>): Map<number, NamedDay[]> {
  const years = new Map<number, NamedDay[]>();
  for (const [date, value] of Object.entries(days).sort(([a], [b]) => a.localeCompare(b))) {
    const year = Number(date.slice(0, 4));
    years.set(year, [...(years.get(year) ?? []), { date, name: holidayName(value) }]);
  }
  return years;
}

/** Shared module data: freeze it so no caller can change the calendar everybody else reads. */
function deepFreeze(y: YearCalendar): YearCalendar {
  for (const d of [...y.offDays, ...y.workDays]) Object.freeze(d);
  Object.freeze(y.offDays);
  Object.freeze(y.workDays);
  return Object.freeze(y);
}

function buildOfficialCalendar(data: ChineseDaysData): YearCalendar[] {
  const off = byYear(data.holidays);
  const work = byYear(data.workdays);
  // A year counts as covered when its arrangement is in the data, recognised by its Spring Festival (every notice has
  // one). A stray date of a neighbouring year (a New Year bridge published with the previous year's notice) must not
  // make that year look official with a single holiday in it.
  const covered = [...off.entries()].filter(([, days]) => days.some((d) => d.name === '春节')).map(([year]) => year);
  return covered
    .sort((a, b) => a - b)
    .map((year) => deepFreeze({
      year,
      status: 'official' as const,
      source: OFFICIAL_CALENDAR_SOURCE,
      offDays: off.get(year) ?? [],
      workDays: work.get(year) ?? [],
    }));
}

/** Every year the package covers, ascending, as official calendars. */
export const OFFICIAL_CALENDAR: readonly YearCalendar[] = buildOfficialCalendar(chineseDays as ChineseDaysData);

/** The years OFFICIAL_CALENDAR covers, ascending. */
export const OFFICIAL_CALENDAR_YEARS: readonly number[] = OFFICIAL_CALENDAR.map((y) => y.year);
