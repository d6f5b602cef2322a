/**
 * An application whose parent misses the 补正 deadline lapses, with notice: on the real servers, with the working-day
 * schedule compressed (one calendar day ≈ 1.2 s) through the same code that runs at full length.
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
