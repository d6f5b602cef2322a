import { proxyActivities } from '@temporalio/workflow';
import type { createRetentionActivities } from '../activities/retention';

const { purgeExpiredPersonalData } = proxyActivities<ReturnType<typeof createRetentionActivities>>({
  // A batch of a few hundred rows; retried when the database is away, harmless to repeat.
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '5 minutes' },
});

/** Run daily by a schedule: purge personal data of closed applications past the retention period, batch by batch. */
export async function retentionPurgeWorkflow(): Promise<{ purged: number }> {
  const now = new Date().toISOString();
  let purged = 0;
  for (;;) {
    const n = await purgeExpiredPersonalData({ now });
    purged += n;
    if (n === 0) return { purged };
  }
}
