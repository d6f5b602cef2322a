/**
 * An application hosts its departments' steps in its own workflow (workflows/hosted-step.ts): one workflow per
 * application. What officers and parents rely on stays: each step answers for itself, one department never acts
 * for another, nothing an application still owes is dropped when it ends, and nothing is left running after it.
 */
import crypto from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { makeApplicationWorkflowId, placementSignal } from '../../contracts/application';
import { getStepQuery, makeStepWorkflowId, stepActionUpdate, type StepActionRequest } from '../../contracts/department-step';
import type { Actor } from '../../domain/roles';
import { startHarness, type Harness } from '../support/harness';
import { ELIGIBLE_FACTS, applicationStep, submitApplication } from '../support/applications';
import { waitFor } from '../support/wait';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

const submit = submitApplication;
const stepOf = applicationStep;

async function complete(dept: string, appNo: string, part: string, facts: Record<string, unknown> = {}, outcome = 'confirmed') {
  const officer = await h.as(dept);
  const stepId = await stepOf(officer, appNo, part);
  const r = await officer.post(`/api/steps/${stepId}/complete`, { outcome, findings: '经核验', facts });
  expect(r.status).toBe(200);
}

const FACTS = ELIGIBLE_FACTS;

async function throughVerification(appNo: string, facts: Record<string, Record<string, unknown>> = FACTS) {
  await complete('edu', appNo, 'pre_review');
  for (const [dept, f] of Object.entries(facts)) await complete(dept, appNo, dept, f);
}

const appState = async (appNo: string) =>
  (await h.pool.query<{ state: string }>('SELECT state FROM applications WHERE application_number = $1', [appNo])).rows[0]?.state;
const stepState = async (stepId: string) => (await h.pool.query<{ state: string }>('SELECT state FROM steps WHERE step_id = $1', [stepId])).rows[0]?.state;
const status = async (appNo: string) => (await h.client.workflow.getHandle(makeApplicationWorkflowId(appNo)).describe()).status.name;

const officer = (departmentCode: string): Actor => ({ userId: `hosted-${departmentCode}`, username: departmentCode, displayName: `${departmentCode}经办人`, role: 'officer', departmentCode, schoolId: null });

describe('one workflow per application', () => {
  it('runs pre-review and every verification step inside the application, and /live reads each from it', async () => {
    const parent = await h.newUser('applicant');
    const appNo = await submit(parent);
    await throughVerification(appNo);
    await waitFor(async () => (await appState(appNo)) === 'in_pool', { what: `${appNo} in the pool` });

    const rows = (await h.pool.query<{ step_id: string; workflow_id: string }>(`SELECT step_id, workflow_id FROM steps WHERE subject_type = 'application' AND subject_id = $1 ORDER BY step_id`, [appNo])).rows;
    expect(rows.map((r) => r.step_id)).toEqual(['housing', 'hrss', 'police', 'pre_review'].map((p) => `${appNo}.${p}`));
    expect(new Set(rows.map((r) => r.workflow_id))).toEqual(new Set([makeApplicationWorkflowId(appNo)]));
    for (const r of rows) {
      await expect(h.client.workflow.getHandle(makeStepWorkflowId(r.step_id)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    }

    const live = await (await h.as('supervisor')).get(`/api/steps/${appNo}.police/live`);
    expect(live.status).toBe(200);
    expect(live.body).toMatchObject({ stepId: `${appNo}.police`, departmentCode: 'police', state: 'done', outcome: 'confirmed' });
  });
});

describe('acts sent straight to the application workflow', () => {
  it('refuses another department acting on a step and an act naming no step of this application, changing nothing', async () => {
    const parent = await h.newUser('applicant');
    const appNo = await submit(parent);
    await complete('edu', appNo, 'pre_review');
    const policeStep = await stepOf(await h.as('police'), appNo, 'police');
    const handle = h.client.workflow.getHandle(makeApplicationWorkflowId(appNo));
    const act = (req: Omit<StepActionRequest, 'requestId'>) => handle.executeUpdate(stepActionUpdate, { args: [{ ...req, requestId: crypto.randomUUID() }] });

    const asHrss = act({ stepId: policeStep, action: { type: 'sign' }, actor: officer('hrss') });
    await expect(asHrss).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(asHrss).rejects.toMatchObject({ cause: { type: 'step_forbidden' } });

    const unnamed = act({ action: { type: 'sign' }, actor: officer('police') });
    await expect(unnamed).rejects.toMatchObject({ cause: { type: 'step_invalid_state' } });
    const foreign = act({ stepId: '2027-DEMO-999999.police', action: { type: 'sign' }, actor: officer('police') });
    await expect(foreign).rejects.toMatchObject({ cause: { message: expect.stringContaining(`not a step of application ${appNo}`) } });

    const trail = (await h.pool.query<{ action: string }>('SELECT action FROM audit_log WHERE stream_id = $1 ORDER BY seq', [policeStep])).rows;
    expect(trail.map((r) => r.action)).toEqual(['assigned']);
    expect(await stepState(policeStep)).toBe('open');
    expect(await handle.query(getStepQuery, policeStep)).toMatchObject({ state: 'open', departmentCode: 'police' });

    const signed = await act({ stepId: policeStep, action: { type: 'sign' }, actor: officer('police') });
    expect(signed.state).toBe('signed');
  });
});

describe('an application that ends while one of its steps is open', () => {
  it('cancels the aid step of a family found ineligible, and the workflow ends', async () => {
    const parent = await h.newUser('applicant');
    const appNo = await submit(parent, { housing: 'rented_unregistered', specialCategories: ['needy_family'] });
    await throughVerification(appNo, { ...FACTS, housing: { rentalRegistered: false, communityResidenceProof: true } });
    await waitFor(async () => (await status(appNo)) === 'COMPLETED', { what: `${appNo} to end` });
    expect(await appState(appNo)).toBe('rejected');
    expect(await stepState(`${appNo}.aid`)).toBe('cancelled');
    const audit = (await h.pool.query<{ details: { reason?: string } }>(`SELECT details FROM audit_log WHERE stream_id = $1 AND action = 'cancelled'`, [`${appNo}.aid`])).rows;
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details.reason).toBe('申请已结束（未通过审核），本环节不再办理');
  });

  it('waits for the aid decision of a child who has checked in, then records it and ends', async () => {
    const parent = await h.newUser('applicant');
    const appNo = await submit(parent, { specialCategories: ['needy_family'] });
    await throughVerification(appNo);
    await waitFor(async () => (await appState(appNo)) === 'in_pool', { what: `${appNo} in the pool` });
    const handle = h.client.workflow.getHandle(makeApplicationWorkflowId(appNo));
    await handle.signal(placementSignal, { roundId: `hosted-round-${appNo}`, schoolId: 'demo-primary-1', schoolNameZh: '示范区第一小学', type: 'catchment', reasonZh: '划片学校有学位' });
    await waitFor(async () => (await appState(appNo)) === 'placed', { what: `${appNo} placed` });
    expect((await (await h.as('school')).post(`/api/applications/${appNo}/check-in`, { result: 'checked_in' })).status).toBe(200);
    expect(await appState(appNo)).toBe('enrolled');

    // Enrolled, but the aid is still owed: the workflow keeps the finance step open rather than dropping it.
    expect(await status(appNo)).toBe('RUNNING');
    expect(await stepState(`${appNo}.aid`)).toBe('open');
    await complete('finance', appNo, 'aid', { amount: 1200 });
    await waitFor(async () => (await status(appNo)) === 'COMPLETED', { what: `${appNo} to end` });
    const aid = (await h.pool.query(`SELECT 1 FROM audit_log WHERE stream_id = $1 AND action = 'aid_decided'`, [appNo])).rowCount;
    expect(aid).toBe(1);
    expect((await parent.get(`/api/applications/${appNo}`)).body.aid).toMatchObject({ granted: true, amount: 1200 });
  });
});

describe("the supervision office's acts on an application's steps", () => {
  it('reaches each step of one application through its workflow: refuses urging steps not yet due, records a comment, moves a reassigned step', async () => {
    const parent = await h.newUser('applicant');
    const appNo = await submit(parent);
    await complete('edu', appNo, 'pre_review');
    const police = await h.as('police');
    const hrss = await h.as('hrss');
    const policeStep = await stepOf(police, appNo, 'police');
    const hrssStep = await stepOf(hrss, appNo, 'hrss');
    const supervisor = await h.as('supervisor');

    // Both just assigned: neither is due soon, and each step says so for itself (an overdue one is urged in
    // application-clock.test.ts).
    const urged = await supervisor.post('/api/urges', { stepIds: [policeStep, hrssStep], message: '请加快核验', level: 'serious' });
    expect(urged.status).toBe(200);
    expect(urged.body).toMatchObject({ urged: 0, refused: 2, notFound: 0 });
    for (const r of urged.body.results) expect(r).toMatchObject({ status: 409, code: 'invalid_state', reason: expect.stringContaining('due soon or overdue') });

    expect((await supervisor.post(`/api/steps/${policeStep}/comments`, { text: '请注意核对居住证有效期' })).status).toBe(200);
    const trail = (await h.pool.query<{ action: string; actor_role: string }>('SELECT action, actor_role FROM audit_log WHERE stream_id = $1 ORDER BY seq', [policeStep])).rows;
    expect(trail.map((r) => r.action)).toEqual(['assigned', 'comment']);
    expect(trail[1]!.actor_role).toBe('supervisor');

    // Reassigned to housing: hrss loses it, housing signs it, in the same workflow.
    expect((await supervisor.post(`/api/steps/${hrssStep}/reassign`, { departmentCode: 'housing', reason: '社保数据由住建部门代核' })).status).toBe(200);
    expect((await hrss.post(`/api/steps/${hrssStep}/sign`, {})).status).toBe(403);
    const housing = await h.as('housing');
    expect((await housing.post(`/api/steps/${hrssStep}/sign`, {})).status).toBe(200);
    const row = (await h.pool.query<{ department_code: string; state: string; workflow_id: string }>('SELECT department_code, state, workflow_id FROM steps WHERE step_id = $1', [hrssStep])).rows[0];
    expect(row).toEqual({ department_code: 'housing', state: 'signed', workflow_id: makeApplicationWorkflowId(appNo) });
  });
});
