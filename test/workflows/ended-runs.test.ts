/**
 * A run that ends without closing its steps, and a second run of the same business id (issue 23): an operator
 * terminates a workflow, a repeated request starts it again. Nothing the second run records may be dropped as a
 * repeat of the first's, and the first run's open steps must not stay open in the inboxes for good.
 */
import crypto from 'node:crypto';
import { makeApplicationWorkflowId } from '../../contracts/application';
import { makeStepWorkflowId, standaloneStepId } from '../../contracts/department-step';
import { applicationForm } from '../support/application-fixtures';
import { startHarness, type Api, type Harness } from '../support/harness';
import { waitFor } from '../support/wait';
import { appendRunEvent } from '../../db/repositories/audit';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

const sweep = () => h.client.workflow.execute('endedRunsSweepWorkflow', { taskQueue: h.taskQueue, workflowId: `ended-runs-test-${crypto.randomUUID()}` });

async function terminate(workflowId: string, reason: string): Promise<string> {
  const handle = h.client.workflow.getHandle(workflowId);
  const { runId } = await handle.describe();
  await handle.terminate(reason);
  return runId;
}

const auditOf = async (streamId: string) =>
  (await h.pool.query<{ seq: number; action: string; run_id: string | null }>('SELECT seq, action, run_id FROM audit_log WHERE stream_id = $1 ORDER BY seq', [streamId])).rows;

async function stepOf(officer: Api, stepId: string, state: string) {
  return waitFor(async () => {
    const r = await officer.get(`/api/steps/${stepId}`);
    return r.status === 200 && r.body.state === state ? r.body : undefined;
  }, { what: `step ${stepId} to be ${state}` });
}

describe('a standalone step terminated by an operator', () => {
  it('is closed in the read model with the reason, its department told; a repeated request starts it again and every act of the new run is recorded', async () => {
    const supervisor = await h.as('supervisor');
    const police = await h.as('police');
    const key = `ended-${crypto.randomUUID().slice(0, 8)}`;
    const body = { stepKey: key, departmentCode: 'police', title: '核实流动人口居住登记', deadline: { class: 'ordinary' } };
    expect((await supervisor.post('/api/steps', body)).status).toBe(201);
    const stepId = standaloneStepId(key);
    await stepOf(police, stepId, 'open');
    expect((await police.post(`/api/steps/${stepId}/sign`, {})).status).toBe(200);
    await stepOf(police, stepId, 'signed');

    const firstRun = await terminate(makeStepWorkflowId(stepId), '误派，重新派单');
    const swept = await sweep();
    expect(swept.stepsClosed).toBeGreaterThanOrEqual(1);
    const closed = await stepOf(police, stepId, 'cancelled');
    expect(closed.timeline.at(-1)).toMatchObject({ action: 'cancelled', details: { reason: '该流程已被系统管理员终止（原因：误派，重新派单）' } });
    const told = await h.pool.query(`SELECT title, body FROM notifications WHERE step_id = $1 AND recipient_department = 'police' AND dedupe_key LIKE '%:run-ended'`, [stepId]);
    expect(told.rows).toEqual([{ title: '环节已撤销：核实流动人口居住登记', body: expect.stringContaining('如需继续，请联系系统管理员重新发起') }]);
    // A second sweep finds nothing more to do for that run.
    await sweep();
    expect((await auditOf(stepId)).filter((r) => r.action === 'cancelled')).toHaveLength(1);

    // The repeat of the request starts a second run; its events number from 1 again in the workflow.
    expect((await supervisor.post('/api/steps', body)).status).toBe(201);
    await stepOf(police, stepId, 'open');
    expect((await police.post(`/api/steps/${stepId}/sign`, {})).status).toBe(200);
    expect((await police.post(`/api/steps/${stepId}/complete`, { outcome: 'done', findings: '已核实' })).status).toBe(200);
    const done = await stepOf(police, stepId, 'done');
    expect(done.light).toBe('green');

    const audit = await auditOf(stepId);
    expect(audit.map((r) => r.action)).toEqual(['assigned', 'sign', 'cancelled', 'assigned', 'sign', 'completed']);
    expect(audit.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    const secondRun = audit.at(-1)!.run_id;
    expect(audit.map((r) => r.run_id)).toEqual([firstRun, firstRun, `ended:${firstRun}`, secondRun, secondRun, secondRun]);
    // The second run's assignment notice reached the department: it was not taken for the first run's.
    const assigned = await h.pool.query(`SELECT count(*)::int AS n FROM notifications WHERE step_id = $1 AND kind = 'assigned'`, [stepId]);
    expect(assigned.rows[0].n).toBe(2);
  });
});

describe('an application terminated by an operator and submitted again', () => {
  it('closes the first run’s open pre-review; the second run’s pre-review is workable and its events are all recorded', async () => {
    const parent = await h.newUser('applicant');
    const edu = await h.as('edu');
    const form = applicationForm();
    const appNo = (await parent.post('/api/applications', form)).body.applicationNumber as string;
    const preReview = `${appNo}.pre_review`;
    await stepOf(edu, preReview, 'open');

    await terminate(makeApplicationWorkflowId(appNo), 'operator cleanup');
    await sweep();
    const closed = await stepOf(edu, preReview, 'cancelled');
    expect(closed.timeline.at(-1).details.reason).toBe('该流程已被系统管理员终止（原因：operator cleanup）');
    const before = await auditOf(appNo);

    // The parent submits again (the same child, the same year): the same number, a second run.
    const again = await parent.post('/api/applications', form);
    expect(again.body).toMatchObject({ applicationNumber: appNo, created: false });
    await stepOf(edu, preReview, 'open');
    expect((await edu.post(`/api/steps/${preReview}/complete`, { outcome: 'confirmed', findings: '材料齐全' })).status).toBe(200);
    await waitFor(async () => ((await parent.get(`/api/applications/${appNo}`)).body.state === 'verifying' ? true : undefined), { what: 'verification' });

    const after = await auditOf(appNo);
    expect(after.length).toBeGreaterThan(before.length);
    const seqs = after.map((r) => r.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(after.slice(before.length).every((r) => r.run_id !== before[0]!.run_id)).toBe(true);
    const steps = await auditOf(preReview);
    expect(steps.map((r) => r.action)).toEqual(['assigned', 'cancelled', 'assigned', 'completed']);
  });
});

it('a second run numbered past the first keeps the repeat of its own event a repeat', async () => {
  // Straight at the repository, as a retried recording activity of each run would call it.
  const stream = `audit-test-${crypto.randomUUID()}`;
  const actor = { userId: 'system', username: 'system', displayName: '系统', role: 'admin' as const, departmentCode: null, schoolId: null };
  const event = (seq: number) => ({ streamId: stream, seq, streamType: 'step', at: null, actor, action: `a${seq}`, stateBefore: null, stateAfter: 'open', details: {}, requestId: null });
  expect(await appendRunEvent(h.pool, event(1), 'run-a')).toEqual({ inserted: true, seq: 1 });
  expect(await appendRunEvent(h.pool, event(2), 'run-a')).toEqual({ inserted: true, seq: 2 });
  expect(await appendRunEvent(h.pool, event(1), 'run-a')).toEqual({ inserted: false, seq: 1 });
  expect(await appendRunEvent(h.pool, event(1), 'run-b')).toEqual({ inserted: true, seq: 3 });
  expect(await appendRunEvent(h.pool, event(1), 'run-b')).toEqual({ inserted: false, seq: 3 });
  expect(await appendRunEvent(h.pool, event(2), 'run-b')).toEqual({ inserted: true, seq: 4 });
  expect(await appendRunEvent(h.pool, event(2), 'run-a')).toEqual({ inserted: false, seq: 2 });
});
