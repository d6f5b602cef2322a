/**
 * The calendar load's two activities (workflows/calendar-load.workflow.ts): store the year, then signal every open
 * step and every application awaiting 补正 whose deadline the year touches. The second pages through them in step-id
 * order and heartbeats where it is, so a retried attempt (the worker died, Temporal restarted) goes on from there;
 * a step signalled twice counts again and records nothing new.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type pg from 'pg';
import { makeApplicationWorkflowId } from '../contracts/application';
import type { CalendarLoadInput } from '../contracts/calendar-load';
import { calendarChangedSignal } from '../contracts/department-step';
import { replaceYear } from '../db/repositories/calendar';
import { applicationsAwaitingSupplement } from '../db/repositories/applications';
import { openStepsTouchingYears } from '../db/repositories/steps';
import { CalendarValidationError } from '../domain/working-days';

interface Progress {
  stepsAfter: string | null;
  stepsSignalled: number;
  supplementsDone: boolean;
  supplementsSignalled: number;
}

export function createCalendarLoadActivities(deps: { pool: pg.Pool; client?: () => Client }) {
  const client = () => (deps.client ? deps.client() : Context.current().client);

  /** A workflow that ended since it was listed has nothing to move. */
  const signal = async (c: Client, workflowId: string, arg: { reason: string; stepId?: string; supplement?: boolean }): Promise<void> => {
    try {
      await c.workflow.getHandle(workflowId).signal(calendarChangedSignal, arg);
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  };

  return {
    async commitCalendarYear(input: CalendarLoadInput): Promise<{ changed: boolean; movedDates: string[] }> {
      try {
        const r = await replaceYear(deps.pool, { year: input.year, notice: input.notice, offDays: input.offDays, workDays: input.workDays, loadedBy: input.loadedBy });
        return { changed: r.changed, movedDates: r.movedDates };
      } catch (err) {
        if (err instanceof CalendarValidationError) throw ApplicationFailure.create({ type: 'CalendarValidationError', message: err.message, nonRetryable: true });
        throw err;
      }
    },

    async moveOpenDeadlines(input: { year: number; reason: string }): Promise<{ stepsSignalled: number; supplementsSignalled: number }> {
      const ctx = Context.current();
      const c = client();
      const progress: Progress = (ctx.info.heartbeatDetails as Progress | undefined) ?? { stepsAfter: null, stepsSignalled: 0, supplementsDone: false, supplementsSignalled: 0 };
      const steps = await openStepsTouchingYears(deps.pool, [input.year]);
      for (const s of steps) {
        if (progress.stepsAfter !== null && s.stepId <= progress.stepsAfter) continue;
        await signal(c, s.workflowId, { reason: input.reason, stepId: s.stepId });
        progress.stepsAfter = s.stepId;
        progress.stepsSignalled += 1;
        ctx.heartbeat(progress);
      }
      if (!progress.supplementsDone) {
        for (const appNo of await applicationsAwaitingSupplement(deps.pool)) {
          await signal(c, makeApplicationWorkflowId(appNo), { reason: input.reason, supplement: true });
          progress.supplementsSignalled += 1;
        }
        progress.supplementsDone = true;
        ctx.heartbeat(progress);
      }
      return { stepsSignalled: progress.stepsSignalled, supplementsSignalled: progress.supplementsSignalled };
    },
  };
}
