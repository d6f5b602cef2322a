/** Activities of the problem ledger workflow: recording its events (audit, projection, notifications, escalation), once. */
import type pg from 'pg';
import type { ProblemEvent } from '../contracts/problem';
import { recordProblemEvent } from '../db/repositories/problems';
import { recordingRunId } from './recording-run';

export function createProblemActivities(deps: { pool: pg.Pool }) {
  return {
    async recordProblemEvent(event: ProblemEvent): Promise<number[]> {
      return (await recordProblemEvent(deps.pool, event, recordingRunId())).pendingWebhooks;
    },
  };
}
