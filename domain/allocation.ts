/**
 * Central allocation of school seats (统一派位) for one stage (e.g. primary grade 1) of one enrollment year.
 * Pure: no I/O, no clock, no randomness; safe to call from an activity (and from a workflow).
 *
 * THE STATED RULES (the same rules, for parents, are in ALLOCATION_RULES_ZH below)
 *
 * 1. Order. Applicants are ranked by priority group (0 = highest; the groups come from the preferential categories
 *    the administrators configured, named in `rules.priorityOrder`), then by points (higher first), then by
 *    `tieBreak` (plain code-unit string order, smaller first — build it with `tieBreakKey(submittedAt,
 *    applicationNumber)`: the earlier submission time wins, then the smaller application number), and finally by
 *    application number. `rank` is the 1-based position in that order. The input arrays' order does not matter.
 * 2. Catchment first (seed 003: 学区内学校为主). In rank order, each applicant gets a seat at the catchment school
 *    (划片学校) of their community if it has a free seat -> type 'catchment'.
 * 3. Adjusted (学区外学校调剂为辅). Otherwise the nearest OTHER public school with a free seat, nearest by the
 *    distances the administrators set (a distance given only one way counts both ways; schools without any
 *    distance to the catchment school come after all schools with one); ties by school id -> type 'adjusted'.
 * 4. Purchased (seed 001: 政府购买学位). Otherwise a government-purchased seat at the nearest private school
 *    (same nearness order) that still has purchasable seats; paid by the finance bureau at the school's
 *    `seatPrice` -> type 'purchased'.
 * 5. Otherwise unplaced: the applicant is waitlisted (候补) and gets a seat when one is released (see
 *    `reallocateSeat`).
 * 6. Siblings (seed 004: 多孩长幼随学, voluntary). When `rules.allowSiblingsTogether` is on, applicants with the
 *    same `siblingGroup` whose parents asked for it (`siblingsTogether: true`) are placed together, at the turn of
 *    the highest-ranked of them, at the school that sibling would get by rules 2–4 — if that school has free seats
 *    for all of them. Otherwise each of them is placed individually at their own turn, and the reason says so.
 * 7. Capacity is never exceeded: at a public school, catchment + adjusted seats <= `seats`; at a private school,
 *    purchased seats <= min(`seats`, `purchasableSeats`) (no `purchasableSeats` = none agreed with finance = 0).
 *    Only public schools take catchment / adjusted children; private schools take only purchased seats.
 * 8. An applicant whose community is in no catchment is not placed (a data problem the education bureau must fix:
 *    there is no "nearest" without a catchment school); `shortageSummary` counts them before the round runs.
 * 9. Same input -> same output. Every placement carries a reason a parent can read (reasonZh).
 *
 * Waitlist (`releaseSeat` + `reallocateSeat`): a freed seat at a public school goes first to the highest-ranked
 * unplaced applicant whose catchment school it is, then to the highest-ranked adjusted or purchased applicant
 * whose catchment school it is (they return home; a child placed together with siblings is not split off), then to
 * the highest-ranked unplaced applicant of any catchment (as an adjusted seat). A freed purchased seat at a private
 * school goes to the highest-ranked unplaced applicant. When a move frees another seat, that seat is offered the
 * same way, until nobody can use it; every move carries its reason.
 *
 * Cost: O(S² log S) to order each school's neighbours once, O(N log N) to rank the applicants, then amortised
 * O(N + S²) for the placing, because a school once full stays full during a round (a pointer per catchment school
 * skips full schools for good).
 */

export type SchoolKind = 'public' | 'private';

export interface AllocationSchool {
  id: string;
  nameZh: string;
  kind: SchoolKind;
  /** Seats for this stage and year (招生计划). */
  seats: number;
  /** Private schools: seats the government may buy this year (agreed with finance). Absent = 0. */
  purchasableSeats?: number;
  /** Private schools: yuan per purchased seat per year. */
  seatPrice?: number;
}

/** communityCode -> id of its catchment school (划片学校), which must be a public school. */
export type Catchments = Readonly<Record<string, string>>;

/**
 * Distances the administrators set: for a school id, the schools near it with a distance (km, minutes, or any
 * consistent unit; non-negative). Sparse is fine; a pair given once counts both ways; duplicates take the smallest.
 */
export type DistanceTable = Readonly<Record<string, readonly { schoolId: string; distance: number }[]>>;

export interface AllocationApplicant {
  applicationNumber: string;
  communityCode: string;
  /** 0 = highest; from the preferential categories as configured (see rules.priorityOrder). */
  priorityGroup: number;
  /** Points (积分); higher first. */
  points: number;
  /** Tie-break after group and points, smaller first in code-unit order; build it with tieBreakKey(). */
  tieBreak: string;
  /** Same value for the children of one family applying in this round. */
  siblingGroup?: string;
  /** The parents asked for 多孩长幼随学 (siblings at the same school). */
  siblingsTogether?: boolean;
}

export interface AllocationRules {
  /** Names of the priority groups, index = priorityGroup, e.g. ['优抚对象子女', '重点企业员工子女', '其他随迁子女']. */
  priorityOrder?: readonly string[];
  /** Place siblings who asked for it at the same school (多孩长幼随学). */
  allowSiblingsTogether: boolean;
}

export interface AllocationInput {
  schools: readonly AllocationSchool[];
  catchments: Catchments;
  distances: DistanceTable;
  applicants: readonly AllocationApplicant[];
  rules: AllocationRules;
}

export type PlacementType = 'catchment' | 'adjusted' | 'purchased' | 'unplaced';

export interface Placement {
  applicationNumber: string;
  schoolId: string | null;
  schoolNameZh: string | null;
  type: PlacementType;
  /** 1-based position in the order of rule 1. */
  rank: number;
  priorityGroup: number;
  points: number;
  /** The catchment school of the applicant's community, or null if the community is in no catchment. */
  catchmentSchoolId: string | null;
  /** Siblings placed together with this applicant at the same school (empty when placed individually). */
  withSiblings: readonly string[];
  reasonZh: string;
}

export interface SchoolUsage {
  schoolId: string;
  nameZh: string;
  kind: SchoolKind;
  /** The school's seats for this stage and year. */
  capacity: number;
  /** Private schools: seats that may be purchased, min(seats, purchasableSeats); public schools: 0. */
  purchasable: number;
  /** Catchment + adjusted children (public schools). */
  placed: number;
  /** Government-purchased seats (private schools). */
  purchased: number;
  /** Seats still free for this round: public capacity - placed, or private purchasable - purchased. */
  free: number;
}

export interface AllocationStats {
  applicants: number;
  /** Children with a seat of any type (catchment + adjusted + purchased). */
  placed: number;
  unplaced: number;
  catchment: number;
  adjusted: number;
  purchasedSeats: number;
  /** catchment + adjusted. */
  publicPlaced: number;
  /** publicPlaced / placed (the ≥95% target of seed 001); 0 when nobody is placed. */
  publicShare: number;
  /** Yuan per year, the sum of the seat prices of the purchased seats. */
  purchasedCost: number;
  /** Purchased seats at a school without a seatPrice (cost unknown; finance must set it). */
  purchasedSeatsWithoutPrice: number;
}

export interface AllocationResult {
  /** One per applicant, in rank order. */
  placements: Placement[];
  /** One per school, by school id. */
  bySchool: SchoolUsage[];
  stats: AllocationStats;
}

/** Thrown for configuration errors the round cannot run with (unknown school ids, negative seats, duplicates, …). */
export class AllocationInputError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`allocation input is invalid: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; … (${problems.length} problems)` : ''}`);
    this.name = 'AllocationInputError';
  }
}

/** The stated rules in words for parents (published with the results, seed 004: 公布招生政策、招生程序). */
export const ALLOCATION_RULES_ZH: readonly string[] = [
  '一、排序：所有申请按优先类别（按政策确定的优待类别，类别靠前者优先）、积分（高者优先）排序；类别和积分都相同的，先提交申请者优先，提交时间也相同的按申请编号从小到大排序。排序与名单录入的先后无关。',
  '二、划片入学：按排序依次安排，居住社区所属划片学校有学位的，安排在划片学校就读。',
  '三、就近调剂：划片学校学位已满的，调剂到其他片区有学位的公办学校，按教育局公布的学校间距离由近及远安排；距离相同的按学校编号顺序安排；未设置距离的学校排在最后。',
  '四、政府购买学位：公办学校都已没有学位的，安排到就近的、仍有政府购买学位的民办学校就读，学位费用由财政全额承担，家长无需缴纳。',
  '五、候补：以上都没有学位的，列入候补名单。有学生未报到或放弃学位时，空出的公办学位先由以该校为划片学校的候补学生按排序递补，其次由以该校为划片学校、已被调剂或安排政府购买学位的学生按排序转回（与兄弟姐妹一同安排的不拆开），再由其他候补学生按排序递补；空出的政府购买学位由候补学生按排序递补。',
  '六、多孩长幼随学：同一家庭的多个孩子同批申请并自愿申请长幼随学的，在其中排序最靠前的孩子轮到时，一并安排到该孩子按上述规则可去的学校；该校剩余学位不足以同时安排所有孩子的，每个孩子按各自排序分别安排。',
  '七、任何学校安排的学生都不超过其核定学位数；民办学校的政府购买学位不超过财政核定的购买数。',
  '八、居住社区尚未划入任何学校招生片区的，暂不能按划片安排，列入候补并由教育局核实划片后安排。',
  '九、每个孩子的安排结果都附有说明理由；同样的申请和学位数据，安排结果完全相同。',
];

/**
 * The documented tie-break: the submission time as an ISO 8601 UTC string of fixed width
 * (`new Date(t).toISOString()`, e.g. '2025-06-01T08:00:00.000Z'), then the application number.
 */
export function tieBreakKey(submittedAtIsoUtc: string, applicationNumber: string): string {
  return `${submittedAtIsoUtc}|${applicationNumber}`;
}

/** Plain code-unit comparison: the same on every machine and locale (localeCompare is not). */
function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders applicants by rule 1; exported so other code (and the benchmark baseline) ranks the same way. */
export function compareApplicants(a: AllocationApplicant, b: AllocationApplicant): number {
  return (
    a.priorityGroup - b.priorityGroup ||
    b.points - a.points ||
    cmpStr(a.tieBreak, b.tieBreak) ||
    cmpStr(a.applicationNumber, b.applicationNumber)
  );
}

function groupNameZh(rules: AllocationRules, group: number): string {
  return rules.priorityOrder?.[group] ?? `第${group + 1}优先类别`;
}

// ---------------------------------------------------------------------------------------------------------------
// Prepared input: schools indexed by id order, capacities, catchments, distances.

interface Prepared {
  /** Schools sorted by id. */
  schools: AllocationSchool[];
  index: Map<string, number>;
  isPublic: Uint8Array;
  /** Public: seats; private: min(seats, purchasableSeats ?? 0). */
  cap: Int32Array;
  catchment: Map<string, number>;
  /** Flat S×S matrix of the administrators' distances (NaN = not set), made symmetric where only one way is set. */
  dist: Float64Array;
  publicOrder: (Int32Array | undefined)[];
  privateOrder: (Int32Array | undefined)[];
}

const isNonNegInt = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;

function prepare(input: AllocationInput): Prepared {
  const problems: string[] = [];
  const schools = [...input.schools].sort((a, b) => cmpStr(a.id, b.id));
  const S = schools.length;
  const index = new Map<string, number>();
  const isPublic = new Uint8Array(S);
  const cap = new Int32Array(S);
  schools.forEach((s, i) => {
    if (index.has(s.id)) problems.push(`duplicate school id ${s.id}`);
    index.set(s.id, i);
    if (s.kind !== 'public' && s.kind !== 'private') problems.push(`school ${s.id}: kind must be public or private`);
    if (!isNonNegInt(s.seats)) problems.push(`school ${s.id}: seats must be a non-negative integer`);
    if (s.purchasableSeats !== undefined && !isNonNegInt(s.purchasableSeats)) {
      problems.push(`school ${s.id}: purchasableSeats must be a non-negative integer`);
    }
    if (s.seatPrice !== undefined && !(Number.isFinite(s.seatPrice) && s.seatPrice >= 0)) {
      problems.push(`school ${s.id}: seatPrice must be a non-negative number`);
    }
    isPublic[i] = s.kind === 'public' ? 1 : 0;
    const seats = isNonNegInt(s.seats) ? s.seats : 0;
    cap[i] = s.kind === 'public' ? seats : Math.min(seats, isNonNegInt(s.purchasableSeats) ? s.purchasableSeats : 0);
  });

  const catchment = new Map<string, number>();
  for (const [community, schoolId] of Object.entries(input.catchments)) {
    const i = index.get(schoolId);
    if (i === undefined) problems.push(`catchment of community ${community}: unknown school ${schoolId}`);
    else if (!isPublic[i]) problems.push(`catchment of community ${community}: school ${schoolId} is private (private schools have no catchment)`);
    else catchment.set(community, i);
  }

  const dist = new Float64Array(S * S).fill(NaN);
  for (const [fromId, list] of Object.entries(input.distances)) {
    const i = index.get(fromId);
    if (i === undefined) {
      problems.push(`distances: unknown school ${fromId}`);
      continue;
    }
    for (const e of list) {
      const j = index.get(e.schoolId);
      if (j === undefined) {
        problems.push(`distances of ${fromId}: unknown school ${e.schoolId}`);
        continue;
      }
      if (!(Number.isFinite(e.distance) && e.distance >= 0)) {
        problems.push(`distances of ${fromId} -> ${e.schoolId}: distance must be a non-negative number`);
        continue;
      }
      const k = i * S + j;
      const cur = dist[k] as number;
      if (!(cur <= e.distance)) dist[k] = e.distance; // NaN compares false: first value or a smaller one
    }
  }
  // A distance given only one way counts both ways.
  for (let i = 0; i < S; i++) {
    for (let j = i + 1; j < S; j++) {
      const ij = dist[i * S + j] as number;
      const ji = dist[j * S + i] as number;
      if (Number.isNaN(ij) && !Number.isNaN(ji)) dist[i * S + j] = ji;
      else if (Number.isNaN(ji) && !Number.isNaN(ij)) dist[j * S + i] = ij;
    }
  }

  if (problems.length > 0) throw new AllocationInputError(problems);
  return { schools, index, isPublic, cap, catchment, dist, publicOrder: new Array(S), privateOrder: new Array(S) };
}

/** Schools of one kind with any capacity, other than `from`, by nearness from `from` (rule 3), ties by id. */
function nearestOrder(p: Prepared, from: number, wantPublic: boolean): Int32Array {
  const cache = wantPublic ? p.publicOrder : p.privateOrder;
  const hit = cache[from];
  if (hit) return hit;
  const S = p.schools.length;
  const list: number[] = [];
  for (let j = 0; j < S; j++) {
    if (j !== from && (p.isPublic[j] === 1) === wantPublic && (p.cap[j] as number) > 0) list.push(j);
  }
  const row = from * S;
  list.sort((a, b) => {
    const da = p.dist[row + a] as number;
    const db = p.dist[row + b] as number;
    const ua = Number.isNaN(da);
    const ub = Number.isNaN(db);
    if (ua !== ub) return ua ? 1 : -1;
    if (!ua && da !== db) return da - db;
    return a - b; // index order = school id order
  });
  const out = Int32Array.from(list);
  cache[from] = out;
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Reasons, in words a parent understands.

const rankNote = (rules: AllocationRules, a: AllocationApplicant, rank: number): string =>
  `（本批次排序第${rank}位：${groupNameZh(rules, a.priorityGroup)}，积分${a.points}）`;

function individualReason(
  p: Prepared,
  type: PlacementType,
  catchmentIdx: number,
  schoolIdx: number,
  communityCode: string,
): string {
  const name = (i: number) => (p.schools[i] as AllocationSchool).nameZh;
  switch (type) {
    case 'catchment':
      return `划片学校（${name(schoolIdx)}）有学位，按划片入学。`;
    case 'adjusted': {
      const known = !Number.isNaN(p.dist[catchmentIdx * p.schools.length + schoolIdx] as number);
      return known
        ? `划片学校${name(catchmentIdx)}学位已满，调剂至就近有学位的${name(schoolIdx)}。`
        : `划片学校${name(catchmentIdx)}学位已满，设置了距离的附近公办学校也已满，按学校编号顺序调剂至有学位的${name(schoolIdx)}。`;
    }
    case 'purchased':
      return `公办学校学位已满，安排政府购买学位：${name(schoolIdx)}（费用由财政承担）。`;
    case 'unplaced':
      return catchmentIdx < 0
        ? `居住社区（${communityCode}）尚未划入任何学校的招生片区，暂无法按划片安排，已列入候补名单，请联系教育局核实划片。`
        : `划片学校${name(catchmentIdx)}及其他公办学校学位已满，政府购买学位也已用完，暂未安排学位，已列入候补名单；有学位释放时按排序依次递补。`;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The allocation.

interface Choice {
  school: number;
  type: 'catchment' | 'adjusted' | 'purchased';
}

/** Places every applicant by the stated rules. Throws AllocationInputError on configuration errors. */
export function allocate(input: AllocationInput): AllocationResult {
  const p = prepare(input);
  const { rules } = input;
  const apps = input.applicants;
  const N = apps.length;

  const seen = new Set<string>();
  const problems: string[] = [];
  for (const a of apps) {
    if (typeof a.applicationNumber !== 'string' || a.applicationNumber === '') problems.push('an applicant has no application number');
    else if (seen.has(a.applicationNumber)) problems.push(`duplicate application number ${a.applicationNumber}`);
    seen.add(a.applicationNumber);
    if (!isNonNegInt(a.priorityGroup)) problems.push(`${a.applicationNumber}: priorityGroup must be a non-negative integer`);
    if (!Number.isFinite(a.points)) problems.push(`${a.applicationNumber}: points must be a finite number`);
    if (typeof a.tieBreak !== 'string') problems.push(`${a.applicationNumber}: tieBreak must be a string`);
  }
  if (problems.length > 0) throw new AllocationInputError(problems);

  // Rank (rule 1).
  // Same order as compareApplicants, on flat keys (faster than reading the applicant objects in the comparator).
  const grp = new Float64Array(N);
  const pts = new Float64Array(N);
  const tie: string[] = new Array(N);
  const num: string[] = new Array(N);
  for (let i = 0; i < N; i++) {
    const ap = apps[i] as AllocationApplicant;
    grp[i] = ap.priorityGroup;
    pts[i] = ap.points;
    tie[i] = ap.tieBreak;
    num[i] = ap.applicationNumber;
  }
  const order = Array.from({ length: N }, (_, i) => i);
  order.sort(
    (x, y) =>
      (grp[x] as number) - (grp[y] as number) ||
      (pts[y] as number) - (pts[x] as number) ||
      cmpStr(tie[x] as string, tie[y] as string) ||
      cmpStr(num[x] as string, num[y] as string),
  );
  const rankOf = new Int32Array(N);
  order.forEach((a, r) => (rankOf[a] = r + 1));
  const catchmentOf = new Int32Array(N);
  for (let i = 0; i < N; i++) catchmentOf[i] = p.catchment.get((apps[i] as AllocationApplicant).communityCode) ?? -1;

  // Sibling sets (rule 6), members in rank order; the first is the leader.
  const siblingSet = new Map<number, number[]>();
  if (rules.allowSiblingsTogether) {
    const byGroup = new Map<string, number[]>();
    for (const a of order) {
      const ap = apps[a] as AllocationApplicant;
      if (ap.siblingsTogether !== true || ap.siblingGroup === undefined) continue;
      const g = byGroup.get(ap.siblingGroup);
      if (g) g.push(a);
      else byGroup.set(ap.siblingGroup, [a]);
    }
    for (const members of byGroup.values()) if (members.length > 1) for (const m of members) siblingSet.set(m, members);
  }

  const free = Int32Array.from(p.cap);
  const S = p.schools.length;
  const pubPtr = new Int32Array(S);
  const privPtr = new Int32Array(S);

  /** The school rules 2–4 give from catchment school c now (does not take the seat). */
  const choose = (c: number): Choice | null => {
    if (c < 0) return null;
    if ((free[c] as number) > 0) return { school: c, type: 'catchment' };
    const pub = nearestOrder(p, c, true);
    let k = pubPtr[c] as number;
    while (k < pub.length && (free[pub[k] as number] as number) <= 0) k++;
    pubPtr[c] = k; // full schools stay full during the round
    if (k < pub.length) return { school: pub[k] as number, type: 'adjusted' };
    const priv = nearestOrder(p, c, false);
    k = privPtr[c] as number;
    while (k < priv.length && (free[priv[k] as number] as number) <= 0) k++;
    privPtr[c] = k;
    if (k < priv.length) return { school: priv[k] as number, type: 'purchased' };
    return null;
  };

  const placements: (Placement | undefined)[] = new Array(N); // by rank - 1
  const splitNote = new Map<number, string>(); // applicant -> note for a sibling set that could not stay together

  const emit = (a: number, type: PlacementType, school: number, reasonZh: string, withSiblings: readonly string[]) => {
    const ap = apps[a] as AllocationApplicant;
    const c = catchmentOf[a] as number;
    placements[(rankOf[a] as number) - 1] = {
      applicationNumber: ap.applicationNumber,
      schoolId: school >= 0 ? (p.schools[school] as AllocationSchool).id : null,
      schoolNameZh: school >= 0 ? (p.schools[school] as AllocationSchool).nameZh : null,
      type,
      rank: rankOf[a] as number,
      priorityGroup: ap.priorityGroup,
      points: ap.points,
      catchmentSchoolId: c >= 0 ? (p.schools[c] as AllocationSchool).id : null,
      withSiblings,
      reasonZh,
    };
  };

  const placeIndividually = (a: number, choice: Choice | null) => {
    const ap = apps[a] as AllocationApplicant;
    const c = catchmentOf[a] as number;
    const type: PlacementType = choice ? choice.type : 'unplaced';
    const school = choice ? choice.school : -1;
    if (choice) free[school] = (free[school] as number) - 1;
    const reason = individualReason(p, type, c, school, ap.communityCode) + (splitNote.get(a) ?? '') + rankNote(rules, ap, rankOf[a] as number);
    emit(a, type, school, reason, []);
  };

  for (let r = 0; r < N; r++) {
    const a = order[r] as number;
    if (placements[r]) continue; // already placed with an elder-ranked sibling
    const set = siblingSet.get(a);
    const choice = choose(catchmentOf[a] as number);
    if (!set || set[0] !== a) {
      placeIndividually(a, choice);
      continue;
    }
    // Leader of a sibling set (rule 6).
    const k = set.length;
    if (choice && (free[choice.school] as number) >= k) {
      const x = choice.school;
      const xName = (p.schools[x] as AllocationSchool).nameZh;
      const numbers = set.map((m) => (apps[m] as AllocationApplicant).applicationNumber);
      const leaderNo = numbers[0] as string;
      free[x] = (free[x] as number) - k;
      for (const m of set) {
        const ap = apps[m] as AllocationApplicant;
        const c = catchmentOf[m] as number;
        const others = numbers.filter((n) => n !== ap.applicationNumber);
        let type: PlacementType;
        let reason: string;
        if (m === a) {
          type = choice.type;
          reason = `${individualReason(p, type, c, x, ap.communityCode)}兄弟姐妹（申请编号${others.join('、')}）按多孩长幼随学一同安排在${xName}。`;
        } else {
          type = !p.isPublic[x] ? 'purchased' : c === x ? 'catchment' : 'adjusted';
          const detail =
            type === 'catchment'
              ? `${xName}也是本人的划片学校`
              : type === 'purchased'
                ? '政府购买学位，费用由财政承担'
                : c >= 0
                  ? `本人划片学校为${(p.schools[c] as AllocationSchool).nameZh}`
                  : '本人居住社区尚未划入招生片区';
          reason = `多孩长幼随学：按排序最靠前的兄弟姐妹（申请编号${leaderNo}）的排位，与兄弟姐妹一同安排至${xName}（${detail}）。`;
        }
        emit(m, type, x, reason + rankNote(rules, ap, rankOf[m] as number), others);
      }
      continue;
    }
    const note = choice
      ? `已申请多孩长幼随学，但${(p.schools[choice.school] as AllocationSchool).nameZh}剩余学位不足以同时安排${k}个孩子，按各自排序分别安排。`
      : `已申请多孩长幼随学，但排序最靠前的孩子未能安排学位，按各自排序分别安排。`;
    for (const m of set) splitNote.set(m, note);
    placeIndividually(a, choice);
  }

  const inRankOrder = placements as Placement[];
  return { placements: inRankOrder, ...summarize(input.schools, inRankOrder) };
}

/** bySchool and stats recomputed from placements (used after allocate and after waitlist moves). */
export function summarize(
  schoolsIn: readonly AllocationSchool[],
  placements: readonly Placement[],
): { bySchool: SchoolUsage[]; stats: AllocationStats } {
  const schools = [...schoolsIn].sort((a, b) => cmpStr(a.id, b.id));
  const usage = new Map<string, SchoolUsage>();
  for (const s of schools) {
    const purchasable = s.kind === 'private' ? Math.min(s.seats, s.purchasableSeats ?? 0) : 0;
    usage.set(s.id, { schoolId: s.id, nameZh: s.nameZh, kind: s.kind, capacity: s.seats, purchasable, placed: 0, purchased: 0, free: 0 });
  }
  const price = new Map(schools.map((s) => [s.id, s.seatPrice]));
  const stats: AllocationStats = {
    applicants: placements.length,
    placed: 0,
    unplaced: 0,
    catchment: 0,
    adjusted: 0,
    purchasedSeats: 0,
    publicPlaced: 0,
    publicShare: 0,
    purchasedCost: 0,
    purchasedSeatsWithoutPrice: 0,
  };
  for (const pl of placements) {
    if (pl.type === 'unplaced' || pl.schoolId === null) {
      stats.unplaced++;
      continue;
    }
    const u = usage.get(pl.schoolId);
    stats.placed++;
    if (pl.type === 'purchased') {
      stats.purchasedSeats++;
      if (u) u.purchased++;
      const sp = price.get(pl.schoolId);
      if (sp === undefined) stats.purchasedSeatsWithoutPrice++;
      else stats.purchasedCost += sp;
    } else {
      stats[pl.type]++;
      stats.publicPlaced++;
      if (u) u.placed++;
    }
  }
  stats.publicShare = stats.placed === 0 ? 0 : stats.publicPlaced / stats.placed;
  const bySchool = [...usage.values()];
  for (const u of bySchool) u.free = u.kind === 'public' ? u.capacity - u.placed : u.purchasable - u.purchased;
  return { bySchool, stats };
}

// ---------------------------------------------------------------------------------------------------------------
// Waitlist: released seats.

export type ReleaseCause = 'no_show' | 'declined' | 'withdrawn';

export interface AllocationState {
  readonly input: AllocationInput;
  /** Current placements of the applicants still in the round, in rank order. */
  readonly placements: readonly Placement[];
  /** Applicants who left the round, with the seat they released. */
  readonly released: readonly { placement: Placement; cause: ReleaseCause }[];
}

export interface SeatMove {
  applicationNumber: string;
  fromSchoolId: string | null;
  fromType: PlacementType;
  toSchoolId: string;
  toType: 'catchment' | 'adjusted' | 'purchased';
  reasonZh: string;
}

/** The state of a round after `allocate`, for the waitlist helpers. */
export function allocationState(input: AllocationInput, result: AllocationResult = allocate(input)): AllocationState {
  return { input, placements: result.placements, released: [] };
}

/** A placed applicant leaves the round (no-show at check-in, declined, withdrawn); their seat becomes free. */
export function releaseSeat(
  state: AllocationState,
  applicationNumber: string,
  cause: ReleaseCause,
): { state: AllocationState; released: Placement } {
  const placement = state.placements.find((pl) => pl.applicationNumber === applicationNumber);
  if (!placement) throw new Error(`releaseSeat: ${applicationNumber} is not in the round`);
  return {
    state: {
      input: state.input,
      placements: state.placements.filter((pl) => pl !== placement),
      released: [...state.released, { placement, cause }],
    },
    released: placement,
  };
}

export interface ReallocateOptions {
  /**
   * Applicants the waitlist must not move: e.g. a child who already checked in at the school placed at, or whose
   * application refused a move. They keep their placement; the seat goes to the next one by the same rules.
   */
  immovable?: ReadonlySet<string>;
}

/**
 * Offers the free seats of `releasedSchoolId` to the waitlist (see the rules at the top), one seat at a time,
 * following each move's freed seat in turn. Returns the new state and the moves (possibly none).
 */
export function reallocateSeat(
  state: AllocationState,
  releasedSchoolId: string,
  options: ReallocateOptions = {},
): { state: AllocationState; moves: SeatMove[] } {
  const immovable = options.immovable ?? new Set<string>();
  const { schools } = state.input;
  const byId = new Map(schools.map((s) => [s.id, s]));
  if (!byId.has(releasedSchoolId)) throw new Error(`reallocateSeat: unknown school ${releasedSchoolId}`);
  const current = new Map(state.placements.map((pl) => [pl.applicationNumber, pl]));
  const rankOrdered = () => [...current.values()].sort((x, y) => x.rank - y.rank);
  const moves: SeatMove[] = [];
  const queue = [releasedSchoolId];
  const rules = state.input.rules;

  while (queue.length > 0) {
    const sid = queue.shift() as string;
    const school = byId.get(sid) as AllocationSchool;
    const { bySchool } = summarize(schools, [...current.values()]);
    const usage = bySchool.find((u) => u.schoolId === sid) as SchoolUsage;
    if (usage.free <= 0) continue;
    const ordered = immovable.size === 0 ? rankOrdered() : rankOrdered().filter((pl) => !immovable.has(pl.applicationNumber));
    let pick: Placement | undefined;
    let toType: SeatMove['toType'];
    let reason: string;
    const note = (pl: Placement) => `（本批次排序第${pl.rank}位：${groupNameZh(rules, pl.priorityGroup)}，积分${pl.points}）`;
    if (school.kind === 'public') {
      pick = ordered.find((pl) => pl.type === 'unplaced' && pl.catchmentSchoolId === sid);
      if (pick) {
        toType = 'catchment';
        reason = `划片学校（${school.nameZh}）有学位释放，按候补排序递补入学。${note(pick)}`;
      } else {
        pick = ordered.find(
          (pl) => (pl.type === 'adjusted' || pl.type === 'purchased') && pl.catchmentSchoolId === sid && pl.withSiblings.length === 0,
        );
        if (pick) {
          toType = 'catchment';
          reason = `划片学校（${school.nameZh}）有学位释放，由原安排的${pick.schoolNameZh ?? ''}转回划片学校就读。${note(pick)}`;
        } else {
          pick = ordered.find((pl) => pl.type === 'unplaced' && pl.catchmentSchoolId !== null);
          toType = 'adjusted';
          reason = pick
            ? `划片学校${byId.get(pick.catchmentSchoolId as string)?.nameZh ?? ''}学位已满；${school.nameZh}有学位释放，按候补排序递补，调剂至${school.nameZh}。${note(pick)}`
            : '';
        }
      }
    } else {
      pick = ordered.find((pl) => pl.type === 'unplaced' && pl.catchmentSchoolId !== null);
      toType = 'purchased';
      reason = pick
        ? `公办学校学位已满；${school.nameZh}有政府购买学位释放，按候补排序递补，安排政府购买学位：${school.nameZh}（费用由财政承担）。${note(pick)}`
        : '';
    }
    if (!pick) continue;
    moves.push({ applicationNumber: pick.applicationNumber, fromSchoolId: pick.schoolId, fromType: pick.type, toSchoolId: sid, toType, reasonZh: reason });
    current.set(pick.applicationNumber, { ...pick, schoolId: sid, schoolNameZh: school.nameZh, type: toType, withSiblings: [], reasonZh: reason });
    if (pick.schoolId !== null) queue.push(pick.schoolId); // the seat it left is offered next
    queue.push(sid); // more than one seat may be free here
  }
  return { state: { input: state.input, placements: rankOrdered(), released: state.released }, moves };
}

/** The result (placements, bySchool, stats) of a state after waitlist moves. */
export function stateResult(state: AllocationState): AllocationResult {
  const placements = [...state.placements].sort((x, y) => x.rank - y.rank);
  return { placements, ...summarize(state.input.schools, placements) };
}

// ---------------------------------------------------------------------------------------------------------------
// What-if: demand against seats before the round runs.

export interface ShortageRow {
  stage: string;
  schoolId: string;
  nameZh: string;
  kind: SchoolKind;
  seats: number;
  /** Private schools: min(seats, purchasableSeats). */
  purchasable: number;
  /** Applicants whose community is in this school's catchment. */
  demand: number;
  /** max(0, demand - seats) for public schools: children who must be adjusted away. */
  shortfall: number;
  /** max(0, seats - demand) for public schools: seats left for adjusted children. */
  surplus: number;
}

export interface StageShortage {
  stage: string;
  applicants: number;
  publicSeats: number;
  purchasableSeats: number;
  /** Applicants whose community is in no catchment (rule 8). */
  withoutCatchment: number;
  /** Public schools with more catchment demand than seats. */
  schoolsShort: number;
  /** Children beyond all public and purchasable seats: max(0, applicants - publicSeats - purchasableSeats). */
  overallShortfall: number;
  /** The best public share the seats allow: min(applicants, publicSeats) / applicants (1 when no applicants). */
  bestPublicShare: number;
}

/** Demand (catchment applicants) against seats, by stage and school. */
export function shortageSummary(stages: readonly { stage: string; input: Pick<AllocationInput, 'schools' | 'catchments' | 'applicants'> }[]): {
  rows: ShortageRow[];
  stages: StageShortage[];
} {
  const rows: ShortageRow[] = [];
  const totals: StageShortage[] = [];
  for (const { stage, input } of [...stages].sort((a, b) => cmpStr(a.stage, b.stage))) {
    const schools = [...input.schools].sort((a, b) => cmpStr(a.id, b.id));
    const catchment = new Map(Object.entries(input.catchments));
    const demand = new Map<string, number>();
    let withoutCatchment = 0;
    for (const a of input.applicants) {
      const sid = catchment.get(a.communityCode);
      if (sid === undefined) withoutCatchment++;
      else demand.set(sid, (demand.get(sid) ?? 0) + 1);
    }
    let publicSeats = 0;
    let purchasableSeats = 0;
    let schoolsShort = 0;
    for (const s of schools) {
      const d = demand.get(s.id) ?? 0;
      const isPub = s.kind === 'public';
      const purchasable = isPub ? 0 : Math.min(s.seats, s.purchasableSeats ?? 0);
      if (isPub) publicSeats += s.seats;
      else purchasableSeats += purchasable;
      const shortfall = isPub ? Math.max(0, d - s.seats) : 0;
      if (shortfall > 0) schoolsShort++;
      rows.push({ stage, schoolId: s.id, nameZh: s.nameZh, kind: s.kind, seats: s.seats, purchasable, demand: d, shortfall, surplus: isPub ? Math.max(0, s.seats - d) : 0 });
    }
    const n = input.applicants.length;
    totals.push({
      stage,
      applicants: n,
      publicSeats,
      purchasableSeats,
      withoutCatchment,
      schoolsShort,
      overallShortfall: Math.max(0, n - publicSeats - purchasableSeats),
      bestPublicShare: n === 0 ? 1 : Math.min(n, publicSeats) / n,
    });
  }
  return { rows, stages: totals };
}
