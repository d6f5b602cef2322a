/**
 * Activities of the allocation round: freezing the pool, running the allocation (the pure function of
 * domain/allocation.ts), publishing the results to the applications, and moving the waitlist when a seat is released.
 *
 * The pool, the placements and the moves live in PostgreSQL, not in the round's history (50,000 placements would
 * outgrow a workflow history); the round workflow orders these activities and carries counts. Every activity is
 * safe to run again: writes are keyed (round, application, move seq), deliveries are deduplicated by the
 * applications (the same placement twice is one; an update id is answered once).
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type pg from 'pg';
import { makeApplicationWorkflowId, placementSignal, reassignPlacementUpdate, type Placement as ApplicationPlacement } from '../contracts/application';
import type { SeatRelease } from '../contracts/allocation-round';
import { AllocationInputError, reallocateSeat, type AllocationStats, type ReleaseCause } from '../domain/allocation';
import { SYSTEM_ACTOR, type Actor } from '../domain/roles';
import {
  allocateRound,
  applicationState,
  commitMove,
  countPendingPublication,
  currentStats,
  freezePool,
  loadRoundState,
  markPublished,
  notifyFinanceOfRound,
  pendingPublication,
  recordRoundEvent,
  releasePlacement,
  settlePlacement,
  todaysAllocationInput,
} from '../db/repositories/allocation';

export interface AllocationRoundActivityDeps {
  pool: pg.Pool;
  /** The Temporal client the activities signal applications with; the worker's own by default. */
  client?: () => Client;
}

/** Signals or updates in flight at once while publishing (each is one round trip to the Temporal server). */
const DELIVERY_CONCURRENCY = 16;
/** Application states in which the child has left the pool without checking in. */
const LEFT_STATES: Record<string, ReleaseCause> = { withdrawn: 'withdrawn', no_show: 'no_show', rejected: 'withdrawn', lapsed: 'withdrawn' };

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export function createAllocationRoundActivities(deps: AllocationRoundActivityDeps) {
  const client = () => (deps.client ? deps.client() : Context.current().client);
  const heartbeat = (d?: unknown) => {
    try {
      Context.current().heartbeat(d);
    } catch {
      // outside an activity (unit use): nothing to report to
    }
  };

  /** Whether the application's workflow has ended (then it can take no placement); rethrows anything transient. */
  const hasEnded = async (applicationNumber: string): Promise<boolean> => {
    try {
      const d = await client().workflow.getHandle(makeApplicationWorkflowId(applicationNumber)).describe();
      return d.status.name !== 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return true;
      throw err;
    }
  };

  const toApplicationPlacement = (roundId: string, p: { schoolId: string; schoolNameZh: string; type: ApplicationPlacement['type']; reasonZh: string }, checkInLastDay: string | null): ApplicationPlacement => ({
    roundId,
    schoolId: p.schoolId,
    schoolNameZh: p.schoolNameZh,
    type: p.type,
    reasonZh: p.reasonZh,
    ...(checkInLastDay ? { checkInLastDay } : {}),
  });

  return {
    /** The pool as it is now, once per round (a retry finds it frozen). */
    async freezeAllocationPool(input: { roundId: string }): Promise<{ poolSize: number; schools: number; withoutCatchment: number }> {
      let withoutCatchment = 0;
      const r = await freezePool(deps.pool, input.roundId, async (db, round) => {
        const all = await todaysAllocationInput(db, round.district, round.year, round.stage, round.config);
        withoutCatchment = all.applicants.filter((a) => all.catchments[a.communityCode] === undefined).length;
        const { applicants, ...frozen } = all;
        return { input: frozen, applicants };
      });
      return { poolSize: r.poolSize, schools: r.schools, withoutCatchment };
    },

    /** The allocation on the frozen pool, once; its placements and purchased seats are stored with it. */
    async runAllocation(input: { roundId: string }): Promise<{ stats: AllocationStats }> {
      try {
        const r = await allocateRound(deps.pool, input.roundId, SYSTEM_ACTOR);
        return { stats: r.stats };
      } catch (err) {
        if (err instanceof AllocationInputError) {
          // Configuration the round cannot run with: retrying will not fix it; the bureau must fix the data.
          throw ApplicationFailure.create({ type: 'AllocationInputError', message: err.message, details: [err.problems.slice(0, 50)], nonRetryable: true });
        }
        throw err;
      }
    },

    async recordAllocationRoundEvent(e: {
      roundId: string;
      key: string;
      action: string;
      phase: string;
      details: Record<string, unknown>;
      actor?: Actor;
      checkIn?: { deadlineAt: string; lastDay: string };
      closed?: boolean;
    }): Promise<void> {
      await recordRoundEvent(deps.pool, { ...e, actor: e.actor ?? SYSTEM_ACTOR });
    },

    /**
     * Delivers the next batch of undelivered placements: a placement signal to each placed child's application, a
     * notice with rank and reason to each waitlisted child's parents. An application that has ended meanwhile
     * (withdrawn) is returned as a release, so the round gives its seat to the waitlist.
     */
    async publishAllocationResults(input: { roundId: string; batchSize: number; checkInLastDay: string | null }): Promise<{ published: number; remaining: number; gone: SeatRelease[] }> {
      const batch = await pendingPublication(deps.pool, input.roundId, input.batchSize);
      const gone: SeatRelease[] = [];
      const delivered: { applicationNumber: string; version: number; waitlistNotice?: { title: string; body: string } }[] = [];
      let done = 0;
      await mapLimit(batch, DELIVERY_CONCURRENCY, async (p) => {
        if (p.type === 'unplaced' || p.schoolId === null) {
          delivered.push({
            applicationNumber: p.applicationNumber,
            version: p.version,
            waitlistNotice: { title: `学位安排结果：候补（${p.applicationNumber}）`, body: p.reasonZh },
          });
          return;
        }
        const placement = toApplicationPlacement(input.roundId, { schoolId: p.schoolId, schoolNameZh: p.schoolNameZh ?? p.schoolId, type: p.type, reasonZh: p.reasonZh }, input.checkInLastDay);
        try {
          await client().workflow.getHandle(makeApplicationWorkflowId(p.applicationNumber)).signal(placementSignal, placement);
          delivered.push({ applicationNumber: p.applicationNumber, version: p.version });
        } catch (err) {
          if (!(await hasEnded(p.applicationNumber))) throw err;
          // Released here, so it is not pending any more; the round offers the seat to the waitlist.
          await releasePlacement(deps.pool, input.roundId, p.applicationNumber, 'withdrawn', SYSTEM_ACTOR);
          gone.push({ applicationNumber: p.applicationNumber, cause: 'withdrawn', schoolId: p.schoolId });
        }
        if (++done % 50 === 0) heartbeat(done);
      });
      const published = await markPublished(deps.pool, input.roundId, delivered);
      return { published, remaining: await countPendingPublication(deps.pool, input.roundId), gone };
    },

    async notifyFinanceOfPurchasedSeats(input: { roundId: string }): Promise<void> {
      await notifyFinanceOfRound(deps.pool, input.roundId);
    },

    /**
     * A child left a seat: release it, then offer it (and any seat a move frees) to the waitlist by the stated rules
     * (domain/allocation.ts reallocateSeat), one move at a time. A move is recorded only once the child's application
     * accepted it; a child whose application refuses (checking in, withdrawing, ended) is never moved, and the seat
     * goes to the next one.
     */
    async reallocateReleasedSeat(input: { roundId: string; release: SeatRelease; checkInLastDay: string | null }): Promise<{
      releasedNow: boolean;
      moves: number;
      refused: number;
      stats: AllocationStats | null;
    }> {
      const { roundId, release } = input;
      const rel = await releasePlacement(deps.pool, roundId, release.applicationNumber, release.cause, SYSTEM_ACTOR);
      const offer: string[] = [];
      const enqueue = (...ids: (string | null)[]) => {
        for (const id of ids) if (id && !offer.includes(id)) offer.push(id);
      };
      enqueue(rel.schoolId);
      const trigger = { applicationNumber: release.applicationNumber, cause: release.cause };

      // Children who left without the round hearing of it yet (a waitlisted child who withdrew): out of the waitlist.
      const first = await loadRoundState(deps.pool, roundId);
      for (const row of first.rows.values()) {
        const cause = LEFT_STATES[row.applicationState];
        if (row.status === 'active' && cause) enqueue((await releasePlacement(deps.pool, roundId, row.applicationNumber, cause, SYSTEM_ACTOR)).schoolId);
      }

      let moves = 0;
      let refused = 0;
      for (let guard = 0; offer.length > 0 && guard < 100_000; guard++) {
        heartbeat({ moves, refused });
        const sid = offer.shift() as string;
        const rs = await loadRoundState(deps.pool, roundId);
        const chain = reallocateSeat(rs.state, sid, { immovable: rs.immovable }).moves;
        const schools = new Map(rs.state.input.schools.map((s) => [s.id, s]));
        let seq = rs.nextMoveSeq;
        for (const [k, m] of chain.entries()) {
          const school = schools.get(m.toSchoolId)!;
          const placement = toApplicationPlacement(roundId, { schoolId: m.toSchoolId, schoolNameZh: school.nameZh, type: m.toType, reasonZh: m.reasonZh }, input.checkInLastDay);
          const handle = client().workflow.getHandle(makeApplicationWorkflowId(m.applicationNumber));
          let accepted: boolean;
          try {
            // The same id on a retry gets the same answer, so a move delivered before a crash is not made twice.
            await handle.executeUpdate(reassignPlacementUpdate, { args: [placement], updateId: `${roundId}:move:${seq}` });
            accepted = true;
          } catch (err) {
            if (!(err instanceof WorkflowUpdateFailedError) && !(await hasEnded(m.applicationNumber))) throw err;
            accepted = false;
          }
          if (accepted) {
            await commitMove(deps.pool, roundId, seq, { ...m, toSchoolNameZh: school.nameZh, seatPrice: school.seatPrice ?? null }, trigger, SYSTEM_ACTOR);
            seq += 1;
            moves += 1;
            continue;
          }
          refused += 1;
          const cause = LEFT_STATES[(await applicationState(deps.pool, m.applicationNumber)) ?? ''];
          if (cause) enqueue((await releasePlacement(deps.pool, roundId, m.applicationNumber, cause, SYSTEM_ACTOR)).schoolId);
          else await settlePlacement(deps.pool, roundId, m.applicationNumber);
          // The rest of the chain assumed this move; offer again every seat the chain has freed so far.
          enqueue(m.toSchoolId, sid, ...chain.slice(0, k).map((x) => x.fromSchoolId));
          break;
        }
      }
      return { releasedNow: rel.releasedNow, moves, refused, stats: await currentStats(deps.pool, roundId) };
    },
  };
}
