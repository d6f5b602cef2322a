-- Activities that keep failing, as the worker saw them. A local activity's retries live inside the workflow task and
-- show in no Temporal listing, so the worker notes each activity from its third failed attempt and removes the note
-- when the activity succeeds. The stalled-workflow sweep (operations/stalled-workflows.ts) reads it.
CREATE TABLE retrying_activities (
  workflow_id      TEXT NOT NULL,
  run_id           TEXT NOT NULL,
  activity_type    TEXT NOT NULL,
  attempt          INTEGER NOT NULL,
  last_error       TEXT NOT NULL,
  first_failed_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_failed_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (workflow_id, run_id, activity_type)
);
