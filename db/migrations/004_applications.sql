-- Enrollment applications: the published policy per district, year and stage (checklist, eligibility regime,
-- points rules), and the applications' read model. The application workflow is the source of truth; its events go to
-- audit_log (stream_type 'application') and this projection, through idempotent activities.

CREATE TABLE districts (
  code     TEXT PRIMARY KEY CHECK (code ~ '^[a-z0-9_]{1,32}$'),
  name_zh  TEXT NOT NULL
);

-- Seed 004: one checklist, one form, published in advance, per district, year and stage.
CREATE TABLE enrollment_policies (
  district      TEXT NOT NULL REFERENCES districts(code),
  year          INTEGER NOT NULL,
  stage         TEXT NOT NULL,
  eligibility   JSONB NOT NULL,   -- { regime: { kind }, basisZh }
  points_rules  JSONB NOT NULL,   -- domain/points.ts PointsRules
  checklist     JSONB NOT NULL,   -- [{ kind, nameZh, required, noteZh }]
  notes_zh      TEXT,
  published_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (district, year, stage)
);

CREATE SEQUENCE application_number_seq;

CREATE TABLE applications (
  application_number  TEXT PRIMARY KEY,
  -- Keyed hash of (year, child's ID number): the same child in the same year is the same application,
  -- without an ID number in any key.
  child_key           TEXT NOT NULL UNIQUE,
  applicant_user_id   UUID NOT NULL REFERENCES users(id),
  year                INTEGER NOT NULL,
  district            TEXT NOT NULL REFERENCES districts(code),
  stage               TEXT NOT NULL,
  -- The submitted form holds personal data; responses mask it except for the roles that verify it.
  form                JSONB NOT NULL,
  child_name_masked   TEXT NOT NULL,
  state               TEXT NOT NULL DEFAULT 'submitted',
  holder_department   TEXT,
  supplement          JSONB,
  eligibility         JSONB,
  points_total        NUMERIC(8, 1),
  points              JSONB,
  placement           JSONB,
  aid                 JSONB,
  last_seq            INTEGER NOT NULL DEFAULT 0,
  submitted_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX applications_applicant ON applications (applicant_user_id);
CREATE INDEX applications_pool ON applications (district, year, stage, state);
