/**
 * How the workflows call their activities. Workflow code (no Node, no I/O): only option objects.
 */
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

/** A database outage must delay a record, never lose it: unlimited retries with capped backoff. */
export const DATABASE_RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;

/** Database reads and writes and calendar arithmetic: milliseconds of work. */
export const DATABASE_ACTIVITY: ActivityOptions = { startToCloseTimeout: '30 seconds', retry: DATABASE_RETRY };

/**
 * The same activities run locally: in the worker, inside the workflow task that asks for them, recorded as one marker
 * event instead of a scheduled, started and completed activity plus the workflow task that follows. These are short
 * database writes and calendar reads on the worker's own pool, where an activity task's round trip through the server
 * cost more than the work (bench/enroll.ts). Past the threshold the backoff becomes a timer, so a database outage
 * still delays a record without losing it.
 */
export const LOCAL_DATABASE_ACTIVITY: LocalActivityOptions = { ...DATABASE_ACTIVITY, localRetryThreshold: '10 seconds' };

/** A department's chat robot may be down for a while: keep trying for about a day, then give up (the in-app inbox has it). */
export const WEBHOOK_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '30 minutes', maximumAttempts: 60 },
};
