/**
 * Appending a workflow's event to the audit trail, once. A workflow numbers the events of each stream 1, 2, 3 … and
 * a retried activity sends the same number again, which must change nothing. But a business id can have a second run
 * (an operator terminated the first, a repeated request started it again; or a reset), which numbers from 1 again:
 * its events are not repeats and must not be dropped. So each row names its run, and a run that meets a number
 * another run has taken continues after everything the stream holds (an offset kept per stream and run).
 */
import type pg from 'pg';
import type { Actor } from '../../domain/roles';

type Db = pg.Pool | pg.PoolClient;

export interface RunEvent {
  streamId: string;
  /** The workflow's own number for this event within the stream. */
  seq: number;
  streamType: string;
  /** When it happened; null for "now". */
  at: string | null;
  actor: Actor;
  action: string;
  stateBefore: string | null;
  stateAfter: string;
  details: unknown;
  requestId: string | null;
}

export interface Appended {
  /** False when this run had recorded this event before (a retried activity). */
  inserted: boolean;
  /** The number the row has in the stream: the workflow's own, plus the run's offset. Keys derived from it stay unique. */
  seq: number;
}

const OFFSET = `coalesce((SELECT seq_offset FROM audit_run_offsets WHERE stream_id = $1 AND run_id = $3), 0)`;

/**
 * Call inside the event's transaction. runId null (a caller outside any workflow run) treats every number already
 * taken as this caller's repeat, as rows written before runs were recorded are treated.
 */
export async function appendRunEvent(db: Db, e: RunEvent, runId: string | null): Promise<Appended> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const r = await db.query<{ seq: number }>(
      `INSERT INTO audit_log (stream_id, seq, run_id, stream_type, at, actor_user_id, actor_name, actor_role, actor_department,
         action, state_before, state_after, details, request_id)
       SELECT $1, $2 + ${OFFSET}, $3, $4, coalesce($5::timestamptz, now()), $6, $7, $8, $9, $10, $11, $12, $13, $14
       ON CONFLICT (stream_id, seq) DO NOTHING RETURNING seq`,
      [e.streamId, e.seq, runId, e.streamType, e.at, e.actor.userId, e.actor.displayName, e.actor.role, e.actor.departmentCode,
        e.action, e.stateBefore, e.stateAfter, JSON.stringify(e.details), e.requestId],
    );
    if (r.rows[0]) return { inserted: true, seq: r.rows[0].seq };
    const taken = await db.query<{ run_id: string | null; seq: number }>(
      `SELECT run_id, seq FROM audit_log WHERE stream_id = $1 AND seq = $2 + ${OFFSET}`,
      [e.streamId, e.seq, runId],
    );
    const prior = taken.rows[0]!;
    if (runId === null || prior.run_id === null || prior.run_id === runId) return { inserted: false, seq: prior.seq };
    // Another run holds this number. Move this run past the stream's last row; a run still writing after it ended
    // (an activity that outlived a termination) can take that place too, hence the loop.
    await db.query(
      `INSERT INTO audit_run_offsets (stream_id, run_id, seq_offset)
       SELECT $1, $2, max(seq) - $3 + 1 FROM audit_log WHERE stream_id = $1
       ON CONFLICT (stream_id, run_id) DO UPDATE SET seq_offset = EXCLUDED.seq_offset`,
      [e.streamId, runId, e.seq],
    );
  }
  throw new Error(`audit stream ${e.streamId}: no free sequence number for run ${runId} after 3 attempts`);
}
