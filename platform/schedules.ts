/**
 * Temporal Schedules the service needs, created at worker start if missing (idempotent: a restart, or two workers
 * starting together, leave exactly one of each).
 */
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';

export interface ScheduleDefinition {
  scheduleId: string;
  workflowType: string;
  /** Calendar times in Asia/Shanghai, or an interval (`every`). */
  at?: { hour: number; minute: number; dayOfWeek?: string; dayOfMonth?: number; month?: string | string[] };
  every?: '5 minutes';
  args?: unknown[];
}

export const SERVICE_SCHEDULES: ScheduleDefinition[] = [
  { scheduleId: 'retention-purge-daily', workflowType: 'retentionPurgeWorkflow', at: { hour: 3, minute: 0 } },
  // Steps left open by a run an operator terminated (or that failed) are closed in the read model with the reason.
  { scheduleId: 'ended-runs-sweep', workflowType: 'endedRunsSweepWorkflow', every: '5 minutes' },
  // Progress reports to the leading group (seed 000: 定期通报; seed 002: 月调度、季分析), each on the period just ended.
  { scheduleId: 'progress-report-weekly', workflowType: 'progressReportWorkflow', at: { hour: 8, minute: 0, dayOfWeek: 'MONDAY' }, args: [{ kind: 'weekly', trigger: 'schedule' }] },
  { scheduleId: 'progress-report-monthly', workflowType: 'progressReportWorkflow', at: { hour: 8, minute: 0, dayOfMonth: 1 }, args: [{ kind: 'monthly', trigger: 'schedule' }] },
  { scheduleId: 'progress-report-quarterly', workflowType: 'progressReportWorkflow', at: { hour: 8, minute: 0, dayOfMonth: 1, month: ['JANUARY', 'APRIL', 'JULY', 'OCTOBER'] }, args: [{ kind: 'quarterly', trigger: 'schedule' }] },
];

export async function ensureSchedules(client: Client, taskQueue: string, schedules: ScheduleDefinition[] = SERVICE_SCHEDULES): Promise<string[]> {
  const created: string[] = [];
  for (const s of schedules) {
    try {
      await client.schedule.create({
        scheduleId: s.scheduleId,
        spec: s.at
          ? {
              timezone: 'Asia/Shanghai',
              calendars: [{ hour: s.at.hour, minute: s.at.minute, ...(s.at.dayOfWeek ? { dayOfWeek: s.at.dayOfWeek as never } : {}), ...(s.at.dayOfMonth ? { dayOfMonth: s.at.dayOfMonth } : {}), ...(s.at.month ? { month: s.at.month as never } : {}) }],
            }
          : { intervals: [{ every: s.every ?? '1 day' }] },
        action: { type: 'startWorkflow', workflowType: s.workflowType, taskQueue, args: s.args ?? [], workflowId: `${s.scheduleId}-run` },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
      });
      created.push(s.scheduleId);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
  }
  return created;
}
