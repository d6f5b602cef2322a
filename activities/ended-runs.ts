/**
 * The sweep of ended runs, run by a schedule every few minutes: find workflow runs that ended without closing their
 * steps (terminated by an operator, failed, timed out, cancelled) through Temporal's visibility, and close those
 * steps in the read model (db/repositories/ended-runs.ts). A watermark keeps each sweep to the runs closed since the
 * last one; looking again at a run changes nothing.
 */
import { Context } from '@temporalio/activity';
import type { Client, WorkflowExecutionStatusName } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type pg from 'pg';
import { closeOpenStepsOfRun, readWatermark, writeWatermark } from '../db/repositories/ended-runs';
import { clipText } from '../domain/text';

/** Visibility is eventually consistent: each sweep looks back this far before the last one's start. */
const OVERLAP_MS = 10 * 60_000;

const ENDED = ['Terminated', 'Failed', 'TimedOut', 'Canceled'] as const;

/** What the department is told, in its words, of why the run ended. */
export function endedRunReasonZh(status: WorkflowExecutionStatusName, operatorReason: string | null): string {
  switch (status) {
    case 'TERMINATED':
      return operatorReason ? `该流程已被系统管理员终止（原因：${clipText(operatorReason, 200)}）` : '该流程已被系统管理员终止';
    case 'FAILED':
      return '该流程因系统故障已停止运行';
    case 'TIMED_OUT':
      return '该流程已超过运行时限而停止';
    default:
      return '该流程已被取消';
  }
}

export function createEndedRunActivities(deps: { pool: pg.Pool; client?: () => Client }) {
  const client = () => (deps.client ? deps.client() : Context.current().client);
  const heartbeat = () => {
    try {
      Context.current().heartbeat();
    } catch {
      // called outside an activity (a script or a test): nothing to report to
    }
  };

  /** The operator's reason for a termination, from the run's close event only (not its whole history). */
  const terminationReason = async (c: Client, workflowId: string, runId: string): Promise<string | null> => {
    const r = await c.workflowService.getWorkflowExecutionHistory({
      namespace: c.options.namespace,
      execution: { workflowId, runId },
      historyEventFilterType: temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT,
    });
    return r.history?.events?.[0]?.workflowExecutionTerminatedEventAttributes?.reason || null;
  };

  return {
    async closeStepsOfEndedRuns(): Promise<{ runs: number; stepsClosed: number }> {
      const c = client();
      const startedAt = new Date();
      // One per namespace: a database can serve several.
      const watermark = `ended-runs:${c.options.namespace}`;
      const since = await readWatermark(deps.pool, watermark);
      let query = `(${ENDED.map((s) => `ExecutionStatus = '${s}'`).join(' OR ')})`;
      if (since) query += ` AND CloseTime >= '${new Date(since.getTime() - OVERLAP_MS).toISOString()}'`;
      let runs = 0;
      let stepsClosed = 0;
      for await (const wf of c.workflow.list({ query })) {
        heartbeat();
        runs += 1;
        const reason = wf.status.name === 'TERMINATED' ? await terminationReason(c, wf.workflowId, wf.runId) : null;
        const closed = await closeOpenStepsOfRun(deps.pool, wf.workflowId, wf.runId, endedRunReasonZh(wf.status.name, reason), wf.closeTime ?? startedAt);
        stepsClosed += closed.length;
      }
      await writeWatermark(deps.pool, watermark, startedAt);
      return { runs, stepsClosed };
    },
  };
}
