-- Schools and seats, catchments (划片) and distances, the allocation rounds with their frozen pool, placements and
-- waitlist moves, and the purchased seats the finance bureau pays for (政府购买学位, seed 001).
-- The round workflow is the source of truth for a round's progress; these tables are its read model, written by
-- idempotent activities.

-- 001 created schools minimally (id, name, district) so users could point at one; here they get their full shape.
ALTER TABLE schools
  ADD COLUMN kind        TEXT NOT NULL DEFAULT 'public' CHECK (kind IN ('public', 'private')),
  ADD COLUMN address     TEXT,
  -- The stages the school teaches ('primary_1', 'junior_7', …).
  ADD COLUMN stages      TEXT[] NOT NULL DEFAULT '{}',
  ADD COLUMN updated_at  TIMESTAMPTZ NOT NULL DEFAULT now();
CREATE INDEX schools_district ON schools (district);

-- Seats per school, year and stage (招生计划). Private schools also say how many seats the government may buy this
-- year and at what price per seat and year (agreed with finance); public schools leave both null.
CREATE TABLE school_seats (
  school_id          TEXT NOT NULL REFERENCES schools(id),
  year               INTEGER NOT NULL,
  stage              TEXT NOT NULL,
  seats              INTEGER NOT NULL CHECK (seats >= 0),
  purchasable_seats  INTEGER CHECK (purchasable_seats >= 0),
  seat_price         NUMERIC(10, 2) CHECK (seat_price >= 0),
  updated_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (school_id, year, stage)
);

-- Catchments: a street (街道/乡镇), or one community (社区/村) of it, belongs to a public school's catchment for a
-- stage. community = '' means the whole street; a community row overrides its street's row.
CREATE TABLE catchments (
  district    TEXT NOT NULL,
  stage       TEXT NOT NULL,
  street      TEXT NOT NULL,
  community   TEXT NOT NULL DEFAULT '',
  school_id   TEXT NOT NULL REFERENCES schools(id),
  updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (district, stage, street, community)
);

-- Distances (or adjacency: any consistent unit) the administrators set between two schools, stored once per pair
-- in id order; the allocation reads each pair both ways.
CREATE TABLE school_distances (
  school_id        TEXT NOT NULL REFERENCES schools(id),
  other_school_id  TEXT NOT NULL REFERENCES schools(id),
  distance         NUMERIC(10, 2) NOT NULL CHECK (distance >= 0),
  updated_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (school_id, other_school_id),
  CHECK (school_id < other_school_id)
);

-- Every accepted spreadsheet (a refused one writes nothing, not even this row).
CREATE TABLE school_data_imports (
  id           BIGSERIAL PRIMARY KEY,
  kind         TEXT NOT NULL,
  file_name    TEXT NOT NULL,
  format       TEXT NOT NULL CHECK (format IN ('csv', 'xlsx')),
  rows_loaded  JSONB NOT NULL,
  imported_by  UUID NOT NULL REFERENCES users(id),
  imported_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One row per allocation round; round_id is also the round workflow's id.
CREATE TABLE allocation_rounds (
  round_id             TEXT PRIMARY KEY,
  district             TEXT NOT NULL REFERENCES districts(code),
  year                 INTEGER NOT NULL,
  stage                TEXT NOT NULL,
  round_no             INTEGER NOT NULL CHECK (round_no >= 1),
  phase                TEXT NOT NULL,
  config               JSONB NOT NULL,
  -- The frozen schools, catchments, distances and rules the round ran with (applicants are in allocation_pool).
  input                JSONB,
  stats                JSONB,
  pool_size            INTEGER NOT NULL DEFAULT 0,
  published            INTEGER NOT NULL DEFAULT 0,
  check_in_deadline_at TIMESTAMPTZ,
  check_in_last_day    DATE,
  started_by           UUID REFERENCES users(id),
  started_at           TIMESTAMPTZ NOT NULL DEFAULT now(),
  frozen_at            TIMESTAMPTZ,
  allocated_at         TIMESTAMPTZ,
  published_at         TIMESTAMPTZ,
  closed_at            TIMESTAMPTZ,
  audit_seq            INTEGER NOT NULL DEFAULT 0,
  UNIQUE (district, year, stage, round_no)
);
-- At most one open round per district, year and stage: a child waitlisted in one round must not sit in two pools.
CREATE UNIQUE INDEX allocation_rounds_one_open ON allocation_rounds (district, year, stage) WHERE closed_at IS NULL;

-- The pool as frozen when the round started: what the allocation ranked each child by.
CREATE TABLE allocation_pool (
  round_id            TEXT NOT NULL REFERENCES allocation_rounds(round_id),
  application_number  TEXT NOT NULL REFERENCES applications(application_number),
  community_code      TEXT NOT NULL,
  priority_group      INTEGER NOT NULL,
  points              NUMERIC(8, 1) NOT NULL,
  tie_break           TEXT NOT NULL,
  sibling_group       TEXT,
  siblings_together   BOOLEAN NOT NULL DEFAULT false,
  PRIMARY KEY (round_id, application_number)
);

-- Each child's current placement in the round (domain/allocation.ts Placement), and whether it reached the child.
CREATE TABLE allocation_placements (
  round_id             TEXT NOT NULL REFERENCES allocation_rounds(round_id),
  application_number   TEXT NOT NULL REFERENCES applications(application_number),
  rank                 INTEGER NOT NULL,
  priority_group       INTEGER NOT NULL,
  points               NUMERIC(8, 1) NOT NULL,
  type                 TEXT NOT NULL CHECK (type IN ('catchment', 'adjusted', 'purchased', 'unplaced')),
  school_id            TEXT REFERENCES schools(id),
  school_name_zh       TEXT,
  catchment_school_id  TEXT,
  with_siblings        TEXT[] NOT NULL DEFAULT '{}',
  reason_zh            TEXT NOT NULL,
  -- active: in the round; released: left it (no-show, declined, withdrawn), its seat went back.
  status               TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'released')),
  release_cause        TEXT,
  released_at          TIMESTAMPTZ,
  -- A child the waitlist may no longer move (already checked in, or refused a move).
  settled              BOOLEAN NOT NULL DEFAULT false,
  -- Bumped by every move; published_version = version once the child's application workflow has it.
  version              INTEGER NOT NULL DEFAULT 1,
  published_version    INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (round_id, application_number)
);
CREATE INDEX allocation_placements_rank ON allocation_placements (round_id, rank);
CREATE INDEX allocation_placements_school ON allocation_placements (school_id, status);

-- Every waitlist move, in order (the audit trail has them too).
CREATE TABLE allocation_moves (
  round_id             TEXT NOT NULL REFERENCES allocation_rounds(round_id),
  seq                  INTEGER NOT NULL,
  application_number   TEXT NOT NULL REFERENCES applications(application_number),
  from_school_id       TEXT,
  from_type            TEXT NOT NULL,
  to_school_id         TEXT NOT NULL,
  to_type              TEXT NOT NULL,
  reason_zh            TEXT NOT NULL,
  -- The release that started the chain of moves this one belongs to.
  released_application TEXT,
  release_cause        TEXT,
  moved_at             TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (round_id, seq)
);

-- Government-purchased seats: what the finance bureau pays (政府购买学位经费由财政全额保障, seed 001).
CREATE TABLE purchased_seats (
  round_id            TEXT NOT NULL REFERENCES allocation_rounds(round_id),
  application_number  TEXT NOT NULL REFERENCES applications(application_number),
  school_id           TEXT NOT NULL REFERENCES schools(id),
  year                INTEGER NOT NULL,
  stage               TEXT NOT NULL,
  district            TEXT NOT NULL,
  price               NUMERIC(10, 2),
  -- active: the seat is the child's; cancelled: the child left it or moved to a public school (nothing to pay).
  status              TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
  created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
  cancelled_at        TIMESTAMPTZ,
  PRIMARY KEY (round_id, application_number, school_id)
);
CREATE INDEX purchased_seats_year ON purchased_seats (year, district);
