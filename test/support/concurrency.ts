/**
 * Acts that reach a workflow at the same moment, and the check that its history still replays.
 *
 * An update sent with `admitUpdate` while the worker is stopped (Harness.withWorkerStopped) waits in the server; when
 * the new worker polls, every update and signal that waited arrives in one workflow task, the way two departments'
 * acts of the same second do. `replayHistoryOf` then replays what the server recorded with the SDK's own replayer.
 */
import crypto from 'node:crypto';
import { WorkflowUpdateStage, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { encryptedDataConverter } from '../../platform/payload-codec';
import { TEST_PAYLOAD_KEYS } from './harness';
import { waitFor } from './wait';

/**
 * Sends an update and returns once the server has admitted it. The client's own calls wait until a worker accepts
 * the update, which never happens while the worker is stopped; so the update is started in the background, and the
 * server is asked for it by id until it knows it. result() answers once a worker has run it (or its validator refused).
 */
export async function admitUpdate<Ret, Arg>(client: Client, workflowId: string, update: UpdateDefinition<Ret, [Arg]>, arg: Arg): Promise<{ result(): Promise<Ret> }> {
  const updateId = crypto.randomUUID();
  const handle = client.workflow.getHandle(workflowId);
  const accepted = handle.startUpdate(update, { args: [arg], updateId, waitForStage: WorkflowUpdateStage.ACCEPTED });
  // Settled: a worker accepted it, or its validator refused it (a refused update leaves no trace the server could find).
  let settled = false;
  accepted.then(
    () => (settled = true),
    () => (settled = true),
  );
  await waitFor(
    async () => {
      if (settled) return true;
      try {
        await client.workflowService.pollWorkflowExecutionUpdate({
          namespace: client.options.namespace,
          updateRef: { workflowExecution: { workflowId }, updateId },
          identity: 'concurrency-test',
          waitPolicy: { lifecycleStage: temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ADMITTED },
        });
        return true;
      } catch {
        return false; // not admitted yet
      }
    },
    { timeoutMs: 30_000, intervalMs: 50, what: `update ${update.name} to be admitted by ${workflowId}` },
  );
  return { result: () => accepted.then((u) => u.result()) };
}

/** The workflow's history as the server has it now, replayed against the current code; throws on nondeterminism. */
export async function replayHistoryOf(client: Client, workflowId: string): Promise<temporal.api.history.v1.IHistory> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  await Worker.runReplayHistory({ workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! }, dataConverter: encryptedDataConverter(TEST_PAYLOAD_KEYS) }, history, workflowId);
  return history;
}

/**
 * How many workflow tasks of the history met two acts or more (updates, signals), or an act beside a fired timer: the
 * arrivals a test meant to make at the same moment. Updates a task accepted follow its completion; signals and fired
 * timers come before the task that sees them.
 */
export function tasksWithConcurrentArrivals(history: temporal.api.history.v1.IHistory): number {
  const E = temporal.api.enums.v1.EventType;
  type Arrivals = { updates: number; signals: number; timers: number };
  const none = (): Arrivals => ({ updates: 0, signals: 0, timers: 0 });
  const tasks: Arrivals[] = [];
  let upcoming = none();
  let accepting: Arrivals | null = null;
  for (const e of history.events ?? []) {
    const t = e.eventType as number;
    if (t === E.EVENT_TYPE_WORKFLOW_TASK_STARTED) {
      tasks.push(upcoming);
      upcoming = none();
    } else if (t === E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
      accepting = tasks[tasks.length - 1] ?? null;
      continue;
    } else if (t === E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED && accepting) {
      accepting.updates += 1;
      continue;
    } else if (t === E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED) {
      upcoming.signals += 1;
    } else if (t === E.EVENT_TYPE_TIMER_FIRED) {
      upcoming.timers += 1;
    }
    accepting = null;
  }
  return tasks.filter((k) => k.updates + k.signals >= 2 || (k.updates + k.signals >= 1 && k.timers >= 1)).length;
}
