/**
 * One enrollment application ("入学一件事"): pre-review by the education bureau (which may ask the parent to
 * supplement materials, 补正, stopping its clock meanwhile), parallel verification by the departments (registry
 * confirmations complete at once, the rest go to the departments' officers), eligibility and points, the pool,
 * placement by the allocation round, and check-in. The parent may withdraw until enrolled.
 *
 * Every department's part is a department step with its own working-day deadline, reminders, escalation and audit
 * trail. Since `application-hosted-steps` the steps run inside this workflow (hosted-step.ts) and officers' acts
 * arrive here as step updates naming the step; applications started before that have a child workflow per step and
 * keep it. The history carries no personal data: activities read the form from PostgreSQL by application number.
 */
import {
  ApplicationFailure,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import {
  APPLICATION_STATE_NAMES_ZH,
  FINAL_APPLICATION_STATES,
  VERIFICATIONS,
  checkInUpdate,
  getApplicationQuery,
  makeApplicationStepId,
  placementSignal,
  reassignPlacementUpdate,
  requestSupplementUpdate,
  supplementUpdate,
  withdrawUpdate,
  type ApplicationActRequest,
  type ApplicationInput,
  type ApplicationState,
  type ApplicationView,
  type Placement,
  type VerifyingDepartment,
} from '../contracts/application';
import { seatReleasedSignal, type ReleaseCause } from '../contracts/allocation-round';
import {
  calendarChangedSignal,
  cancelStepSignal,
  getStepQuery,
  makeStepWorkflowId,
  stepActionUpdate,
  systemActSignal,
  type StepActionRequest,
  type StepInput,
  type StepView,
} from '../contracts/department-step';
import { SYSTEM_ACTOR, type Actor } from '../domain/roles';
import type { createApplicationActivities } from '../activities/application';
import type { createDepartmentStepActivities } from '../activities/department-step';
import type { departmentStepWorkflow } from './department-step.workflow';
import { hostStep, type HostedStep } from './hosted-step';
import { DATABASE_ACTIVITY, LOCAL_DATABASE_ACTIVITY } from './activity-options';
import { Lane } from './lane';

type Activities = ReturnType<typeof createApplicationActivities> & ReturnType<typeof createDepartmentStepActivities>;

const acts = proxyActivities<Activities>(DATABASE_ACTIVITY);

const localActs = proxyLocalActivities<Activities>(LOCAL_DATABASE_ACTIVITY);

function refuse(type: 'forbidden' | 'invalid_state', message: string): never {
  throw ApplicationFailure.create({ type: `step_${type}`, message, nonRetryable: true });
}

export async function applicationWorkflow(input: ApplicationInput): Promise<ApplicationView> {
  const appNo = input.applicationNumber;
  // Applications started before local activities keep running their recorded activities (ARCHITECTURE.md, patches).
  const io = patched('application-local-activities') ? localActs : acts;
  // One workflow per application instead of five: the departments' steps run in here (see the file comment).
  const hostsSteps = patched('application-hosted-steps');
  // Every local activity of the application, its own and its steps', in one lane: two in flight at once replay in
  // another order than they ran (workflows/lane.ts). Applications started before it keep a lane per step.
  const oneLane = patched('application-one-lane');
  const lane = new Lane();
  /** A local activity the main flow or a handler calls outside the lane. */
  const serial = <T>(fn: () => Promise<T>): Promise<T> => (oneLane ? lane.run(fn) : fn());
  const view: ApplicationView = { applicationNumber: appNo, state: 'pre_review', supplement: null, stepIds: {}, eligible: null, pointsTotal: null, placement: null, seq: 0 };
  const children = new Map<string, ChildWorkflowHandle<typeof departmentStepWorkflow>>();
  const hosted = new Map<string, HostedStep>(); // by part, for hostsSteps
  const results = new Map<string, StepView>();
  // What handlers hand to the main flow (one object, so the flow reads what a handler set since it last looked).
  const inbox: {
    supplied: (ApplicationActRequest & { note: string; materials: string[] }) | null;
    withdrawal: (ApplicationActRequest & { reason: string }) | null;
    checkIn: (ApplicationActRequest & { result: 'checked_in' | 'no_show' }) | null;
    placement: Placement | null;
    /** The calendar changed while a 补正 deadline runs: the reason, until the deadline is counted again. */
    supplementCalendarChange: string | null;
  } = { supplied: null, withdrawal: null, checkIn: null, placement: null, supplementCalendarChange: null };

  const record = (action: string, actor: Actor, requestId: string | null, next: ApplicationState, details: Record<string, unknown>, notice?: { title: string; body: string }, holder?: string | null) =>
    lane.run(async () => {
      const before = view.state;
      view.seq += 1;
      await io.recordApplicationEvent({
        applicationNumber: appNo,
        seq: view.seq,
        at: new Date().toISOString(),
        actor,
        requestId,
        action,
        stateBefore: before,
        stateAfter: next,
        details,
        notifyApplicant: notice ?? null,
        projection: { state: next, holderDepartment: holder === undefined ? holderOf(next) : holder, supplement: view.supplement, placement: view.placement },
      });
      // The state changes once it is recorded: an update that waits for it answers only after the read model shows it.
      view.state = next;
    });

  const startStep = async (part: string, departmentCode: string, titleZh: string, kind: string, extra: Partial<StepInput> = {}) => {
    const stepId = makeApplicationStepId(appNo, part);
    view.stepIds[part] = stepId;
    const stepInput: StepInput = {
      stepId,
      departmentCode,
      title: `${titleZh}（申请编号 ${appNo}）`,
      kind,
      subject: { type: 'application', id: appNo, label: appNo },
      deadline: { class: 'ordinary' },
      requiresReview: false,
      createdBy: SYSTEM_ACTOR,
      parentWorkflowId: workflowInfo().workflowId,
      ...extra,
    };
    if (hostsSteps) {
      const step = hostStep(stepInput, { workflowId: workflowInfo().workflowId, local: true, searchAttributes: false, lane: oneLane ? lane : undefined });
      hosted.set(part, step);
      void step.stopped.then(() => step.drained()).then(() => {
        results.set(part, step.view);
      });
      return;
    }
    const handle = await startChild('departmentStepWorkflow', {
      workflowId: makeStepWorkflowId(stepId),
      // The step keeps its own audit trail and deadline even if this workflow were terminated.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      args: [stepInput],
    });
    children.set(part, handle as ChildWorkflowHandle<typeof departmentStepWorkflow>);
    void handle.result().then(
      (v) => {
        results.set(part, v as StepView);
      },
      () => undefined,
    );
  };

  /** A step's own act from this workflow (pause / resume for 补正): hosted, or a signal to the step's workflow. */
  const actOnStep = async (part: string, req: StepActionRequest) => {
    const step = hosted.get(part);
    const child = children.get(part);
    if (step) step.systemAct(req);
    else if (child) await getExternalWorkflowHandle(child.workflowId).signal(systemActSignal, req);
  };
  const cancelStep = async (part: string, reason: string, actor: Actor) => {
    const step = hosted.get(part);
    const child = children.get(part);
    if (step) step.cancel(reason, actor);
    else if (child) await getExternalWorkflowHandle(child.workflowId).signal(cancelStepSignal, { reason, actor });
  };

  const isFinal = () => FINAL_APPLICATION_STATES.includes(view.state);

  // Recorded first, before any handler exists: the record is a local activity, so the read model can show the
  // application before this workflow task completes; an act that arrives while a retried task is being run must
  // still come after it (seq 1), as it did in the attempt the worker did not finish.
  const submitted = record('submitted', SYSTEM_ACTOR, input.requestId ?? null, 'pre_review', { verifications: input.verifications }, {
    title: `入学申请已受理（申请编号 ${appNo}）`,
    body: '教育局将进行预审，请留意补正通知。',
  });

  setHandler(getApplicationQuery, () => view);

  // Officers' acts on the hosted steps: each names its step; the step checks who may do what, as in its own workflow.
  const stepById = (stepId: string | undefined): HostedStep => {
    for (const [part, step] of hosted) if (view.stepIds[part] === stepId) return step;
    // Also the answer, for a moment, to an act that reaches a retried workflow task before it has hosted the step again.
    return refuse('invalid_state', `该环节当前不在本申请中办理，请刷新后重试 (step ${stepId ?? '(none named)'} is not a step of application ${appNo})`);
  };
  setHandler(getStepQuery, (stepId?: string) => stepById(stepId).view);
  setHandler(stepActionUpdate, (req) => stepById(req.stepId).perform(req), { validator: (req) => stepById(req.stepId).check(req) });
  setHandler(calendarChangedSignal, ({ reason, stepId, supplement }) => {
    if (supplement) {
      if (view.state === 'awaiting_supplement' && view.supplement?.requestedAt) inbox.supplementCalendarChange = reason;
      return;
    }
    for (const [part, step] of hosted) if (stepId === undefined || view.stepIds[part] === stepId) step.calendarChanged(reason);
  });

  setHandler(
    requestSupplementUpdate,
    async (req) => {
      const requestedAt = new Date().toISOString();
      const deadline = await serial(() => io.planStepSchedule({ from: requestedAt, workingDays: req.workingDays, escalationIntervalWorkingDays: 1, rungs: 1 }));
      view.supplement = { items: req.items, deadlineAt: deadline.deadlineAt, requestedBy: req.actor.displayName, requestedAt, workingDays: req.workingDays };
      if (view.stepIds.pre_review) await actOnStep('pre_review', { action: { type: 'pause', reason: `等待申请人补正：${req.items.join('；')}` }, actor: req.actor, requestId: req.requestId });
      await record('supplement_requested', req.actor, req.requestId, 'awaiting_supplement', { items: req.items, deadlineAt: deadline.deadlineAt }, {
        title: `请补正材料（申请编号 ${appNo}）`,
        body: `需补正：${req.items.join('；')}。请在 ${deadline.lastDay} 前补正，逾期申请失效。`,
      }, null);
      return view;
    },
    {
      validator: (req) => {
        if (!(req.actor.role === 'officer' && req.actor.departmentCode === 'education')) refuse('forbidden', 'only the education bureau may ask for supplementary materials');
        if (view.state !== 'pre_review') refuse('invalid_state', `supplementary materials can be asked for only during pre-review (now ${view.state})`);
        if (req.items.length === 0 || req.workingDays < 1) refuse('invalid_state', 'items and a deadline of at least one working day are required');
      },
    },
  );

  setHandler(
    supplementUpdate,
    async (req) => {
      inbox.supplied = req;
      await condition(() => view.state !== 'awaiting_supplement');
      return view;
    },
    {
      validator: (req) => {
        if (req.actor.userId !== input.applicantUserId) refuse('forbidden', 'only the applicant may supplement this application');
        if (view.state !== 'awaiting_supplement' || inbox.supplied) refuse('invalid_state', 'no supplementary materials are being asked for');
      },
    },
  );

  setHandler(
    withdrawUpdate,
    async (req) => {
      inbox.withdrawal = req;
      // Withdrawn, or finished meanwhile by another path (e.g. rejected): either way the application is final.
      await condition(isFinal);
      return view;
    },
    {
      validator: (req) => {
        if (req.actor.userId !== input.applicantUserId) refuse('forbidden', 'only the applicant may withdraw this application');
        if (isFinal() || inbox.withdrawal) refuse('invalid_state', `an application that is ${APPLICATION_STATE_NAMES_ZH[view.state]} cannot be withdrawn`);
      },
    },
  );

  setHandler(
    checkInUpdate,
    async (req) => {
      inbox.checkIn = req;
      await condition(() => isFinal());
      return view;
    },
    {
      validator: (req) => {
        if (!(req.actor.role === 'school' && view.placement && req.actor.schoolId === view.placement.schoolId)) refuse('forbidden', 'only the school the child is placed at may record check-in');
        if (view.state !== 'placed' || inbox.checkIn) refuse('invalid_state', 'the child is not waiting for check-in');
        // The waitlist is moving the child to another school right now; the school asks again in a moment.
        if (inbox.placement) refuse('invalid_state', 'the placement is being changed by the allocation round; try again');
      },
    },
  );

  // The round publishes at least once (it signals again after a crash): the same placement twice is one placement.
  const samePlacement = (a: Placement | null, b: Placement) =>
    a !== null && a.roundId === b.roundId && a.schoolId === b.schoolId && a.type === b.type && a.reasonZh === b.reasonZh;

  setHandler(placementSignal, (p) => {
    if (!samePlacement(inbox.placement ?? view.placement, p)) inbox.placement = p;
  });

  setHandler(
    reassignPlacementUpdate,
    async (p) => {
      if (!samePlacement(inbox.placement ?? view.placement, p)) inbox.placement = p;
      await condition(() => inbox.placement === null || isFinal());
      return view;
    },
    {
      validator: (_p) => {
        if (view.state !== 'in_pool' && view.state !== 'placed') refuse('invalid_state', `an application that is ${APPLICATION_STATE_NAMES_ZH[view.state]} cannot be given another seat`);
        if (inbox.checkIn || inbox.withdrawal) refuse('invalid_state', 'check-in or withdrawal is being recorded');
      },
    },
  );

  /**
   * Tells the round that placed the child that the seat is free again, so its waitlist moves. Added after the
   * application's last command of each path, so histories recorded before it replay unchanged.
   */
  const releaseSeatInRound = async (cause: ReleaseCause) => {
    const p = inbox.placement ?? view.placement;
    if (!p) return;
    try {
      await getExternalWorkflowHandle(p.roundId).signal(seatReleasedSignal, { applicationNumber: appNo, cause, schoolId: p.schoolId });
    } catch {
      // The round has been closed: the waitlist no longer moves, and the seat stays with the school.
    }
  };

  /** Wait for pred, or a withdrawal; returns false when the application was withdrawn meanwhile. */
  const waitOr = async (pred: () => boolean, timeoutMs?: number): Promise<boolean | 'timeout'> => {
    const done = () => pred() || inbox.withdrawal !== null;
    let ok = true;
    if (timeoutMs === undefined) await condition(done);
    else ok = await condition(done, timeoutMs);
    if (inbox.withdrawal) return false;
    return ok ? true : 'timeout';
  };

  /**
   * The official calendar changed while the parent has a 补正 deadline: count its working days again from the
   * request, and tell the parent when the last day moves. Reached only by a signal the calendar load sends with
   * `supplement` (new with this patch, so no earlier history holds one).
   */
  const countSupplementDeadlineAgain = async (): Promise<void> => {
    const reason = inbox.supplementCalendarChange!;
    inbox.supplementCalendarChange = null;
    const sup = view.supplement!;
    if (!patched('supplement-deadline-follows-calendar') || !sup.requestedAt || !sup.workingDays) return;
    const schedule = await serial(() => io.planStepSchedule({ from: sup.requestedAt!, workingDays: sup.workingDays!, escalationIntervalWorkingDays: 1, rungs: 1, freshCalendar: true }));
    if (schedule.deadlineAt === sup.deadlineAt) return;
    view.supplement = { ...sup, deadlineAt: schedule.deadlineAt };
    await record('supplement_deadline_moved', SYSTEM_ACTOR, null, 'awaiting_supplement', { from: sup.deadlineAt, to: schedule.deadlineAt, reason }, {
      title: `补正期限已调整（申请编号 ${appNo}）`,
      body: `因${reason}，补正期限调整为 ${schedule.lastDay}，请在该日前补正，逾期申请失效。`,
    }, null);
  };

  const finish = async (): Promise<ApplicationView> => {
    // Hosted steps end with the application: any still open is cancelled, and each records all it has queued.
    for (const part of hosted.keys()) if (!results.has(part)) await cancelStep(part, `申请已结束（${APPLICATION_STATE_NAMES_ZH[view.state]}），本环节不再办理`, SYSTEM_ACTOR);
    await Promise.all([...hosted.values()].map((step) => step.stopped.then(() => step.drained())));
    await condition(allHandlersFinished);
    await lane.idle();
    return view;
  };

  const withdraw = async (): Promise<ApplicationView> => {
    const w = inbox.withdrawal!;
    for (const part of [...children.keys(), ...hosted.keys()]) {
      if (!results.has(part)) await cancelStep(part, '申请人撤回申请', w.actor);
    }
    await record('withdrawn', w.actor, w.requestId, 'withdrawn', { reason: w.reason }, { title: `申请已撤回（${appNo}）`, body: w.reason || '您已撤回入学申请。' }, null);
    await releaseSeatInRound('withdrawn');
    return finish();
  };

  await submitted;

  // ---- Pre-review, with 补正 rounds ----
  await startStep('pre_review', 'education', '入学申请预审', 'pre_review');
  for (;;) {
    const r = await waitOr(() => results.has('pre_review') || view.state === 'awaiting_supplement');
    if (r === false) return withdraw();
    if (results.has('pre_review')) break;
    let s: boolean | 'timeout';
    for (;;) {
      const deadlineMs = Date.parse(view.supplement!.deadlineAt) - Date.now();
      s = await waitOr(() => inbox.supplied !== null || inbox.supplementCalendarChange !== null, Math.max(deadlineMs, 1));
      if (s !== true || inbox.supplied !== null) break;
      await countSupplementDeadlineAgain();
    }
    if (s === false) return withdraw();
    if (s === 'timeout') {
      await cancelStep('pre_review', '申请人逾期未补正', SYSTEM_ACTOR);
      await record('lapsed', SYSTEM_ACTOR, null, 'lapsed', { deadlineAt: view.supplement!.deadlineAt }, { title: `申请已失效（${appNo}）`, body: '未在规定期限内补正材料，本次申请失效。如需入学请重新申请。' }, null);
      return finish();
    }
    const sup = inbox.supplied!;
    await serial(() => io.attachSupplement({ applicationNumber: appNo, materials: sup.materials, note: sup.note, key: sup.requestId }));
    view.supplement = null;
    await actOnStep('pre_review', { action: { type: 'resume', note: '申请人已补正' }, actor: SYSTEM_ACTOR, requestId: sup.requestId });
    await record('supplemented', sup.actor, sup.requestId, 'pre_review', { materials: sup.materials, note: sup.note });
    inbox.supplied = null;
  }
  const preReview = results.get('pre_review')!;
  if (preReview.state !== 'done' || preReview.outcome === 'not_confirmed') {
    await record('rejected', SYSTEM_ACTOR, null, 'rejected', { stage: 'pre_review', findings: preReview.findings }, { title: `预审未通过（${appNo}）`, body: preReview.findings ?? '预审未通过。' }, null);
    return finish();
  }

  // ---- Parallel verification: data sharing first, people second ----
  await record('verification_started', SYSTEM_ACTOR, null, 'verifying', { departments: input.verifications });
  for (const dept of input.verifications) {
    const confirmation = await serial(() => io.checkRegistry({ applicationNumber: appNo, department: dept }));
    const v = VERIFICATIONS[dept as VerifyingDepartment];
    await startStep(dept, dept, v.titleZh, v.kind, confirmation ? { systemCompletion: confirmation } : {});
  }
  if (input.needyFamily) await startStep('aid', 'finance', '家庭经济困难学生资助审核', 'aid', { deadline: { class: 'complex' } });
  const verified = await waitOr(() => input.verifications.every((d) => results.has(d)));
  if (verified === false) return withdraw();

  // ---- Eligibility and points ----
  await record('assessment_started', SYSTEM_ACTOR, null, 'assessing', {});
  const outcomes = Object.fromEntries(input.verifications.map((d) => {
    const r = results.get(d)!;
    return [d, { state: r.state, outcome: r.outcome, findings: r.findings, facts: r.facts, evidence: r.evidence }];
  }));
  const assessment = await serial(() => io.assessApplication({ applicationNumber: appNo, outcomes }));
  view.eligible = assessment.eligible;
  view.pointsTotal = assessment.pointsTotal;
  if (!assessment.eligible) {
    await record('rejected', SYSTEM_ACTOR, null, 'rejected', { stage: 'eligibility', failed: assessment.failedRulesZh }, {
      title: `资格审核未通过（${appNo}）`,
      body: `未满足：${assessment.failedRulesZh.join('；')}。如有异议可通过投诉申诉渠道反映。`,
    }, null);
    return finish();
  }
  await record('entered_pool', SYSTEM_ACTOR, null, 'in_pool', { pointsTotal: assessment.pointsTotal }, {
    title: `资格审核通过（${appNo}）`,
    body: `积分 ${assessment.pointsTotal} 分，等待教育局统筹安排学位。`,
  });

  // ---- Placement and check-in (a no-show ends the application; the round moves the waitlist) ----
  let aidRecorded = !input.needyFamily;
  const recordAid = async () => {
    const aid = results.get('aid')!;
    const granted = aid.state === 'done' && aid.outcome === 'confirmed';
    const amount = typeof aid.facts.amount === 'number' ? aid.facts.amount : 0;
    await serial(() => io.saveAidDecision({ applicationNumber: appNo, granted, amount, findings: aid.findings ?? '' }));
    await record('aid_decided', SYSTEM_ACTOR, null, view.state, { granted, amount }, {
      title: `学生资助审核结果（${appNo}）`,
      body: granted ? `经财政部门审核，给予资助 ${amount} 元/年。` : `经财政部门审核，暂不予资助：${aid.findings ?? ''}`,
    });
  };
  for (;;) {
    const placed = await waitOr(() => inbox.placement !== null || (view.state === 'placed' && inbox.checkIn !== null) || (!aidRecorded && results.has('aid')));
    if (placed === false) return withdraw();
    if (!aidRecorded && results.has('aid')) {
      aidRecorded = true;
      await recordAid();
      continue;
    }
    if (inbox.placement) {
      view.placement = inbox.placement;
      inbox.placement = null;
      await record('placed', SYSTEM_ACTOR, null, 'placed', { ...view.placement }, {
        title: `学位安排结果（${appNo}）`,
        body: `${view.placement.schoolNameZh}：${view.placement.reasonZh}。${view.placement.checkInLastDay ? `请于${view.placement.checkInLastDay}前到校报到` : '请按时到校报到'}。`,
      }, null);
      continue;
    }
    const c = inbox.checkIn!;
    if (c.result === 'checked_in') {
      await record('enrolled', c.actor, c.requestId, 'enrolled', { schoolId: view.placement!.schoolId }, { title: `已报到入学（${appNo}）`, body: `${view.placement!.schoolNameZh}已确认报到。` }, null);
      // Aid is for enrolled children: a hosted aid step still open is waited for, not cancelled with the application.
      if (hostsSteps && !aidRecorded) {
        await condition(() => results.has('aid'));
        aidRecorded = true;
        await recordAid();
      }
    } else {
      await record('no_show', c.actor, c.requestId, 'no_show', { schoolId: view.placement!.schoolId }, { title: `未报到（${appNo}）`, body: '逾期未到校报到，学位已释放。' }, null);
      await releaseSeatInRound('no_show');
    }
    return finish();
  }
}

/** Which department holds the case in each state (shown to the parent). */
function holderOf(state: ApplicationState): string | null {
  switch (state) {
    case 'pre_review':
    case 'assessing':
    case 'in_pool':
      return 'education';
    default:
      return null;
  }
}
