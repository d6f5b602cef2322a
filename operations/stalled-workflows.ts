/**
 * The stalled-workflow sweep: which running workflows are not making progress, and why. An operator runs it
 * (`npm run sweep`, scripts/sweep.ts; README "When work stops moving"); the faults test runs it after every fault.
 *
 * Three signs, each found where it can be seen:
 * - an activity retrying: an ordinary activity's attempts are in Temporal's description of the workflow; a local
 *   activity's (the recordings) retry inside the workflow task, so the worker notes them (worker/retry-reporting.ts);
 * - a workflow task failing: Temporal describes the pending task and its attempt, the history its last failure;
 * - a deadline far past with the step not overdue: the workflow's deadline timer should have fired and recorded it.
 *
 * Read only: the sweep changes nothing.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type pg from 'pg';
import { recentRetryingActivities, stepsPastDeadlineNotOverdue } from '../db/repositories/retrying-activities';
import { RETRYING_FROM_ATTEMPT } from '../worker/retry-reporting';

export type StallKind = 'activity_retrying' | 'workflow_task_failing' | 'deadline_not_fired';

export const STALL_KIND_NAMES_ZH: Record<StallKind, string> = {
  activity_retrying: '活动反复重试',
  workflow_task_failing: '工作流任务反复失败',
  deadline_not_fired: '期限已过但未记为逾期',
};

export interface Stall {
  kind: StallKind;
  workflowId: string;
  runId: string | null;
  workflowType: string | null;
  /** The activity type, or the step id whose deadline passed. */
  subject: string;
  attempt: number | null;
  /** Since when it has not moved (first failure, task first scheduled, the deadline). ISO 8601. */
  since: string | null;
  lastError: string | null;
}

export interface SweepOptions {
  client: Client;
  pool: pg.Pool;
  /** A deadline this far past with its step not overdue counts (the timer fires at the deadline). */
  deadlineGraceMinutes?: number;
  /** A worker's note of a retrying local activity older than this is stale (the retry interval is at most a minute). */
  noteFreshMinutes?: number;
  /** Workflows described at once. */
  concurrency?: number;
}

export interface SweepResult {
  /** Running workflows described. */
  described: number;
  stalls: Stall[];
}

const iso = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): string | null =>
  t?.seconds == null ? null : new Date(Number(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();

export async function findStalledWorkflows(opts: SweepOptions): Promise<SweepResult> {
  const { client, pool } = opts;
  const namespace = client.options.namespace;
  const stalls: Stall[] = [];

  // Temporal: every running workflow, described a few at a time.
  const running: { workflowId: string; runId: string; type: string }[] = [];
  for await (const wf of client.workflow.list({ query: `ExecutionStatus = 'Running'` })) running.push({ workflowId: wf.workflowId, runId: wf.runId, type: wf.type });
  const queue = [...running];
  const describeNext = async (): Promise<void> => {
    for (let wf = queue.shift(); wf; wf = queue.shift()) {
      const execution = { workflowId: wf.workflowId, runId: wf.runId };
      let d: temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
      try {
        d = await client.workflowService.describeWorkflowExecution({ namespace, execution });
      } catch {
        continue; // closed since it was listed
      }
      for (const a of d.pendingActivities ?? []) {
        if ((a.attempt ?? 0) < RETRYING_FROM_ATTEMPT) continue;
        stalls.push({
          kind: 'activity_retrying', workflowId: wf.workflowId, runId: wf.runId, workflowType: wf.type, subject: a.activityType?.name ?? '',
          attempt: a.attempt ?? null, since: iso(a.scheduledTime), lastError: a.lastFailure?.message ?? null,
        });
      }
      const task = d.pendingWorkflowTask;
      if (task && (task.attempt ?? 0) >= 2) {
        stalls.push({
          kind: 'workflow_task_failing', workflowId: wf.workflowId, runId: wf.runId, workflowType: wf.type, subject: 'workflow task',
          attempt: task.attempt ?? null, since: iso(task.originalScheduledTime), lastError: await lastTaskFailure(client, execution),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 8) }, describeNext));
  const typeOf = new Map(running.map((r) => [`${r.workflowId}/${r.runId}`, r.type]));
  const runningIds = new Set(running.map((r) => r.workflowId));

  // The worker's notes of retrying local activities, fresh ones of running workflows only.
  for (const n of await recentRetryingActivities(pool, opts.noteFreshMinutes ?? 10)) {
    const type = typeOf.get(`${n.workflowId}/${n.runId}`);
    if (!type) continue;
    if (stalls.some((s) => s.kind === 'activity_retrying' && s.workflowId === n.workflowId && s.subject === n.activityType)) continue;
    stalls.push({
      kind: 'activity_retrying', workflowId: n.workflowId, runId: n.runId, workflowType: type, subject: n.activityType,
      attempt: n.attempt, since: n.firstFailedAt.toISOString(), lastError: n.lastError,
    });
  }

  // The read model: running steps whose deadline passed long ago and are not overdue.
  for (const s of await stepsPastDeadlineNotOverdue(pool, opts.deadlineGraceMinutes ?? 30)) {
    const running = runningIds.has(s.workflowId);
    stalls.push({
      kind: 'deadline_not_fired', workflowId: s.workflowId, runId: s.runId, workflowType: running ? (typeOf.get(`${s.workflowId}/${s.runId}`) ?? null) : null,
      subject: s.stepId, attempt: null, since: s.deadlineAt.toISOString(), lastError: running ? null : 'workflow not running',
    });
  }
  return { described: running.length, stalls };
}

/** The last workflow task failure or timeout, from the newest events of the history. */
async function lastTaskFailure(client: Client, execution: { workflowId: string; runId: string }): Promise<string | null> {
  try {
    const r = await client.workflowService.getWorkflowExecutionHistoryReverse({ namespace: client.options.namespace, execution, maximumPageSize: 50 });
    for (const e of r.history?.events ?? []) {
      const failed = e.workflowTaskFailedEventAttributes;
      if (failed) return failed.failure?.message || `cause ${failed.cause ?? 'unknown'}`;
      if (e.workflowTaskTimedOutEventAttributes) return 'workflow task timed out (the worker did not answer in time)';
    }
  } catch {
    // closed or reset since it was described
  }
  return null;
}
