import { proxyActivities } from '@temporalio/workflow';
import type { RoundTripInput, RoundTripResult } from '../contracts/diagnostics';
import type { createDiagnosticsActivities } from '../activities/diagnostics';

const { recordRoundTrip } = proxyActivities<ReturnType<typeof createDiagnosticsActivities>>({
  // A single-row insert: seconds are plenty; retries cover a database blip, the upsert makes them harmless.
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 5, initialInterval: '500 milliseconds' },
});

export async function diagnosticsRoundTripWorkflow(input: RoundTripInput): Promise<RoundTripResult> {
  return recordRoundTrip(input);
}
