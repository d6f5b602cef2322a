/**
 * The stalled-workflow sweep (operations/stalled-workflows.ts) as an operator relies on it: each way a workflow can
 * stop moving is listed while it lasts, naming the workflow and the reason, and is gone once the workflow moves again.
 */
import crypto from 'node:crypto';
import { standaloneStepId, makeStepWorkflowId } from '../../contracts/department-step';
import { findStalledWorkflows, type Stall } from '../../operations/stalled-workflows';
import { startHarness, type Harness } from '../support/harness';
import { waitFor } from '../support/wait';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const stallsOf = async (workflowId: string): Promise<Stall[]> =>
  (await findStalledWorkflows({ client: h.client, pool: h.pool })).stalls.filter((s) => s.workflowId === workflowId);

async function newStep(): Promise<{ stepId: string; workflowId: string }> {
  const supervisor = await h.as('supervisor');
  const key = `stall-${crypto.randomUUID().slice(0, 8)}`;
  const r = await supervisor.post('/api/steps', { stepKey: key, departmentCode: 'police', title: '核实居住登记', deadline: { class: 'ordinary' } });
  expect(r.status).toBe(201);
  const stepId = standaloneStepId(key);
  await waitFor(async () => (await h.pool.query('SELECT 1 FROM steps WHERE step_id = $1', [stepId])).rowCount === 1, { what: `step ${stepId} in the read model` });
  return { stepId, workflowId: makeStepWorkflowId(stepId) };
}

it('lists a recording that keeps failing while it fails, with the activity and the error; not once it succeeds', async () => {
  const { stepId, workflowId } = await newStep();
  const trigger = `stall_${crypto.randomUUID().slice(0, 8)}`;
  // The database refuses this step's audit rows (not for their content, so the recording retries) until the trigger goes.
  await h.pool.query(`CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$`);
  await h.pool.query(`CREATE TRIGGER ${trigger} BEFORE INSERT ON audit_log FOR EACH ROW WHEN (NEW.stream_id = '${stepId}') EXECUTE FUNCTION ${trigger}()`);
  const police = await h.as('police');
  const signing = police.post(`/api/steps/${stepId}/sign`, {});
  try {
    const stall = await waitFor(async () => {
      return (await stallsOf(workflowId)).find((s) => s.kind === 'activity_retrying');
    }, { timeoutMs: 60_000, what: 'the retrying recording to be listed' });
    expect(stall).toMatchObject({ workflowType: 'departmentStepWorkflow', subject: 'recordStepEvent' });
    expect(stall.attempt).toBeGreaterThanOrEqual(3);
    expect(stall.lastError).toContain('refused for the test');
  } finally {
    await h.pool.query(`DROP TRIGGER ${trigger} ON audit_log`);
    await h.pool.query(`DROP FUNCTION ${trigger}()`);
  }
  await signing;
  await waitFor(async () => (await h.pool.query(`SELECT 1 FROM steps WHERE step_id = $1 AND state = 'signed'`, [stepId])).rowCount === 1, { what: 'the signing recorded once the database takes it' });
  await waitFor(async () => (await stallsOf(workflowId)).length === 0, { what: 'the recording no longer listed' });
});

it('lists a workflow whose workflow task keeps failing, with the failure', async () => {
  const workflowId = `stall-unknown-type-${crypto.randomUUID().slice(0, 8)}`;
  // A workflow type no worker knows: each of its workflow tasks fails, as a bad deploy's would.
  const handle = await h.client.workflow.start('workflowTypeNobodyRegistered', { taskQueue: h.taskQueue, workflowId });
  try {
    const stall = await waitFor(async () => {
      return (await stallsOf(workflowId)).find((s) => s.kind === 'workflow_task_failing');
    }, { timeoutMs: 60_000, what: 'the failing workflow task to be listed' });
    expect(stall.attempt).toBeGreaterThanOrEqual(2);
    expect(stall.lastError).toContain('workflowTypeNobodyRegistered');
  } finally {
    await handle.terminate('test over');
  }
  expect(await stallsOf(workflowId)).toEqual([]);
});

it('lists a step whose deadline passed long ago without the step becoming overdue', async () => {
  const { stepId, workflowId } = await newStep();
  expect(await stallsOf(workflowId)).toEqual([]);
  // As if the workflow's deadline timer had not fired: the read model has the deadline two hours ago, not overdue.
  await h.pool.query(`UPDATE steps SET deadline_at = now() - interval '2 hours' WHERE step_id = $1`, [stepId]);
  const stalls = await stallsOf(workflowId);
  expect(stalls).toEqual([expect.objectContaining({ kind: 'deadline_not_fired', subject: stepId, workflowType: 'departmentStepWorkflow', lastError: null })]);
  await h.pool.query(`UPDATE steps SET overdue = true WHERE step_id = $1`, [stepId]);
  expect(await stallsOf(workflowId)).toEqual([]);
});
