/**
 * Activities of the department step: the calendar arithmetic (kept out of workflow code so that replay does not
 * depend on calendar data that may change) and the recording of each event. Every one is safe to run twice.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type pg from 'pg';
import type { StepSchedule } from '../contracts/department-step';
import type { StepEvent } from '../domain/department-step';
import { addCalendarDays, addWorkingDays, computeDeadline, remainingOnPause, shanghaiDate, startOfShanghaiDay } from '../domain/working-days';
import { issueUrgeNumber, recordStepEvent } from '../db/repositories/steps';
import { markDelivery, pendingDeliveries } from '../db/repositories/notifications';
import type { CalendarSource } from '../db/calendar-source';
import { toReal, toVirtual, type TimeScale } from './time-scale';
import { recordingRunId } from './recording-run';

export interface DepartmentStepActivityDeps {
  pool: pg.Pool;
  calendar: CalendarSource;
  timeScale: TimeScale;
  /** HTTP client for department webhooks (injected so tests can point it anywhere). */
  fetch: typeof fetch;
}

export interface PlanInput {
  from: string;
  workingDays: number;
  escalationIntervalWorkingDays: number;
  rungs: number;
  /** Read the calendar from the database now rather than from the worker's cache (after a calendar change). */
  freshCalendar?: boolean;
}

export function createDepartmentStepActivities(deps: DepartmentStepActivityDeps) {
  const real = (d: Date) => toReal(deps.timeScale, d).toISOString();
  const endOfDay = (date: string) => startOfShanghaiDay(addCalendarDays(date, 1));

  return {
    /** The deadline, the due-soon moment (start of the last working day) and the escalation rungs. */
    async planStepSchedule(input: PlanInput): Promise<StepSchedule> {
      const calendar = await deps.calendar.get({ fresh: input.freshCalendar === true });
      const from = toVirtual(deps.timeScale, new Date(input.from));
      let d;
      try {
        d = computeDeadline(calendar, from, input.workingDays);
      } catch (err) {
        throw ApplicationFailure.create({ type: 'InvalidDeadline', message: (err as Error).message, nonRetryable: true });
      }
      const escalationAts = [d.deadline.toISOString()];
      for (let rung = 2; rung <= input.rungs; rung++) {
        const day = addWorkingDays(calendar, d.lastDay, (rung - 1) * input.escalationIntervalWorkingDays);
        escalationAts.push(endOfDay(day).toISOString());
      }
      return {
        deadlineAt: real(d.deadline),
        dueSoonAt: real(startOfShanghaiDay(d.lastDay)),
        lastDay: d.lastDay,
        provisional: d.provisional,
        escalationAts: escalationAts.map((t) => real(new Date(t))),
      };
    },

    /** Working days a step keeps when its clock is paused now. */
    async countRemainingWorkingDays(input: { at: string; deadlineAt: string }): Promise<number> {
      const calendar = await deps.calendar.get();
      return remainingOnPause(calendar, toVirtual(deps.timeScale, new Date(input.at)), toVirtual(deps.timeScale, new Date(input.deadlineAt)));
    },

    async issueUrgeNumber(input: { stepId: string; urgeSeq: number; at: string }): Promise<string> {
      const year = Number(shanghaiDate(new Date(input.at)).slice(0, 4));
      return issueUrgeNumber(deps.pool, input.stepId, input.urgeSeq, year, recordingRunId());
    },

    /** Audit row, read model, side tables and notifications of one event, in one transaction, once. */
    async recordStepEvent(input: { event: StepEvent; parentWorkflowId: string | null }): Promise<number[]> {
      const r = await recordStepEvent(deps.pool, input.event, input.parentWorkflowId, recordingRunId());
      return r.pendingWebhooks;
    },

    /**
     * POST each pending notification to its department's webhook. A failure throws, so Temporal retries with
     * backoff; delivered ones are marked and skipped on the retry. Receivers get X-Notification-Id to drop repeats.
     */
    async deliverWebhooks(input: { notificationIds: number[] }): Promise<number> {
      const pending = await pendingDeliveries(deps.pool, input.notificationIds);
      const failures: string[] = [];
      for (const p of pending) {
        try {
          const res = await deps.fetch(p.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-notification-id': String(p.notificationId) },
            body: JSON.stringify(p.payload),
            signal: AbortSignal.timeout(10_000),
          });
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          await markDelivery(deps.pool, p.notificationId, null);
        } catch (err) {
          const message = (err as Error).message;
          await markDelivery(deps.pool, p.notificationId, message);
          failures.push(`${p.notificationId}: ${message}`);
        }
      }
      if (failures.length) throw new Error(`webhook delivery failed for ${failures.join('; ')}`);
      return pending.length;
    },
  };
}
