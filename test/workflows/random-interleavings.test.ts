/**
 * Random interleavings of the departments' acts on one application, on the real servers: fast-check picks which
 * acts arrive together in one workflow task (sent while the worker is stopped) and which one by one, in what order;
 * every history the server records must replay against the same code, and every application must still reach the
 * pool once each department has completed its step.
 */
import crypto from 'node:crypto';
import fc from 'fast-check';
import { makeApplicationWorkflowId } from '../../contracts/application';
import { stepActionUpdate, type StepAction, type StepFacts } from '../../contracts/department-step';
import { applicationStep, ELIGIBLE_FACTS, submitApplication } from '../support/applications';
import { admitUpdate, replayHistoryOf } from '../support/concurrency';
import { startHarness, type Harness } from '../support/harness';
import { officerActor } from '../support/steps';
import { waitFor } from '../support/wait';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

const DEPARTMENTS = ['police', 'hrss', 'housing'] as const;
type Department = (typeof DEPARTMENTS)[number];
type ActKind = 'sign' | 'comment' | 'complete';

const officer = (departmentCode: string) => officerActor('random', departmentCode);
const action = (dept: Department, kind: ActKind): StepAction =>
  kind === 'sign' ? { type: 'sign' } : kind === 'comment' ? { type: 'comment', text: '核验中' } : { type: 'complete', outcome: 'confirmed', findings: '属实', evidence: [], facts: ELIGIBLE_FACTS[dept] as StepFacts };

const act = fc.record({ dept: fc.constantFrom(...DEPARTMENTS), kind: fc.constantFrom<ActKind>('sign', 'comment', 'complete') });
const batch = fc.record({ together: fc.boolean(), acts: fc.array(act, { minLength: 1, maxLength: 4 }) });

it('every interleaving of the departments acts replays, and the application reaches the pool', async () => {
  const tried: string[] = [];
  await fc.assert(
    fc.asyncProperty(fc.array(batch, { minLength: 1, maxLength: 3 }), async (batches) => {
      const parent = await h.newUser('applicant');
      const appNo = await submitApplication(parent);
      const workflowId = makeApplicationWorkflowId(appNo);
      const edu = await h.as('edu');
      expect((await edu.post(`/api/steps/${await applicationStep(edu, appNo, 'pre_review')}/complete`, { outcome: 'confirmed', findings: '齐全' })).status).toBe(200);
      for (const d of DEPARTMENTS) await waitFor(async () => (await h.pool.query('SELECT 1 FROM steps WHERE step_id = $1', [`${appNo}.${d}`])).rowCount === 1, { what: `step ${appNo}.${d}` });
      const send = (a: { dept: Department; kind: ActKind }) => admitUpdate(h.client, workflowId, stepActionUpdate, { stepId: `${appNo}.${a.dept}`, action: action(a.dept, a.kind), actor: officer(a.dept), requestId: crypto.randomUUID() });
      // An act the step no longer allows (a second completion, a sign after completing) is refused; nothing else is.
      const settle = (p: Promise<unknown>) => p.catch((e: { cause?: { type?: string } }) => expect(e.cause?.type).toBe('step_invalid_state'));
      for (const b of batches) {
        if (b.together) {
          const sent = await h.withWorkerStopped(async () => {
            const out = [];
            for (const a of b.acts) out.push(await send(a));
            return out;
          });
          await Promise.all(sent.map((u) => settle(u.result())));
        } else {
          for (const a of b.acts) await settle((await send(a)).result());
        }
      }
      for (const d of DEPARTMENTS) await settle((await send({ dept: d, kind: 'complete' })).result());
      await waitFor(async () => (await h.pool.query(`SELECT 1 FROM applications WHERE application_number = $1 AND state = 'in_pool'`, [appNo])).rowCount === 1, { timeoutMs: 60_000, what: `${appNo} in the pool` });
      await replayHistoryOf(h.client, workflowId);
      tried.push(appNo);
    }),
    { numRuns: 5, endOnFailure: true },
  );
  expect(tried).toHaveLength(5);
}, 600_000);
