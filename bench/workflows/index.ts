/**
 * BENCH-ONLY workflow code: the floors the service benchmarks are measured against. Bundled on its own for the bench
 * worker (bench/env.ts) and never exported from workflows/index.ts, so the service's worker, its replay gate and its
 * recorded histories never see it.
 *
 * - bareApplicationWorkflow receives exactly the messages an application's workflows receive from outside in the
 *   enroll-e2e run, in the same order (four completion updates, the placement signal, the check-in update), under the
 *   same names, and does nothing else: no activity, no child, no timer.
 * - bareTimerWorkflow sleeps until an instant and returns how late its wake-up task ran: the floor for the step
 *   clock's escalations in deadline-storm.
 */
import { condition, setHandler, sleep } from '@temporalio/workflow';
import { checkInUpdate, placementSignal, type Placement } from '../../contracts/application';
import { stepActionUpdate, type StepActionRequest, type StepActionResult } from '../../contracts/department-step';

export interface BareApplicationInput {
  applicationNumber: string;
  /** Completion updates to expect (pre-review plus the verifications). */
  completions: number;
}

export async function bareApplicationWorkflow(input: BareApplicationInput): Promise<{ completions: number; placed: boolean; checkedIn: boolean }> {
  let completions = 0;
  let placement: Placement | null = null;
  let checkedIn = false;
  setHandler(stepActionUpdate, (req: StepActionRequest): StepActionResult => {
    completions += 1;
    return { state: req.action.type === 'complete' ? 'done' : 'open', seq: completions, deadlineAt: null };
  });
  setHandler(placementSignal, (p) => {
    placement = p;
  });
  setHandler(checkInUpdate, (req) => {
    checkedIn = true;
    return {
      applicationNumber: input.applicationNumber,
      state: req.result === 'checked_in' ? 'enrolled' : 'no_show',
      supplement: null,
      stepIds: {},
      eligible: true,
      pointsTotal: null,
      placement,
      seq: completions + 2,
    };
  });
  await condition(() => checkedIn);
  return { completions, placed: placement !== null, checkedIn };
}

/** Sleeps until fireAt (epoch ms) and returns the workflow clock at the task that woke it, in epoch ms. */
export async function bareTimerWorkflow(input: { fireAt: number }): Promise<{ fireAt: number; firedAt: number }> {
  const wait = input.fireAt - Date.now();
  if (wait > 0) await sleep(wait);
  return { fireAt: input.fireAt, firedAt: Date.now() };
}
