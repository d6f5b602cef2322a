/** Which workflow run an activity records for: the audit trail keeps each run's events apart (db/repositories/audit.ts). */
import { Context } from '@temporalio/activity';

/** The run id of the workflow that called the running activity; null when called outside an activity (a test calling it directly). */
export function recordingRunId(): string | null {
  try {
    return Context.current().info.workflowExecution?.runId ?? null;
  } catch {
    return null;
  }
}
