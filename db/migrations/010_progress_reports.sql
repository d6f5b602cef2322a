-- Progress reports to the leading group (领导小组) and the supervision office: weekly, monthly and quarterly snapshots
-- computed from the recorded history (audit_log and the tables it keys), stored once and never changed. A report of a
-- period that has ended is complete (as_of = ends_at) and there is one per kind and period; a report asked for while
-- its period is still running is interim (截至某时), one per kind, period and as_of second.

CREATE TABLE reports (
  report_id     TEXT PRIMARY KEY CHECK (report_id ~ '^[a-z0-9][A-Za-z0-9-]{2,80}$'),
  kind          TEXT NOT NULL CHECK (kind IN ('weekly', 'monthly', 'quarterly')),
  period_label  TEXT NOT NULL,
  label_zh      TEXT NOT NULL,
  starts_at     TIMESTAMPTZ NOT NULL,
  ends_at       TIMESTAMPTZ NOT NULL,
  -- Events recorded with at < as_of (and recorded by generated_at) are what the report counts.
  as_of         TIMESTAMPTZ NOT NULL,
  complete      BOOLEAN NOT NULL,
  generated_at  TIMESTAMPTZ NOT NULL,
  trigger       TEXT NOT NULL CHECK (trigger IN ('schedule', 'on_demand')),
  requested_by  TEXT,
  -- Format version of `content` (domain/reports.ts REPORT_FORMAT_VERSION).
  version       INTEGER NOT NULL,
  content       JSONB NOT NULL,
  CHECK (starts_at < ends_at),
  CHECK (as_of > starts_at AND as_of <= ends_at),
  CHECK (complete = (as_of = ends_at))
);
CREATE UNIQUE INDEX reports_one_complete_per_period ON reports (kind, period_label) WHERE complete;
CREATE INDEX reports_by_period ON reports (kind, starts_at DESC, as_of DESC);
CREATE INDEX reports_generated ON reports (generated_at DESC);

CREATE FUNCTION reports_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'reports are snapshots and never change: % refused', TG_OP;
END $$;
CREATE TRIGGER reports_immutable BEFORE UPDATE OR DELETE ON reports
  FOR EACH ROW EXECUTE FUNCTION reports_are_immutable();

-- The department a step was first assigned to, when it was reassigned later: found without scanning the trail.
CREATE INDEX audit_log_reassign ON audit_log (stream_id, seq) WHERE action = 'reassign';
