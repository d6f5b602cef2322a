/**
 * An application's clocks on the real servers, with the working-day schedule compressed (one calendar day ≈ 1.2 s)
 * through the same code that runs at full length: a parent who misses the 补正 deadline, and a department step that
 * runs past its deadline inside the application.
 */
import { startHarness, type Harness } from '../support/harness';
import { applicationForm } from '../support/application-fixtures';
import { waitFor } from '../support/wait';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ timeScaleFactor: 72_000 });
});
afterAll(() => h.stop());

it('lapses an application whose parent does not supplement in time, and tells the parent', async () => {
  const parent = await h.newUser('applicant');
  const appNo = (await parent.post('/api/applications', applicationForm())).body.applicationNumber;
  const edu = await h.as('edu');
  const stepId = `${appNo}.pre_review`;
  await waitFor(async () => (await edu.get(`/api/steps/${stepId}`)).status === 200);

  const asked = await edu.post(`/api/applications/${appNo}/supplement-requests`, { items: ['社区居住证明'], workingDays: 1 });
  expect(asked.status).toBe(200);

  const lapsed = await waitFor(async () => {
    const r = await parent.get(`/api/applications/${appNo}`);
    return r.body.state === 'lapsed' ? r.body : undefined;
  }, { timeoutMs: 40_000, what: 'the lapse' });
  expect(lapsed.stateZh).toBe('逾期未补正，申请失效');
  expect((await edu.get(`/api/steps/${stepId}`)).body.state).toBe('cancelled');
  const notes = await parent.get('/api/notifications');
  expect(notes.body.items.map((n: any) => n.title)).toContain(`申请已失效（${appNo}）`);
  // Too late now: the parent's answer is refused and changes nothing.
  expect((await parent.post(`/api/applications/${appNo}/supplements`, { note: '补交' })).status).toBe(409);
}, 60_000);

it("escalates a verification step that runs past its deadline inside the application, and the office's urging notice is answered there", async () => {
  const parent = await h.newUser('applicant');
  const appNo = (await parent.post('/api/applications', applicationForm())).body.applicationNumber;
  const edu = await h.as('edu');
  await waitFor(async () => (await edu.get(`/api/steps/${appNo}.pre_review`)).status === 200);
  expect((await edu.post(`/api/steps/${appNo}.pre_review/complete`, { outcome: 'confirmed', findings: '材料齐全' })).status).toBe(200);
  const police = await h.as('police');
  const stepId = `${appNo}.police`;

  // The step's clock runs in the application's workflow: past the deadline the first escalation rung is recorded.
  const overdue = await waitFor(async () => {
    const r = (await h.pool.query<{ overdue: boolean; escalation_level: number; workflow_id: string }>('SELECT overdue, escalation_level, workflow_id FROM steps WHERE step_id = $1', [stepId])).rows[0];
    return r && r.overdue && r.escalation_level >= 1 ? r : undefined;
  }, { timeoutMs: 40_000, what: 'the police step to be overdue and escalated' });
  expect(overdue.workflow_id).toBe(`application-${appNo}`);

  const supervisor = await h.as('supervisor');
  const urged = await supervisor.post(`/api/steps/${stepId}/urges`, { message: '已逾期，请当日办结', level: 'severe' });
  expect(urged.status).toBe(200);
  expect(urged.body.urgeNumber).toEqual(expect.any(String));
  // Only the department the step is with may answer it.
  expect((await (await h.as('hrss')).post(`/api/steps/${stepId}/urge-replies`, { urgeNumber: urged.body.urgeNumber, reply: '代答' })).status).toBe(403);
  expect((await police.post(`/api/steps/${stepId}/urge-replies`, { urgeNumber: urged.body.urgeNumber, reply: '今日办结' })).status).toBe(200);
  const step = (await police.get(`/api/steps/${stepId}`)).body;
  expect(step.urges).toEqual([expect.objectContaining({ number: urged.body.urgeNumber, level: 'severe', reply: '今日办结' })]);
  expect(step.state).toBe('open');
}, 60_000);
