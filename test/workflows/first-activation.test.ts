/**
 * The step and application workflows record through local activities, so the read model can show a new step or
 * application before the workflow task that recorded it completes. If the worker dies then, the retried task meets,
 * in its first activation, an act that someone sent on what they saw. These tests make that first activation on
 * purpose — the workflow is started and sent its act while no worker polls its task queue, then a worker starts —
 * and check that the first record still comes first and the act after it, each once.
 */
import crypto from 'node:crypto';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { makeStepWorkflowId, stepActionUpdate, type StepInput } from '../../contracts/department-step';
import type { Actor } from '../../domain/roles';
import { encryptedDataConverter } from '../../platform/payload-codec';
import { createWorker } from '../../worker/create-worker';
import { TEST_PAYLOAD_KEYS, TEST_PERSONAL_DATA_KEY, startHarness, type Harness } from '../support/harness';
import { waitFor } from '../support/wait';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

const supervisor: Actor = { userId: 'test-supervisor', username: 'supervisor', displayName: '督查室', role: 'supervisor', departmentCode: null, schoolId: null };
const police: Actor = { userId: 'test-police', username: 'police', displayName: '公安局经办人', role: 'officer', departmentCode: 'police', schoolId: null };

/** A worker on a task queue of its own, started only when the test says so. */
async function lateWorker(taskQueue: string): Promise<{ worker: Worker; stop: () => Promise<void> }> {
  const connection = await NativeConnection.connect({ address: process.env.TEST_TEMPORAL_ADDRESS! });
  const worker = await createWorker({
    connection,
    namespace: 'default',
    taskQueue,
    pool: h.pool,
    workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
    personalDataKey: TEST_PERSONAL_DATA_KEY,
    dataConverter: encryptedDataConverter(TEST_PAYLOAD_KEYS),
  });
  const running = worker.run();
  return {
    worker,
    stop: async () => {
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

describe('an act that arrives in the first activation', () => {
  it('is recorded after the step’s assignment, once', async () => {
    const taskQueue = `late-${crypto.randomUUID()}`;
    const stepId = `first-${crypto.randomUUID()}`;
    const input: StepInput = {
      stepId,
      departmentCode: 'police',
      title: '核验居住证',
      kind: 'verification.residence_permit',
      subject: { type: 'standalone', id: stepId },
      deadline: { class: 'ordinary' },
      requiresReview: false,
      createdBy: supervisor,
    };
    const handle = await h.client.workflow.start('departmentStepWorkflow', { taskQueue, workflowId: makeStepWorkflowId(stepId), args: [input] });
    // Sent before any worker has seen the workflow: it is delivered together with the start.
    const completion = handle.executeUpdate(stepActionUpdate, {
      args: [{ action: { type: 'complete', outcome: 'confirmed', findings: '居住证有效', evidence: [] }, actor: police, requestId: `req-${stepId}` }],
      updateId: `complete-${stepId}`,
    });
    await new Promise((r) => setTimeout(r, 1_000));
    const w = await lateWorker(taskQueue);
    try {
      expect(await completion).toMatchObject({ state: 'done' });
      const rows = await waitFor(async () => {
        const r = await h.pool.query<{ seq: number; action: string }>('SELECT seq, action FROM audit_log WHERE stream_id = $1 ORDER BY seq', [stepId]);
        return r.rows.some((x) => x.action === 'completed') ? r.rows : undefined;
      });
      expect(rows.map((x) => [x.seq, x.action])).toEqual([
        [1, 'assigned'],
        [2, 'completed'],
      ]);
      expect((await h.pool.query('SELECT state FROM steps WHERE step_id = $1', [stepId])).rows[0]).toEqual({ state: 'done' });
    } finally {
      await w.stop();
    }
  });
});
