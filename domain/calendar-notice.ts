/**
 * Plausibility of a year's calendar as an administrator types it in from the State Council notice. A slip here
 * silently turns a holiday into a working day (or the other way round) for every deadline of the year, so what no
 * genuine notice does is refused with the dates named, unless the administrator confirms the notice says so (the
 * 2020 notice did: Spring Festival extended, the Monday after it listed as a workday).
 *
 * - Every statutory holiday is there: 元旦 (1 January), 劳动节 (1 May), 国庆节 (1–3 October) by date; 春节, and from
 *   2008 清明节, 端午节 and 中秋节 (lunar dates) by name (国务院《全国年节及纪念日放假办法》).
 * - No day is listed for nothing: a day off on a weekend outside any holiday (a lunar festival falling on a weekend
 *   excepted), a make-up workday from Monday to Friday.
 */
import { addCalendarDays } from './working-days';

export interface NoticeDay {
  date: string;
  name: string;
}

export interface NoticeProblem {
  field: 'offDays' | 'workDays';
  message: string;
}

const WEEKDAY_ZH = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];
const weekday = (date: string): number => new Date(`${date}T00:00:00Z`).getUTCDay();
const isWeekend = (date: string): boolean => weekday(date) === 0 || weekday(date) === 6;
const withWeekday = (date: string): string => `${date}（${WEEKDAY_ZH[weekday(date)]}）`;

/** Holidays fixed by date: the name, the dates that must be off. */
const FIXED_HOLIDAYS: { nameZh: string; monthDays: string[] }[] = [
  { nameZh: '元旦', monthDays: ['01-01'] },
  { nameZh: '劳动节', monthDays: ['05-01'] },
  { nameZh: '国庆节', monthDays: ['10-01', '10-02', '10-03'] },
];

/** Holidays on lunar dates, recognised by name; the year they became statutory. */
const LUNAR_HOLIDAYS: { nameZh: string; since: number }[] = [
  { nameZh: '春节', since: 1949 },
  { nameZh: '清明', since: 2008 },
  { nameZh: '端午', since: 2008 },
  { nameZh: '中秋', since: 2008 },
];

export function calendarNoticeProblems(year: number, offDays: NoticeDay[], workDays: NoticeDay[]): NoticeProblem[] {
  const problems: NoticeProblem[] = [];
  const off = new Set(offDays.map((d) => d.date));

  for (const h of FIXED_HOLIDAYS) {
    const missing = h.monthDays.map((md) => `${year}-${md}`).filter((d) => !off.has(d));
    if (missing.length) problems.push({ field: 'offDays', message: `缺少法定节假日${h.nameZh}：${missing.join('、')} 未列为放假日` });
  }
  for (const h of LUNAR_HOLIDAYS) {
    if (year >= h.since && !offDays.some((d) => d.name.includes(h.nameZh))) {
      problems.push({ field: 'offDays', message: `缺少法定节假日${h.nameZh}：放假日中没有名称含“${h.nameZh}”的日子` });
    }
  }

  // A weekend day off belongs to a holiday when the run of days off around it (weekends included) holds a weekday off.
  const restsAround = (date: string, step: 1 | -1): string[] => {
    const run: string[] = [];
    for (let d = addCalendarDays(date, step); off.has(d) || isWeekend(d); d = addCalendarDays(d, step)) run.push(d);
    return run;
  };
  // A lunar festival may itself fall on a weekend and be given no weekday (中秋节 2015: Sunday 27 September).
  const idleWeekends = offDays
    .filter((d) => !LUNAR_HOLIDAYS.some((h) => d.name.includes(h.nameZh)))
    .map((d) => d.date)
    .filter((d) => isWeekend(d) && ![...restsAround(d, -1), ...restsAround(d, 1)].some((r) => off.has(r) && !isWeekend(r)))
    .sort();
  if (idleWeekends.length) problems.push({ field: 'offDays', message: `周末本就休息，不属于任何假期却列为放假日：${idleWeekends.map(withWeekday).join('、')}` });

  const weekdayWork = workDays.map((d) => d.date).filter((d) => !isWeekend(d)).sort();
  if (weekdayWork.length) problems.push({ field: 'workDays', message: `周一至周五本就上班，却列为调休上班日：${weekdayWork.map(withWeekday).join('、')}` });

  return problems;
}

/** Said after the problems, so the administrator knows the way on. */
export const CONFIRM_NOTICE_HINT_ZH = '如通知原文确实如此，请勾选“已核对通知原文”后再次提交';
