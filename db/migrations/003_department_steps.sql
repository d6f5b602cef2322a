-- Department steps: the read model the inboxes and boards list from, the append-only audit trail, urging notices,
-- escalations, in-app notifications and department webhooks. The workflows are the source of truth; every row here
-- is written by an idempotent activity keyed by (step, sequence number), so a retried activity changes nothing.

CREATE TABLE steps (
  step_id               TEXT PRIMARY KEY,
  workflow_id           TEXT NOT NULL UNIQUE,
  parent_workflow_id    TEXT,
  department_code       TEXT NOT NULL REFERENCES departments(code),
  title                 TEXT NOT NULL,
  kind                  TEXT NOT NULL,
  subject_type          TEXT NOT NULL,
  subject_id            TEXT NOT NULL,
  subject_label         TEXT,
  state                 TEXT NOT NULL,
  paused                BOOLEAN NOT NULL DEFAULT false,
  requires_review       BOOLEAN NOT NULL,
  deadline_class        TEXT NOT NULL,
  working_days          INTEGER NOT NULL,
  assigned_at           TIMESTAMPTZ NOT NULL,
  deadline_at           TIMESTAMPTZ,
  due_soon_at           TIMESTAMPTZ,
  last_day              DATE,
  deadline_provisional  BOOLEAN NOT NULL DEFAULT false,
  overdue               BOOLEAN NOT NULL DEFAULT false,
  escalation_level      INTEGER NOT NULL DEFAULT 0,
  pending_extension     JSONB,
  open_urges            INTEGER NOT NULL DEFAULT 0,
  outcome               TEXT,
  completed_at          TIMESTAMPTZ,
  view                  JSONB NOT NULL,
  last_seq              INTEGER NOT NULL,
  updated_at            TIMESTAMPTZ NOT NULL DEFAULT now()
);
-- The department inbox: a department's steps in deadline order.
CREATE INDEX steps_department_deadline ON steps (department_code, deadline_at);
-- The overdue list: running steps by deadline, across departments.
CREATE INDEX steps_running_deadline ON steps (deadline_at) WHERE state IN ('open', 'signed', 'sent_back') AND NOT paused;
CREATE INDEX steps_subject ON steps (subject_type, subject_id);

-- Append-only: who, when, what, state before → after, request id. One row per event, keyed by (stream, seq).
CREATE TABLE audit_log (
  id                BIGSERIAL PRIMARY KEY,
  stream_id         TEXT NOT NULL,
  seq               INTEGER NOT NULL,
  stream_type       TEXT NOT NULL,
  at                TIMESTAMPTZ NOT NULL,
  actor_user_id     TEXT NOT NULL,
  actor_name        TEXT NOT NULL,
  actor_role        TEXT NOT NULL,
  actor_department  TEXT,
  action            TEXT NOT NULL,
  state_before      TEXT,
  state_after       TEXT NOT NULL,
  details           JSONB NOT NULL DEFAULT '{}',
  request_id        TEXT,
  recorded_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (stream_id, seq)
);
CREATE INDEX audit_log_at ON audit_log (at);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();

CREATE SEQUENCE urge_notice_number;
CREATE TABLE urge_notices (
  number       TEXT PRIMARY KEY,
  step_id      TEXT NOT NULL REFERENCES steps(step_id),
  urge_seq     INTEGER NOT NULL,
  level        TEXT,
  message      TEXT,
  issued_by    TEXT,
  issued_at    TIMESTAMPTZ,
  reply        TEXT,
  replied_by   TEXT,
  replied_at   TIMESTAMPTZ,
  UNIQUE (step_id, urge_seq)
);

CREATE TABLE escalations (
  step_id          TEXT NOT NULL REFERENCES steps(step_id),
  rung             INTEGER NOT NULL,
  level            TEXT NOT NULL,
  department_code  TEXT NOT NULL,
  deadline_at      TIMESTAMPTZ,
  at               TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (step_id, rung, at)
);
CREATE INDEX escalations_level_at ON escalations (level, at DESC);

CREATE TABLE notifications (
  id                    BIGSERIAL PRIMARY KEY,
  dedupe_key            TEXT NOT NULL UNIQUE,
  recipient_department  TEXT REFERENCES departments(code),
  recipient_role        TEXT,
  recipient_user_id     UUID REFERENCES users(id),
  kind                  TEXT NOT NULL,
  title                 TEXT NOT NULL,
  body                  TEXT NOT NULL,
  step_id               TEXT,
  created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
  CHECK (num_nonnulls(recipient_department, recipient_role, recipient_user_id) = 1)
);
CREATE INDEX notifications_department ON notifications (recipient_department, id DESC);
CREATE INDEX notifications_role ON notifications (recipient_role, id DESC);
CREATE INDEX notifications_user ON notifications (recipient_user_id, id DESC);

CREATE TABLE notification_reads (
  notification_id  BIGINT NOT NULL REFERENCES notifications(id),
  user_id          UUID NOT NULL REFERENCES users(id),
  read_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (notification_id, user_id)
);

-- Optional chat-group robot per department: a JSON POST per notification, retried until delivered.
CREATE TABLE department_webhooks (
  department_code  TEXT PRIMARY KEY REFERENCES departments(code),
  url              TEXT NOT NULL CHECK (url ~ '^https?://'),
  enabled          BOOLEAN NOT NULL DEFAULT true,
  updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
  notification_id  BIGINT PRIMARY KEY REFERENCES notifications(id),
  url              TEXT NOT NULL,
  status           TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered')),
  attempts         INTEGER NOT NULL DEFAULT 0,
  last_error       TEXT,
  delivered_at     TIMESTAMPTZ
);
