import { proxyActivities } from '@temporalio/workflow';
import type { ProgressReportInput, ProgressReportResult } from '../contracts/report';
import type { createReportActivities } from '../activities/reports';

const acts = proxyActivities<ReturnType<typeof createReportActivities>>({
  // Reading the whole trail of a busy period takes seconds, not minutes; retried while the database is away.
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * One progress report: computed from the recorded history and stored as a snapshot (once per period: asking again
 * returns the stored one), then the leading group and the supervision office are told where to read it.
 */
export async function progressReportWorkflow(input: ProgressReportInput): Promise<ProgressReportResult> {
  const report = await acts.generateProgressReport({ ...input, at: new Date().toISOString() });
  await acts.notifyProgressReportReady({ reportId: report.reportId });
  return report;
}
