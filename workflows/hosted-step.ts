/**
 * The department step's life, runnable inside any workflow: one department's piece of work with a deadline in
 * official working days, a reminder before it, an escalation ladder after it, and an audit trail naming the official
 * behind each act.
 *
 * Two hosts run it: the department step workflow (one step per workflow: responsibility items, problems, standalone
 * steps) and the application workflow, which hosts its departments' steps itself since `application-hosted-steps`
 * (a workflow per step cost five workflows and ~19 workflow tasks per application; BENCHMARKS.md). The host owns the
 * message handlers and routes each act to its step; this module owns everything else, so a step behaves the same
 * wherever it runs.
 *
 * Every change goes through one serialised lane (`exclusive`): the step's own, or the host's when the host has other
 * local activities (workflows/lane.ts), so events are recorded in sequence order, an act never interleaves with a timer,
 * and at most one local activity of the workflow is in flight. Calendar arithmetic runs in activities: its results are in the history, so
 * replay never depends on calendar data.
 */
import { ApplicationFailure, condition, proxyActivities, proxyLocalActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { StepActionRequest, StepActionResult, StepInput, StepView } from '../contracts/department-step';
import { ESCALATION_LADDER, StepMachine, StepRefusal, newStepView, type StepEvent } from '../domain/department-step';
import { workingDaysOf } from '../domain/deadline-classes';
import { SYSTEM_ACTOR, type Actor } from '../domain/roles';
import { SA } from '../contracts/search-attributes';
import type { createDepartmentStepActivities } from '../activities/department-step';
import { DATABASE_ACTIVITY, LOCAL_DATABASE_ACTIVITY, WEBHOOK_ACTIVITY } from './activity-options';
import { Lane } from './lane';

type Activities = ReturnType<typeof createDepartmentStepActivities>;

const acts = proxyActivities<Activities>(DATABASE_ACTIVITY);

const localActs = proxyLocalActivities<Activities>(LOCAL_DATABASE_ACTIVITY);

const webhooks = proxyActivities<Activities>(WEBHOOK_ACTIVITY);

/** A refusal from the state machine becomes a rejected update the API can map to 403 / 409 / 422. */
function refusal(err: unknown): never {
  if (err instanceof StepRefusal) throw ApplicationFailure.create({ type: `step_${err.code}`, message: err.message, nonRetryable: true });
  throw err;
}

export interface HostOptions {
  /** The workflow the step lives in: its own, or the application hosting it. Acts are sent there. */
  workflowId: string;
  /** Record through local activities (false only for step workflows started before them). */
  local: boolean;
  /**
   * Keep the workflow's DepartmentCode / StepState search attributes current. Only a workflow that is one step has
   * them; with local activities they are upserted only on change (each upsert is an event and a visibility write).
   */
  searchAttributes: boolean;
  /**
   * The host's lane, when the host has other local activities or other steps (workflows/lane.ts: two local activities
   * in flight at once replay in another order). Without one the step has a lane of its own.
   */
  lane?: Lane;
}

export interface HostedStep {
  /** The step as it stands (what getStep answers). */
  readonly view: StepView;
  /** Throws the refusal an update validator answers with; changes nothing. */
  check(req: StepActionRequest): void;
  /** One act, checked again and applied in the lane (people's acts arrive as updates). */
  perform(req: StepActionRequest): Promise<StepActionResult>;
  /** The hosting workflow's own act: dropped when no longer allowed (the host reads the result). */
  systemAct(req: StepActionRequest): void;
  calendarChanged(reason: string): void;
  cancel(reason: string, actor: Actor): void;
  /** Resolves once the step is terminal (its clock has stopped). */
  readonly stopped: Promise<void>;
  /** Resolves once every queued change is recorded and every webhook delivery tried. */
  drained(): Promise<void>;
}

/**
 * Starts a step: the assignment is queued at once (before the host registers any handler, which it must do in the
 * same activation), and the clock runs until the step is terminal.
 */
export function hostStep(input: StepInput, opts: HostOptions): HostedStep {
  const { local } = opts;
  const io = local ? localActs : acts;
  let indexed = '';
  const assignedAt = input.assignedAt ?? new Date().toISOString();
  const machine = new StepMachine(newStepView(input, opts.workflowId, assignedAt), { from: assignedAt, workingDays: workingDaysOf(input.deadline) });
  const interval = input.escalationIntervalWorkingDays ?? 1;
  const deliveries: Promise<unknown>[] = [];
  let version = 0; // bumped after every change, so the clock loop re-reads its next timer

  const lane = opts.lane ?? new Lane();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> =>
    lane.run(async () => {
      try {
        return await fn();
      } finally {
        version += 1; // before the lane's next piece starts
      }
    });

  const record = async (event: StepEvent): Promise<void> => {
    const pending = await io.recordStepEvent({ event, parentWorkflowId: input.parentWorkflowId ?? null });
    if (pending.length > 0) deliveries.push(webhooks.deliverWebhooks({ notificationIds: pending }).catch(() => undefined));
    if (!opts.searchAttributes) return;
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

  const check = (req: StepActionRequest): void => {
    try {
      machine.check(req.action, req.actor, new Date());
    } catch (err) {
      refusal(err);
    }
  };

  const perform = (req: StepActionRequest): Promise<StepActionResult> =>
    exclusive(async () => {
      // Checked again here: an act queued behind another may no longer be allowed.
      check(req);
      // A record the database refuses for its content fails at once (activities/index.ts): the act is refused and
      // the step is put back as it was, still workable.
      const before = machine.snapshot();
      try {
        return await act(req);
      } catch (err) {
        machine.restore(before);
        throw err;
      }
    });

  const act = async (req: StepActionRequest): Promise<StepActionResult> => {
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
  };

  // The clock: sleep until the next reminder or escalation rung, or until an act changes the picture.
  const clock = async (): Promise<void> => {
    await assigned;
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
  };

  return {
    get view() {
      return machine.view;
    },
    check,
    perform,
    systemAct(req) {
      perform(req).catch(() => undefined);
    },
    calendarChanged(reason) {
      void exclusive(async () => {
        // Fresh: the worker's calendar cache may predate the change by up to a second.
        if (!machine.terminal && !machine.view.paused) await replan(`official calendar changed: ${reason}`, SYSTEM_ACTOR, null, true);
      });
    },
    cancel(reason, actor) {
      void exclusive(async () => {
        if (!machine.terminal) await record(machine.cancel(reason, actor, new Date()));
      });
    },
    stopped: clock(),
    async drained() {
      await lane.idle();
      await Promise.all(deliveries);
    },
  };
}
