import type pg from 'pg';
import { purgeClosedApplications } from '../db/repositories/retention';

export function createRetentionActivities(deps: { pool: pg.Pool; retentionDays: number }) {
  return {
    /** One batch of the purge; the workflow calls it until nothing is left. */
    async purgeExpiredPersonalData(input: { now: string }): Promise<number> {
      const closedBefore = new Date(Date.parse(input.now) - deps.retentionDays * 86_400_000);
      return purgeClosedApplications(deps.pool, closedBefore);
    },
  };
}
