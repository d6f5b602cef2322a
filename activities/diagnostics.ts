import type pg from 'pg';
import type { RoundTripInput, RoundTripResult } from '../contracts/diagnostics';
import { makeRoundTripWorkflowId } from '../contracts/diagnostics';

export function createDiagnosticsActivities(deps: { pool: pg.Pool }) {
  return {
    /** Idempotent: a retried attempt finds the row already there and returns it. */
    async recordRoundTrip(input: RoundTripInput): Promise<RoundTripResult> {
      const r = await deps.pool.query<{ id: string; recorded_at: Date }>(
        `INSERT INTO diagnostics_round_trips (id, message, workflow_id, requested_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id
         RETURNING id, recorded_at`,
        [input.id, input.message, makeRoundTripWorkflowId(input.id), input.requestedBy],
      );
      const row = r.rows[0]!;
      return { id: row.id, recordedAt: row.recorded_at.toISOString() };
    },
  };
}
