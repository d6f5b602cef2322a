-- A workflow numbers its events 1, 2, 3 … in each run. A business id can have a second run (an operator terminated
-- the first and a repeated request started it again, or a reset), whose numbers would collide with the first run's
-- rows and be dropped as duplicates. Each row now names the run that wrote it; a run whose number is taken by another
-- run's row continues after everything its stream holds, by an offset kept per (stream, run).
ALTER TABLE audit_log ADD COLUMN run_id TEXT;
CREATE TABLE audit_run_offsets (
  stream_id   TEXT NOT NULL,
  run_id      TEXT NOT NULL,
  seq_offset  INTEGER NOT NULL,
  PRIMARY KEY (stream_id, run_id)
);

-- The run that last wrote a step, so the steps of a run that ended without closing them (terminated, failed, timed
-- out) can be found and closed in the read model.
ALTER TABLE steps ADD COLUMN run_id TEXT;
CREATE INDEX steps_open_by_run ON steps (workflow_id, run_id) WHERE completed_at IS NULL;

-- An urge notice's number belongs to the run that issued it: a later run's first urge is a new notice.
ALTER TABLE urge_notices ADD COLUMN run_id TEXT NOT NULL DEFAULT '';
ALTER TABLE urge_notices DROP CONSTRAINT urge_notices_step_id_urge_seq_key;
ALTER TABLE urge_notices ADD CONSTRAINT urge_notices_step_run_seq UNIQUE (step_id, run_id, urge_seq);

-- How far the sweep of ended runs has looked (db/repositories/ended-runs.ts).
CREATE TABLE maintenance_watermarks (
  name  TEXT PRIMARY KEY,
  at    TIMESTAMPTZ NOT NULL
);
