/**
 * Acts that reach a workflow in the same workflow task, made on purpose (test/support/concurrency.ts): two
 * departments at once, two acts on one step, an act racing its step's own timer, an act racing the round's signal.
 * The replay gate keeps the histories they leave (scripts/record-histories.ts), and test/workflows/concurrent-acts
 * runs them live and replays what they leave; before `application-one-lane` most of them did not replay.
 */
import crypto from 'node:crypto';
import { checkInUpdate, makeApplicationWorkflowId, placementSignal, withdrawUpdate } from '../../contracts/application';
import { makeStepWorkflowId, stepActionUpdate, type StepAction, type StepFacts, type StepView } from '../../contracts/department-step';
import { makeProblemWorkflowId, problemActUpdate } from '../../contracts/problem';
import { closeRoundUpdate, seatReleasedSignal, type RoundView } from '../../contracts/allocation-round';
import { closeItemSignal, itemRunStream, makeItemWorkflowId } from '../../contracts/responsibility-item';
import { permitOnlyPolicy, toPool, upload } from './allocation-recorder';
import type { ProblemAction } from '../../domain/problem-ledger';
import type { Actor } from '../../domain/roles';
import { applicationStep, ELIGIBLE_FACTS, submitApplication } from '../support/applications';
import { admitUpdate } from '../support/concurrency';
import type { Harness } from '../support/harness';
import { officerActor, startStandaloneStep, SUPERVISOR_ACTOR } from '../support/steps';
import { waitFor } from '../support/wait';

/** A schedule compressed so that a step's reminder fires within seconds (one calendar day lasts 1.2 s). */
export const RACING_TIME_SCALE = 72_000;

export interface ConcurrencyScenario {
  workflowType: string;
  name: string;
  /** Runs on a harness with this time scale (RACING_TIME_SCALE) instead of the real clock. */
  timeScaled?: boolean;
  /** Drives the workflow; returns its id once it has reached what the scenario expects (checked here). */
  run(h: Harness): Promise<string>;
}

const officer = (departmentCode: string) => officerActor('concurrent', departmentCode);
const applicant = (userId: string): Actor => ({ userId, username: 'parent', displayName: '申请人', role: 'applicant', departmentCode: null, schoolId: null });

/** Sends each in turn, so the server holds them in this order (admitted at once, they may be held in any order). */
async function inOrder<T>(sends: (() => Promise<T>)[]): Promise<T[]> {
  const sent: T[] = [];
  for (const send of sends) sent.push(await send());
  return sent;
}

const stepAct = (h: Harness, workflowId: string, stepId: string | undefined, action: StepAction, actor: Actor) =>
  admitUpdate(h.client, workflowId, stepActionUpdate, { stepId, action, actor, requestId: crypto.randomUUID() });

const appState = async (h: Harness, appNo: string) =>
  (await h.pool.query<{ state: string }>('SELECT state FROM applications WHERE application_number = $1', [appNo])).rows[0]?.state;

async function untilState(h: Harness, appNo: string, state: string): Promise<void> {
  await waitFor(async () => (await appState(h, appNo)) === state, { timeoutMs: 60_000, what: `${appNo} ${state}` });
}

const timersFired = async (h: Harness, workflowId: string) =>
  ((await h.client.workflow.getHandle(workflowId).fetchHistory()).events ?? []).filter((e) => e.timerFiredEventAttributes).length;

/** While the worker is stopped: waits until one more of the workflow's timers has fired, then sends. */
async function whenATimerFires<T>(h: Harness, workflowId: string, send: () => Promise<T>): Promise<T> {
  return h.withWorkerStopped(async () => {
    const before = await timersFired(h, workflowId);
    await waitFor(async () => (await timersFired(h, workflowId)) > before, { timeoutMs: 60_000, intervalMs: 200, what: `a timer of ${workflowId} to fire` });
    return send();
  });
}

/** A fresh application whose pre-review is done: its three verification steps are open. */
async function inVerification(h: Harness, opts: { needy?: boolean } = {}) {
  const parent = await h.newUser('applicant');
  const appNo = await submitApplication(parent, opts.needy ? { specialCategories: ['needy_family'] } : {});
  const edu = await h.as('edu');
  expect((await edu.post(`/api/steps/${await applicationStep(edu, appNo, 'pre_review')}/complete`, { outcome: 'confirmed', findings: '齐全' })).status).toBe(200);
  for (const d of ['police', 'hrss', 'housing']) {
    await waitFor(async () => (await h.pool.query('SELECT 1 FROM steps WHERE step_id = $1', [`${appNo}.${d}`])).rowCount === 1, { what: `step ${appNo}.${d}` });
  }
  return { parent, appNo, workflowId: makeApplicationWorkflowId(appNo) };
}

const DEPARTMENTS = ['police', 'hrss', 'housing'] as const;
const FACTS = ELIGIBLE_FACTS as Record<(typeof DEPARTMENTS)[number], StepFacts>;

export const CONCURRENCY_SCENARIOS: ConcurrencyScenario[] = [
  {
    workflowType: 'applicationWorkflow',
    name: 'departments-sign-and-complete-in-one-task',
    async run(h) {
      const { appNo, workflowId } = await inVerification(h);
      const signed = await h.withWorkerStopped(() => Promise.all(DEPARTMENTS.map((d) => stepAct(h, workflowId, `${appNo}.${d}`, { type: 'sign' }, officer(d)))));
      for (const u of signed) expect((await u.result()).state).toBe('signed');
      const done = await h.withWorkerStopped(() =>
        Promise.all(DEPARTMENTS.map((d) => stepAct(h, workflowId, `${appNo}.${d}`, { type: 'complete', outcome: 'confirmed', findings: '属实', evidence: [], facts: FACTS[d] }, officer(d)))),
      );
      for (const u of done) expect((await u.result()).state).toBe('done');
      await untilState(h, appNo, 'in_pool');
      return workflowId;
    },
  },
  {
    workflowType: 'applicationWorkflow',
    name: 'two-acts-on-one-step-in-one-task',
    async run(h) {
      const parent = await h.newUser('applicant');
      const appNo = await submitApplication(parent);
      const workflowId = makeApplicationWorkflowId(appNo);
      const stepId = await applicationStep(await h.as('edu'), appNo, 'pre_review');
      const [sign, comment, again] = await h.withWorkerStopped(() =>
        inOrder([
          () => stepAct(h, workflowId, stepId, { type: 'sign' }, officer('education')),
          () => stepAct(h, workflowId, stepId, { type: 'comment', text: '材料已收到' }, officer('education')),
          // Accepted with the first (the step was not signed yet), refused in the lane once it is.
          () => stepAct(h, workflowId, stepId, { type: 'sign' }, officer('education')),
        ]),
      );
      expect((await sign!.result()).state).toBe('signed');
      expect((await comment!.result()).state).toBe('signed');
      await expect(again!.result()).rejects.toMatchObject({ cause: { type: 'step_invalid_state' } });
      const withdrawn = await admitUpdate(h.client, workflowId, withdrawUpdate, { actor: applicant(parent.userId), requestId: crypto.randomUUID(), reason: '回户籍地' });
      expect((await withdrawn.result()).state).toBe('withdrawn');
      return workflowId;
    },
  },
  {
    workflowType: 'applicationWorkflow',
    name: 'act-racing-its-steps-timer',
    timeScaled: true,
    async run(h) {
      const { appNo, workflowId } = await inVerification(h);
      const done = await whenATimerFires(h, workflowId, () =>
        stepAct(h, workflowId, `${appNo}.police`, { type: 'complete', outcome: 'confirmed', findings: '属实', evidence: [], facts: FACTS.police }, officer('police')),
      );
      expect((await done.result()).state).toBe('done');
      for (const d of ['hrss', 'housing'] as const) {
        const u = await stepAct(h, workflowId, `${appNo}.${d}`, { type: 'complete', outcome: 'confirmed', findings: '属实', evidence: [], facts: FACTS[d] }, officer(d));
        await u.result();
      }
      await untilState(h, appNo, 'in_pool');
      return workflowId;
    },
  },
  {
    workflowType: 'applicationWorkflow',
    name: 'aid-decision-racing-the-rounds-placement',
    async run(h) {
      const { appNo, workflowId } = await inVerification(h, { needy: true });
      for (const d of DEPARTMENTS) await (await stepAct(h, workflowId, `${appNo}.${d}`, { type: 'complete', outcome: 'confirmed', findings: '属实', evidence: [], facts: FACTS[d] }, officer(d))).result();
      await untilState(h, appNo, 'in_pool');
      const aid = await h.withWorkerStopped(async () => {
        await h.client.workflow.getHandle(workflowId).signal(placementSignal, { roundId: 'concurrent-round', schoolId: 'demo-primary-1', schoolNameZh: '示范区第一小学', type: 'catchment', reasonZh: '划片学校有学位' });
        return stepAct(h, workflowId, `${appNo}.aid`, { type: 'complete', outcome: 'confirmed', findings: '符合', evidence: [], facts: { amount: 800 } }, officer('finance'));
      });
      expect((await aid.result()).state).toBe('done');
      await untilState(h, appNo, 'placed');
      const school: Actor = { userId: 'concurrent-school', username: 'school', displayName: '学校', role: 'school', departmentCode: null, schoolId: 'demo-primary-1' };
      await (await admitUpdate(h.client, workflowId, checkInUpdate, { actor: school, requestId: crypto.randomUUID(), result: 'checked_in' })).result();
      await untilState(h, appNo, 'enrolled');
      await waitFor(async () => (await h.client.workflow.getHandle(workflowId).describe()).status.name === 'COMPLETED', { what: `${appNo} to complete` });
      return workflowId;
    },
  },
  {
    workflowType: 'departmentStepWorkflow',
    name: 'acts-of-officer-and-office-in-one-task',
    async run(h) {
      const stepId = await startStandaloneStep(h, 'concurrent', { departmentCode: 'hrss', requiresReview: true });
      const workflowId = makeStepWorkflowId(stepId);
      const acts = await h.withWorkerStopped(() =>
        inOrder([
          () => stepAct(h, workflowId, undefined, { type: 'sign' }, officer('hrss')),
          () => stepAct(h, workflowId, undefined, { type: 'comment', text: '请尽快核实' }, SUPERVISOR_ACTOR),
          () => stepAct(h, workflowId, undefined, { type: 'comment', text: '正在核实' }, officer('hrss')),
        ]),
      );
      for (const u of acts) expect((await u.result()).state).toBe('signed');
      const [completed, reviewed] = await h.withWorkerStopped(() =>
        inOrder([
          () => stepAct(h, workflowId, undefined, { type: 'complete', outcome: 'confirmed', findings: '属实', evidence: [] }, officer('hrss')),
          // Queued behind the completion in the step's lane: the comment then finds it awaiting review.
          () => stepAct(h, workflowId, undefined, { type: 'comment', text: '收到' }, SUPERVISOR_ACTOR),
        ]),
      );
      expect((await completed!.result()).state).toBe('awaiting_review');
      expect((await reviewed!.result()).state).toBe('awaiting_review');
      await (await stepAct(h, workflowId, undefined, { type: 'review', decision: 'accept', feedback: '' }, SUPERVISOR_ACTOR)).result();
      const view = (await h.client.workflow.getHandle(workflowId).result()) as StepView;
      expect(view.state).toBe('accepted');
      return workflowId;
    },
  },
  {
    workflowType: 'departmentStepWorkflow',
    name: 'act-racing-its-timer',
    timeScaled: true,
    async run(h) {
      const stepId = await startStandaloneStep(h, 'concurrent-timer', { departmentCode: 'police', deadline: { class: 'urgent' } });
      const workflowId = makeStepWorkflowId(stepId);
      const done = await whenATimerFires(h, workflowId, () => stepAct(h, workflowId, undefined, { type: 'complete', outcome: 'confirmed', findings: '属实', evidence: [] }, officer('police')));
      expect((await done.result()).state).toBe('done');
      expect(((await h.client.workflow.getHandle(workflowId).result()) as StepView).state).toBe('done');
      return workflowId;
    },
  },
  {
    workflowType: 'problemWorkflow',
    name: 'acts-of-the-office-in-one-task',
    async run(h) {
      const supervisor = await h.as('supervisor');
      const filed = await supervisor.post('/api/problems', { titleZh: '并发用问题', description: '两次研判同时到达' });
      expect(filed.status).toBe(201);
      const problemId = filed.body.problemId as string;
      const workflowId = makeProblemWorkflowId(problemId);
      await waitFor(async () => (await supervisor.get(`/api/problems/${problemId}`)).body.timeline?.length > 0, { what: `problem ${problemId}` });
      const act = (action: ProblemAction) => admitUpdate(h.client, workflowId, problemActUpdate, { action, actor: SUPERVISOR_ACTOR, requestId: crypto.randomUUID() });
      const [first, second, assign] = await h.withWorkerStopped(() =>
        inOrder([
          () => act({ type: 'analyse', analysis: '初步研判' }),
          () => act({ type: 'analyse', analysis: '补充研判' }),
          () => act({ type: 'assign', departmentCode: 'housing', deadlineClass: 'ordinary', instructions: '请办理' }),
        ]),
      );
      expect((await first!.result()).state).toBe('analysing');
      expect((await second!.result()).analysis).toBe('补充研判');
      // Refused by the validator (the problem was still found when the three arrived): no trace in the history.
      await expect(assign!.result()).rejects.toMatchObject({ cause: { type: 'step_invalid_state' } });
      await (await act({ type: 'assign', departmentCode: 'housing', deadlineClass: 'ordinary', instructions: '请办理' })).result();
      await waitFor(async () => (await h.pool.query('SELECT 1 FROM steps WHERE step_id = $1', [`${problemId}.handling-1`])).rowCount === 1, { what: 'the handling step' });
      return workflowId;
    },
  },
  {
    workflowType: 'allocationRoundWorkflow',
    name: 'close-racing-a-released-seat',
    async run(h) {
      const d = `cc${crypto.randomBytes(3).toString('hex')}`;
      await permitOnlyPolicy(h, d, '并发区');
      const admin = await h.as('admin');
      await upload(h, admin, 'schools', `学校代码,学校名称,区县代码,办学性质,学段\n${d}-p1,并发第一小学,${d},公办,小学一年级\n`);
      await upload(h, admin, 'seats', `学校代码,年度,学段,招生学位数,政府购买学位数,购买单价（元/生·年）\n${d}-p1,2027,小学一年级,2,,\n`);
      await upload(h, admin, 'catchments', `区县代码,学段,街道（乡镇）,社区（村）,划片学校代码\n${d},小学一年级,演示街道,幸福社区,${d}-p1\n`);
      const child = await toPool(h, d, 60);
      const edu = await h.as('edu');
      const roundId = (await edu.post('/api/allocation-rounds', { district: d, year: 2027, stage: 'primary_1' })).body.roundId as string;
      await waitFor(async () => (await edu.get(`/api/allocation-rounds/${roundId}`)).body.phase === 'check_in', { timeoutMs: 60_000, what: `round ${roundId} in check-in` });
      await waitFor(async () => (await child.parent.get(`/api/applications/${child.appNo}`)).body.state === 'placed', { what: `${child.appNo} placed` });
      const bureau: Actor = { ...officer('education'), displayName: '教育局' };
      const closed = await h.withWorkerStopped(async () => {
        // The seat given up (as a withdrawal signals it) and the bureau closing the round, in the same second.
        await h.client.workflow.getHandle(roundId).signal(seatReleasedSignal, { applicationNumber: child.appNo, cause: 'withdrawn', schoolId: `${d}-p1` });
        return admitUpdate(h.client, roundId, closeRoundUpdate, { actor: bureau, requestId: crypto.randomUUID(), reason: '报到结束' });
      });
      const view: RoundView = await closed.result();
      expect(view.phase).toBe('closed');
      // The release was handled before the round closed: it was in the same task, ahead of the close.
      expect(view.releases).toBe(1);
      return roundId;
    },
  },
  {
    workflowType: 'responsibilityItemWorkflow',
    name: 'closed-twice-in-one-task',
    async run(h) {
      const admin = await h.as('admin');
      const policyId = `cc-${crypto.randomUUID().slice(0, 8)}`;
      await admin.post('/api/policies', { policyId, titleZh: '并发用政策', issuingBody: '并发' });
      const created = await admin.post(`/api/policies/${policyId}/items`, { number: 1, titleZh: '并发用事项', leadDepartment: 'health', cooperatingDepartments: ['red_cross'], leaderInCharge: '副旗长', rhythm: 'monthly' });
      expect(created.status).toBe(201);
      const itemId = created.body.itemId as string;
      expect((await admin.post(`/api/items/${itemId}/launch`, { startWith: 'next' })).status).toBeLessThan(300);
      await waitFor(async () => (await admin.get(`/api/items/${itemId}`)).body.timeline?.some((e: { action: string }) => e.action === 'waiting_for_period'), { what: `item ${itemId} waiting` });
      const workflowId = makeItemWorkflowId(itemId);
      const handle = h.client.workflow.getHandle(workflowId);
      // Two officials of the office close it at the same moment: closed once, with the first reason.
      await h.withWorkerStopped(async () => {
        await handle.signal(closeItemSignal, { reason: '政策调整', actor: SUPERVISOR_ACTOR, requestId: crypto.randomUUID() });
        await handle.signal(closeItemSignal, { reason: '重复关闭', actor: SUPERVISOR_ACTOR, requestId: crypto.randomUUID() });
      });
      expect((await handle.result()).status).toBe('closed');
      const closes = await h.pool.query(`SELECT details FROM audit_log WHERE stream_id = $1 AND action = 'closed'`, [itemRunStream(itemId)]);
      expect(closes.rows.map((r) => r.details.reason)).toEqual(['政策调整']);
      return workflowId;
    },
  },
];
