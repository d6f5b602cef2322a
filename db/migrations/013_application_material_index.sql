-- An officer may read a parent's file only when it belongs to an application their department has a step on
-- (db/repositories/materials.ts officerMayReadMaterial). These indexes find the applications that name a file, on the
-- form or in a 补正 answer, without reading every form.
CREATE INDEX applications_form_materials ON applications USING gin ((form->'materials') jsonb_path_ops);
CREATE INDEX applications_form_supplements ON applications USING gin ((form->'supplements') jsonb_path_ops);
