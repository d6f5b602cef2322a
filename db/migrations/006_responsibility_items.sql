-- Responsibility items and supervision: policies holding numbered items (lead and cooperating departments, leader in
-- charge, reporting rhythm or final deadline, evidence required), the reporting periods each item's workflow opens and
-- the department steps of each period, and the problem ledger (问题台账). Edits are logged in audit_log (stream types
-- 'policy', 'item'); the workflows' events too ('item', 'problem'). Departments' work itself lives in `steps`.

CREATE TABLE supervision_policies (
  policy_id     TEXT PRIMARY KEY CHECK (policy_id ~ '^[a-z0-9][a-z0-9-]{1,47}$'),
  title_zh      TEXT NOT NULL,
  issuing_body  TEXT NOT NULL,
  issued_on     DATE,
  -- [{ nameZh, startsOn, endsOn, milestones?: [{ date, nameZh }] }], as seed 004 stages its work
  phases        JSONB NOT NULL DEFAULT '[]',
  notes_zh      TEXT,
  -- Bumped by every edit; an edit's audit row has seq = the new version.
  version       INTEGER NOT NULL DEFAULT 1,
  created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at    TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE responsibility_items (
  item_id                TEXT PRIMARY KEY CHECK (item_id ~ '^[a-z0-9][a-z0-9-]{1,63}$'),
  policy_id              TEXT NOT NULL REFERENCES supervision_policies(policy_id),
  number                 INTEGER NOT NULL CHECK (number BETWEEN 1 AND 999),
  title_zh               TEXT NOT NULL,
  content_zh             TEXT NOT NULL DEFAULT '',
  lead_department        TEXT NOT NULL REFERENCES departments(code),
  leader_in_charge       TEXT NOT NULL,
  rhythm                 TEXT CHECK (rhythm IN ('weekly', 'monthly', 'quarterly')),
  final_deadline         DATE,
  evidence_requirements  JSONB NOT NULL DEFAULT '[]',
  status                 TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'running', 'closed')),
  current_period         TEXT,
  version                INTEGER NOT NULL DEFAULT 1,
  created_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
  UNIQUE (policy_id, number),
  CHECK (rhythm IS NOT NULL OR final_deadline IS NOT NULL)
);
CREATE INDEX responsibility_items_lead ON responsibility_items (lead_department);

-- The cooperating departments (配合单位), in the order the policy names them.
CREATE TABLE item_cooperating_departments (
  item_id          TEXT NOT NULL REFERENCES responsibility_items(item_id) ON DELETE CASCADE,
  department_code  TEXT NOT NULL REFERENCES departments(code),
  position         INTEGER NOT NULL,
  PRIMARY KEY (item_id, department_code)
);
CREATE INDEX item_cooperating_departments_department ON item_cooperating_departments (department_code);

-- Reporting periods as the item's workflow opened them (projection, written idempotently by its activity). Whether a
-- period's report was accepted is read from its lead step: a review may come long after the period has ended.
CREATE TABLE item_periods (
  item_id      TEXT NOT NULL REFERENCES responsibility_items(item_id),
  label        TEXT NOT NULL,
  label_zh     TEXT NOT NULL,
  starts_at    TIMESTAMPTZ NOT NULL,
  ends_at      TIMESTAMPTZ NOT NULL,
  is_last      BOOLEAN NOT NULL DEFAULT false,
  state        TEXT NOT NULL CHECK (state IN ('open', 'closed', 'skipped')),
  opened_at    TIMESTAMPTZ NOT NULL,
  closed_at    TIMESTAMPTZ,
  PRIMARY KEY (item_id, label)
);

-- Which department step is which department's report for which period: the dispatch board's rows (item ×
-- department × period), joined to `steps` for the state and the light.
CREATE TABLE item_period_steps (
  step_id          TEXT PRIMARY KEY,
  item_id          TEXT NOT NULL,
  period_label     TEXT NOT NULL,
  department_code  TEXT NOT NULL REFERENCES departments(code),
  role             TEXT NOT NULL CHECK (role IN ('lead', 'cooperating')),
  attempt          INTEGER NOT NULL DEFAULT 1,
  FOREIGN KEY (item_id, period_label) REFERENCES item_periods(item_id, label)
);
CREATE INDEX item_period_steps_item ON item_period_steps (item_id, period_label);
CREATE INDEX item_period_steps_department ON item_period_steps (department_code);

-- The problem ledger. Personal data (the description, the public reporter's phone) lives only here, never in a
-- workflow's history; the phone is kept for calling back, sealed (AES-256-GCM, platform/personal-data-vault.ts), and
-- shown masked everywhere.
CREATE SEQUENCE problem_number;
CREATE TABLE problems (
  problem_id            TEXT PRIMARY KEY,
  source                TEXT NOT NULL CHECK (source IN ('public', 'official', 'review')),
  title_zh              TEXT NOT NULL,
  description           TEXT NOT NULL,
  item_id               TEXT REFERENCES responsibility_items(item_id),
  related_step_id       TEXT,
  reporter_user_id      UUID REFERENCES users(id),
  contact_phone_sealed  BYTEA,
  contact_phone_masked  TEXT,
  -- The public reporter's tracking code, stored as a SHA-256 hash like login tokens.
  tracking_code_hash    TEXT UNIQUE,
  -- Keyed hashes for the public channel's rate limit (requests per client address and per phone).
  requester_hash        TEXT,
  phone_hash            TEXT,
  state                 TEXT NOT NULL DEFAULT 'found',
  analysis              TEXT,
  instructions          TEXT,
  department_code       TEXT REFERENCES departments(code),
  deadline_class        TEXT,
  handling_round        INTEGER NOT NULL DEFAULT 0,
  handling_step_id      TEXT,
  feedback              TEXT,
  escalated             BOOLEAN NOT NULL DEFAULT false,
  last_seq              INTEGER NOT NULL DEFAULT 0,
  created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
  closed_at             TIMESTAMPTZ,
  CHECK ((source = 'public') = (tracking_code_hash IS NOT NULL)),
  CHECK ((source = 'public') = (reporter_user_id IS NULL)),
  CHECK ((source = 'public') = (contact_phone_sealed IS NOT NULL))
);
CREATE INDEX problems_state ON problems (state, created_at DESC);
CREATE INDEX problems_department ON problems (department_code, created_at DESC);
CREATE INDEX problems_public_requester ON problems (requester_hash, created_at) WHERE source = 'public';
CREATE INDEX problems_public_phone ON problems (phone_hash, created_at) WHERE source = 'public';

-- Rating comments stay out of the workflow's history, like every free text from the public.
CREATE TABLE problem_ratings (
  problem_id  TEXT NOT NULL REFERENCES problems(problem_id),
  round       INTEGER NOT NULL,
  satisfied   BOOLEAN NOT NULL,
  comment     TEXT,
  rated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (problem_id, round)
);

-- Escalations now also come from a reporter's unsatisfied rating (the problem ledger), besides the step's clock.
ALTER TABLE escalations ADD COLUMN cause TEXT NOT NULL DEFAULT 'deadline' CHECK (cause IN ('deadline', 'unsatisfied_rating'));
