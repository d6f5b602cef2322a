/** Standalone department steps for tests: started as POST /api/steps starts them, visible once the read model has them. */
import crypto from 'node:crypto';
import { makeStepWorkflowId, type StepInput } from '../../contracts/department-step';
import type { Actor } from '../../domain/roles';
import type { Harness } from './harness';
import { waitFor } from './wait';

/** The supervision office as the creator of a step (the demo data's supervisor user). */
export const SUPERVISOR_ACTOR: Actor = { userId: 'test-supervisor', username: 'supervisor', displayName: '督查室', role: 'supervisor', departmentCode: null, schoolId: null };

/** An officer of a department as the actor of an act sent straight to a workflow; the user id starts with idPrefix. */
export const officerActor = (idPrefix: string, departmentCode: string): Actor => ({
  userId: `${idPrefix}-${departmentCode}`,
  username: departmentCode,
  displayName: `${departmentCode}经办人`,
  role: 'officer',
  departmentCode,
  schoolId: null,
});

/** An assignment date long past: with an urgent deadline, the reminder and every escalation rung fire at once. */
export const LONG_AGO = '2026-03-02T01:00:00Z';

/**
 * Starts a standalone step workflow for a department (an ordinary-deadline task without review, created by the
 * supervision office, unless the fields say otherwise) and waits until the read model lists it; returns its id.
 */
export async function startStandaloneStep(h: Harness, idPrefix: string, fields: Partial<StepInput> & { departmentCode: string }): Promise<string> {
  const stepId = `${idPrefix}-${crypto.randomUUID()}`;
  const input: StepInput = {
    stepId,
    title: '核实企业用工情况',
    kind: 'task',
    subject: { type: 'standalone', id: stepId },
    deadline: { class: 'ordinary' },
    requiresReview: false,
    createdBy: SUPERVISOR_ACTOR,
    ...fields,
  };
  await h.client.workflow.start('departmentStepWorkflow', { taskQueue: h.taskQueue, workflowId: makeStepWorkflowId(stepId), args: [input] });
  await waitFor(async () => (await h.pool.query('SELECT 1 FROM steps WHERE step_id = $1', [stepId])).rowCount === 1, { what: `step ${stepId}` });
  return stepId;
}
