import { proxyActivities } from '@temporalio/workflow';
import type { createEndedRunActivities } from '../activities/ended-runs';

const { closeStepsOfEndedRuns } = proxyActivities<ReturnType<typeof createEndedRunActivities>>({
  // Lists the runs closed since the last sweep and closes their open steps; heartbeats per run, harmless to repeat.
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', maximumInterval: '2 minutes', maximumAttempts: 5 },
});

/** Run every few minutes by a schedule: close the steps of workflow runs that ended without closing them. */
export async function endedRunsSweepWorkflow(): Promise<{ runs: number; stepsClosed: number }> {
  return closeStepsOfEndedRuns();
}
