/**
 * Steps left open by a workflow run that ended without closing them: an operator terminated it, or it failed or timed
 * out. Such a step would stay open, and soon red, in its department's inbox for good, though nothing will ever act on
 * it. The sweep (activities/ended-runs.ts) closes each in the read model as cancelled, with the reason, in the audit
 * trail, and tells the department and the administrators.
 */
import type pg from 'pg';
import { SYSTEM_ACTOR } from '../../domain/roles';
import { inTransaction } from '../pool';
import { appendRunEvent } from './audit';
import { insertNotification } from './steps';
import { clipText } from '../../domain/text';

export interface ClosedStep {
  stepId: string;
  departmentCode: string;
  title: string;
}

/** Close every step still open that the run (workflowId, runId) wrote last; each once, however often it is asked. */
export async function closeOpenStepsOfRun(pool: pg.Pool, workflowId: string, runId: string, reasonZh: string, at: Date): Promise<ClosedStep[]> {
  return inTransaction(pool, async (db) => {
    const open = await db.query<{ step_id: string; department_code: string; title: string; state: string; last_seq: number }>(
      `SELECT step_id, department_code, title, state, last_seq FROM steps
       WHERE workflow_id = $1 AND run_id = $2 AND completed_at IS NULL ORDER BY step_id FOR UPDATE`,
      [workflowId, runId],
    );
    const closed: ClosedStep[] = [];
    for (const s of open.rows) {
      // Its own run name, so a later run of the same business id moves past this row rather than taking it for its own.
      const { inserted, seq } = await appendRunEvent(db, {
        streamId: s.step_id, seq: s.last_seq + 1, streamType: 'step', at: at.toISOString(), actor: SYSTEM_ACTOR, action: 'cancelled',
        stateBefore: s.state, stateAfter: 'cancelled', details: { reason: reasonZh }, requestId: null,
      }, `ended:${runId}`);
      if (!inserted) continue;
      await db.query(
        `UPDATE steps SET state = 'cancelled', paused = false, completed_at = $2, last_seq = $3, updated_at = now(),
           view = jsonb_set(jsonb_set(view, '{state}', '"cancelled"'), '{paused}', 'null')
         WHERE step_id = $1`,
        [s.step_id, at, seq],
      );
      await insertNotification(db, `step:${s.step_id}:${seq}:run-ended`, {
        key: 'run-ended', to: { department: s.department_code }, kind: 'decision',
        title: `环节已撤销：${s.title}`, body: `${reasonZh}。本环节无须再办理；如需继续，请联系系统管理员重新发起。`,
      }, s.step_id);
      closed.push({ stepId: s.step_id, departmentCode: s.department_code, title: s.title });
    }
    if (closed.length > 0) {
      await insertNotification(db, `run-ended:${workflowId}:${runId}`, {
        key: 'run-ended', to: { role: 'admin' }, kind: 'decision',
        title: `流程已结束，${closed.length}个环节已撤销`,
        body: `${reasonZh}（流程 ${workflowId}）。已撤销的环节：${clipText(closed.map((c) => c.title).join('、'), 500)}。如需继续办理，请重新发起。`,
      }, null);
    }
    return closed;
  });
}

export async function readWatermark(db: pg.Pool, name: string): Promise<Date | null> {
  const r = await db.query<{ at: Date }>('SELECT at FROM maintenance_watermarks WHERE name = $1', [name]);
  return r.rows[0]?.at ?? null;
}

export async function writeWatermark(db: pg.Pool, name: string, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO maintenance_watermarks (name, at) VALUES ($1, $2)
     ON CONFLICT (name) DO UPDATE SET at = greatest(maintenance_watermarks.at, EXCLUDED.at)`,
    [name, at],
  );
}
