/**
 * Reporting periods of responsibility items on the official calendar: period boundaries per rhythm (Asia/Shanghai),
 * the final deadline cutting the last period, and the working days the steps of a period get, checked against the
 * same deadline arithmetic the department steps use.
 */
import { OFFICIAL_CALENDAR } from '../../domain/official-calendar';
import {
  CONSOLIDATION_RESERVE,
  isoWeekOf,
  periodContaining,
  planReportingPeriod,
  rhythmPeriodContaining,
  type ItemSchedule,
  type PeriodPlan,
} from '../../domain/reporting-periods';
import { WorkingDayCalendar, computeDeadline, startOfShanghaiDay } from '../../domain/working-days';

const calendar = new WorkingDayCalendar([...OFFICIAL_CALENDAR]);
/** An instant given as Asia/Shanghai wall-clock time. */
const shanghai = (local: string) => new Date(`${local}+08:00`);
const weekly: ItemSchedule = { rhythm: 'weekly', finalDeadline: null };
const monthly: ItemSchedule = { rhythm: 'monthly', finalDeadline: null };

function opened(plan: PeriodPlan) {
  if (plan.kind !== 'open') throw new Error(`expected an opened period, got ${JSON.stringify(plan)}`);
  return plan;
}

/** The last working day a step of `workingDays` assigned at the plan's instant is due on. */
const dueDay = (plan: Extract<PeriodPlan, { kind: 'open' }>, workingDays: number) => computeDeadline(calendar, plan.assignedAt, workingDays).lastDay;

describe('period boundaries', () => {
  it.each([
    ['2026-11-23', 2026, 48, '2026-11-23'],
    ['2026-11-29', 2026, 48, '2026-11-23'],
    ['2026-01-01', 2026, 1, '2025-12-29'],
    ['2027-01-01', 2026, 53, '2026-12-28'],
    ['2024-12-30', 2025, 1, '2024-12-30'],
  ])('ISO week of %s is %i-W%i starting %s', (date, year, week, monday) => {
    expect(isoWeekOf(date)).toEqual({ year, week, monday });
  });

  it('weekly, monthly and quarterly periods with readable Chinese labels', () => {
    expect(rhythmPeriodContaining('weekly', '2026-11-25')).toEqual({
      label: '2026-W48',
      labelZh: '2026年第48周（11月23日—11月29日）',
      startDate: '2026-11-23',
      endDate: '2026-11-30',
      last: false,
    });
    expect(rhythmPeriodContaining('monthly', '2026-12-15')).toMatchObject({ label: '2026-12', labelZh: '2026年12月', startDate: '2026-12-01', endDate: '2027-01-01' });
    expect(rhythmPeriodContaining('quarterly', '2026-11-21')).toMatchObject({ label: '2026-Q4', labelZh: '2026年第四季度', startDate: '2026-10-01', endDate: '2027-01-01' });
    expect(rhythmPeriodContaining('quarterly', '2027-02-01')).toMatchObject({ label: '2027-Q1', startDate: '2027-01-01', endDate: '2027-04-01' });
  });

  it('a final deadline cuts the period that holds it and makes it the last one', () => {
    const p = periodContaining({ rhythm: 'monthly', finalDeadline: '2027-05-31' }, '2027-05-10');
    expect(p).toMatchObject({ label: '2027-05', endDate: '2027-06-01', last: true });
    expect(periodContaining({ rhythm: 'monthly', finalDeadline: '2027-05-20' }, '2027-05-10')).toMatchObject({ endDate: '2027-05-21', last: true, labelZh: '2027年5月（截至2027年5月20日）' });
    expect(periodContaining({ rhythm: 'monthly', finalDeadline: '2027-05-31' }, '2027-04-10')).toMatchObject({ label: '2027-04', last: false });
    expect(periodContaining({ rhythm: null, finalDeadline: '2027-05-31' }, '2027-03-02')).toEqual({
      label: 'final',
      labelZh: '截至2027年5月31日',
      startDate: '2027-03-02',
      endDate: '2027-06-01',
      last: true,
    });
  });
});

describe('opening a period at its boundary', () => {
  it('a week: the lead files by Friday, the cooperating departments one working day earlier', () => {
    const plan = opened(planReportingPeriod(calendar, weekly, shanghai('2026-11-23T00:00:05'), 'boundary'));
    expect(plan.period.label).toBe('2026-W48');
    expect(plan.assignedAt).toEqual(startOfShanghaiDay('2026-11-23'));
    // Received Monday (not counted); Tuesday..Friday are the four working days.
    expect(plan.consolidatedWorkingDays).toBe(4);
    expect(plan.departmentWorkingDays).toBe(4 - CONSOLIDATION_RESERVE.weekly);
    expect(dueDay(plan, plan.consolidatedWorkingDays)).toBe('2026-11-27');
    expect(dueDay(plan, plan.departmentWorkingDays)).toBe('2026-11-26');
  });

  it('counts from the period start even when the worker wakes up late', () => {
    const late = opened(planReportingPeriod(calendar, weekly, shanghai('2026-11-24T20:00:00'), 'boundary'));
    expect(late.assignedAt).toEqual(startOfShanghaiDay('2026-11-23'));
    expect(late.consolidatedWorkingDays).toBe(4);
  });

  it('a month: due on its last working day, the departments three working days before (the 1-3-5 rule)', () => {
    const plan = opened(planReportingPeriod(calendar, monthly, shanghai('2026-12-01T00:00:01'), 'boundary'));
    expect(plan.period.label).toBe('2026-12');
    expect(dueDay(plan, plan.consolidatedWorkingDays)).toBe('2026-12-31');
    expect(dueDay(plan, plan.departmentWorkingDays)).toBe('2026-12-28');
  });

  it('the National Day weeks keep only their working days, make-up Saturday included', () => {
    const before = opened(planReportingPeriod(calendar, weekly, shanghai('2026-09-28T00:00:00'), 'boundary'));
    expect(before.consolidatedWorkingDays).toBe(2); // 09-29, 09-30
    expect(dueDay(before, before.consolidatedWorkingDays)).toBe('2026-09-30');
    const after = opened(planReportingPeriod(calendar, weekly, shanghai('2026-10-05T00:00:00'), 'boundary'));
    // Received on 10-08 (the first working day); 10-09 and the make-up Saturday 10-10 remain.
    expect(after.consolidatedWorkingDays).toBe(2);
    expect(dueDay(after, after.consolidatedWorkingDays)).toBe('2026-10-10');
    expect(after.departmentWorkingDays).toBe(1);
  });

  it('skips a week without a working day (the Spring Festival)', () => {
    const plan = planReportingPeriod(calendar, weekly, shanghai('2026-02-16T00:00:00'), 'boundary');
    expect(plan).toMatchObject({ kind: 'skip', period: { label: '2026-W08' }, until: startOfShanghaiDay('2026-02-23'), reason: 'no_working_days' });
  });
});

describe('launching an item', () => {
  it('opens the current period when enough working days are left, counted from the launch', () => {
    const at = shanghai('2026-11-25T10:00:00'); // Wednesday
    const plan = opened(planReportingPeriod(calendar, weekly, at, 'launch'));
    expect(plan.assignedAt).toEqual(at);
    expect(plan.consolidatedWorkingDays).toBe(2);
    expect(plan.departmentWorkingDays).toBe(1);
  });

  it('waits for the next period when too little of this one is left', () => {
    expect(planReportingPeriod(calendar, weekly, shanghai('2026-11-26T10:00:00'), 'launch')).toMatchObject({
      kind: 'wait',
      until: startOfShanghaiDay('2026-11-30'),
      next: { label: '2026-W49' },
      reason: 'too_little_time_left',
    });
    // After office hours on Friday nothing is left of the week.
    expect(planReportingPeriod(calendar, weekly, shanghai('2026-11-27T18:00:00'), 'launch')).toMatchObject({ kind: 'wait', next: { label: '2026-W49' } });
    expect(planReportingPeriod(calendar, monthly, shanghai('2026-12-29T10:00:00'), 'launch')).toMatchObject({ kind: 'wait', next: { label: '2027-01' } });
  });

  it('can start with the next period', () => {
    expect(planReportingPeriod(calendar, monthly, shanghai('2026-11-02T10:00:00'), 'launch_next')).toMatchObject({
      kind: 'wait',
      until: startOfShanghaiDay('2026-12-01'),
      next: { label: '2026-12' },
      reason: 'starts_next_period',
    });
  });

  it('an item with only a final deadline has one period up to it', () => {
    const plan = opened(planReportingPeriod(calendar, { rhythm: null, finalDeadline: '2026-12-31' }, shanghai('2026-11-23T10:00:00'), 'launch'));
    expect(plan.period).toMatchObject({ label: 'final', last: true, endDate: '2027-01-01' });
    expect(dueDay(plan, plan.consolidatedWorkingDays)).toBe('2026-12-31');
    expect(plan.consolidatedWorkingDays - plan.departmentWorkingDays).toBe(CONSOLIDATION_RESERVE.final);
  });

  it('the last period opens however little of it is left, and a launch after the final deadline is due at once', () => {
    const short = opened(planReportingPeriod(calendar, { rhythm: 'monthly', finalDeadline: '2026-12-31' }, shanghai('2026-12-31T10:00:00'), 'launch'));
    expect(short.period).toMatchObject({ label: '2026-12', last: true });
    expect(short.consolidatedWorkingDays).toBe(1);
    expect(short.departmentWorkingDays).toBe(1);
    const late = opened(planReportingPeriod(calendar, { rhythm: 'monthly', finalDeadline: '2026-10-31' }, shanghai('2026-11-23T10:00:00'), 'launch'));
    expect(late.period).toMatchObject({ label: 'final', last: true });
    expect([late.departmentWorkingDays, late.consolidatedWorkingDays]).toEqual([1, 1]);
  });
});
