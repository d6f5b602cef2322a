-- Uploaded materials, and the registry exports the verifying departments load ("数据共享为主、人工核查为辅", seed 004).

-- Content-addressed: file_id is the SHA-256 (hex) of the bytes, so the same file uploaded twice, by one parent or by
-- two, is stored once. Who may read it is material_owners, not uploaded_by (which only says who stored it first).
CREATE TABLE materials (
  file_id      TEXT PRIMARY KEY CHECK (file_id ~ '^[0-9a-f]{64}$'),
  media_type   TEXT NOT NULL CHECK (media_type IN ('application/pdf', 'image/jpeg', 'image/png')),
  size_bytes   INTEGER NOT NULL CHECK (size_bytes BETWEEN 1 AND 10485760),
  content      BYTEA NOT NULL,
  uploaded_by  UUID NOT NULL REFERENCES users(id),
  uploaded_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT material_size_matches CHECK (octet_length(content) = size_bytes)
);
-- PDFs, JPEGs and PNGs are compressed already: store them out of line without trying to compress them again.
ALTER TABLE materials ALTER COLUMN content SET STORAGE EXTERNAL;

-- Each uploader sees only what they uploaded; the same bytes from two parents are two rows here, one in materials.
CREATE TABLE material_owners (
  file_id      TEXT NOT NULL REFERENCES materials(file_id),
  user_id      UUID NOT NULL REFERENCES users(id),
  uploaded_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (file_id, user_id)
);
CREATE INDEX material_owners_user ON material_owners (user_id);

-- One row per file a department loaded. A file with any bad row is refused whole and leaves no row here.
CREATE TABLE registry_imports (
  id               BIGSERIAL PRIMARY KEY,
  department_code  TEXT NOT NULL REFERENCES departments(code),
  file_name        TEXT NOT NULL CHECK (file_name <> ''),
  rows_total       INTEGER NOT NULL CHECK (rows_total >= 0),
  rows_loaded      INTEGER NOT NULL CHECK (rows_loaded BETWEEN 0 AND rows_total),
  imported_by      UUID NOT NULL REFERENCES users(id),
  imported_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX registry_imports_department ON registry_imports (department_code, id DESC);

-- The current record per department and key; a newer import replaces the record for the same key. match_key is
-- HMAC-SHA256 (server secret) of the normalized identifiers (domain/registries.ts), never a plain ID number, and
-- record holds only what the confirmation needs, a masked ID number and the row number.
CREATE TABLE registry_records (
  department_code  TEXT NOT NULL REFERENCES departments(code),
  match_key        TEXT NOT NULL CHECK (match_key ~ '^[0-9a-f]{64}$'),
  record           JSONB NOT NULL,
  import_id        BIGINT NOT NULL REFERENCES registry_imports(id),
  PRIMARY KEY (department_code, match_key)
);
CREATE INDEX registry_records_import ON registry_records (import_id);
