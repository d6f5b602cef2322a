/**
 * Input that would strand a workflow, refused where it arrives (issue 23): text PostgreSQL cannot store (a lone UTF-16
 * surrogate, NUL) at the API and at a step's own door, a record the database refuses failing at once instead of
 * retrying for ever, and step keys that can never take over a step the service made.
 */
import { ActivityFailure, ApplicationFailure, WorkflowUpdateFailedError } from '@temporalio/client';
import { RetryState } from '@temporalio/common';
import { mapWorkflowError } from '../../api/http/temporal-errors';
import { refusedContentIsFinal } from '../../activities';
import { makeStepWorkflowId, stepActionUpdate } from '../../contracts/department-step';
import { textProblemsIn } from '../../domain/text';
import { applicationStep, submitApplication } from '../support/applications';
import { startHarness, type Harness } from '../support/harness';
import { officerActor, startStandaloneStep } from '../support/steps';
import { waitFor } from '../support/wait';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

const HALF_EMOJI = '请核实 \ud83d'; // the first half of 😀 without the second
const comments = async (stepId: string) =>
  (await h.pool.query(`SELECT count(*)::int AS n FROM audit_log WHERE stream_id = $1 AND action = 'comment'`, [stepId])).rows[0].n as number;

describe('text the database cannot store', () => {
  it('is refused at the API with 400 naming the field, and the step stays workable', async () => {
    const stepId = await startStandaloneStep(h, 'unstorable', { departmentCode: 'police' });
    const police = await h.as('police');
    const bad: [string, string][] = [
      [HALF_EMOJI, '不完整的字符'],
      ['\udc00开头就是后半个', '不完整的字符'],
      ['空字符\u0000在中间', '空字符'],
    ];
    for (const [text, what] of bad) {
      const r = await police.post(`/api/steps/${stepId}/comments`, { text });
      expect({ status: r.status, fields: r.body.error?.fields }).toEqual({ status: 400, fields: [{ field: 'body.text', message: expect.stringContaining(what) }] });
    }
    expect(await comments(stepId)).toBe(0);
    // Whole characters are fine, a rare one included.
    const ok = await police.post(`/api/steps/${stepId}/comments`, { text: '请核实 😀 𠀀' });
    expect(ok.status).toBe(200);
    expect(await comments(stepId)).toBe(1);
  });

  it('refuses a new step whose title cannot be stored: 400, and no step is made', async () => {
    const supervisor = await h.as('supervisor');
    const before = (await h.pool.query('SELECT count(*)::int AS n FROM steps')).rows[0].n;
    const r = await supervisor.post('/api/steps', { departmentCode: 'police', title: `核验居住证${HALF_EMOJI}`, deadline: { class: 'ordinary' } });
    expect(r.status).toBe(400);
    expect(r.body.error.fields).toEqual([{ field: 'body.title', message: expect.stringContaining('不完整的字符') }]);
    expect((await h.pool.query('SELECT count(*)::int AS n FROM steps')).rows[0].n).toBe(before);
  });

  it('names a bad field inside a nested object and a bad field name', () => {
    expect(textProblemsIn({ facts: { note: HALF_EMOJI }, ['\ud800']: 1 }, 'body').map((p) => p.field)).toEqual(['body.facts.note', 'body.\uFFFD']);
  });

  it('is refused by the step itself when an act reaches the workflow without the API', async () => {
    const stepId = await startStandaloneStep(h, 'unstorable-direct', { departmentCode: 'police' });
    const handle = h.client.workflow.getHandle(makeStepWorkflowId(stepId));
    const actor = officerActor('unstorable', 'police');
    const refused = await handle.executeUpdate(stepActionUpdate, { args: [{ action: { type: 'comment', text: HALF_EMOJI }, actor, requestId: 'r-bad' }] }).catch((e) => e);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    expect(((refused as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe('step_invalid_argument');
    // Refused before it was accepted: the step takes the next act as if nothing happened.
    const done = await handle.executeUpdate(stepActionUpdate, { args: [{ action: { type: 'comment', text: '请核实' }, actor, requestId: 'r-good' }] });
    expect(done.seq).toBe(2);
    await waitFor(async () => (await comments(stepId)) === 1, { what: 'the good comment recorded' });
  });
});

describe('a record the database refuses for its content', () => {
  it('fails at once and for good (an activity would otherwise retry for ever); an outage still retries', async () => {
    const activities = refusedContentIsFinal({
      storeText: async (text: string) => (await h.pool.query('SELECT $1::text AS t', [text])).rows[0].t as string,
      outage: async () => {
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      },
    });
    expect(await activities.storeText('完整')).toBe('完整');
    const refused = await activities.storeText('空字符\u0000').catch((e) => e);
    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect(refused).toMatchObject({ type: 'RecordRefused', nonRetryable: true });
    expect(refused.message).toMatch(/^数据库拒绝保存该记录（SQLSTATE 22/);
    const outage = await activities.outage().catch((e) => e);
    expect(outage).not.toBeInstanceOf(ApplicationFailure);
    expect(outage.code).toBe('ECONNREFUSED');
    // What the API makes of it when an act's record was refused so: the act is refused with 422, in Chinese.
    const failed = new WorkflowUpdateFailedError('update failed', new ActivityFailure('activity failed', 'recordStepEvent', '3', RetryState.NON_RETRYABLE_FAILURE, undefined, refused));
    expect(mapWorkflowError(failed, 'step')).toMatchObject({ status: 422, code: 'invalid_argument', message: refused.message });
  });
});

describe('step keys', () => {
  it('can never name a step the service made: a key equal to an application step id makes a step of its own', async () => {
    const parent = await h.newUser('applicant');
    const appNo = await submitApplication(parent);
    const edu = await h.as('edu');
    const pre = await applicationStep(edu, appNo, 'pre_review');
    expect((await edu.post(`/api/steps/${pre}/complete`, { outcome: 'confirmed', findings: '材料齐全' })).status).toBe(200);
    const police = await h.as('police');
    const policeStep = await applicationStep(police, appNo, 'police');

    const supervisor = await h.as('supervisor');
    const r = await supervisor.post('/api/steps', { stepKey: policeStep, departmentCode: 'hrss', title: '冒名的任务', deadline: { class: 'ordinary' } });
    expect(r.status).toBe(201);
    expect(r.body.stepId).toBe(`task:${policeStep}`);
    // The application's step is still police's, and police can still work it.
    expect((await police.get(`/api/steps/${policeStep}`)).body).toMatchObject({ stepId: policeStep, departmentCode: 'police' });
    expect((await police.post(`/api/steps/${policeStep}/sign`)).status).toBe(200);
    const hrss = await h.as('hrss');
    await waitFor(async () => (await hrss.get(`/api/steps/task:${policeStep}`)).status === 200, { what: 'the keyed step in hrss inbox' });
  });

  it('refuses a key outside the allowed characters in Chinese, naming the field', async () => {
    const supervisor = await h.as('supervisor');
    const r = await supervisor.post('/api/steps', { stepKey: 'task:x', departmentCode: 'hrss', title: '任务', deadline: { class: 'ordinary' } });
    expect(r.status).toBe(400);
    expect(r.body.error.fields).toEqual([{ field: 'body.stepKey', message: expect.stringContaining('事项标识') }]);
  });
});
