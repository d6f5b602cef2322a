-- ID numbers and phone numbers of an application are sealed (AES-256-GCM, key derived from PERSONAL_DATA_KEY) in
-- personal_sealed; the form column keeps them masked. A purged application has neither (retention).
ALTER TABLE applications ADD COLUMN personal_sealed BYTEA;
ALTER TABLE applications ADD COLUMN purged_at TIMESTAMPTZ;
