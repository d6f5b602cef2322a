/**
 * The department step on the real Temporal server and PostgreSQL: deadlines from the official calendar, the
 * reminder and escalation ladder, extensions, pauses, calendar changes, the two authorization checks, idempotency.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createActivities } from '../../activities';
import { StepMachine, newStepView } from '../../domain/department-step';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { makeStepWorkflowId, standaloneStepId, stepActionUpdate, type StepInput } from '../../contracts/department-step';
import { SYSTEM_ACTOR, type Actor } from '../../domain/roles';
import { OFFICIAL_CALENDAR } from '../../domain/official-calendar';
import { WorkingDayCalendar, addWorkingDays, computeDeadline, dayOfReceipt, shanghaiDate } from '../../domain/working-days';
import { TEST_PERSONAL_DATA_KEY, startHarness, type Harness } from '../support/harness';
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
    // The key lives in a namespace of its own: the step id is task:<key>.
    const stepId = standaloneStepId(key);
    expect(first.body.stepId).toBe(stepId);
    await waitFor(() => stepRow(stepId));
    expect((await h.pool.query('SELECT count(*)::int AS n FROM steps WHERE step_id = $1', [stepId])).rows[0].n).toBe(1);

    const market = await h.as('market');
    expect((await market.post(`/api/steps/${stepId}/sign`)).body.state).toBe('signed');
    const inbox = await market.get('/api/steps?state=signed&pageSize=100');
    const listed = inbox.body.items.find((s: any) => s.stepId === stepId);
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

    // The overdue list comes a page at a time with the total, most overdue first; this step is on one of the pages.
    const first = await supervisor.get('/api/steps/overdue?department=housing&pageSize=2');
    expect(first.body).toMatchObject({ page: 1, pageSize: 2, total: expect.any(Number) });
    expect(first.body.items).toHaveLength(Math.min(2, first.body.total));
    const listed: any[] = [];
    for (let page = 1; page <= Math.ceil(first.body.total / 200); page++) {
      const r = await supervisor.get(`/api/steps/overdue?department=housing&pageSize=200&page=${page}`);
      expect(r.status).toBe(200);
      listed.push(...r.body.items);
    }
    expect(listed.every((s) => s.departmentCode === 'housing')).toBe(true);
    const deadlines = listed.map((s) => s.deadlineAt as string);
    expect(deadlines).toEqual([...deadlines].sort());
    expect(listed.some((s) => s.stepId === input.stepId && s.workingDaysOverdue > 0)).toBe(true);
    expect((await supervisor.get('/api/steps/overdue?pageSize=201')).status).toBe(400);
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

describe('a changed official calendar', () => {
  it('moves open deadlines and records the old and new deadline and why', async () => {
    // 2095 is known only provisionally; an administrator loads its official calendar.
    const assignedAt = '2095-03-01T01:00:00Z';
    const input = await startStep({ assignedAt, deadline: { class: 'ordinary' } });
    const before = await waitFor(() => stepRow(input.stepId));
    expect(before.deadline_provisional).toBe(true);

    const provisional = new WorkingDayCalendar([...OFFICIAL_CALENDAR]);
    const received = dayOfReceipt(provisional, new Date(assignedAt));
    // The notice makes the three working days after the day of receipt holidays.
    const offDays = [1, 2, 3].map((n) => ({ date: addWorkingDays(provisional, received, n), name: '测试假日' }));
    const admin = await h.as('admin');
    const notice = { notice: '国务院办公厅关于2095年部分节假日安排的通知', offDays, workDays: [] };
    // No 元旦, no 国庆节: refused with the dates named, nothing stored, unless the administrator confirms the notice.
    const doubted = await admin.request('PUT', '/api/calendar/2095', notice);
    expect(doubted.status).toBe(400);
    expect(doubted.body.error).toMatchObject({ code: 'calendar_notice_unusual', message: expect.stringContaining('2095-10-01') });
    expect((await admin.get('/api/calendar/2095')).body.stored).toBeNull();
    const loaded = await admin.request('PUT', '/api/calendar/2095', { ...notice, confirmUnusual: true });
    expect(loaded.status).toBe(200);
    // Moved: the three new days off, and the provisional rule's fixed-date holidays the notice does not keep.
    expect(loaded.body.changed).toBe(true);
    expect(loaded.body.movedDates).toEqual(expect.arrayContaining(offDays.map((d) => d.date)));
    expect(loaded.body.stepsSignalled).toBeGreaterThanOrEqual(1);

    const official = new WorkingDayCalendar([...OFFICIAL_CALENDAR, { year: 2095, status: 'official', source: 'test', offDays, workDays: [] }]);
    const expected = computeDeadline(official, new Date(assignedAt), 3);
    const after = await waitFor(async () => {
      const row = await stepRow(input.stepId);
      return row.last_day !== before.last_day && row;
    }, { what: 'the moved deadline' });
    expect(after.last_day).toBe(expected.lastDay);
    expect(after.deadline_at.toISOString()).toBe(expected.deadline.toISOString());
    expect(after.deadline_provisional).toBe(false);

    const changed = await h.pool.query(`SELECT details, actor_user_id FROM audit_log WHERE stream_id = $1 AND action = 'deadline_changed'`, [input.stepId]);
    expect(changed.rows).toHaveLength(1);
    expect(changed.rows[0].actor_user_id).toBe('system');
    expect(changed.rows[0].details).toMatchObject({
      oldLastDay: before.last_day,
      newLastDay: expected.lastDay,
      provisional: false,
      reason: expect.stringContaining('国务院办公厅关于2095年部分节假日安排的通知'),
    });
  });

  it('refuses a calendar with a date outside its year, naming the date, and changes nothing', async () => {
    const admin = await h.as('admin');
    const r = await admin.request('PUT', '/api/calendar/2094', { notice: '通知', offDays: [{ date: '2093-12-31', name: '错' }], workDays: [] });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toContain('2093-12-31');
    expect((await admin.get('/api/calendar/2094')).body).toMatchObject({ status: 'provisional', stored: null });
  });
});

describe('activities run more than once', () => {
  it('recording the same event twice leaves one audit row and one notification', async () => {
    const stepId = `retry-${crypto.randomUUID()}`;
    const input: StepInput = {
      stepId, departmentCode: 'finance', title: '资助审核', kind: 'aid', subject: { type: 'standalone', id: stepId },
      deadline: { class: 'urgent' }, requiresReview: false, createdBy: supervisorActor,
    };
    const machine = new StepMachine(newStepView(input, makeStepWorkflowId(stepId), new Date().toISOString()), { from: new Date().toISOString(), workingDays: 1 });
    const activities = createActivities({ pool: h.pool, personalDataKey: TEST_PERSONAL_DATA_KEY });
    const schedule = await activities.planStepSchedule({ from: new Date().toISOString(), workingDays: 1, escalationIntervalWorkingDays: 1, rungs: 3 });
    const event = machine.assign(supervisorActor, new Date(), 'req-1', schedule);
    await activities.recordStepEvent({ event, parentWorkflowId: null });
    await activities.recordStepEvent({ event, parentWorkflowId: null });
    const auditRows = await h.pool.query('SELECT count(*)::int AS n FROM audit_log WHERE stream_id = $1', [stepId]);
    const notes = await h.pool.query('SELECT count(*)::int AS n FROM notifications WHERE step_id = $1', [stepId]);
    expect(auditRows.rows[0].n).toBe(1);
    expect(notes.rows[0].n).toBe(1);
  });

  it('the audit trail cannot be changed or deleted', async () => {
    await expect(h.pool.query(`UPDATE audit_log SET action = 'x' WHERE id = (SELECT min(id) FROM audit_log)`)).rejects.toThrow(/append-only/);
    await expect(h.pool.query(`DELETE FROM audit_log WHERE id = (SELECT min(id) FROM audit_log)`)).rejects.toThrow(/append-only/);
  });
});

describe('department webhooks', () => {
  it('POSTs each notification once it succeeds, retrying a failing robot', async () => {
    const received: { id: string; body: any }[] = [];
    let calls = 0;
    const server = http.createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        calls++;
        if (calls === 1) {
          res.statusCode = 503; // the robot is down the first time
          res.end();
          return;
        }
        received.push({ id: String(req.headers['x-notification-id']), body: JSON.parse(data) });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (server.address() as AddressInfo).port;
      const admin = await h.as('admin');
      expect((await admin.request('PUT', '/api/departments/civil_affairs/webhook', { url: `http://127.0.0.1:${port}/robot` })).status).toBe(200);
      const input = await startStep({ departmentCode: 'civil_affairs', assignedAt: new Date().toISOString(), title: '核实困难家庭' });
      await waitFor(async () => received.length >= 1, { timeoutMs: 30_000, what: 'webhook delivery' });
      expect(calls).toBe(2);
      expect(received).toHaveLength(1);
      expect(received[0]!.body).toMatchObject({ kind: 'assigned', department: 'civil_affairs', stepId: input.stepId });
      expect(received[0]!.body.title).toContain('核实困难家庭');
      const delivery = await h.pool.query(
        `SELECT d.status, d.attempts FROM webhook_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE n.step_id = $1`,
        [input.stepId],
      );
      expect(delivery.rows).toEqual([{ status: 'delivered', attempts: 2 }]);
    } finally {
      server.close();
      const admin = await h.as('admin');
      await admin.request('PUT', '/api/departments/civil_affairs/webhook', { url: null });
    }
  }, 60_000);
});

describe('a finished step', () => {
  it('answers an act with 409, not a server error', async () => {
    const input = await startStep({ assignedAt: new Date().toISOString(), departmentCode: 'market' });
    await waitFor(() => stepRow(input.stepId));
    const market = await h.as('market');
    expect((await market.post(`/api/steps/${input.stepId}/complete`, { outcome: 'done', findings: '已办结' })).status).toBe(200);
    await waitFor(async () => (await h.client.workflow.getHandle(makeStepWorkflowId(input.stepId)).describe()).status.name === 'COMPLETED');
    const late = await market.post(`/api/steps/${input.stepId}/comments`, { text: '补充说明' });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('invalid_state');
  });
});
