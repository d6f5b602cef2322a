import { proxyActivities } from '@temporalio/workflow';
import type { CalendarLoadInput, CalendarLoadResult } from '../contracts/calendar-load';
import type { createCalendarLoadActivities } from '../activities/calendar-load';
import { DATABASE_ACTIVITY, DATABASE_RETRY } from './activity-options';

type Activities = ReturnType<typeof createCalendarLoadActivities>;

const { commitCalendarYear } = proxyActivities<Activities>(DATABASE_ACTIVITY);

const { moveOpenDeadlines } = proxyActivities<Activities>({
  // Thousands of signals on a busy day; the heartbeat carries how far it got, so a retry goes on from there.
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  retry: DATABASE_RETRY,
});

/**
 * One administrator's load of a year's official calendar: store it, then move every open deadline it touches. Started
 * by PUT /api/calendar/:year; runs to the end whatever is interrupted, and the same load repeated joins it.
 */
export async function calendarLoadWorkflow(input: CalendarLoadInput): Promise<CalendarLoadResult> {
  const stored = await commitCalendarYear(input);
  // Deadlines are counted again even when nothing changed: a load interrupted earlier may have moved only some.
  const moved = await moveOpenDeadlines({ year: input.year, reason: `${input.year}年工作日安排更新：${input.notice}` });
  return { year: input.year, changed: stored.changed, movedDates: stored.movedDates, ...moved };
}
