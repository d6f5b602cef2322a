/**
 * The worker's notes of activities that keep failing (worker/retry-reporting.ts), and the read-model signs of a
 * workflow that stopped moving, for the stalled-workflow sweep (operations/stalled-workflows.ts).
 */
import type pg from 'pg';

export interface ActivityRun {
  workflowId: string;
  runId: string;
  activityType: string;
}

export async function noteRetryingActivity(pool: pg.Pool, a: ActivityRun, attempt: number, lastError: string): Promise<void> {
  await pool.query(
    `INSERT INTO retrying_activities (workflow_id, run_id, activity_type, attempt, last_error) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (workflow_id, run_id, activity_type) DO UPDATE SET attempt = EXCLUDED.attempt, last_error = EXCLUDED.last_error, last_failed_at = now()`,
    [a.workflowId, a.runId, a.activityType, attempt, lastError],
  );
}

export async function clearRetryingActivity(pool: pg.Pool, a: ActivityRun): Promise<void> {
  await pool.query('DELETE FROM retrying_activities WHERE workflow_id = $1 AND run_id = $2 AND activity_type = $3', [a.workflowId, a.runId, a.activityType]);
}

/** Notes refreshed within the last `freshMinutes` (an activity still retrying fails again at least every minute). */
export async function recentRetryingActivities(pool: pg.Pool, freshMinutes: number): Promise<(ActivityRun & { attempt: number; lastError: string; firstFailedAt: Date })[]> {
  const r = await pool.query<{ workflow_id: string; run_id: string; activity_type: string; attempt: number; last_error: string; first_failed_at: Date }>(
    `SELECT workflow_id, run_id, activity_type, attempt, last_error, first_failed_at FROM retrying_activities
      WHERE last_failed_at > now() - make_interval(mins => $1) ORDER BY first_failed_at`,
    [freshMinutes],
  );
  return r.rows.map((n) => ({ workflowId: n.workflow_id, runId: n.run_id, activityType: n.activity_type, attempt: n.attempt, lastError: n.last_error, firstFailedAt: n.first_failed_at }));
}

/** Running steps whose deadline is more than `graceMinutes` past and which are not overdue: their timer did not fire. */
export async function stepsPastDeadlineNotOverdue(pool: pg.Pool, graceMinutes: number): Promise<{ stepId: string; workflowId: string; runId: string | null; deadlineAt: Date }[]> {
  const r = await pool.query<{ step_id: string; workflow_id: string; run_id: string | null; deadline_at: Date }>(
    `SELECT step_id, workflow_id, run_id, deadline_at FROM steps
      WHERE state IN ('open', 'signed', 'sent_back') AND NOT paused AND NOT overdue
        AND deadline_at < now() - make_interval(mins => $1) ORDER BY deadline_at`,
    [graceMinutes],
  );
  return r.rows.map((s) => ({ stepId: s.step_id, workflowId: s.workflow_id, runId: s.run_id, deadlineAt: s.deadline_at }));
}
