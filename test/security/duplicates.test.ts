/** The same submission, completion, urge or review sent several times at once has one effect. */
import crypto from 'node:crypto';
import type { StepInput } from '../../contracts/department-step';
import { applicationForm } from '../support/application-fixtures';
import { startHarness, type Harness } from '../support/harness';
import { startStandaloneStep } from '../support/steps';
import { waitFor } from '../support/wait';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  process.stdout.write(`duplicates: ${sent} requests sent in ${cases} bursts, effects recorded ${effects} (one per burst), duplicated ${effects - cases}\n`);
  await h.stop();
});

let sent = 0;
let cases = 0;
let effects = 0;
/** Count a burst and the effects it left, for the printed summary. */
function tally(requests: number, effectRows: number): void {
  sent += requests;
  cases += 1;
  effects += effectRows;
}

const TIMES = 6;

const step = (overrides: Partial<StepInput> = {}) =>
  startStandaloneStep(h, 'dup', { departmentCode: 'police', title: '核验居住证', kind: 'verification', deadline: { class: 'urgent' }, requiresReview: true, assignedAt: new Date().toISOString(), ...overrides });

const count = async (sql: string, args: unknown[]) => Number((await h.pool.query(sql, args)).rows[0].n);
const statuses = (rs: { status: number }[]) => rs.map((r) => r.status).sort();

it('the same application submitted at once from several tabs creates one application', async () => {
  const parent = await h.newUser('applicant');
  const form = applicationForm();
  const rs = await Promise.all(Array.from({ length: TIMES }, () => parent.post('/api/applications', form)));
  expect(statuses(rs)).toEqual([200, 200, 200, 200, 200, 201]);
  expect(new Set(rs.map((r) => r.body.applicationNumber)).size).toBe(1);
  const apps = await count('SELECT count(*) AS n FROM applications WHERE applicant_user_id = $1', [parent.userId]);
  tally(TIMES, apps);
  expect(apps).toBe(1);
  const appNo = rs[0]!.body.applicationNumber;
  await waitFor(async () => (await count(`SELECT count(*) AS n FROM audit_log WHERE stream_id = $1 AND action = 'submitted'`, [appNo])) === 1);
});

it('a completion sent at once, with one key or with several, completes once', async () => {
  const police = await h.as('police');
  const stepId = await step();
  const body = { outcome: 'confirmed', findings: '有效' };
  const key = `k-${crypto.randomUUID()}`;
  const same = await Promise.all(Array.from({ length: TIMES }, () => police.request('POST', `/api/steps/${stepId}/complete`, body, { 'idempotency-key': key })));
  expect(statuses(same)).toEqual(Array(TIMES).fill(200));
  const different = await Promise.all(Array.from({ length: TIMES }, () => police.post(`/api/steps/${stepId}/complete`, body)));
  expect(statuses(different)).toEqual(Array(TIMES).fill(409));
  const completions = await count(`SELECT count(*) AS n FROM audit_log WHERE stream_id = $1 AND action = 'completed'`, [stepId]);
  tally(2 * TIMES, completions);
  expect(completions).toBe(1);
  expect(await count(`SELECT count(*) AS n FROM notifications WHERE step_id = $1 AND kind = 'submitted'`, [stepId])).toBe(1);
});

it('an urge sent at once with one key issues one numbered notice', async () => {
  const supervisor = await h.as('supervisor');
  const stepId = await step({ assignedAt: '2026-03-02T01:00:00Z' });
  await waitFor(async () => (await count(`SELECT count(*) AS n FROM steps WHERE step_id = $1 AND overdue`, [stepId])) === 1);
  const key = `u-${crypto.randomUUID()}`;
  const rs = await Promise.all(Array.from({ length: TIMES }, () => supervisor.request('POST', `/api/steps/${stepId}/urges`, { message: '请今日办结' }, { 'idempotency-key': key })));
  expect(statuses(rs)).toEqual(Array(TIMES).fill(200));
  expect(new Set(rs.map((r) => r.body.urgeNumber)).size).toBe(1);
  const notices = await count('SELECT count(*) AS n FROM urge_notices WHERE step_id = $1', [stepId]);
  tally(TIMES, notices);
  expect(notices).toBe(1);
  expect(await count(`SELECT count(*) AS n FROM notifications WHERE step_id = $1 AND kind = 'urged'`, [stepId])).toBe(1);
});

it('a review sent at once decides once', async () => {
  const police = await h.as('police');
  const supervisor = await h.as('supervisor');
  const stepId = await step();
  expect((await police.post(`/api/steps/${stepId}/complete`, { outcome: 'confirmed', findings: '有效' })).status).toBe(200);
  const rs = await Promise.all(Array.from({ length: TIMES }, () => supervisor.post(`/api/steps/${stepId}/review`, { decision: 'accept', feedback: '同意' })));
  expect(statuses(rs)).toEqual([200, ...Array(TIMES - 1).fill(409)]);
  const reviews = await count(`SELECT count(*) AS n FROM audit_log WHERE stream_id = $1 AND action = 'review'`, [stepId]);
  tally(TIMES, reviews);
  expect(reviews).toBe(1);
  expect(await count(`SELECT count(*) AS n FROM notifications WHERE step_id = $1 AND kind = 'decision'`, [stepId])).toBe(1);
});
