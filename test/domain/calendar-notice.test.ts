/**
 * The plausibility check of a typed-in calendar notice against every genuine notice since 2007 (holiday-cn, the
 * independent copy): a genuine notice passes, the one unusual one (2020) is caught for what it is, and slips an
 * administrator could make are named by date.
 */
import fs from 'node:fs';
import path from 'node:path';
import { calendarNoticeProblems, type NoticeDay } from '../../domain/calendar-notice';

const SHARED_HOLIDAY_CN = path.join(__dirname, '../../../shared/data/holiday-cn');
const HOLIDAY_CN_DIR = fs.existsSync(SHARED_HOLIDAY_CN) ? SHARED_HOLIDAY_CN : path.join(__dirname, '../fixtures/holiday-cn');

function genuine(year: number): { offDays: NoticeDay[]; workDays: NoticeDay[] } {
  const data = JSON.parse(fs.readFileSync(path.join(HOLIDAY_CN_DIR, `${year}.json`), 'utf8')) as { days: { name: string; date: string; isOffDay: boolean }[] };
  const inYear = data.days.filter((d) => d.date.startsWith(`${year}-`));
  return { offDays: inYear.filter((d) => d.isOffDay), workDays: inYear.filter((d) => !d.isOffDay) };
}

const YEARS = fs.readdirSync(HOLIDAY_CN_DIR).map((f) => /^(\d{4})\.json$/.exec(f)?.[1]).filter((y): y is string => !!y).map(Number)
  .filter((y) => genuine(y).offDays.length > 0);

it('finds nothing to doubt in every genuine notice since 2007 but 2020', () => {
  expect(YEARS.length).toBeGreaterThanOrEqual(19);
  for (const year of YEARS.filter((y) => y !== 2020)) {
    const { offDays, workDays } = genuine(year);
    expect({ year, problems: calendarNoticeProblems(year, offDays, workDays) }).toEqual({ year, problems: [] });
  }
});

it('doubts the 2020 notice for the Monday it listed as a workday after the extended Spring Festival', () => {
  const { offDays, workDays } = genuine(2020);
  expect(calendarNoticeProblems(2020, offDays, workDays)).toEqual([{ field: 'workDays', message: expect.stringContaining('2020-02-03（周一）') }]);
});

it('names each missing statutory holiday and each day listed for nothing', () => {
  const { offDays, workDays } = genuine(2026);
  const withoutNationalDay = offDays.filter((d) => !['2026-10-01', '2026-10-02'].includes(d.date));
  const withoutNewYear = withoutNationalDay.filter((d) => d.date !== '2026-01-01');
  const withoutDragonBoat = withoutNewYear.filter((d) => !d.name.includes('端午'));
  const problems = calendarNoticeProblems(2026, [...withoutDragonBoat, { date: '2026-03-07', name: '误填' }], [...workDays, { date: '2026-03-10', name: '误填' }]);
  expect(problems.map((p) => p.message)).toEqual([
    expect.stringMatching(/元旦.*2026-01-01/),
    expect.stringMatching(/国庆节.*2026-10-01、2026-10-02/),
    expect.stringContaining('端午'),
    expect.stringContaining('2026-03-07（周六）'),
    expect.stringContaining('2026-03-10（周二）'),
  ]);
});
