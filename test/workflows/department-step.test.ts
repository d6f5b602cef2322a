/**
 * The department step on the real Temporal server and PostgreSQL: deadlines from the official calendar, the
 * reminder and escalation ladder, extensions, pauses, calendar changes, the two authorization checks, idempotency.
 */
import crypto from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { makeStepWorkflowId, stepActionUpdate, type StepInput } from '../../contracts/department-step';
import { SYSTEM_ACTOR, type Actor } from '../../domain/roles';
import { OFFICIAL_CALENDAR } from '../../domain/official-calendar';
import { WorkingDayCalendar, dayOfReceipt, shanghaiDate } from '../../domain/working-days';
import { startHarness, type Harness } from '../support/harness';
import { waitFor } from '../support/wait';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

const supervisorActor: Actor = { userId: 'test-supervisor', username: 'supervisor', displayName: '督查室', role: 'supervisor', departmentCode: null, schoolId: null };

async function startStep(overrides: Partial<StepInput> = {}): Promise<StepInput> {
  const stepId = `t-${crypto.randomUUID()}`;
  const input: StepInput = {
    stepId,
    departmentCode: 'police',
    title: '核验居住证',
    kind: 'verification.residence_permit',
    subject: { type: 'standalone', id: stepId },
    deadline: { class: 'ordinary' },
    requiresReview: false,
    createdBy: supervisorActor,
    ...overrides,
  };
  await h.client.workflow.start('departmentStepWorkflow', { taskQueue: h.taskQueue, workflowId: makeStepWorkflowId(stepId), args: [input] });
  return input;
}

async function auditActions(stepId: string): Promise<string[]> {
  const r = await h.pool.query('SELECT action FROM audit_log WHERE stream_id = $1 ORDER BY seq', [stepId]);
  return r.rows.map((x) => x.action);
}

async function stepRow(stepId: string) {
  const r = await h.pool.query('SELECT * FROM steps WHERE step_id = $1', [stepId]);
  return r.rows[0];
}

describe('deadline from the official calendar', () => {
  it('a 3-working-day step assigned the day before National Day 2026 falls due after the holiday', async () => {
    // Assigned Tue 2026-09-29 10:00 Shanghai: 09-30 is day 1, 10-01..07 off, 10-08 day 2, 10-09 day 3.
    const input = await startStep({ assignedAt: '2026-09-29T02:00:00Z' });
    const row = await waitFor(() => stepRow(input.stepId), { what: 'projection' });
    expect(row.deadline_at.toISOString()).toBe('2026-10-09T16:00:00.000Z');
    expect(row.last_day).toBe('2026-10-09');
    expect(row.deadline_class).toBe('ordinary');
    expect(row.working_days).toBe(3);
  });

  it('an assignment after office hours before the holiday ends on the make-up Saturday', async () => {
    const input = await startStep({ assignedAt: '2026-09-29T10:00:00Z' }); // 18:00 Shanghai
    const row = await waitFor(() => stepRow(input.stepId), { what: 'projection' });
    expect(row.last_day).toBe('2026-10-10');
  });
});

describe('the clock after the deadline', () => {
  it('fires the reminder and each escalation rung once, in order, each notifying its people', async () => {
    // Long past: every timer is already due, so the ladder runs at once, in order.
    const input = await startStep({ assignedAt: '2026-03-02T01:00:00Z', deadline: { class: 'urgent' } });
    await waitFor(async () => (await auditActions(input.stepId)).length >= 5, { what: 'ladder' });
    expect(await auditActions(input.stepId)).toEqual(['assigned', 'reminder_sent', 'overdue', 'escalated', 'escalated']);

    const esc = await h.pool.query('SELECT rung, level FROM escalations WHERE step_id = $1 ORDER BY rung', [input.stepId]);
    expect(esc.rows).toEqual([
      { rung: 1, level: 'department_head' },
      { rung: 2, level: 'supervision_office' },
      { rung: 3, level: 'leading_group' },
    ]);
    const notes = await h.pool.query(
      `SELECT kind, coalesce(recipient_department, recipient_role) AS who FROM notifications WHERE step_id = $1 ORDER BY id`,
      [input.stepId],
    );
    expect(notes.rows).toEqual([
      { kind: 'assigned', who: 'police' },
      { kind: 'reminder', who: 'police' },
      { kind: 'escalated', who: 'police' },
      { kind: 'escalated', who: 'supervisor' },
      { kind: 'escalated', who: 'leader' },
    ]);
    const row = await stepRow(input.stepId);
    expect(row).toMatchObject({ overdue: true, escalation_level: 3, state: 'open' });
  });
});

describe('two checks on every act', () => {
  it('an officer of another department cannot see, complete, return or comment on the step', async () => {
    const input = await startStep({ assignedAt: new Date().toISOString() });
    await waitFor(() => stepRow(input.stepId));
    const hrss = await h.as('hrss');
    const id = input.stepId;
    expect((await hrss.get(`/api/steps/${id}`)).status).toBe(403);
    expect((await hrss.post(`/api/steps/${id}/complete`, { outcome: 'confirmed', findings: '核验通过' })).status).toBe(403);
    expect((await hrss.post(`/api/steps/${id}/return`, { reason: '非本部门事项' })).status).toBe(403);
    expect((await hrss.post(`/api/steps/${id}/comments`, { text: '看一下' })).status).toBe(403);
    const inbox = await hrss.get('/api/steps?pageSize=100');
    expect(inbox.body.items.map((s: any) => s.stepId)).not.toContain(id);
    expect((await hrss.get('/api/steps?department=police')).status).toBe(403);
    expect(await auditActions(id)).toEqual(['assigned']);

    const police = await h.as('police');
    expect((await police.get(`/api/steps/${id}`)).status).toBe(200);
  });

  it('the workflow refuses an update for the wrong department or state, leaving no trace in its history', async () => {
    const input = await startStep({ assignedAt: new Date().toISOString() });
    await waitFor(() => stepRow(input.stepId));
    const handle = h.client.workflow.getHandle(makeStepWorkflowId(input.stepId));
    const hrssOfficer: Actor = { userId: 'u-hrss', username: 'hrss', displayName: '人社', role: 'officer', departmentCode: 'hrss', schoolId: null };
    const policeOfficer: Actor = { ...hrssOfficer, userId: 'u-police', departmentCode: 'police' };

    const wrongDept = handle.executeUpdate(stepActionUpdate, { args: [{ action: { type: 'sign' }, actor: hrssOfficer, requestId: 'r1' }] });
    await expect(wrongDept).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(wrongDept).rejects.toMatchObject({ cause: { type: 'step_forbidden' } });
    const wrongState = handle.executeUpdate(stepActionUpdate, { args: [{ action: { type: 'review', decision: 'accept', feedback: '' }, actor: SYSTEM_ACTOR, requestId: 'r2' }] });
    await expect(wrongState).rejects.toMatchObject({ cause: { type: 'step_invalid_state' } });

    const history = await handle.fetchHistory();
    const updateEvents = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
    expect(updateEvents).toHaveLength(0);
    expect(await auditActions(input.stepId)).toEqual(['assigned']);

    const ok = await handle.executeUpdate(stepActionUpdate, { args: [{ action: { type: 'sign' }, actor: policeOfficer, requestId: 'r3' }] });
    expect(ok.state).toBe('signed');
  });
});

describe('exactly once', () => {
  it('the same completion sent twice leaves one audit row and one notification', async () => {
    const input = await startStep({ assignedAt: new Date().toISOString(), requiresReview: true });
    await waitFor(() => stepRow(input.stepId));
    const police = await h.as('police');
    const key = `complete-${crypto.randomUUID()}`;
    const body = { outcome: 'confirmed', findings: '居住证有效', evidence: [{ name: '居住证信息', ref: 'registry:R-1' }] };
    const send = () => police.request('POST', `/api/steps/${input.stepId}/complete`, body, { 'idempotency-key': key });
    const [a, b] = await Promise.all([send(), send()]);
    expect(a.status).toBe(200);
    expect(b.body).toEqual(a.body);
    const third = await police.post(`/api/steps/${input.stepId}/complete`, body);
    expect(third.status).toBe(409);

    expect((await auditActions(input.stepId)).filter((x) => x === 'completed')).toHaveLength(1);
    const notes = await h.pool.query(`SELECT count(*)::int AS n FROM notifications WHERE step_id = $1 AND kind = 'submitted'`, [input.stepId]);
    expect(notes.rows[0].n).toBe(1);
  });
});

describe('bad input', () => {
  it('gets a 4xx naming the problem and changes nothing', async () => {
    const input = await startStep({ assignedAt: new Date().toISOString() });
    await waitFor(() => stepRow(input.stepId));
    const police = await h.as('police');
    const supervisor = await h.as('supervisor');
    const before = await auditActions(input.stepId);

    const unknown = await police.post('/api/steps/no-such-step/sign');
    expect(unknown.status).toBe(404);
    const negative = await police.post(`/api/steps/${input.stepId}/extension-requests`, { workingDays: -2, reason: '材料多' });
    expect(negative.status).toBe(400);
    expect(negative.body.error.fields[0].field).toBe('body.workingDays');
    const noReason = await police.post(`/api/steps/${input.stepId}/return`, {});
    expect(noReason.status).toBe(400);
    expect(noReason.body.error.fields[0].field).toBe('body.reason');
    const blankReason = await police.post(`/api/steps/${input.stepId}/return`, { reason: '   ' });
    expect(blankReason.status).toBe(400);
    const badDept = await supervisor.post('/api/steps', { departmentCode: 'nowhere', title: 'x', deadline: { class: 'urgent' } });
    expect(badDept.status).toBe(400);
    expect(badDept.body.error.fields[0].field).toBe('body.departmentCode');
    const badClass = await supervisor.post('/api/steps', { departmentCode: 'police', title: 'x', deadline: { class: 'soon' } });
    expect(badClass.status).toBe(400);
    const notDue = await supervisor.post(`/api/steps/${input.stepId}/urges`, { message: '请加快' });
    expect(notDue.status).toBe(409);

    expect(await auditActions(input.stepId)).toEqual(before);
  });
});

describe('acts through the API', () => {
  it('creates a step idempotently by key, then signs, urges when overdue and replies', async () => {
    const supervisor = await h.as('supervisor');
    const key = `k-${crypto.randomUUID().slice(0, 8)}`;
    const body = { stepKey: key, departmentCode: 'market', title: '核验营业执照', deadline: { workingDays: 2 } };
    const first = await supervisor.post('/api/steps', body);
    const second = await supervisor.post('/api/steps', body);
    expect(first.status).toBe(201);
    expect(second.body).toEqual(first.body);
    await waitFor(() => stepRow(key));
    expect((await h.pool.query('SELECT count(*)::int AS n FROM steps WHERE step_id = $1', [key])).rows[0].n).toBe(1);

    const market = await h.as('market');
    expect((await market.post(`/api/steps/${key}/sign`)).body.state).toBe('signed');
    const inbox = await market.get('/api/steps?state=signed&pageSize=100');
    const listed = inbox.body.items.find((s: any) => s.stepId === key);
    expect(listed).toMatchObject({ departmentCode: 'market', light: 'white' });
    // Two working days after the day of receipt; assigned outside office hours, the day of receipt is itself still
    // ahead, so one more working day is left to work in.
    const calendar = new WorkingDayCalendar([...OFFICIAL_CALENDAR]);
    const received = dayOfReceipt(calendar, new Date(listed.assignedAt));
    const today = shanghaiDate(new Date());
    expect(listed.workingDaysLeft).toBe(received > today ? 3 : 2);
  });

  it('urges an overdue step with a numbered notice the department answers', async () => {
    const input = await startStep({ assignedAt: '2026-06-01T01:00:00Z', departmentCode: 'housing' });
    await waitFor(async () => (await stepRow(input.stepId))?.overdue);
    const supervisor = await h.as('supervisor');
    const urged = await supervisor.post(`/api/steps/${input.stepId}/urges`, { message: '请于今日办结', level: 'serious' });
    expect(urged.status).toBe(200);
    expect(urged.body.urgeNumber).toMatch(/^督办〔2026〕\d{4}号$/);

    const housing = await h.as('housing');
    const notes = await housing.get('/api/notifications?unread=true');
    expect(notes.body.items.some((n: any) => n.kind === 'urged' && n.title.includes(urged.body.urgeNumber))).toBe(true);
    const reply = await housing.post(`/api/steps/${input.stepId}/urge-replies`, { urgeNumber: urged.body.urgeNumber, reply: '已安排专人办理' });
    expect(reply.status).toBe(200);
    const again = await housing.post(`/api/steps/${input.stepId}/urge-replies`, { urgeNumber: urged.body.urgeNumber, reply: '再次回复' });
    expect(again.status).toBe(409);

    const detail = await housing.get(`/api/steps/${input.stepId}`);
    expect(detail.body.urges).toEqual([expect.objectContaining({ number: urged.body.urgeNumber, reply: '已安排专人办理', level: 'serious' })]);
    expect(detail.body.light).toBe('red');
    expect(detail.body.timeline.map((e: any) => e.action)).toEqual(expect.arrayContaining(['urge', 'reply_urge']));
    const row = await h.pool.query('SELECT reply, replied_by FROM urge_notices WHERE number = $1', [urged.body.urgeNumber]);
    expect(row.rows[0]).toEqual({ reply: '已安排专人办理', replied_by: '住建局经办人' });

    const overdue = await supervisor.get('/api/steps/overdue');
    expect(overdue.body.items.some((s: any) => s.stepId === input.stepId && s.workingDaysOverdue > 0)).toBe(true);
  });

  it('a supervisor changes the deadline class, logged with old and new deadline', async () => {
    const input = await startStep({ assignedAt: '2026-09-29T02:00:00Z', deadline: { class: 'ordinary' } });
    await waitFor(() => stepRow(input.stepId));
    const supervisor = await h.as('supervisor');
    const r = await supervisor.post(`/api/steps/${input.stepId}/deadline`, { deadline: { class: 'complex' }, reason: '涉及多部门' });
    expect(r.status).toBe(200);
    // 5 working days from 09-29: 09-30, 10-08, 10-09, 10-10 (make-up Saturday), 10-12.
    expect(r.body.deadlineAt).toBe('2026-10-12T16:00:00.000Z');
    const changed = await h.pool.query(`SELECT details FROM audit_log WHERE stream_id = $1 AND action = 'deadline_changed'`, [input.stepId]);
    expect(changed.rows[0].details).toMatchObject({ oldLastDay: '2026-10-09', newLastDay: '2026-10-12' });
    expect((await stepRow(input.stepId)).deadline_class).toBe('complex');
  });
});
