-- An application now hosts its departments' steps in its own workflow (workflows/hosted-step.ts), so several steps
-- share one workflow id: the step id stays the key, the workflow id is where its acts are sent.
ALTER TABLE steps DROP CONSTRAINT steps_workflow_id_key;
