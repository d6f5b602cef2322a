/**
 * A responsibility item (责任清单事项) over its reporting periods. One run covers one period and continues as new at the
 * period boundary, so an item that reports monthly for years keeps a history of one period's size.
 *
 * In each period every cooperating department (配合单位) reports progress with evidence as a department step, and the
 * lead department (牵头单位) files the consolidated report as its own step that the supervision office reviews
 * (requiresReview): accepted → green; sent back with feedback → red until filed again. The steps are child workflows
 * abandoned at the boundary: each keeps its own deadline, reminder, urging and escalation ladder (overdue → red →
 * department head → supervision office → leading group) whether or not this item is still looking. The item relays
 * each cooperating report to the lead as it arrives. An item with a final deadline closes when the report of its last
 * period is accepted; any item closes when the supervision office closes it.
 *
 * The period's boundaries and working days come from an activity (calendar arithmetic in Asia/Shanghai, and the item's
 * settings as of the period's start, so an edit applies from the next period); this code only waits and decides.
 */
import { clipText } from '../domain/text';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  CancellationScope,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { cancelStepSignal, makeStepWorkflowId, type StepInput, type StepView } from '../contracts/department-step';
import {
  ITEM_STEP_KINDS,
  closeItemSignal,
  getItemRunQuery,
  makeItemStepId,
  type ItemEvent,
  type ItemPeriodPlan,
  type ItemRunInput,
  type ItemRunView,
  type ItemStepRef,
  type PeriodRef,
} from '../contracts/responsibility-item';
import type { DeadlineSpec } from '../domain/deadline-classes';
import { SYSTEM_ACTOR, type Actor } from '../domain/roles';
import type { createDepartmentStepActivities } from '../activities/department-step';
import type { createResponsibilityItemActivities } from '../activities/responsibility-items';
import type { departmentStepWorkflow } from './department-step.workflow';
import { DATABASE_ACTIVITY, WEBHOOK_ACTIVITY } from './activity-options';

type Activities = ReturnType<typeof createResponsibilityItemActivities> & Pick<ReturnType<typeof createDepartmentStepActivities>, 'deliverWebhooks'>;

const acts = proxyActivities<Activities>(DATABASE_ACTIVITY);

const webhooks = proxyActivities<Activities>(WEBHOOK_ACTIVITY);

type OpenPlan = Extract<ItemPeriodPlan, { kind: 'open' }>;

export async function responsibilityItemWorkflow(input: ItemRunInput): Promise<ItemRunView> {
  const { itemId } = input;
  const view: ItemRunView = { itemId, status: 'waiting', period: null, waitingUntil: null, steps: [], seq: input.seq };
  const deliveries: Promise<unknown>[] = [];
  // Steps of this period that ended, waiting to be recorded by the main flow (child results arrive as callbacks).
  const ended: { ref: ItemStepRef; result: StepView | null }[] = [];
  let closeRequest: { reason: string; actor: Actor; requestId: string } | null = null;

  setHandler(getItemRunQuery, () => view);
  setHandler(closeItemSignal, (req) => {
    closeRequest ??= req;
  });

  // Only the main flow records, so events are written in sequence order without a lane.
  const record = async (action: string, actor: Actor, requestId: string | null, details: Record<string, unknown>, extra: Partial<Pick<ItemEvent, 'status' | 'currentPeriod' | 'period' | 'periodSteps' | 'notifications'>> = {}) => {
    view.seq += 1;
    const pending = await acts.recordItemEvent({
      itemId,
      seq: view.seq,
      at: new Date().toISOString(),
      actor,
      requestId,
      action,
      stateAfter: view.status === 'closed' ? 'closed' : 'running',
      details,
      ...extra,
    });
    if (pending.length > 0) deliveries.push(webhooks.deliverWebhooks({ notificationIds: pending }).catch(() => undefined));
  };

  const finish = async (): Promise<ItemRunView> => {
    await condition(allHandlersFinished);
    await Promise.all(deliveries);
    return view;
  };

  /** Cancel every step of the item still under way: this period's and the earlier periods' (those run on by themselves). */
  const cancelOpenSteps = async (reasonZh: string, actor: Actor): Promise<string[]> => {
    const open = new Set(await acts.listOpenItemSteps({ itemId }));
    for (const s of view.steps) if (s.endedAs === null) open.add(makeStepWorkflowId(s.stepId));
    const cancelled: string[] = [];
    for (const workflowId of open) {
      try {
        await getExternalWorkflowHandle(workflowId).signal(cancelStepSignal, { reason: reasonZh, actor });
        cancelled.push(workflowId);
      } catch {
        // The step ended meanwhile: nothing left to cancel.
      }
    }
    return cancelled;
  };

  const closeItem = async (req: { reason: string; actor: Actor; requestId: string }): Promise<ItemRunView> => {
    const cancelled = await cancelOpenSteps(`事项已关闭：${req.reason}`, req.actor);
    view.status = 'closed';
    await record('closed', req.actor, req.requestId, { reason: req.reason, cancelledSteps: cancelled }, {
      status: 'closed',
      currentPeriod: null,
      ...(view.period ? { period: { ...view.period, state: 'closed' as const } } : {}),
    });
    return finish();
  };

  if (input.opening !== 'boundary') {
    await record('launched', input.launchedBy, input.requestId ?? null, { opening: input.opening }, { status: 'running' });
  }

  // ---- Find the period to open: wait for the next boundary, or skip a period without a working day ----
  // Planning retries while the database is away, or for ever on data it cannot plan; the supervision office's close
  // must not wait for it. Null: the close came first (the planning is cancelled).
  type Plan = Awaited<ReturnType<typeof acts.planItemPeriod>>;
  const planUnlessClosed = async (args: Parameters<typeof acts.planItemPeriod>[0]): Promise<Plan | null> => {
    if (!patched('item-close-while-planning')) return acts.planItemPeriod(args);
    const scope = new CancellationScope();
    const planning = scope.run(() => acts.planItemPeriod(args));
    planning.catch(() => undefined); // a cancelled planning's failure is expected
    const planned = await Promise.race([planning, condition(() => closeRequest !== null).then(() => null)]);
    if (planned === null) scope.cancel();
    return planned;
  };
  let plan = await planUnlessClosed({ itemId, at: new Date().toISOString(), opening: input.opening });
  if (plan === null) return closeItem(closeRequest!);
  while (plan.kind === 'wait' || plan.kind === 'skip') {
    const untilAt = plan.untilAt;
    if (plan.kind === 'wait') {
      view.waitingUntil = untilAt;
      await record('waiting_for_period', SYSTEM_ACTOR, null, { next: plan.next, reason: plan.reason, untilAt }, { currentPeriod: null });
    } else {
      await record('period_skipped', SYSTEM_ACTOR, null, { label: plan.period.label, labelZh: plan.period.labelZh, reason: plan.reason }, { period: { ...plan.period, state: 'skipped' } });
    }
    await condition(() => closeRequest !== null, Math.max(1, Date.parse(untilAt) - Date.now()));
    if (closeRequest) return closeItem(closeRequest);
    plan = await planUnlessClosed({ itemId, at: new Date().toISOString(), opening: 'boundary' });
    if (plan === null) return closeItem(closeRequest!);
  }
  if (plan.kind === 'closed') {
    view.status = 'closed';
    return finish();
  }
  if (closeRequest) return closeItem(closeRequest);

  // ---- Open the period: one progress step per cooperating department, the lead's consolidated step ----
  const open: OpenPlan = plan;
  const period: PeriodRef = open.period;
  const subjectLabel = `第${open.item.number}项 ${period.labelZh}`;
  const refs: ItemStepRef[] = [
    ...open.item.cooperating.map((c): ItemStepRef => ({ stepId: makeItemStepId(itemId, period.label, 'cooperating', c.code), departmentCode: c.code, role: 'cooperating', attempt: 1, endedAs: null })),
    { stepId: makeItemStepId(itemId, period.label, 'lead', open.item.lead.code), departmentCode: open.item.lead.code, role: 'lead', attempt: 1, endedAs: null },
  ];
  view.status = 'open';
  view.period = period;
  view.waitingUntil = null;
  view.steps = refs;
  await record('period_opened', SYSTEM_ACTOR, null, {
    ...period,
    assignedAt: open.assignedAt,
    departmentWorkingDays: open.departmentWorkingDays,
    consolidatedWorkingDays: open.consolidatedWorkingDays,
    lead: open.item.lead.code,
    cooperating: open.item.cooperating.map((c) => c.code),
  }, { period: { ...period, state: 'open' }, periodSteps: refs.map(({ endedAs: _e, ...r }) => r), currentPeriod: period.label, status: 'running' });

  const startStep = async (ref: ItemStepRef, deadline: DeadlineSpec, assignedAt: string): Promise<void> => {
    const what = ref.role === 'lead' ? '汇总报送（牵头单位）' : '进展报送（配合单位）';
    const stepInput: StepInput = {
      stepId: ref.stepId,
      departmentCode: ref.departmentCode,
      title: clipText(`${subjectLabel}${what}：${open.item.titleZh}`, 200),
      kind: ITEM_STEP_KINDS[ref.role],
      subject: { type: 'item', id: itemId, label: subjectLabel },
      deadline,
      // The consolidated report goes to the supervision office for review; progress reports go to the lead.
      requiresReview: ref.role === 'lead',
      assignedAt,
      createdBy: SYSTEM_ACTOR,
      parentWorkflowId: workflowInfo().workflowId,
    };
    try {
      const handle = await startChild<typeof departmentStepWorkflow>('departmentStepWorkflow', {
        workflowId: makeStepWorkflowId(ref.stepId),
        // The step keeps its clock, urging and escalation after this run continues as new or the item closes.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        args: [stepInput],
      });
      void handle.result().then(
        (result) => {
          ref.endedAs = result.state;
          ended.push({ ref, result });
        },
        () => {
          ref.endedAs = 'cancelled';
          ended.push({ ref, result: null });
        },
      );
    } catch (err) {
      // Opened by an earlier run of this item that was stopped from outside; the step runs on by itself.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  };

  for (const ref of refs) {
    await startStep(ref, { workingDays: ref.role === 'lead' ? open.consolidatedWorkingDays : open.departmentWorkingDays }, open.assignedAt);
  }

  /** Record a step that ended; true when the item is now closed. */
  const onStepEnded = async ({ ref, result }: { ref: ItemStepRef; result: StepView | null }): Promise<boolean> => {
    const state = result?.state ?? 'cancelled';
    if (ref.role === 'cooperating') {
      const reported = state === 'done';
      const lead = open.item.lead;
      const deptName = open.item.cooperating.find((c) => c.code === ref.departmentCode)?.nameZh ?? ref.departmentCode;
      await record(reported ? 'progress_reported' : 'progress_ended', SYSTEM_ACTOR, null, {
        stepId: ref.stepId,
        departmentCode: ref.departmentCode,
        state,
        outcome: result?.outcome ?? null,
        evidenceCount: result?.evidence.length ?? 0,
      }, {
        notifications: reported
          ? [{
              key: `progress-${ref.departmentCode}`,
              to: { department: lead.code },
              kind: 'submitted',
              title: `配合单位已报送：${subjectLabel}`,
              body: `${deptName}报送进展：${clipText(result?.findings ?? '', 200)}（佐证材料${result?.evidence.length ?? 0}份）。请汇总后报送督查室审核。`,
              stepId: ref.stepId,
            }]
          : state === 'returned'
            ? [{
                // A department that says the work is not its own is a question of the division of responsibilities.
                key: `progress-returned-${ref.departmentCode}`,
                to: { role: 'supervisor' },
                kind: 'decision',
                title: `配合单位退回报送事项：${subjectLabel}`,
                body: `${deptName}退回了本期进展报送，请核实责任分工。`,
                stepId: ref.stepId,
              }]
            : [],
      });
      return false;
    }
    if (state === 'accepted') {
      // Also shown by the step itself (the board reads acceptance from it): a review after the boundary is not seen here.
      await record('period_accepted', SYSTEM_ACTOR, null, { stepId: ref.stepId, label: period.label });
      if (!period.last) return false;
      // The item is done: reports still owed by cooperating departments are no longer needed.
      const cancelled = await cancelOpenSteps('事项最终报送已审核通过，事项办结', SYSTEM_ACTOR);
      view.status = 'closed';
      await record('closed', SYSTEM_ACTOR, null, { reason: 'final_report_accepted', label: period.label, cancelledSteps: cancelled }, {
        status: 'closed',
        currentPeriod: null,
        period: { ...period, state: 'closed' },
      });
      return true;
    }
    // The lead gave the report back (or it was cancelled) instead of filing it.
    await record('consolidated_report_ended', SYSTEM_ACTOR, null, { stepId: ref.stepId, state, reason: result?.findings ?? null });
    if (period.last && !closeRequest) {
      // The last report is still owed before the item can close: open it again, due in the ordinary 3 working days.
      const again: ItemStepRef = { ...ref, stepId: makeItemStepId(itemId, period.label, 'lead', ref.departmentCode, ref.attempt + 1), attempt: ref.attempt + 1, endedAs: null };
      view.steps.push(again);
      await record('consolidated_report_reopened', SYSTEM_ACTOR, null, { stepId: again.stepId, attempt: again.attempt }, {
        period: { ...period, state: 'open' },
        periodSteps: [{ stepId: again.stepId, departmentCode: again.departmentCode, role: again.role, attempt: again.attempt }],
      });
      await startStep(again, { class: 'ordinary' }, new Date().toISOString());
    }
    return false;
  };

  // ---- The period runs: relay what ends, until the boundary (or, in the last period, until the item closes) ----
  const endsAtMs = Date.parse(period.endsAt);
  for (;;) {
    if (closeRequest) return closeItem(closeRequest);
    const next = ended.shift();
    if (next) {
      if (await onStepEnded(next)) return finish();
      continue;
    }
    const wake = () => closeRequest !== null || ended.length > 0;
    if (period.last) {
      await condition(wake);
      continue;
    }
    if (Date.now() >= endsAtMs) break;
    await condition(wake, Math.max(1, endsAtMs - Date.now()));
  }

  await record('period_closed', SYSTEM_ACTOR, null, {
    label: period.label,
    steps: view.steps.map((s) => ({ stepId: s.stepId, departmentCode: s.departmentCode, role: s.role, endedAs: s.endedAs })),
  }, { period: { ...period, state: 'closed' } });
  await condition(allHandlersFinished);
  if (closeRequest) return closeItem(closeRequest);
  await Promise.all(deliveries);
  return continueAsNew<typeof responsibilityItemWorkflow>({
    itemId,
    seq: view.seq,
    opening: 'boundary',
    launchedBy: input.launchedBy,
    periodsOpened: input.periodsOpened + 1,
  });
}
