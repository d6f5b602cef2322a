/**
 * One problem of the ledger (问题台账) around its closed loop: found → analysed by the supervision office → assigned to a
 * department with the 1-3-5 class and handled there as a department step (with its own deadline, reminder, urging and
 * escalation) → feedback to the reporter → closed only by the reporter's rating. An unsatisfied rating reopens the
 * problem once (a new handling step for the same department) and escalates it to the leading group; a second one closes
 * it as unresolved, escalated.
 *
 * The rules are the pure ProblemMachine (domain/problem-ledger.ts); this code runs it, starts the handling steps and
 * records each event through an activity. The history carries no personal data: the description, the reporter's
 * phone and rating comments stay in PostgreSQL.
 */
import {
  ApplicationFailure,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { makeStepWorkflowId, type StepInput, type StepView } from '../contracts/department-step';
import {
  PROBLEM_STEP_KIND,
  getProblemQuery,
  makeProblemStepId,
  problemActUpdate,
  type ProblemActRequest,
  type ProblemEvent,
  type ProblemInput,
} from '../contracts/problem';
import { DEADLINE_CLASS_NAMES_ZH } from '../domain/deadline-classes';
import {
  PROBLEM_SOURCE_NAMES_ZH,
  ProblemMachine,
  ProblemRefusal,
  newProblemView,
  publicReporterId,
  type HandlingOutcome,
  type ProblemEffect,
  type ProblemView,
} from '../domain/problem-ledger';
import { DEPARTMENTS, SYSTEM_ACTOR, type Actor } from '../domain/roles';
import type { createDepartmentStepActivities } from '../activities/department-step';
import type { createProblemActivities } from '../activities/problems';
import type { departmentStepWorkflow } from './department-step.workflow';
import { DATABASE_ACTIVITY, WEBHOOK_ACTIVITY } from './activity-options';
import { Lane } from './lane';

type Activities = ReturnType<typeof createProblemActivities> & Pick<ReturnType<typeof createDepartmentStepActivities>, 'deliverWebhooks'>;

const acts = proxyActivities<Activities>(DATABASE_ACTIVITY);

const webhooks = proxyActivities<Activities>(WEBHOOK_ACTIVITY);

const DEPARTMENT_NAMES = new Map<string, string>(DEPARTMENTS.map((d) => [d.code, d.nameZh]));
const nameOf = (code: string | null) => (code ? (DEPARTMENT_NAMES.get(code) ?? code) : '');

/** A refusal from the machine becomes a rejected update the API maps to 403 / 409 / 422 (the step's failure types). */
function refusal(err: unknown): never {
  if (err instanceof ProblemRefusal) throw ApplicationFailure.create({ type: `step_${err.code}`, message: err.message, nonRetryable: true });
  throw err;
}

export async function problemWorkflow(input: ProblemInput): Promise<ProblemView> {
  const { problemId } = input;
  const machine = new ProblemMachine(newProblemView(problemId, input.source), input.reporterUserId ?? publicReporterId(problemId));
  const view = machine.view;
  const ended: { stepId: string; result: StepView | null }[] = [];
  const deliveries: Promise<unknown>[] = [];

  // Acts and ended steps are recorded one at a time, in order (workflows/lane.ts).
  const lane = new Lane();

  const reporter = input.reporterUserId ? { userId: input.reporterUserId } : null;
  const office = { role: 'supervisor' as const };
  const leadingGroup = { role: 'leader' as const };

  /** Who hears about each event: the office, the leading group on escalation, an official reporter. */
  const notificationsFor = (effect: ProblemEffect): ProblemEvent['notifications'] => {
    const label = `问题编号 ${problemId}`;
    switch (effect.action) {
      case 'submitted':
        return [{ key: 'office', to: office, kind: 'assigned', title: `新问题线索（${PROBLEM_SOURCE_NAMES_ZH[input.source]}）：${label}`, body: '请分析研判后交办责任单位。' }];
      case 'assigned':
        return reporter
          ? [{ key: 'reporter', to: reporter, kind: 'decision', title: `问题已交办：${label}`, body: `已交${nameOf(view.departmentCode)}办理（${view.deadlineClass ? DEADLINE_CLASS_NAMES_ZH[view.deadlineClass] : ''}）。` }]
          : [];
      case 'handled':
        return [
          { key: 'office', to: office, kind: 'submitted', title: `问题已办理，待评价：${label}`, body: `${nameOf(view.departmentCode)}已反馈办理结果。` },
          ...(reporter ? [{ key: 'reporter', to: reporter, kind: 'decision' as const, title: `问题已办理，请评价：${label}`, body: view.feedback ?? '' }] : []),
        ];
      case 'handling_returned':
        return [{ key: 'office', to: office, kind: 'decision', title: `问题被退回，请重新研判交办：${label}`, body: `${nameOf(view.departmentCode)}退回了办理事项。` }];
      case 'reopened':
        return [
          { key: 'leader', to: leadingGroup, kind: 'escalated', title: `问题升级督办（群众不满意）：${label}`, body: `${nameOf(view.departmentCode)}第${view.round - 1}次办理结果评价为不满意，已重新交办，请领导小组督办。` },
          { key: 'office', to: office, kind: 'escalated', title: `问题重新办理：${label}`, body: '评价不满意，已重新交办并报领导小组。' },
        ];
      case 'closed_unresolved':
        return [
          { key: 'leader', to: leadingGroup, kind: 'escalated', title: `问题未解决（再次不满意）：${label}`, body: `${nameOf(view.departmentCode)}重新办理后仍评价不满意，问题按未解决办结，请领导小组研究处理。` },
          { key: 'office', to: office, kind: 'escalated', title: `问题未解决办结：${label}`, body: '重新办理后仍不满意，已报领导小组。' },
        ];
      default:
        return [];
    }
  };

  const record = async (effect: ProblemEffect, actor: Actor, requestId: string | null, stateBefore: string | null, escalationStepId: string | null = null): Promise<void> => {
    view.seq += 1;
    const pending = await acts.recordProblemEvent({
      problemId,
      seq: view.seq,
      at: new Date().toISOString(),
      actor,
      requestId,
      action: effect.action,
      stateBefore,
      details: effect.details,
      view,
      notifications: notificationsFor(effect),
      escalation: escalationStepId ? { stepId: escalationStepId } : null,
    });
    if (pending.length > 0) deliveries.push(webhooks.deliverWebhooks({ notificationIds: pending }).catch(() => undefined));
  };

  const startHandling = async (h: NonNullable<ProblemEffect['startHandling']>, actor: Actor): Promise<void> => {
    const stepId = makeProblemStepId(problemId, h.round);
    const stepInput: StepInput = {
      stepId,
      departmentCode: h.departmentCode,
      // No free text from the reporter in a title: the department reads the problem through the ledger.
      title: `问题办理（问题编号 ${problemId}${h.round > 1 ? `，第${h.round}次办理` : ''}）`,
      kind: PROBLEM_STEP_KIND,
      subject: { type: 'problem', id: problemId, label: problemId },
      deadline: { class: h.deadlineClass },
      requiresReview: false,
      createdBy: actor,
      parentWorkflowId: workflowInfo().workflowId,
    };
    const handle = await startChild<typeof departmentStepWorkflow>('departmentStepWorkflow', {
      workflowId: makeStepWorkflowId(stepId),
      // The step keeps its own clock and audit trail whatever happens to this workflow.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      args: [stepInput],
    });
    void handle.result().then(
      (result) => ended.push({ stepId, result }),
      () => ended.push({ stepId, result: null }),
    );
  };

  setHandler(getProblemQuery, () => view);

  setHandler(
    problemActUpdate,
    (req: ProblemActRequest) =>
      lane.run(async () => {
        // Checked again in the lane: an act queued behind another may no longer be allowed.
        try {
          machine.check(req.action, req.actor);
        } catch (err) {
          refusal(err);
        }
        const before = view.state;
        const ratedStepId = view.handlingStepId;
        const effect = machine.apply(req.action);
        if (effect.startHandling) view.handlingStepId = makeProblemStepId(problemId, effect.startHandling.round);
        await record(effect, req.actor, req.requestId, before, effect.escalate ? ratedStepId : null);
        if (effect.startHandling) await startHandling(effect.startHandling, req.actor.role === 'supervisor' ? req.actor : SYSTEM_ACTOR);
        return JSON.parse(JSON.stringify(view)) as ProblemView;
      }),
    {
      // Runs before the update is accepted: a refused act leaves no trace in the history.
      validator: (req: ProblemActRequest) => {
        try {
          machine.check(req.action, req.actor);
        } catch (err) {
          refusal(err);
        }
      },
    },
  );

  await lane.run(() => record({ action: 'submitted', details: { source: input.source } }, input.submittedBy, input.requestId ?? null, null));

  // The department's handling steps end here; everything else happens in the update handler.
  while (!machine.final) {
    await condition(() => ended.length > 0 || machine.final);
    const next = ended.shift();
    if (!next) continue;
    await lane.run(async () => {
      const r = next.result;
      const outcome: HandlingOutcome =
        r?.state === 'done'
          ? { state: 'done', findings: r.findings ?? '' }
          : { state: r?.state === 'returned' ? 'returned' : 'cancelled', reason: r?.state === 'returned' ? '责任单位退回' : '办理事项已撤销' };
      const before = view.state;
      const effect = machine.handlingEnded(next.stepId, outcome);
      if (effect) await record(effect, SYSTEM_ACTOR, null, before);
    });
  }

  await condition(allHandlersFinished);
  await lane.idle();
  await Promise.all(deliveries);
  return view;
}
