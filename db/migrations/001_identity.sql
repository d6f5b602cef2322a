-- Departments, schools, users and their login sessions.

CREATE TABLE departments (
  code        TEXT PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]*$'),
  name_zh     TEXT NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Schools get their full shape (stage, seats, catchments) with the allocation; users need to point at one now.
CREATE TABLE schools (
  id          TEXT PRIMARY KEY,
  name_zh     TEXT NOT NULL,
  district    TEXT NOT NULL,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id               UUID PRIMARY KEY,
  username         TEXT NOT NULL UNIQUE CHECK (length(username) BETWEEN 3 AND 64),
  display_name     TEXT NOT NULL,
  password_hash    TEXT NOT NULL,
  role             TEXT NOT NULL CHECK (role IN ('applicant', 'officer', 'school', 'supervisor', 'leader', 'admin')),
  department_code  TEXT REFERENCES departments(code),
  school_id        TEXT REFERENCES schools(id),
  disabled         BOOLEAN NOT NULL DEFAULT false,
  created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  -- An officer belongs to exactly one department, a school user to exactly one school; nobody else to either.
  CONSTRAINT officer_has_department CHECK ((role = 'officer') = (department_code IS NOT NULL)),
  CONSTRAINT school_user_has_school CHECK ((role = 'school') = (school_id IS NOT NULL))
);

-- Bearer tokens are stored as SHA-256 hashes: a leaked table does not leak usable tokens.
CREATE TABLE sessions (
  token_hash  TEXT PRIMARY KEY,
  user_id     UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  expires_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- The round trip that proves the plumbing: the API starts a workflow, whose activity writes here.
CREATE TABLE diagnostics_round_trips (
  id           TEXT PRIMARY KEY,
  message      TEXT NOT NULL,
  workflow_id  TEXT NOT NULL,
  requested_by UUID REFERENCES users(id),
  recorded_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
