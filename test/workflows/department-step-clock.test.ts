/**
 * The step's clock on the real servers, with the working-day schedule compressed (one calendar day lasts about
 * 1.2 s) through the same workflow, activities and calendar arithmetic that production runs at full length.
 */
import crypto from 'node:crypto';
import { makeStepWorkflowId, type StepInput } from '../../contracts/department-step';
import { OFFICIAL_CALENDAR } from '../../domain/official-calendar';
import { WorkingDayCalendar, addWorkingDays } from '../../domain/working-days';
import type { Actor } from '../../domain/roles';
import { startHarness, type Harness } from '../support/harness';
import { waitFor } from '../support/wait';

const FACTOR = 72_000; // 86 400 s / 72 000 = 1.2 s per calendar day
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ timeScaleFactor: FACTOR });
});
afterAll(() => h.stop());

const supervisorActor: Actor = { userId: 'test-supervisor', username: 'supervisor', displayName: '督查室', role: 'supervisor', departmentCode: null, schoolId: null };

async function startStep(overrides: Partial<StepInput> = {}): Promise<StepInput> {
  const stepId = `c-${crypto.randomUUID()}`;
  const input: StepInput = {
    stepId,
    departmentCode: 'hrss',
    title: '核验社保缴纳',
    kind: 'verification.employment',
    subject: { type: 'standalone', id: stepId },
    deadline: { class: 'urgent' },
    requiresReview: false,
    createdBy: supervisorActor,
    ...overrides,
  };
  await h.client.workflow.start('departmentStepWorkflow', { taskQueue: h.taskQueue, workflowId: makeStepWorkflowId(stepId), args: [input] });
  await waitFor(() => stepRow(stepId), { what: 'projection' });
  return input;
}

async function audit(stepId: string) {
  const r = await h.pool.query('SELECT action, at, details FROM audit_log WHERE stream_id = $1 ORDER BY seq', [stepId]);
  return r.rows as { action: string; at: Date; details: any }[];
}

async function stepRow(stepId: string) {
  return (await h.pool.query('SELECT * FROM steps WHERE step_id = $1', [stepId])).rows[0];
}

it('fires the reminder, the overdue rung and each escalation at their own times, in order', async () => {
  const input = await startStep();
  const row = await stepRow(input.stepId);
  const schedule = row.view.schedule;
  const events = await waitFor(async () => {
    const a = await audit(input.stepId);
    return a.length >= 5 ? a : undefined;
  }, { timeoutMs: 40_000, what: 'the whole ladder' });
  expect(events.map((e) => e.action)).toEqual(['assigned', 'reminder_sent', 'overdue', 'escalated', 'escalated']);
  // Each fired at or after its scheduled moment, not all at once.
  const due = [schedule.dueSoonAt, ...schedule.escalationAts].map((t: string) => Date.parse(t));
  events.slice(1).forEach((e, i) => expect(e.at.getTime()).toBeGreaterThanOrEqual(due[i]!));
  expect(events[4]!.at.getTime() - events[2]!.at.getTime()).toBeGreaterThanOrEqual(1000);
  expect(events.slice(2).map((e) => e.details.level)).toEqual(['department_head', 'supervision_office', 'leading_group']);
}, 60_000);

it('an approved extension moves the deadline by the working days granted', async () => {
  const input = await startStep({ deadline: { class: 'complex' } });
  const hrss = await h.as('hrss');
  const supervisor = await h.as('supervisor');
  const before = await stepRow(input.stepId);
  expect((await hrss.post(`/api/steps/${input.stepId}/extension-requests`, { workingDays: 3, reason: '需调取异地社保记录' })).status).toBe(200);
  const decided = await supervisor.post(`/api/steps/${input.stepId}/extension-decision`, { approve: true, comment: '同意' });
  expect(decided.status).toBe(200);

  const calendar = new WorkingDayCalendar([...OFFICIAL_CALENDAR]);
  const after = await stepRow(input.stepId);
  expect(after.last_day).toBe(addWorkingDays(calendar, before.last_day, 3));
  expect(decided.body.deadlineAt).toBe(after.deadline_at.toISOString());
  const changed = (await audit(input.stepId)).find((e) => e.action === 'deadline_changed');
  expect(changed?.details).toMatchObject({ oldLastDay: before.last_day, newLastDay: after.last_day, reason: expect.stringContaining('extension of 3 working days') });
  const notes = await hrss.get('/api/notifications');
  expect(notes.body.items.some((n: any) => n.kind === 'decision' && n.title.includes('已批准'))).toBe(true);
});

it('a pause stops the clock: nothing fires while paused, and resuming gives a fresh deadline', async () => {
  // Ordinary (3 days), so the reminder is seconds away and a loaded machine still pauses before it fires.
  const input = await startStep({ deadline: { class: 'ordinary' } });
  const hrss = await h.as('hrss');
  const original = await stepRow(input.stepId);
  const paused = await hrss.post(`/api/steps/${input.stepId}/pause`, { reason: '等待申请人补正材料' });
  expect(paused.status).toBe(200);
  const whilePaused = await stepRow(input.stepId);
  expect(whilePaused).toMatchObject({ paused: true, deadline_at: null });
  const detail = await hrss.get(`/api/steps/${input.stepId}`);
  expect(detail.body.light).toBe('grey');
  expect(detail.body.paused).toMatchObject({ reason: '等待申请人补正材料' });

  // Wait past the original deadline and its first escalation: the stopped clock fires nothing.
  const waitUntil = Date.parse(original.view.schedule.escalationAts[1]) + 500;
  await new Promise((r) => setTimeout(r, Math.max(0, waitUntil - Date.now())));
  expect((await audit(input.stepId)).map((e) => e.action)).toEqual(['assigned', 'pause']);

  const resumed = await hrss.post(`/api/steps/${input.stepId}/resume`, { note: '材料已补齐' });
  expect(resumed.status).toBe(200);
  expect(Date.parse(resumed.body.deadlineAt)).toBeGreaterThan(Date.parse(original.view.schedule.deadlineAt));
  const actions = (await audit(input.stepId)).map((e) => e.action);
  expect(actions).toEqual(['assigned', 'pause', 'resume', 'deadline_changed']);
  expect((await stepRow(input.stepId)).paused).toBe(false);
}, 60_000);
