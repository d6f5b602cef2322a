-- Evidence files an officer attaches to a step of their own department (a scan of a registry printout, a signed
-- record). The bytes are stored like every other material (materials, content-addressed, with the uploader in
-- material_owners); this table says which step each file is evidence of, so reading it back is checked against the
-- step's department: another department's officers can neither list nor open it.
CREATE TABLE step_evidence_files (
  step_id          TEXT NOT NULL REFERENCES steps(step_id),
  -- Cascade: the retention purge may delete a material whose bytes were also attached here (content addressing).
  file_id          TEXT NOT NULL REFERENCES materials(file_id) ON DELETE CASCADE,
  file_name        TEXT NOT NULL CHECK (file_name <> '' AND length(file_name) <= 200),
  department_code  TEXT NOT NULL REFERENCES departments(code),
  uploaded_by      UUID NOT NULL REFERENCES users(id),
  uploaded_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (step_id, file_id)
);
CREATE INDEX step_evidence_files_file ON step_evidence_files (file_id);

-- A school's list of the children placed with it reads the applications' own placement (what check-in is checked
-- against), by school.
CREATE INDEX applications_placed_school ON applications ((placement->>'schoolId')) WHERE placement IS NOT NULL;
