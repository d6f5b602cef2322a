/**
 * Activities of the responsibility item workflow: planning a reporting period (calendar arithmetic in Asia/Shanghai,
 * kept out of workflow code so replay never depends on calendar data or the item's current settings) and recording
 * the item's events. The period's instants pass through the worker's time scale, so tests compress whole periods
 * through this same code. Every write is safe to run twice.
 */
import type pg from 'pg';
import type { ItemEvent, ItemPeriodPlan, PeriodRef } from '../contracts/responsibility-item';
import type { CalendarSource } from '../db/calendar-source';
import { itemForPlanning, openItemStepWorkflows, recordItemEvent } from '../db/repositories/responsibility-items';
import { planReportingPeriod, type PeriodOpening, type PeriodSpan } from '../domain/reporting-periods';
import { startOfShanghaiDay } from '../domain/working-days';
import { toReal, toVirtual, type TimeScale } from './time-scale';
import { recordingRunId } from './recording-run';

export interface ResponsibilityItemActivityDeps {
  pool: pg.Pool;
  calendar: CalendarSource;
  timeScale: TimeScale;
}

export function createResponsibilityItemActivities(deps: ResponsibilityItemActivityDeps) {
  const real = (virtual: Date) => toReal(deps.timeScale, virtual).toISOString();
  /**
   * A boundary in real time that is not before the boundary in calendar time: a compressed schedule rounds real
   * instants to the millisecond, and a timer firing at a rounded-down boundary would find the old period still current.
   */
  const boundary = (virtual: Date) => {
    let r = toReal(deps.timeScale, virtual);
    if (toVirtual(deps.timeScale, r) < virtual) r = new Date(r.getTime() + 1);
    return r.toISOString();
  };
  const ref = (p: PeriodSpan): PeriodRef => ({
    label: p.label,
    labelZh: p.labelZh,
    startsAt: real(startOfShanghaiDay(p.startDate)),
    endsAt: boundary(startOfShanghaiDay(p.endDate)),
    last: p.last,
  });

  return {
    /**
     * The period to open at `at` under the item's current settings (an edit takes effect from the next period), or
     * how long to wait for one. 'closed' when the item is gone or closed.
     */
    async planItemPeriod(input: { itemId: string; at: string; opening: PeriodOpening }): Promise<ItemPeriodPlan> {
      const item = await itemForPlanning(deps.pool, input.itemId);
      if (!item || item.status === 'closed') return { kind: 'closed' };
      const calendar = await deps.calendar.get();
      const now = toVirtual(deps.timeScale, new Date(input.at));
      const plan = planReportingPeriod(calendar, { rhythm: item.rhythm, finalDeadline: item.finalDeadline }, now, input.opening);
      switch (plan.kind) {
        case 'wait':
          return { kind: 'wait', untilAt: boundary(plan.until), next: ref(plan.next), reason: plan.reason };
        case 'skip':
          return { kind: 'skip', period: ref(plan.period), untilAt: boundary(plan.until), reason: plan.reason };
        case 'open':
          return {
            kind: 'open',
            period: ref(plan.period),
            assignedAt: real(plan.assignedAt),
            departmentWorkingDays: plan.departmentWorkingDays,
            consolidatedWorkingDays: plan.consolidatedWorkingDays,
            item: { number: item.number, titleZh: item.titleZh, lead: item.lead, cooperating: item.cooperating },
          };
      }
    },

    /** Audit row, period projection and notifications of one event of the item's run, once. */
    async recordItemEvent(event: ItemEvent): Promise<number[]> {
      return (await recordItemEvent(deps.pool, event, recordingRunId())).pendingWebhooks;
    },

    /** Workflow ids of the item's steps still under way in any period, for closing the item. */
    async listOpenItemSteps(input: { itemId: string }): Promise<string[]> {
      return openItemStepWorkflows(deps.pool, input.itemId);
    },
  };
}
