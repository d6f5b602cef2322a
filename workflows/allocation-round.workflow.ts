/**
 * One allocation round (统一派位) for a district, year and stage, started by the education bureau:
 *
 *   freeze the pool → allocate (pure function, in an activity) → plan the check-in window (working days) →
 *   publish every result to its application, in batches → check-in: each released seat (no-show, withdrawal) moves
 *   the waitlist in rank order → after the window, late releases still move it → the bureau closes the round.
 *
 * The pool, placements and moves live in PostgreSQL (written by the activities, each idempotent); this history holds
 * only counts, so a round of 50,000 children stays small. Releases are handled one at a time, in the order they
 * arrive, because each waitlist move depends on the moves before it.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  closeRoundUpdate,
  getRoundQuery,
  seatReleasedSignal,
  type AllocationRoundInput,
  type RoundPhase,
  type RoundView,
  type SeatRelease,
} from '../contracts/allocation-round';
import type { AllocationStats } from '../domain/allocation';
import { priorityGroupsZh } from '../domain/round-config';
import { SYSTEM_ACTOR, type Actor } from '../domain/roles';
import type { createAllocationRoundActivities } from '../activities/allocation-round';
import type { createDepartmentStepActivities } from '../activities/department-step';
import { DATABASE_RETRY } from './activity-options';

type RoundActivities = ReturnType<typeof createAllocationRoundActivities>;
type CalendarActivities = Pick<ReturnType<typeof createDepartmentStepActivities>, 'planStepSchedule'>;

// A database or Temporal outage delays the round and never loses a result: every activity is idempotent and retried.

/** Database work: freezing and allocating 50,000 children takes seconds. */
const acts = proxyActivities<RoundActivities>({ startToCloseTimeout: '15 minutes', retry: DATABASE_RETRY });

/** Deliveries to applications, one round trip each: they heartbeat, so a stuck one is retried early. */
const delivering = proxyActivities<Pick<RoundActivities, 'publishAllocationResults' | 'reallocateReleasedSeat'>>({
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '2 minutes',
  retry: DATABASE_RETRY,
});

const calendar = proxyActivities<CalendarActivities>({ startToCloseTimeout: '30 seconds', retry: DATABASE_RETRY });

const DEFAULT_PUBLISH_BATCH = 500;

function refuse(type: 'forbidden' | 'invalid_state', message: string): never {
  throw ApplicationFailure.create({ type: `step_${type}`, message, nonRetryable: true });
}

export async function allocationRoundWorkflow(input: AllocationRoundInput): Promise<RoundView> {
  const { roundId } = input;
  const view: RoundView = input.carried?.view ?? {
    roundId,
    district: input.district,
    year: input.year,
    stage: input.stage,
    roundNo: input.roundNo,
    phase: 'freezing',
    poolSize: 0,
    placed: 0,
    unplaced: 0,
    published: 0,
    toPublish: 0,
    releases: 0,
    moves: 0,
    checkIn: null,
    stats: null,
    pendingReleases: 0,
  };
  const pending: SeatRelease[] = [...(input.carried?.pending ?? [])];
  let closeRequest: { actor: Actor; requestId: string; reason: string } | null = null;

  setHandler(getRoundQuery, () => ({ ...view, pendingReleases: pending.length }));

  setHandler(seatReleasedSignal, (r) => {
    // A repeated signal for a release still waiting is the same release (the activity is idempotent anyway).
    if (!pending.some((p) => p.applicationNumber === r.applicationNumber)) pending.push(r);
  });

  setHandler(
    closeRoundUpdate,
    async (req) => {
      closeRequest = req;
      await condition(() => view.phase === 'closed');
      return view;
    },
    {
      validator: (req) => {
        const a = req.actor;
        if (!(a.role === 'admin' || (a.role === 'officer' && a.departmentCode === 'education'))) refuse('forbidden', 'only the education bureau may close an allocation round');
        if (view.phase !== 'check_in' && view.phase !== 'check_in_closed') refuse('invalid_state', `the round can be closed once its results are published (now ${view.phase})`);
        if (closeRequest) refuse('invalid_state', 'the round is already being closed');
      },
    },
  );

  const record = (key: string, action: string, phase: RoundPhase, details: Record<string, unknown>, extra: { actor?: Actor; checkIn?: { deadlineAt: string; lastDay: string }; closed?: boolean } = {}) =>
    acts.recordAllocationRoundEvent({ roundId, key, action, phase, details, ...extra });

  const applyStats = (stats: AllocationStats | null) => {
    if (!stats) return;
    view.stats = stats;
    view.placed = stats.placed;
    view.unplaced = stats.unplaced;
  };

  /** The last day of a check-in window opened now (a child moved late gets a full window too). */
  const planCheckIn = async () => {
    const s = await calendar.planStepSchedule({ from: new Date().toISOString(), workingDays: input.config.checkInWorkingDays, escalationIntervalWorkingDays: 1, rungs: 1 });
    return { deadlineAt: s.deadlineAt, lastDay: s.lastDay };
  };

  if (!input.carried) {
    await record('started', 'round_started', 'freezing', { district: input.district, year: input.year, stage: input.stage, roundNo: input.roundNo, priorityGroupsZh: priorityGroupsZh(input.config), allowSiblingsTogether: input.config.allowSiblingsTogether, checkInWorkingDays: input.config.checkInWorkingDays }, { actor: input.startedBy });

    // ---- Freeze: from now on, the round works on this pool whatever happens to the applications' data ----
    const frozen = await acts.freezeAllocationPool({ roundId });
    view.poolSize = frozen.poolSize;
    view.phase = 'allocating';
    await record('pool_frozen', 'pool_frozen', 'allocating', frozen);

    // ---- Allocate ----
    const { stats } = await acts.runAllocation({ roundId });
    applyStats(stats);
    view.phase = 'publishing';
    view.toPublish = stats.applicants;

    // ---- Publish, with the check-in window planned first so every placement carries its last day ----
    view.checkIn = await planCheckIn();
    for (;;) {
      const r = await delivering.publishAllocationResults({ roundId, batchSize: input.publishBatchSize ?? DEFAULT_PUBLISH_BATCH, checkInLastDay: view.checkIn.lastDay });
      view.published += r.published;
      view.toPublish = r.remaining;
      for (const g of r.gone) if (!pending.some((p) => p.applicationNumber === g.applicationNumber)) pending.push(g);
      if (r.remaining === 0) break;
    }
    await acts.notifyFinanceOfPurchasedSeats({ roundId });
    view.phase = 'check_in';
    await record('published', 'results_published', 'check_in', { published: view.published, checkInLastDay: view.checkIn.lastDay }, { checkIn: view.checkIn });
  }

  // ---- Check-in: every released seat moves the waitlist, until the bureau closes the round ----
  for (;;) {
    const release = pending.shift();
    if (release) {
      const r = await delivering.reallocateReleasedSeat({ roundId, release, checkInLastDay: (await planCheckIn()).lastDay });
      if (r.releasedNow) view.releases += 1;
      view.moves += r.moves;
      view.published += r.moves; // a move is recorded only once the child's application has it
      applyStats(r.stats);
      continue;
    }
    if (closeRequest) break;
    if (workflowInfo().continueAsNewSuggested) {
      // A long check-in with many releases: start afresh with the counts (the data is all in PostgreSQL).
      await condition(allHandlersFinished);
      return continueAsNew<typeof allocationRoundWorkflow>({ ...input, carried: { view: { ...view, pendingReleases: pending.length }, pending } });
    }
    if (view.phase === 'check_in' && view.checkIn) {
      const woke = await condition(() => pending.length > 0 || closeRequest !== null, Math.max(Date.parse(view.checkIn.deadlineAt) - Date.now(), 1));
      if (!woke) {
        view.phase = 'check_in_closed';
        await record('check_in_closed', 'check_in_closed', 'check_in_closed', { lastDay: view.checkIn.lastDay, placed: view.placed, releases: view.releases, moves: view.moves });
      }
    } else {
      await condition(() => pending.length > 0 || closeRequest !== null);
    }
  }

  const closing = closeRequest as { actor: Actor; requestId: string; reason: string } | null;
  await record('closed', 'round_closed', 'closed', { reason: closing?.reason ?? '', placed: view.placed, unplaced: view.unplaced, releases: view.releases, moves: view.moves }, { actor: closing?.actor ?? SYSTEM_ACTOR, closed: true });
  // Only now: the close request answers once the read model says closed too.
  view.phase = 'closed';
  await condition(allHandlersFinished);
  return view;
}
