/**
 * Notes the activities that keep failing, so an operator can see them (operations/stalled-workflows.ts). Temporal
 * lists an ordinary activity's attempts, but a local activity retries inside its workflow task, invisible to every
 * listing: a recording that fails for good would only show as a workflow that quietly stopped moving.
 *
 * The note is written beside the activity, never in its way: it is not awaited, and when the database itself is what
 * fails, the note fails too (the sweep then reports the database unreachable, which is the answer).
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type pg from 'pg';
import { clearRetryingActivity, noteRetryingActivity } from '../db/repositories/retrying-activities';
import { clipText, storableText } from '../domain/text';

/** Attempts before an activity counts as retrying: one failure is routine (a deadlock, a restart), three are not. */
export const RETRYING_FROM_ATTEMPT = 3;

export function retryReporting(pool: pg.Pool): ActivityInterceptorsFactory {
  return (ctx) => ({
    inbound: {
      async execute(input, next) {
        const { attempt, activityType, workflowExecution } = ctx.info;
        const workflow = workflowExecution ?? { workflowId: '', runId: '' };
        try {
          const result = await next(input);
          if (attempt >= RETRYING_FROM_ATTEMPT) {
            void clearRetryingActivity(pool, { ...workflow, activityType }).catch(() => undefined);
          }
          return result;
        } catch (err) {
          const finalFailure = err instanceof ApplicationFailure && err.nonRetryable;
          if (attempt >= RETRYING_FROM_ATTEMPT && !finalFailure && workflow.workflowId) {
            const message = clipText(storableText(err instanceof Error ? `${err.name}: ${err.message}` : String(err)), 500);
            void noteRetryingActivity(pool, { ...workflow, activityType }, attempt, message).catch(() => undefined);
          }
          throw err;
        }
      },
    },
  });
}
