-- The working-day calendar that department deadlines count in: China's statutory holidays and make-up workdays.
-- A year with no row here is not unknown to the service: it falls back to the provisional rule in
-- domain/working-days.ts (weekends and the statutory holidays on their own dates), reported as provisional.

-- One row per year whose arrangement is known. Rows come from the bundled package (loaded_by NULL) or from an
-- administrator entering the State Council notice (loaded_by set); seeding never overwrites an existing year, so an
-- administrator's entry always wins over the package.
CREATE TABLE calendar_years (
  year       INTEGER PRIMARY KEY CHECK (year BETWEEN 1900 AND 2199),
  status     TEXT NOT NULL CHECK (status IN ('official', 'provisional')),
  source     TEXT NOT NULL CHECK (source <> ''),
  -- The notice the days were entered from (e.g. 国务院办公厅关于2027年部分节假日安排的通知), kept as the reason
  -- deadlines moved when a year changed.
  notice     TEXT,
  loaded_by  UUID REFERENCES users(id),
  loaded_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Only the exceptions to the weekend rule (and the weekend days of a holiday, which carry its name). The date as
-- primary key makes "both off and work" impossible; the check keeps every day inside the year that owns it, so
-- replacing a year can never touch another's days.
CREATE TABLE calendar_days (
  date  DATE PRIMARY KEY,
  year  INTEGER NOT NULL REFERENCES calendar_years(year) ON DELETE CASCADE,
  kind  TEXT NOT NULL CHECK (kind IN ('off', 'work')),
  name  TEXT NOT NULL CHECK (name <> ''),
  CONSTRAINT calendar_day_in_its_year CHECK (EXTRACT(YEAR FROM date) = year)
);
CREATE INDEX calendar_days_year ON calendar_days (year);
