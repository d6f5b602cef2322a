/** Maps what Temporal answers to an HTTP error: a refused update keeps the workflow's reason. */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { HttpError } from './errors';

const STATUS_BY_TYPE: Record<string, [number, string]> = {
  step_forbidden: [403, 'forbidden'],
  step_invalid_state: [409, 'invalid_state'],
  step_invalid_argument: [422, 'invalid_argument'],
};

/**
 * `known`: the caller found the subject in the read model before acting, so a workflow Temporal cannot find has
 * finished (an act racing the one that closed it, or a closed workflow past retention): 409, not 404.
 */
export function mapWorkflowError(err: unknown, what: string, known = false): unknown {
  // An act sent to a workflow that has already finished: the matter is closed, not the service down.
  const closed = () => new HttpError(409, 'invalid_state', `${what} is already closed; nothing more can be done to it`);
  if (/already completed|workflow execution already/i.test(String((err as Error)?.message ?? ''))) return closed();
  if (err instanceof WorkflowNotFoundError) return known ? closed() : new HttpError(404, 'not_found', `${what} not found`);
  // The database refused what the act would record (activities/index.ts): the act is refused, nothing changed.
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ActivityFailure && err.cause.cause instanceof ApplicationFailure && err.cause.cause.type === 'RecordRefused') {
    return new HttpError(422, 'invalid_argument', err.cause.cause.message);
  }
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const mapped = err.cause.type ? STATUS_BY_TYPE[err.cause.type] : undefined;
    if (mapped) return new HttpError(mapped[0], mapped[1], err.cause.message);
    return new HttpError(409, 'refused', err.cause.message);
  }
  return err;
}
