/**
 * The department step: one department's piece of work with a deadline in official working days, a reminder before
 * it, an escalation ladder after it, and an audit trail naming the official behind each act.
 *
 * Shape: state first (a pure StepMachine), then handlers, then the clock loop. Every change goes through one
 * serialised lane (`exclusive`), so events are recorded in sequence order and an act never interleaves with a timer.
 * Calendar arithmetic runs in activities: its results are in the history, so replay never depends on calendar data.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { StepActionRequest, StepActionResult, StepInput, StepView } from '../contracts/department-step';
import { calendarChangedSignal, cancelStepSignal, getStepQuery, stepActionUpdate, systemActSignal } from '../contracts/department-step';
import { ESCALATION_LADDER, StepMachine, StepRefusal, newStepView, type StepEvent } from '../domain/department-step';
import { workingDaysOf } from '../domain/deadline-classes';
import { SYSTEM_ACTOR } from '../domain/roles';
import { SA } from '../contracts/search-attributes';
import type { createDepartmentStepActivities } from '../activities/department-step';
import { DATABASE_ACTIVITY, LOCAL_DATABASE_ACTIVITY, WEBHOOK_ACTIVITY } from './activity-options';

type Activities = ReturnType<typeof createDepartmentStepActivities>;

const acts = proxyActivities<Activities>(DATABASE_ACTIVITY);

const localActs = proxyLocalActivities<Activities>(LOCAL_DATABASE_ACTIVITY);

const webhooks = proxyActivities<Activities>(WEBHOOK_ACTIVITY);

/** A refusal from the state machine becomes a rejected update the API can map to 403 / 409 / 422. */
function refusal(err: unknown): never {
  if (err instanceof StepRefusal) throw ApplicationFailure.create({ type: `step_${err.code}`, message: err.message, nonRetryable: true });
  throw err;
}

export async function departmentStepWorkflow(input: StepInput): Promise<StepView> {
  const info = workflowInfo();
  // Steps started before local activities keep running their recorded activities (ARCHITECTURE.md, patches).
  const local = patched('step-local-activities');
  const io = local ? localActs : acts;
  // With the same patch, search attributes are upserted only when they change: every upsert is a history event and a
  // visibility write, and most records change neither the department nor the state.
  let indexed = '';
  const assignedAt = input.assignedAt ?? new Date().toISOString();
  const machine = new StepMachine(newStepView(input, info.workflowId, assignedAt), { from: assignedAt, workingDays: workingDaysOf(input.deadline) });
  const interval = input.escalationIntervalWorkingDays ?? 1;
  const deliveries: Promise<unknown>[] = [];
  let version = 0; // bumped after every change, so the clock loop re-reads its next timer

  let lane: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = lane.then(fn).finally(() => {
      version += 1;
    });
    lane = run.catch(() => undefined);
    return run;
  };

  const record = async (event: StepEvent): Promise<void> => {
    const pending = await io.recordStepEvent({ event, parentWorkflowId: input.parentWorkflowId ?? null });
    if (pending.length > 0) deliveries.push(webhooks.deliverWebhooks({ notificationIds: pending }).catch(() => undefined));
    const now = `${machine.view.departmentCode}/${machine.view.state}`;
    if (local && now === indexed) return;
    indexed = now;
    upsertSearchAttributes([
      { key: SA.DepartmentCode, value: machine.view.departmentCode },
      { key: SA.StepState, value: machine.view.state },
    ]);
  };

  const replan = async (reason: string, actor: StepActionRequest['actor'], requestId: string | null, freshCalendar = false): Promise<void> => {
    const schedule = await io.planStepSchedule({
      from: machine.basis.from,
      workingDays: machine.basis.workingDays,
      escalationIntervalWorkingDays: interval,
      rungs: ESCALATION_LADDER.length,
      freshCalendar,
    });
    const event = machine.applySchedule(schedule, reason, new Date(), actor, requestId);
    if (event) await record(event);
  };

  // The assignment goes into the lane before any handler exists. Its record is a local activity, so the read model
  // can show the step before this workflow task completes; if the worker dies then, the retried task meets the
  // officer's act in its first activation, and the act must still come after the assignment (seq 1), as it did.
  const assigned = exclusive(async () => {
    const schedule = await io.planStepSchedule({
      from: assignedAt,
      workingDays: machine.basis.workingDays,
      escalationIntervalWorkingDays: interval,
      rungs: ESCALATION_LADDER.length,
    });
    await record(machine.assign(input.createdBy, new Date(), input.requestId ?? null, schedule));
    if (input.systemCompletion) {
      await record(machine.apply({ type: 'complete', ...input.systemCompletion }, SYSTEM_ACTOR, new Date(), input.requestId ?? null));
    }
  });

  setHandler(getStepQuery, () => machine.view);

  /** One act, checked and applied in the lane; shared by the update (people) and the signal (parent workflows). */
  const perform = (req: StepActionRequest): Promise<StepActionResult> =>
    exclusive(async () => {
      // Checked again here: an act queued behind another may no longer be allowed.
      try {
        machine.check(req.action, req.actor, new Date());
      } catch (err) {
        refusal(err);
      }
      const extra: { remainingWorkingDays?: number; urgeNumber?: string } = {};
      if (req.action.type === 'pause' && machine.view.schedule) {
        extra.remainingWorkingDays = await io.countRemainingWorkingDays({ at: new Date().toISOString(), deadlineAt: machine.view.schedule.deadlineAt });
      }
      if (req.action.type === 'urge') {
        extra.urgeNumber = await io.issueUrgeNumber({ stepId: input.stepId, urgeSeq: machine.view.urges.length + 1, at: new Date().toISOString() });
      }
      await record(machine.apply(req.action, req.actor, new Date(), req.requestId, extra));
      if (machine.replanReason) await replan(machine.replanReason, req.actor, req.requestId);
      return { state: machine.view.state, seq: machine.view.seq, deadlineAt: machine.view.schedule?.deadlineAt ?? null, urgeNumber: extra.urgeNumber };
    });

  setHandler(stepActionUpdate, perform, {
    // Runs before the update is accepted: a refused act leaves no trace in the history.
    validator: (req: StepActionRequest) => {
      try {
        machine.check(req.action, req.actor, new Date());
      } catch (err) {
        refusal(err);
      }
    },
  });

  // A parent's act that is no longer allowed (the step moved on meanwhile) is dropped; the parent reads the result.
  setHandler(systemActSignal, (req) => {
    perform(req).catch(() => undefined);
  });

  setHandler(calendarChangedSignal, ({ reason }) => {
    void exclusive(async () => {
      // Fresh: the worker's calendar cache may predate the change by up to a second.
      if (!machine.terminal && !machine.view.paused) await replan(`official calendar changed: ${reason}`, SYSTEM_ACTOR, null, true);
    });
  });

  setHandler(cancelStepSignal, ({ reason, actor }) => {
    void exclusive(async () => {
      if (!machine.terminal) await record(machine.cancel(reason, actor, new Date()));
    });
  });

  await assigned;

  // The clock: sleep until the next reminder or escalation rung, or until an act changes the picture.
  while (!machine.terminal) {
    const next = machine.nextTimedEvent();
    const seen = version;
    if (next) {
      const wait = next.at - Date.now();
      const changed = wait > 0 && (await condition(() => version !== seen || machine.terminal, wait));
      if (!changed) {
        await exclusive(async () => {
          const due = machine.nextTimedEvent();
          if (due && due.kind === next.kind && due.rung === next.rung && due.at <= Date.now()) {
            await record(machine.fireTimedEvent(due.kind, new Date(), SYSTEM_ACTOR));
          }
        });
      }
    } else {
      await condition(() => version !== seen || machine.terminal);
    }
  }

  await condition(allHandlersFinished);
  await lane;
  await Promise.all(deliveries);
  return machine.view;
}
