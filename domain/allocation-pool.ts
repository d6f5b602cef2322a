/**
 * From applications to the allocation's input, and from its result to the numbers the bureau reports. Pure.
 *
 * - Priority group: the first configured group one of the child's special categories belongs to (the categories the
 *   education bureau accepted at pre-review, as the points do); children in none are in the last group.
 * - Community: the residence permit's street and community, matched against the catchments (划片): a row for the
 *   community wins over a row for its whole street.
 * - Siblings (seed 004, 多孩长幼随学): applications linked by `siblingApplicationNumber` within the same pool are one
 *   family; they ask to be placed together when any of them chose the category 'sibling_enrolled'.
 * - Tie-break: submission time, then application number (domain/allocation.ts tieBreakKey).
 */
import { tieBreakKey, type AllocationApplicant, type AllocationStats, type Catchments } from './allocation';
import { normalizePlaceName } from './school-data';

// The round's configuration and its priority groups live in ./round-config (free of zod and of the allocation code,
// because the allocation round's workflow names them); re-exported here for everything that imported them from here.
export { DEFAULT_ROUND_CONFIG, priorityGroupOf, priorityGroupsZh, priorityOrderZh, type PriorityGroupConfig, type RoundConfig } from './round-config';
import { priorityGroupOf, type RoundConfig } from './round-config';

/** What the pool needs from an application (read from the projection; no personal data beyond the address). */
export interface PoolApplication {
  applicationNumber: string;
  pointsTotal: number;
  specialCategories: readonly string[];
  street: string;
  community: string;
  siblingApplicationNumber: string | null;
  /** ISO 8601 UTC. */
  submittedAt: string;
}

export interface CatchmentLine {
  street: string;
  /** '' = the whole street. */
  community: string;
  schoolId: string;
}

const key = (street: string, community: string) => `${street}/${community === '' ? '*' : community}`;

/** The catchments as the allocation reads them: community code → school. */
export function catchmentMap(lines: readonly CatchmentLine[]): Catchments {
  const out: Record<string, string> = {};
  for (const l of lines) out[key(normalizePlaceName(l.street), normalizePlaceName(l.community))] = l.schoolId;
  return out;
}

/** The community code of an address: its community's catchment if there is one, else its street's, else its own. */
export function communityCodeOf(catchments: Catchments, street: string, community: string): string {
  const s = normalizePlaceName(street);
  const c = normalizePlaceName(community);
  const exact = key(s, c);
  if (catchments[exact] !== undefined) return exact;
  const whole = key(s, '');
  if (catchments[whole] !== undefined) return whole;
  return exact;
}

export function buildApplicants(apps: readonly PoolApplication[], catchments: Catchments, config: RoundConfig): AllocationApplicant[] {
  const inPool = new Set(apps.map((a) => a.applicationNumber));
  // Union-find over the sibling links inside the pool; the family's id is its smallest application number.
  const parent = new Map<string, string>(apps.map((a) => [a.applicationNumber, a.applicationNumber]));
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    let y = x;
    while (parent.get(y) !== r) {
      const next = parent.get(y)!;
      parent.set(y, r);
      y = next;
    }
    return r;
  };
  for (const a of apps) {
    const s = a.siblingApplicationNumber;
    if (!s || !inPool.has(s) || s === a.applicationNumber) continue;
    const [ra, rb] = [find(a.applicationNumber), find(s)];
    if (ra !== rb) {
      if (ra < rb) parent.set(rb, ra);
      else parent.set(ra, rb);
    }
  }
  const families = new Map<string, PoolApplication[]>();
  for (const a of apps) {
    const root = find(a.applicationNumber);
    const f = families.get(root);
    if (f) f.push(a);
    else families.set(root, [a]);
  }
  return apps.map((a) => {
    const family = families.get(find(a.applicationNumber))!;
    const applicant: AllocationApplicant = {
      applicationNumber: a.applicationNumber,
      communityCode: communityCodeOf(catchments, a.street, a.community),
      priorityGroup: priorityGroupOf(config, a.specialCategories),
      points: a.pointsTotal,
      tieBreak: tieBreakKey(new Date(a.submittedAt).toISOString(), a.applicationNumber),
    };
    if (family.length > 1) {
      applicant.siblingGroup = find(a.applicationNumber);
      applicant.siblingsTogether = family.some((m) => m.specialCategories.includes('sibling_enrolled'));
    }
    return applicant;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers against the targets of the seeds

export interface TargetCheck {
  code: 'placement_100' | 'public_95' | 'public_100';
  nameZh: string;
  target: number;
  actual: number;
  met: boolean;
  /** Children short of the target (0 when met). */
  shortBy: number;
}

export interface RoundNumbers {
  applicants: number;
  placed: number;
  unplaced: number;
  catchment: number;
  adjusted: number;
  purchasedSeats: number;
  publicPlaced: number;
  /** placed / applicants (1 when nobody applied). */
  placementRate: number;
  /** publicPlaced / placed (0 when nobody is placed). */
  publicShare: number;
  purchasedCost: number;
  purchasedSeatsWithoutPrice: number;
  targets: TargetCheck[];
}

/**
 * The targets: every eligible child placed (seed 000: 100%入学; seed 002: 入学率100%), at least 95% of them in public
 * schools (seed 001: 公办学校就读比例达到95%以上), and all of them in public schools (seed 001 / 000: 全部就读公办学校).
 * The public share is counted over the placed children, as seed 001 counts pupils at school.
 */
export function roundNumbers(stats: AllocationStats): RoundNumbers {
  const placementRate = stats.applicants === 0 ? 1 : stats.placed / stats.applicants;
  const check = (code: TargetCheck['code'], nameZh: string, target: number, actual: number, base: number): TargetCheck => {
    const met = actual + 1e-12 >= target;
    return { code, nameZh, target, actual, met, shortBy: met ? 0 : Math.ceil(target * base - actual * base - 1e-9) };
  };
  return {
    applicants: stats.applicants,
    placed: stats.placed,
    unplaced: stats.unplaced,
    catchment: stats.catchment,
    adjusted: stats.adjusted,
    purchasedSeats: stats.purchasedSeats,
    publicPlaced: stats.publicPlaced,
    placementRate,
    publicShare: stats.publicShare,
    purchasedCost: stats.purchasedCost,
    purchasedSeatsWithoutPrice: stats.purchasedSeatsWithoutPrice,
    targets: [
      check('placement_100', '符合条件的随迁子女100%安排学位', 1, placementRate, stats.applicants),
      check('public_95', '公办学校就读比例达到95%以上', 0.95, stats.publicShare, stats.placed),
      check('public_100', '全部就读公办学校（100%）', 1, stats.publicShare, stats.placed),
    ],
  };
}
