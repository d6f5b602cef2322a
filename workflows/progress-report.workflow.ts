import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { ProgressReportInput, ProgressReportResult } from '../contracts/report';
import type { createReportActivities } from '../activities/reports';
import { DATABASE_ACTIVITY } from './activity-options';

/**
 * Reading the whole trail of a busy period takes seconds, not minutes. Retried about 20 minutes (a database that
 * went away comes back), then given up: an error in the data or the code does not heal by retrying, and a run that
 * never ends would make the schedule skip every later one.
 */
const acts = proxyActivities<ReturnType<typeof createReportActivities>>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 10 },
});

/** Telling people must not be lost: retried as long as the database is away. */
const tell = proxyActivities<ReturnType<typeof createReportActivities>>(DATABASE_ACTIVITY);

/**
 * One progress report: computed from the recorded history and stored as a snapshot (once per period: asking again
 * returns the stored one), then the leading group and the supervision office are told where to read it. A report
 * that cannot be made is told to the supervision office and the administrator, and the run fails (the next
 * scheduled run starts as usual).
 */
export async function progressReportWorkflow(input: ProgressReportInput): Promise<ProgressReportResult> {
  let report: ProgressReportResult;
  try {
    report = await acts.generateProgressReport({ ...input, at: new Date().toISOString() });
  } catch (err) {
    const reason = (err as { cause?: { message?: string } }).cause?.message ?? String((err as Error).message);
    await tell.notifyProgressReportFailed({ kind: input.kind, trigger: input.trigger, runId: workflowInfo().runId, reason });
    throw err;
  }
  await acts.notifyProgressReportReady({ reportId: report.reportId });
  return report;
}
