/**
 * Allocation rounds: the round's row, its frozen pool, the placements and their waitlist moves, the purchased seats
 * the finance bureau pays for, and the round's audit trail (audit_log, stream_type 'allocation_round'). Every write
 * is idempotent, because the round's activities may run more than once; writes to one round are serialised by a lock
 * on its row.
 */
import type pg from 'pg';
import { buildApplicants, catchmentMap, priorityOrderZh, type RoundConfig } from '../../domain/allocation-pool';
import {
  allocate,
  summarize,
  type AllocationApplicant,
  type AllocationInput,
  type AllocationState,
  type AllocationStats,
  type Placement,
  type PlacementType,
  type ReleaseCause,
  type SeatMove,
} from '../../domain/allocation';
import type { Placement as ApplicationPlacement } from '../../contracts/application';
import type { Actor } from '../../domain/roles';
import { inTransaction } from '../pool';
import { loadDistrictSeatData } from './schools';

type Db = pg.Pool | pg.PoolClient;
const BATCH = 1000;

/** The frozen school side of a round: AllocationInput without the applicants (those are in allocation_pool). */
export type FrozenInput = Omit<AllocationInput, 'applicants'>;

export interface RoundRow {
  roundId: string;
  district: string;
  year: number;
  stage: string;
  roundNo: number;
  phase: string;
  config: RoundConfig;
  stats: AllocationStats | null;
  poolSize: number;
  published: number;
  checkInDeadlineAt: string | null;
  checkInLastDay: string | null;
  startedBy: string | null;
  startedAt: string;
  frozenAt: string | null;
  allocatedAt: string | null;
  publishedAt: string | null;
  closedAt: string | null;
}

const ROUND_COLUMNS = `round_id AS "roundId", district, year, stage, round_no AS "roundNo", phase, config, stats,
  pool_size AS "poolSize", published, check_in_deadline_at AS "checkInDeadlineAt", check_in_last_day AS "checkInLastDay",
  started_by AS "startedBy", started_at AS "startedAt", frozen_at AS "frozenAt", allocated_at AS "allocatedAt",
  published_at AS "publishedAt", closed_at AS "closedAt"`;

const isoOrNull = (d: unknown) => (d === null || d === undefined ? null : new Date(d as string).toISOString());
function roundIso(r: RoundRow): RoundRow {
  return {
    ...r,
    checkInDeadlineAt: isoOrNull(r.checkInDeadlineAt),
    startedAt: new Date(r.startedAt).toISOString(),
    frozenAt: isoOrNull(r.frozenAt),
    allocatedAt: isoOrNull(r.allocatedAt),
    publishedAt: isoOrNull(r.publishedAt),
    closedAt: isoOrNull(r.closedAt),
  };
}

export async function findRound(db: Db, roundId: string): Promise<RoundRow | undefined> {
  const r = await db.query<RoundRow>(`SELECT ${ROUND_COLUMNS} FROM allocation_rounds WHERE round_id = $1`, [roundId]);
  return r.rows[0] && roundIso(r.rows[0]);
}

export async function findOpenRound(db: Db, district: string, year: number, stage: string): Promise<RoundRow | undefined> {
  const r = await db.query<RoundRow>(
    `SELECT ${ROUND_COLUMNS} FROM allocation_rounds WHERE district = $1 AND year = $2 AND stage = $3 AND closed_at IS NULL`,
    [district, year, stage],
  );
  return r.rows[0] && roundIso(r.rows[0]);
}

export async function listRounds(db: Db, f: { district?: string; year?: number; stage?: string }): Promise<RoundRow[]> {
  const r = await db.query<RoundRow>(
    `SELECT ${ROUND_COLUMNS} FROM allocation_rounds
     WHERE ($1::text IS NULL OR district = $1) AND ($2::int IS NULL OR year = $2) AND ($3::text IS NULL OR stage = $3)
     ORDER BY started_at DESC LIMIT 200`,
    [f.district ?? null, f.year ?? null, f.stage ?? null],
  );
  return r.rows.map(roundIso);
}

/**
 * Opens a round: the next round number for the district, year and stage, unless one is open already, in which case
 * that one is returned (created = false), so a repeated request finds the same round.
 */
export async function openRound(
  pool: pg.Pool,
  r: { district: string; year: number; stage: string; config: RoundConfig; startedBy: string },
  makeId: (roundNo: number) => string,
): Promise<{ round: RoundRow; created: boolean }> {
  return inTransaction(pool, async (db) => {
    await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`allocation-round:${r.district}:${r.year}:${r.stage}`]);
    const open = await findOpenRound(db, r.district, r.year, r.stage);
    if (open) return { round: open, created: false };
    const n = await db.query<{ n: number }>(
      `SELECT coalesce(max(round_no), 0)::int + 1 AS n FROM allocation_rounds WHERE district = $1 AND year = $2 AND stage = $3`,
      [r.district, r.year, r.stage],
    );
    const roundNo = n.rows[0]!.n;
    const roundId = makeId(roundNo);
    await db.query(
      `INSERT INTO allocation_rounds (round_id, district, year, stage, round_no, phase, config, started_by)
       VALUES ($1, $2, $3, $4, $5, 'freezing', $6, $7)`,
      [roundId, r.district, r.year, r.stage, roundNo, JSON.stringify(r.config), r.startedBy],
    );
    return { round: (await findRound(db, roundId))!, created: true };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Audit trail of a round

async function lockRound(db: pg.PoolClient, roundId: string): Promise<RoundRow> {
  const r = await db.query<RoundRow>(`SELECT ${ROUND_COLUMNS} FROM allocation_rounds WHERE round_id = $1 FOR UPDATE`, [roundId]);
  if (!r.rows[0]) throw new Error(`allocation round ${roundId} not found`);
  return roundIso(r.rows[0]);
}

/**
 * Appends an event to the round's stream once per `key` (a retried activity finds it there). The caller holds the
 * round's row lock, which also orders the sequence numbers.
 */
export async function appendRoundAudit(
  db: pg.PoolClient,
  roundId: string,
  key: string,
  action: string,
  details: Record<string, unknown>,
  actor: Actor,
  phaseAfter: string,
): Promise<boolean> {
  const exists = await db.query(`SELECT 1 FROM audit_log WHERE stream_id = $1 AND request_id = $2`, [roundId, key]);
  if (exists.rowCount) return false;
  const seq = await db.query<{ seq: number }>(`UPDATE allocation_rounds SET audit_seq = audit_seq + 1 WHERE round_id = $1 RETURNING audit_seq AS seq`, [roundId]);
  await db.query(
    `INSERT INTO audit_log (stream_id, seq, stream_type, at, actor_user_id, actor_name, actor_role, actor_department,
       action, state_before, state_after, details, request_id)
     VALUES ($1, $2, 'allocation_round', now(), $3, $4, $5, $6, $7, NULL, $8, $9, $10)`,
    [roundId, seq.rows[0]!.seq, actor.userId, actor.displayName, actor.role, actor.departmentCode, action, phaseAfter, JSON.stringify(details), key],
  );
  return true;
}

/** A phase change or milestone of the round, recorded once by key. */
export async function recordRoundEvent(
  pool: pg.Pool,
  e: { roundId: string; key: string; action: string; phase: string; details: Record<string, unknown>; actor: Actor; checkIn?: { deadlineAt: string; lastDay: string }; closed?: boolean },
): Promise<void> {
  await inTransaction(pool, async (db) => {
    await lockRound(db, e.roundId);
    await db.query(
      `UPDATE allocation_rounds SET phase = $2,
         check_in_deadline_at = coalesce($3, check_in_deadline_at), check_in_last_day = coalesce($4::date, check_in_last_day),
         closed_at = CASE WHEN $5 THEN coalesce(closed_at, now()) ELSE closed_at END,
         published_at = CASE WHEN $2 = 'check_in' THEN coalesce(published_at, now()) ELSE published_at END
       WHERE round_id = $1`,
      [e.roundId, e.phase, e.checkIn?.deadlineAt ?? null, e.checkIn?.lastDay ?? null, e.closed === true],
    );
    await appendRoundAudit(db, e.roundId, e.key, e.action, e.details, e.actor, e.phase);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Freezing and allocating

export interface PoolApplicationRow {
  applicationNumber: string;
  pointsTotal: number;
  specialCategories: string[];
  street: string;
  community: string;
  siblingApplicationNumber: string | null;
  submittedAt: string;
}

/** Today's pool: applications waiting for a seat (state in_pool) of a district, year and stage. */
export async function loadPoolApplications(db: Db, district: string, year: number, stage: string): Promise<PoolApplicationRow[]> {
  const r = await db.query<PoolApplicationRow>(
    `SELECT application_number AS "applicationNumber", coalesce(points_total, 0)::float8 AS "pointsTotal",
       ARRAY(SELECT jsonb_array_elements_text(coalesce(form->'specialCategories', '[]'::jsonb))) AS "specialCategories",
       coalesce(form#>>'{residencePermit,address,street}', '') AS street,
       coalesce(form#>>'{residencePermit,address,community}', '') AS community,
       form->>'siblingApplicationNumber' AS "siblingApplicationNumber", submitted_at AS "submittedAt"
     FROM applications WHERE district = $1 AND year = $2 AND stage = $3 AND state = 'in_pool'
     ORDER BY application_number`,
    [district, year, stage],
  );
  return r.rows.map((a) => ({ ...a, submittedAt: new Date(a.submittedAt).toISOString() }));
}

/**
 * The allocation's input as of now for a district, year and stage: schools with this year's seats, catchments,
 * distances, and the applications waiting in the pool, ranked by the round's configuration. Used to freeze a round
 * and, without writing anything, for the what-if.
 */
export async function todaysAllocationInput(db: Db, district: string, year: number, stage: string, config: RoundConfig): Promise<AllocationInput> {
  const seat = await loadDistrictSeatData(db, district, year, stage);
  const catchments = catchmentMap(seat.catchments);
  const apps = await loadPoolApplications(db, district, year, stage);
  return {
    schools: seat.schools,
    catchments,
    distances: seat.distances,
    applicants: buildApplicants(apps, catchments, config),
    rules: { priorityOrder: priorityOrderZh(config), allowSiblingsTogether: config.allowSiblingsTogether },
  };
}

/**
 * Freezes the pool once: the school side and the applicants as they are now. `build` turns today's data into the
 * frozen input (it runs inside the transaction, so nothing changes between reading and writing).
 */
export async function freezePool(
  pool: pg.Pool,
  roundId: string,
  build: (db: pg.PoolClient, round: RoundRow) => Promise<{ input: FrozenInput; applicants: readonly AllocationApplicant[] }>,
): Promise<{ poolSize: number; schools: number; alreadyFrozen: boolean }> {
  return inTransaction(pool, async (db) => {
    const round = await lockRound(db, roundId);
    if (round.frozenAt) {
      const n = await db.query<{ n: number }>(`SELECT jsonb_array_length(input->'schools')::int AS n FROM allocation_rounds WHERE round_id = $1`, [roundId]);
      return { poolSize: round.poolSize, schools: n.rows[0]?.n ?? 0, alreadyFrozen: true };
    }
    const { input, applicants } = await build(db, round);
    for (let i = 0; i < applicants.length; i += BATCH) {
      await db.query(
        `INSERT INTO allocation_pool (round_id, application_number, community_code, priority_group, points, tie_break, sibling_group, siblings_together)
         SELECT $1, e->>'applicationNumber', e->>'communityCode', (e->>'priorityGroup')::int, (e->>'points')::numeric, e->>'tieBreak',
                e->>'siblingGroup', coalesce((e->>'siblingsTogether')::boolean, false)
         FROM jsonb_array_elements($2::jsonb) AS e`,
        [roundId, JSON.stringify(applicants.slice(i, i + BATCH))],
      );
    }
    await db.query(`UPDATE allocation_rounds SET input = $2, pool_size = $3, frozen_at = now(), phase = 'allocating' WHERE round_id = $1`, [
      roundId, JSON.stringify(input), applicants.length,
    ]);
    return { poolSize: applicants.length, schools: input.schools.length, alreadyFrozen: false };
  });
}

async function loadFrozen(db: Db, roundId: string): Promise<{ input: AllocationInput; round: RoundRow }> {
  const round = await findRound(db, roundId);
  if (!round) throw new Error(`allocation round ${roundId} not found`);
  const r = await db.query<{ input: FrozenInput }>(`SELECT input FROM allocation_rounds WHERE round_id = $1`, [roundId]);
  const frozen = r.rows[0]?.input;
  if (!frozen) throw new Error(`allocation round ${roundId} has no frozen pool`);
  const apps = await db.query<AllocationApplicant & { siblingGroup: string | null }>(
    `SELECT application_number AS "applicationNumber", community_code AS "communityCode", priority_group AS "priorityGroup",
       points::float8 AS points, tie_break AS "tieBreak", sibling_group AS "siblingGroup", siblings_together AS "siblingsTogether"
     FROM allocation_pool WHERE round_id = $1`,
    [roundId],
  );
  const applicants = apps.rows.map(({ siblingGroup, ...a }) => (siblingGroup === null ? { ...a } : { ...a, siblingGroup }));
  return { input: { ...frozen, applicants }, round };
}

function purchasedSeatRows(round: RoundRow, input: FrozenInput, placements: readonly { applicationNumber: string; schoolId: string | null; type: PlacementType }[]) {
  const price = new Map(input.schools.map((s) => [s.id, s.seatPrice ?? null]));
  return placements
    .filter((p) => p.type === 'purchased' && p.schoolId !== null)
    .map((p) => ({ a: p.applicationNumber, s: p.schoolId, price: price.get(p.schoolId as string) ?? null, year: round.year, stage: round.stage, district: round.district }));
}

async function insertPurchasedSeats(db: pg.PoolClient, roundId: string, rows: ReturnType<typeof purchasedSeatRows>): Promise<void> {
  for (let i = 0; i < rows.length; i += BATCH) {
    await db.query(
      `INSERT INTO purchased_seats (round_id, application_number, school_id, year, stage, district, price)
       SELECT $1, e->>'a', e->>'s', (e->>'year')::int, e->>'stage', e->>'district', (e->>'price')::numeric FROM jsonb_array_elements($2::jsonb) AS e
       ON CONFLICT (round_id, application_number, school_id) DO UPDATE SET status = 'active', cancelled_at = NULL`,
      [roundId, JSON.stringify(rows.slice(i, i + BATCH))],
    );
  }
}

/** Runs the allocation once on the frozen pool and stores every placement (and the purchased seats). */
export async function allocateRound(pool: pg.Pool, roundId: string, actor: Actor): Promise<{ stats: AllocationStats; alreadyAllocated: boolean }> {
  return inTransaction(pool, async (db) => {
    const locked = await lockRound(db, roundId);
    if (locked.allocatedAt && locked.stats) return { stats: locked.stats, alreadyAllocated: true };
    const { input, round } = await loadFrozen(db, roundId);
    const result = allocate(input);
    for (let i = 0; i < result.placements.length; i += BATCH) {
      await db.query(
        `INSERT INTO allocation_placements (round_id, application_number, rank, priority_group, points, type, school_id, school_name_zh,
           catchment_school_id, with_siblings, reason_zh)
         SELECT $1, e->>'applicationNumber', (e->>'rank')::int, (e->>'priorityGroup')::int, (e->>'points')::numeric, e->>'type',
                e->>'schoolId', e->>'schoolNameZh', e->>'catchmentSchoolId',
                ARRAY(SELECT jsonb_array_elements_text(e->'withSiblings')), e->>'reasonZh'
         FROM jsonb_array_elements($2::jsonb) AS e`,
        [roundId, JSON.stringify(result.placements.slice(i, i + BATCH))],
      );
    }
    await insertPurchasedSeats(db, roundId, purchasedSeatRows(round, input, result.placements));
    await db.query(`UPDATE allocation_rounds SET stats = $2, allocated_at = now(), phase = 'publishing' WHERE round_id = $1`, [roundId, JSON.stringify(result.stats)]);
    const s = result.stats;
    await appendRoundAudit(db, roundId, 'allocated', 'allocated', {
      applicants: s.applicants, placed: s.placed, unplaced: s.unplaced, catchment: s.catchment, adjusted: s.adjusted,
      purchasedSeats: s.purchasedSeats, publicShare: s.publicShare, purchasedCost: s.purchasedCost,
    }, actor, 'publishing');
    return { stats: result.stats, alreadyAllocated: false };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Placements

export interface PlacementRow extends Placement {
  status: 'active' | 'released';
  releaseCause: ReleaseCause | null;
  settled: boolean;
  version: number;
  publishedVersion: number;
}

const PLACEMENT_COLUMNS = `p.application_number AS "applicationNumber", p.rank, p.priority_group AS "priorityGroup", p.points::float8 AS points,
  p.type, p.school_id AS "schoolId", p.school_name_zh AS "schoolNameZh", p.catchment_school_id AS "catchmentSchoolId",
  p.with_siblings AS "withSiblings", p.reason_zh AS "reasonZh", p.status, p.release_cause AS "releaseCause", p.settled,
  p.version, p.published_version AS "publishedVersion"`;

const toPlacement = (r: PlacementRow): Placement => ({
  applicationNumber: r.applicationNumber,
  schoolId: r.schoolId,
  schoolNameZh: r.schoolNameZh,
  type: r.type,
  rank: r.rank,
  priorityGroup: r.priorityGroup,
  points: r.points,
  catchmentSchoolId: r.catchmentSchoolId,
  withSiblings: r.withSiblings,
  reasonZh: r.reasonZh,
});

/** Placements not yet delivered to their applications (first results, or a version a move produced), in rank order. */
export async function pendingPublication(db: Db, roundId: string, limit: number): Promise<PlacementRow[]> {
  const r = await db.query<PlacementRow>(
    `SELECT ${PLACEMENT_COLUMNS} FROM allocation_placements p
     WHERE p.round_id = $1 AND p.status = 'active' AND p.published_version < p.version ORDER BY p.rank LIMIT $2`,
    [roundId, limit],
  );
  return r.rows;
}

export async function countPendingPublication(db: Db, roundId: string): Promise<number> {
  const r = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM allocation_placements WHERE round_id = $1 AND status = 'active' AND published_version < version`,
    [roundId],
  );
  return r.rows[0]!.n;
}

/**
 * Marks placements as delivered (only the version that was delivered), tells waitlisted parents their rank and
 * reason (their application has no placement to show), and counts the round's published placements.
 */
export async function markPublished(
  pool: pg.Pool,
  roundId: string,
  delivered: readonly { applicationNumber: string; version: number; waitlistNotice?: { title: string; body: string } }[],
): Promise<number> {
  if (delivered.length === 0) return 0;
  return inTransaction(pool, async (db) => {
    await lockRound(db, roundId);
    const r = await db.query(
      `UPDATE allocation_placements p SET published_version = (e->>'version')::int
       FROM jsonb_array_elements($2::jsonb) AS e
       WHERE p.round_id = $1 AND p.application_number = e->>'applicationNumber' AND p.published_version < (e->>'version')::int
       RETURNING p.application_number`,
      [roundId, JSON.stringify(delivered)],
    );
    const notices = delivered.filter((d) => d.waitlistNotice);
    if (notices.length > 0) {
      await db.query(
        `INSERT INTO notifications (dedupe_key, recipient_user_id, kind, title, body)
         SELECT 'allocation:' || $1 || ':' || (e->>'applicationNumber') || ':v' || (e->>'version'), a.applicant_user_id, 'application',
                e->>'title', e->>'body'
         FROM jsonb_array_elements($2::jsonb) AS e JOIN applications a ON a.application_number = e->>'applicationNumber'
         ON CONFLICT (dedupe_key) DO NOTHING`,
        [roundId, JSON.stringify(notices.map((n) => ({ applicationNumber: n.applicationNumber, version: n.version, ...n.waitlistNotice })))],
      );
    }
    await db.query(`UPDATE allocation_rounds SET published = published + $2 WHERE round_id = $1`, [roundId, r.rowCount ?? 0]);
    return r.rowCount ?? 0;
  });
}

/** The state the waitlist functions work on, and who may not be moved. */
export interface RoundState {
  round: RoundRow;
  state: AllocationState;
  rows: Map<string, PlacementRow & { applicationState: string }>;
  immovable: Set<string>;
  nextMoveSeq: number;
}

export async function loadRoundState(db: Db, roundId: string): Promise<RoundState> {
  const { input, round } = await loadFrozen(db, roundId);
  const r = await db.query<PlacementRow & { applicationState: string }>(
    `SELECT ${PLACEMENT_COLUMNS}, a.state AS "applicationState"
     FROM allocation_placements p JOIN applications a ON a.application_number = p.application_number
     WHERE p.round_id = $1 ORDER BY p.rank`,
    [roundId],
  );
  const rows = new Map(r.rows.map((row) => [row.applicationNumber, row]));
  const active = r.rows.filter((x) => x.status === 'active');
  const released = r.rows.filter((x) => x.status === 'released').map((x) => ({ placement: toPlacement(x), cause: (x.releaseCause ?? 'withdrawn') as ReleaseCause }));
  // A child who checked in (or refused a move) keeps the seat; moving them would double-book the school.
  const immovable = new Set(active.filter((x) => x.settled || x.applicationState === 'enrolled').map((x) => x.applicationNumber));
  const seq = await db.query<{ n: number }>(`SELECT coalesce(max(seq), 0)::int + 1 AS n FROM allocation_moves WHERE round_id = $1`, [roundId]);
  return { round, state: { input, placements: active.map(toPlacement), released }, rows, immovable, nextMoveSeq: seq.rows[0]!.n };
}

/** Current stats of a round: its placements after every release and move. */
export async function currentStats(db: Db, roundId: string): Promise<AllocationStats | null> {
  const frozen = await db.query<{ input: FrozenInput | null }>(`SELECT input FROM allocation_rounds WHERE round_id = $1`, [roundId]);
  const input = frozen.rows[0]?.input;
  if (!input) return null;
  const r = await db.query<PlacementRow>(`SELECT ${PLACEMENT_COLUMNS} FROM allocation_placements p WHERE p.round_id = $1 AND p.status = 'active'`, [roundId]);
  if (r.rowCount === 0) return null;
  return summarize(input.schools, r.rows.map(toPlacement)).stats;
}

/**
 * A child leaves the round (no-show, declined, withdrawn): the placement is released once, its purchased seat (if any)
 * cancelled, the event recorded. Returns the seat that became free (null for a waitlisted child) and whether this call
 * released it.
 */
export async function releasePlacement(
  pool: pg.Pool,
  roundId: string,
  applicationNumber: string,
  cause: ReleaseCause,
  actor: Actor,
): Promise<{ schoolId: string | null; type: PlacementType | null; releasedNow: boolean }> {
  return inTransaction(pool, async (db) => {
    const round = await lockRound(db, roundId);
    const r = await db.query<{ status: string; school_id: string | null; type: PlacementType }>(
      `SELECT status, school_id, type FROM allocation_placements WHERE round_id = $1 AND application_number = $2`,
      [roundId, applicationNumber],
    );
    const row = r.rows[0];
    if (!row) return { schoolId: null, type: null, releasedNow: false };
    if (row.status === 'released') return { schoolId: row.school_id, type: row.type, releasedNow: false };
    await db.query(
      `UPDATE allocation_placements SET status = 'released', release_cause = $3, released_at = now() WHERE round_id = $1 AND application_number = $2`,
      [roundId, applicationNumber, cause],
    );
    await db.query(
      `UPDATE purchased_seats SET status = 'cancelled', cancelled_at = now() WHERE round_id = $1 AND application_number = $2 AND status = 'active'`,
      [roundId, applicationNumber],
    );
    await appendRoundAudit(db, roundId, `release:${applicationNumber}`, 'seat_released', { applicationNumber, cause, schoolId: row.school_id, type: row.type }, actor, round.phase);
    return { schoolId: row.type === 'unplaced' ? null : row.school_id, type: row.type, releasedNow: true };
  });
}

/** The application's state as its projection has it (the round asks after an application refused a move). */
export async function applicationState(db: Db, applicationNumber: string): Promise<string | undefined> {
  const r = await db.query<{ state: string }>('SELECT state FROM applications WHERE application_number = $1', [applicationNumber]);
  return r.rows[0]?.state;
}

/** The waitlist may no longer move this child (checked in, or refused a move). */
export async function settlePlacement(db: Db, roundId: string, applicationNumber: string): Promise<void> {
  await db.query(`UPDATE allocation_placements SET settled = true WHERE round_id = $1 AND application_number = $2`, [roundId, applicationNumber]);
}

/**
 * Records a move the child's application accepted: the new placement (delivered, so published), the move row, the
 * purchased seats it starts or ends, the audit entry, and finance's notification for a new purchased seat. Once per
 * seq: a retried activity finds the move recorded.
 */
export async function commitMove(
  pool: pg.Pool,
  roundId: string,
  seq: number,
  move: SeatMove & { toSchoolNameZh: string; seatPrice: number | null },
  trigger: { applicationNumber: string; cause: ReleaseCause } | null,
  actor: Actor,
): Promise<boolean> {
  return inTransaction(pool, async (db) => {
    const round = await lockRound(db, roundId);
    const done = await db.query(`SELECT 1 FROM allocation_moves WHERE round_id = $1 AND seq = $2`, [roundId, seq]);
    if (done.rowCount) return false;
    await db.query(
      `UPDATE allocation_placements SET type = $3, school_id = $4, school_name_zh = $5, reason_zh = $6, with_siblings = '{}',
         version = version + 1, published_version = version + 1
       WHERE round_id = $1 AND application_number = $2`,
      [roundId, move.applicationNumber, move.toType, move.toSchoolId, move.toSchoolNameZh, move.reasonZh],
    );
    await db.query(`UPDATE allocation_rounds SET published = published + 1 WHERE round_id = $1`, [roundId]);
    await db.query(
      `INSERT INTO allocation_moves (round_id, seq, application_number, from_school_id, from_type, to_school_id, to_type, reason_zh,
         released_application, release_cause)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [roundId, seq, move.applicationNumber, move.fromSchoolId, move.fromType, move.toSchoolId, move.toType, move.reasonZh, trigger?.applicationNumber ?? null, trigger?.cause ?? null],
    );
    if (move.fromType === 'purchased') {
      await db.query(
        `UPDATE purchased_seats SET status = 'cancelled', cancelled_at = now() WHERE round_id = $1 AND application_number = $2 AND school_id = $3 AND status = 'active'`,
        [roundId, move.applicationNumber, move.fromSchoolId],
      );
    }
    if (move.toType === 'purchased') {
      await insertPurchasedSeats(db, roundId, [{ a: move.applicationNumber, s: move.toSchoolId, price: move.seatPrice, year: round.year, stage: round.stage, district: round.district }]);
      await db.query(
        `INSERT INTO notifications (dedupe_key, recipient_department, kind, title, body) VALUES ($1, 'finance', 'purchased_seat', $2, $3)
         ON CONFLICT (dedupe_key) DO NOTHING`,
        [
          `purchased-seat:${roundId}:${move.applicationNumber}:${move.toSchoolId}`,
          `新增政府购买学位（${round.year}年，申请编号 ${move.applicationNumber}）`,
          `候补递补安排政府购买学位：${move.toSchoolNameZh}，单价${move.seatPrice ?? '未定'}元/生·年，请财政局列入购买学位经费。`,
        ],
      );
    }
    await appendRoundAudit(db, roundId, `move:${seq}`, 'seat_moved', {
      seq, applicationNumber: move.applicationNumber, fromSchoolId: move.fromSchoolId, fromType: move.fromType,
      toSchoolId: move.toSchoolId, toType: move.toType, reasonZh: move.reasonZh, releasedApplication: trigger?.applicationNumber ?? null,
    }, actor, round.phase);
    return true;
  });
}

/** One notification to the finance bureau summing up a round's purchased seats, once the results are published. */
export async function notifyFinanceOfRound(db: Db, roundId: string): Promise<void> {
  const r = await db.query<{ n: number; cost: number | null; unpriced: number; year: number; district: string; stage: string; round_no: number }>(
    `SELECT count(*)::int AS n, sum(ps.price)::float8 AS cost, count(*) FILTER (WHERE ps.price IS NULL)::int AS unpriced,
       ar.year, ar.district, ar.stage, ar.round_no
     FROM allocation_rounds ar LEFT JOIN purchased_seats ps ON ps.round_id = ar.round_id AND ps.status = 'active'
     WHERE ar.round_id = $1 GROUP BY ar.round_id`,
    [roundId],
  );
  const s = r.rows[0];
  if (!s || s.n === 0) return;
  await db.query(
    `INSERT INTO notifications (dedupe_key, recipient_department, kind, title, body) VALUES ($1, 'finance', 'purchased_seat', $2, $3)
     ON CONFLICT (dedupe_key) DO NOTHING`,
    [
      `purchased-seats:${roundId}`,
      `政府购买学位清单（${s.year}年，${s.district}区第${s.round_no}轮）`,
      `本轮统筹安排政府购买学位${s.n}个，合计${s.cost ?? 0}元/年${s.unpriced ? `（另有${s.unpriced}个学位尚未核定单价）` : ''}，请财政局按清单保障经费。`,
    ],
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Reading for the API

export interface RoundPlacementListRow extends PlacementRow {
  childName: string;
  applicationState: string;
}

export async function listRoundPlacements(
  db: Db,
  roundId: string,
  f: { schoolId?: string; type?: string; status?: string; limit: number; offset: number },
): Promise<{ items: RoundPlacementListRow[]; total: number }> {
  const where = `p.round_id = $1 AND ($2::text IS NULL OR p.school_id = $2) AND ($3::text IS NULL OR p.type = $3) AND ($4::text IS NULL OR p.status = $4)`;
  const args = [roundId, f.schoolId ?? null, f.type ?? null, f.status ?? null];
  const r = await db.query<RoundPlacementListRow>(
    `SELECT ${PLACEMENT_COLUMNS}, a.child_name_masked AS "childName", a.state AS "applicationState"
     FROM allocation_placements p JOIN applications a ON a.application_number = p.application_number
     WHERE ${where} ORDER BY p.rank LIMIT $5 OFFSET $6`,
    [...args, f.limit, f.offset],
  );
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM allocation_placements p WHERE ${where}`, args);
  return { items: r.rows, total: total.rows[0]!.n };
}

export interface MoveRow {
  seq: number;
  applicationNumber: string;
  fromSchoolId: string | null;
  fromType: string;
  toSchoolId: string;
  toType: string;
  reasonZh: string;
  releasedApplication: string | null;
  releaseCause: string | null;
  movedAt: string;
}

export async function listMoves(db: Db, roundId: string): Promise<MoveRow[]> {
  const r = await db.query<MoveRow>(
    `SELECT seq, application_number AS "applicationNumber", from_school_id AS "fromSchoolId", from_type AS "fromType",
       to_school_id AS "toSchoolId", to_type AS "toType", reason_zh AS "reasonZh", released_application AS "releasedApplication",
       release_cause AS "releaseCause", moved_at AS "movedAt"
     FROM allocation_moves WHERE round_id = $1 ORDER BY seq`,
    [roundId],
  );
  return r.rows.map((m) => ({ ...m, movedAt: new Date(m.movedAt).toISOString() }));
}

export interface PurchasedSeatRow {
  roundId: string;
  applicationNumber: string;
  childName: string;
  applicationState: string;
  schoolId: string;
  schoolNameZh: string;
  year: number;
  stage: string;
  district: string;
  price: number | null;
  status: 'active' | 'cancelled';
  createdAt: string;
  cancelledAt: string | null;
}

export async function listPurchasedSeats(
  db: Db,
  f: { year?: number; district?: string; roundId?: string; status?: string; limit: number; offset: number },
): Promise<{ items: PurchasedSeatRow[]; total: number; totalCost: number; activeSeats: number }> {
  const where = `($1::int IS NULL OR ps.year = $1) AND ($2::text IS NULL OR ps.district = $2) AND ($3::text IS NULL OR ps.round_id = $3)
    AND ($4::text IS NULL OR ps.status = $4)`;
  const args = [f.year ?? null, f.district ?? null, f.roundId ?? null, f.status ?? null];
  const r = await db.query<PurchasedSeatRow>(
    `SELECT ps.round_id AS "roundId", ps.application_number AS "applicationNumber", a.child_name_masked AS "childName",
       a.state AS "applicationState", ps.school_id AS "schoolId", s.name_zh AS "schoolNameZh", ps.year, ps.stage, ps.district,
       ps.price::float8 AS price, ps.status, ps.created_at AS "createdAt", ps.cancelled_at AS "cancelledAt"
     FROM purchased_seats ps JOIN applications a ON a.application_number = ps.application_number JOIN schools s ON s.id = ps.school_id
     WHERE ${where} ORDER BY ps.created_at, ps.application_number LIMIT $5 OFFSET $6`,
    [...args, f.limit, f.offset],
  );
  const totals = await db.query<{ n: number; active: number; cost: number | null }>(
    `SELECT count(*)::int AS n, count(*) FILTER (WHERE ps.status = 'active')::int AS active,
       sum(ps.price) FILTER (WHERE ps.status = 'active')::float8 AS cost
     FROM purchased_seats ps WHERE ${where}`,
    args,
  );
  return {
    items: r.rows.map((x) => ({ ...x, createdAt: new Date(x.createdAt).toISOString(), cancelledAt: isoOrNull(x.cancelledAt) })),
    total: totals.rows[0]!.n,
    activeSeats: totals.rows[0]!.active,
    totalCost: totals.rows[0]!.cost ?? 0,
  };
}

/** The stages of a district and year with seats or children waiting: what a what-if covers by default. */
export async function stagesWithData(db: Db, district: string, year: number): Promise<string[]> {
  const r = await db.query<{ stage: string }>(
    `SELECT x.stage FROM school_seats x JOIN schools s ON s.id = x.school_id WHERE s.district = $1 AND x.year = $2
     UNION SELECT stage FROM applications WHERE district = $1 AND year = $2 AND state = 'in_pool'
     ORDER BY 1`,
    [district, year],
  );
  return r.rows.map((x) => x.stage);
}

/** Round audit trail, for the bureau and the supervision office. */
export async function roundTimeline(db: Db, roundId: string): Promise<{ seq: number; at: string; action: string; actorName: string; details: Record<string, unknown> }[]> {
  const r = await db.query(
    `SELECT seq, at, action, actor_name AS "actorName", details FROM audit_log WHERE stream_id = $1 AND stream_type = 'allocation_round' ORDER BY seq`,
    [roundId],
  );
  return r.rows.map((x) => ({ ...x, at: new Date(x.at).toISOString() }));
}

export interface SchoolPlacementRow {
  applicationNumber: string;
  childName: string;
  year: number;
  district: string;
  stage: string;
  state: string;
  placement: ApplicationPlacement;
}

/**
 * The children placed with a school, from the applications' own placement: the same fact check-in is checked against,
 * so the list shows exactly the children the school may record. The child's name is the masked one.
 */
export async function listSchoolPlacements(db: Db, schoolId: string, f: { year?: number; state?: string }): Promise<SchoolPlacementRow[]> {
  const r = await db.query<SchoolPlacementRow>(
    `SELECT application_number AS "applicationNumber", child_name_masked AS "childName", year, district, stage, state, placement
     FROM applications
     WHERE placement IS NOT NULL AND placement->>'schoolId' = $1 AND ($2::int IS NULL OR year = $2) AND ($3::text IS NULL OR state = $3)
     ORDER BY year DESC, stage, application_number LIMIT 2000`,
    [schoolId, f.year ?? null, f.state ?? null],
  );
  return r.rows;
}
