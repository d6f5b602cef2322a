/**
 * Contract of the allocation round workflow (统一派位): one per district, year, stage and round number. Its history
 * carries no personal data and no pool: the frozen pool, the placements and the moves live in PostgreSQL, written by
 * the round's activities; the workflow carries counts.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AllocationStats, ReleaseCause } from '../domain/allocation';
import type { RoundConfig } from '../domain/allocation-pool';
import type { Actor } from '../domain/roles';

export const ROUND_PHASES = ['freezing', 'allocating', 'publishing', 'check_in', 'check_in_closed', 'closed'] as const;
export type RoundPhase = (typeof ROUND_PHASES)[number];

export const ROUND_PHASE_NAMES_ZH: Record<RoundPhase, string> = {
  freezing: '冻结申请名单',
  allocating: '统筹安排学位',
  publishing: '发布安排结果',
  check_in: '报到中（空出学位按候补排序递补）',
  check_in_closed: '报到期已结束（仍受理未报到、放弃的递补）',
  closed: '本轮已结束',
};

export interface AllocationRoundInput {
  /** = the workflow id; the roundId placements carry, so an application can tell its round of a released seat. */
  roundId: string;
  district: string;
  year: number;
  stage: string;
  roundNo: number;
  config: RoundConfig;
  startedBy: Actor;
  requestId: string;
  /** Placements signalled per publishing activity. */
  publishBatchSize?: number;
  /** Carried over by continue-as-new once the round is in its check-in phase. */
  carried?: { view: RoundView; pending: SeatRelease[] };
}

export interface RoundView {
  roundId: string;
  district: string;
  year: number;
  stage: string;
  roundNo: number;
  phase: RoundPhase;
  /** Applications frozen into the pool. */
  poolSize: number;
  /** Children with a seat now (the allocation, then every release and move). */
  placed: number;
  unplaced: number;
  /** Placements (first results and waitlist moves) that have reached the children's applications. */
  published: number;
  toPublish: number;
  releases: number;
  moves: number;
  checkIn: { deadlineAt: string; lastDay: string } | null;
  stats: AllocationStats | null;
  /** Releases received and not processed yet. */
  pendingReleases: number;
}

export type { ReleaseCause };

/** Sent by an application workflow (or for it) when a child leaves a seat of the round. */
export interface SeatRelease {
  applicationNumber: string;
  cause: ReleaseCause;
  /** The seat's school, as the application knew it (the round checks it against its own record). */
  schoolId: string | null;
}

export const seatReleasedSignal = defineSignal<[SeatRelease]>('seatReleased');
export const closeRoundUpdate = defineUpdate<RoundView, [{ actor: Actor; requestId: string; reason: string }]>('closeRound');
export const getRoundQuery = defineQuery<RoundView>('getRound');

export const ROUND_ID_PATTERN = /^allocation-round-[a-z0-9_]{1,32}-\d{4}-[a-z0-9_]{1,32}-\d{1,3}$/;

export const makeAllocationRoundId = (district: string, year: number, stage: string, roundNo: number): string =>
  `allocation-round-${district}-${year}-${stage}-${roundNo}`;
