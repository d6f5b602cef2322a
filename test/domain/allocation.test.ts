/**
 * The allocation rules (domain/allocation.ts): a small district worked by hand, then properties over random pools
 * checked with fast-check, including agreement with a naive reference implementation written here independently.
 */
import fc from 'fast-check';
import {
  ALLOCATION_RULES_ZH,
  AllocationInputError,
  allocate,
  allocationState,
  reallocateSeat,
  releaseSeat,
  shortageSummary,
  stateResult,
  tieBreakKey,
  type AllocationApplicant,
  type AllocationInput,
  type AllocationResult,
  type AllocationSchool,
  type Placement,
} from '../../domain/allocation';

// ---------------------------------------------------------------------------------------------------------------
// A small district by hand.

const T0 = '2025-06-01T08:00:00.000Z';
const T1 = '2025-06-01T09:00:00.000Z';

function app(no: string, community: string, priorityGroup: number, points: number, extra: Partial<AllocationApplicant> = {}): AllocationApplicant {
  return { applicationNumber: no, communityCode: community, priorityGroup, points, tieBreak: tieBreakKey(T0, no), ...extra };
}

const DISTRICT_SCHOOLS: AllocationSchool[] = [
  { id: 'P1', nameZh: '城东小学', kind: 'public', seats: 2 },
  { id: 'P2', nameZh: '城西小学', kind: 'public', seats: 1 },
  { id: 'P3', nameZh: '城北小学', kind: 'public', seats: 1 },
  { id: 'R1', nameZh: '明德民办学校', kind: 'private', seats: 50, purchasableSeats: 2, seatPrice: 8000 },
  { id: 'R2', nameZh: '育才民办学校', kind: 'private', seats: 50, purchasableSeats: 1, seatPrice: 9000 },
];
const DISTRICT_CATCHMENTS = { east: 'P1', west: 'P2', north: 'P3' };
const DISTRICT_DISTANCES = {
  P1: [
    { schoolId: 'P2', distance: 3 },
    { schoolId: 'P3', distance: 5 },
    { schoolId: 'R1', distance: 2 },
    { schoolId: 'R2', distance: 6 },
  ],
  P2: [{ schoolId: 'P3', distance: 2 }],
};

function district(applicants: AllocationApplicant[], allowSiblingsTogether = true): AllocationInput {
  return {
    schools: DISTRICT_SCHOOLS,
    catchments: DISTRICT_CATCHMENTS,
    distances: DISTRICT_DISTANCES,
    applicants,
    rules: { priorityOrder: ['优抚对象子女', '其他随迁子女'], allowSiblingsTogether },
  };
}

const byNo = (r: AllocationResult) => new Map(r.placements.map((p) => [p.applicationNumber, p]));
const where = (r: AllocationResult) => Object.fromEntries(r.placements.map((p) => [p.applicationNumber, `${p.type}:${p.schoolId ?? '-'}`]));

describe('allocation: a small district by hand', () => {
  const applicants = [
    app('A7', 'east', 1, 10),
    app('A3', 'east', 1, 80),
    app('W1', 'west', 1, 70),
    app('A1', 'east', 0, 50), // priority group 0 beats points
    app('A2', 'east', 1, 95),
    app('A4', 'east', 1, 60, { tieBreak: tieBreakKey(T0, 'A4') }),
    app('A5', 'east', 1, 60, { tieBreak: tieBreakKey(T1, 'A5') }), // same points, submitted later
    app('A6', 'east', 1, 40),
  ];
  const result = allocate(district(applicants));
  const p = byNo(result);

  it('ranks by priority group, then points, then the tie-break', () => {
    expect(result.placements.map((x) => x.applicationNumber)).toEqual(['A1', 'A2', 'A3', 'W1', 'A4', 'A5', 'A6', 'A7']);
    expect(result.placements.map((x) => x.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('places catchment, then adjusted by distance, then purchased, then waitlists', () => {
    expect(where(result)).toEqual({
      A1: 'catchment:P1',
      A2: 'catchment:P1',
      A3: 'adjusted:P2', // P1 full; P2 is the nearest public school to P1 (3 < 5)
      W1: 'adjusted:P3', // its catchment P2 was taken by the higher-ranked A3; P3 is nearest to P2
      A4: 'purchased:R1', // all public full; R1 is the nearest private school to P1 (2 < 6)
      A5: 'purchased:R1',
      A6: 'purchased:R2', // R1's purchasable seats used up
      A7: 'unplaced:-',
    });
  });

  it('explains each placement in words a parent understands', () => {
    expect(p.get('A1')?.reasonZh).toMatch(/^划片学校（城东小学）有学位，按划片入学。（本批次排序第1位：优抚对象子女，积分50）$/);
    expect(p.get('A3')?.reasonZh).toContain('划片学校城东小学学位已满，调剂至就近有学位的城西小学');
    expect(p.get('W1')?.reasonZh).toContain('划片学校城西小学学位已满，调剂至就近有学位的城北小学');
    expect(p.get('A4')?.reasonZh).toContain('公办学校学位已满，安排政府购买学位：明德民办学校（费用由财政承担）');
    expect(p.get('A7')?.reasonZh).toContain('已列入候补名单');
    expect(p.get('A7')?.reasonZh).toContain('第8位：其他随迁子女，积分10');
  });

  it('summarises by school and overall', () => {
    expect(result.bySchool).toEqual([
      { schoolId: 'P1', nameZh: '城东小学', kind: 'public', capacity: 2, purchasable: 0, placed: 2, purchased: 0, free: 0 },
      { schoolId: 'P2', nameZh: '城西小学', kind: 'public', capacity: 1, purchasable: 0, placed: 1, purchased: 0, free: 0 },
      { schoolId: 'P3', nameZh: '城北小学', kind: 'public', capacity: 1, purchasable: 0, placed: 1, purchased: 0, free: 0 },
      { schoolId: 'R1', nameZh: '明德民办学校', kind: 'private', capacity: 50, purchasable: 2, placed: 0, purchased: 2, free: 0 },
      { schoolId: 'R2', nameZh: '育才民办学校', kind: 'private', capacity: 50, purchasable: 1, placed: 0, purchased: 1, free: 0 },
    ]);
    expect(result.stats).toEqual({
      applicants: 8,
      placed: 7,
      unplaced: 1,
      catchment: 2,
      adjusted: 2,
      purchasedSeats: 3,
      publicPlaced: 4,
      publicShare: 4 / 7,
      purchasedCost: 8000 * 2 + 9000,
      purchasedSeatsWithoutPrice: 0,
    });
  });

  it('gives the same result for the input in any order', () => {
    const reversed = { ...district([...applicants].reverse()), schools: [...DISTRICT_SCHOOLS].reverse() };
    expect(allocate(reversed)).toEqual(result);
  });

  it('waitlists a child whose community is in no catchment, saying why', () => {
    const r = allocate(district([app('X1', 'nowhere', 0, 99)]));
    expect(r.placements[0]).toMatchObject({ type: 'unplaced', schoolId: null, catchmentSchoolId: null });
    expect(r.placements[0]?.reasonZh).toContain('居住社区（nowhere）尚未划入任何学校的招生片区');
  });

  it('publishes the rules in Chinese for parents', () => {
    expect(ALLOCATION_RULES_ZH.length).toBeGreaterThanOrEqual(6);
    expect(ALLOCATION_RULES_ZH.join('')).toContain('多孩长幼随学');
    expect(ALLOCATION_RULES_ZH.join('')).toContain('政府购买学位');
  });
});

describe('allocation: siblings (多孩长幼随学)', () => {
  const schools: AllocationSchool[] = [
    { id: 'P1', nameZh: '城东小学', kind: 'public', seats: 3 },
    { id: 'P2', nameZh: '城西小学', kind: 'public', seats: 10 },
  ];
  const input = (applicants: AllocationApplicant[], allow = true, seats = 3): AllocationInput => ({
    schools: [{ ...(schools[0] as AllocationSchool), seats }, schools[1] as AllocationSchool],
    catchments: { east: 'P1', west: 'P2' },
    distances: { P1: [{ schoolId: 'P2', distance: 1 }] },
    applicants,
    rules: { allowSiblingsTogether: allow },
  });
  const fam = { siblingGroup: 'F', siblingsTogether: true };

  it('places siblings together at the school of the higher-ranked one, at that one’s turn', () => {
    const r = allocate(input([app('X', 'east', 0, 90), app('S1', 'east', 0, 80, fam), app('Y', 'east', 0, 70), app('S2', 'east', 0, 60, fam)]));
    expect(where(r)).toEqual({ X: 'catchment:P1', S1: 'catchment:P1', S2: 'catchment:P1', Y: 'adjusted:P2' });
    const p = byNo(r);
    expect(p.get('S1')?.withSiblings).toEqual(['S2']);
    expect(p.get('S2')?.withSiblings).toEqual(['S1']);
    expect(p.get('S1')?.reasonZh).toContain('兄弟姐妹（申请编号S2）按多孩长幼随学一同安排在城东小学');
    expect(p.get('S2')?.reasonZh).toContain('多孩长幼随学：按排序最靠前的兄弟姐妹（申请编号S1）的排位');
    expect(p.get('S2')?.rank).toBe(4);
  });

  it('places them individually when the rules do not allow it or the parents did not ask', () => {
    const apps = [app('X', 'east', 0, 90), app('S1', 'east', 0, 80, fam), app('Y', 'east', 0, 70), app('S2', 'east', 0, 60, fam)];
    expect(where(allocate(input(apps, false)))).toEqual({ X: 'catchment:P1', S1: 'catchment:P1', Y: 'catchment:P1', S2: 'adjusted:P2' });
    const notAsked = apps.map((a) => (a.applicationNumber === 'S2' ? { ...a, siblingsTogether: false } : a));
    expect(where(allocate(input(notAsked)))).toEqual({ X: 'catchment:P1', S1: 'catchment:P1', Y: 'catchment:P1', S2: 'adjusted:P2' });
  });

  it('places them individually, saying why, when the school has not seats for all of them', () => {
    const r = allocate(input([app('X', 'east', 0, 90), app('S1', 'east', 0, 80, fam), app('S2', 'east', 0, 60, fam)], true, 2));
    expect(where(r)).toEqual({ X: 'catchment:P1', S1: 'catchment:P1', S2: 'adjusted:P2' });
    for (const no of ['S1', 'S2']) {
      expect(byNo(r).get(no)?.reasonZh).toContain('已申请多孩长幼随学，但城东小学剩余学位不足以同时安排2个孩子，按各自排序分别安排');
      expect(byNo(r).get(no)?.withSiblings).toEqual([]);
    }
  });

  it('moves a sibling set together to an adjusted school, each typed against its own catchment', () => {
    const r = allocate(input([app('X', 'east', 0, 90), app('S1', 'east', 0, 80, fam), app('S2', 'west', 0, 60, fam)], true, 1));
    expect(where(r)).toEqual({ X: 'catchment:P1', S1: 'adjusted:P2', S2: 'catchment:P2' });
  });
});

describe('allocation: distances, ties and input errors', () => {
  const base = (schools: AllocationSchool[], distances: AllocationInput['distances']): AllocationInput => ({
    schools,
    catchments: { c: 'A' },
    distances,
    applicants: [app('1', 'c', 0, 1), app('2', 'c', 0, 1)],
    rules: { allowSiblingsTogether: true },
  });
  const pub = (id: string, seats: number): AllocationSchool => ({ id, nameZh: `${id}小学`, kind: 'public', seats });

  it('counts a distance given one way both ways, breaks distance ties by school id, and puts unknown distances last', () => {
    // From A: C is given by C's own list (1), B and D tie at 2 (B first), E has no distance.
    const input = base([pub('A', 0), pub('E', 1), pub('D', 1), pub('C', 0), pub('B', 1)], {
      A: [{ schoolId: 'D', distance: 2 }, { schoolId: 'B', distance: 2 }],
      C: [{ schoolId: 'A', distance: 1 }],
    });
    expect(where(allocate(input))).toEqual({ '1': 'adjusted:B', '2': 'adjusted:D' });
    const onlyE = allocate({ ...input, schools: [pub('A', 0), pub('E', 1)], distances: {} });
    expect(onlyE.placements[0]?.reasonZh).toContain('按学校编号顺序调剂至有学位的E小学');
  });

  it('compares the tie-break as plain strings: the earlier submission wins', () => {
    const r = allocate({
      ...base([pub('A', 1)], {}),
      applicants: [app('1', 'c', 0, 5, { tieBreak: tieBreakKey(T1, '1') }), app('2', 'c', 0, 5, { tieBreak: tieBreakKey(T0, '2') })],
    });
    expect(where(r)).toEqual({ '2': 'catchment:A', '1': 'unplaced:-' });
  });

  it('rejects a configuration it cannot run with', () => {
    const priv: AllocationSchool = { id: 'R', nameZh: '民办', kind: 'private', seats: 5, purchasableSeats: 5 };
    expect(() => allocate({ ...base([pub('A', 1), priv], {}), catchments: { c: 'R' } })).toThrow(AllocationInputError);
    expect(() => allocate({ ...base([pub('A', 1)], {}), catchments: { c: 'Z' } })).toThrow(/unknown school Z/);
    expect(() => allocate(base([pub('A', 1), pub('A', 2)], {}))).toThrow(/duplicate school id A/);
    expect(() => allocate(base([pub('A', -1)], {}))).toThrow(/seats must be a non-negative integer/);
    expect(() => allocate(base([pub('A', 1)], { A: [{ schoolId: 'Q', distance: 1 }] }))).toThrow(/unknown school Q/);
    expect(() => allocate({ ...base([pub('A', 1)], {}), applicants: [app('1', 'c', 0, 1), app('1', 'c', 0, 2)] })).toThrow(/duplicate application number 1/);
  });
});

describe('allocation: the waitlist', () => {
  const applicants = [
    app('A1', 'east', 0, 50),
    app('A2', 'east', 1, 95),
    app('A3', 'east', 1, 80),
    app('W1', 'west', 1, 70),
    app('A4', 'east', 1, 60),
    app('A5', 'east', 1, 55),
    app('A6', 'east', 1, 40),
    app('A7', 'east', 1, 10),
    app('N1', 'north', 1, 5),
  ];
  const input = district(applicants);

  it('gives a released catchment seat to the highest-ranked waitlisted child of that catchment', () => {
    const s0 = allocationState(input);
    expect(byNo(stateResult(s0)).get('A7')?.type).toBe('unplaced');
    const { state: s1 } = releaseSeat(s0, 'A1', 'no_show');
    const { state: s2, moves } = reallocateSeat(s1, 'P1');
    expect(moves).toEqual([
      { applicationNumber: 'A7', fromSchoolId: null, fromType: 'unplaced', toSchoolId: 'P1', toType: 'catchment', reasonZh: expect.stringContaining('划片学校（城东小学）有学位释放，按候补排序递补入学') },
    ]);
    expect(s2.released.map((r) => r.placement.applicationNumber)).toEqual(['A1']);
    expect(stateResult(s2).stats.unplaced).toBe(1); // N1 still waits
  });

  it('brings an adjusted child home and passes the seat it left along the chain', () => {
    let s = allocationState(input);
    s = reallocateSeat(releaseSeat(s, 'A1', 'declined').state, 'P1').state; // A7 takes it
    const { state, moves } = reallocateSeat(releaseSeat(s, 'A2', 'declined').state, 'P1');
    expect(moves.map((m) => `${m.applicationNumber}:${m.fromSchoolId}->${m.toSchoolId}:${m.toType}`)).toEqual([
      'A3:P2->P1:catchment', // adjusted child of P1's catchment returns home
      'W1:P3->P2:catchment', // which frees P2 for W1, adjusted away from it
      'N1:null->P3:catchment', // which frees P3 for the waitlisted N1
    ]);
    expect(moves[0]?.reasonZh).toContain('由原安排的城西小学转回划片学校就读');
    const r = stateResult(state);
    expect(r.stats.unplaced).toBe(0);
    expect(r.bySchool.every((u) => u.free >= 0)).toBe(true);
  });

  it('gives a released purchased seat to the highest-ranked waitlisted child', () => {
    const s0 = allocationState(input);
    const { state: s1, released } = releaseSeat(s0, 'A4', 'no_show');
    expect(released.schoolId).toBe('R1');
    const { moves } = reallocateSeat(s1, 'R1');
    expect(moves).toHaveLength(1);
    expect(moves[0]).toMatchObject({ applicationNumber: 'A7', toSchoolId: 'R1', toType: 'purchased' });
    expect(moves[0]?.reasonZh).toContain('安排政府购买学位：明德民办学校（费用由财政承担）');
  });

  it('does nothing when the school has no free seat', () => {
    expect(reallocateSeat(allocationState(input), 'P1').moves).toEqual([]);
  });

  it('never moves an immovable child (checked in, or refused the move): the seat goes to the next one', () => {
    let s = allocationState(input);
    s = reallocateSeat(releaseSeat(s, 'A1', 'declined').state, 'P1').state; // A7 takes it
    const released = releaseSeat(s, 'A2', 'declined').state;
    // A3, adjusted to P2, has checked in there: the next child of P1's catchment away from home returns instead.
    const { moves } = reallocateSeat(released, 'P1', { immovable: new Set(['A3']) });
    expect(moves.map((m) => `${m.applicationNumber}:${m.fromSchoolId}->${m.toSchoolId}:${m.toType}`)).toEqual([
      'A4:R1->P1:catchment',
      'N1:null->R1:purchased', // the purchased seat A4 left goes to the waitlist
    ]);
    const { moves: none } = reallocateSeat(released, 'P1', { immovable: new Set(['A3', 'A4', 'A5', 'A6', 'N1']) });
    expect(none).toEqual([]);
  });
});

describe('allocation: shortage summary', () => {
  it('shows catchment demand against seats by stage and school', () => {
    const primary = district([app('1', 'east', 0, 1), app('2', 'east', 0, 1), app('3', 'east', 0, 1), app('4', 'west', 0, 1), app('5', 'nowhere', 0, 1)]);
    const junior = { ...district([]), schools: [{ id: 'J1', nameZh: '第一中学', kind: 'public' as const, seats: 5 }], catchments: {} };
    const s = shortageSummary([{ stage: 'primary', input: primary }, { stage: 'junior', input: junior }]);
    expect(s.rows.filter((r) => r.stage === 'primary' && r.kind === 'public').map((r) => [r.schoolId, r.demand, r.seats, r.shortfall, r.surplus])).toEqual([
      ['P1', 3, 2, 1, 0],
      ['P2', 1, 1, 0, 0],
      ['P3', 0, 1, 0, 1],
    ]);
    expect(s.stages).toEqual([
      { stage: 'junior', applicants: 0, publicSeats: 5, purchasableSeats: 0, withoutCatchment: 0, schoolsShort: 0, overallShortfall: 0, bestPublicShare: 1 },
      { stage: 'primary', applicants: 5, publicSeats: 4, purchasableSeats: 3, withoutCatchment: 1, schoolsShort: 1, overallShortfall: 0, bestPublicShare: 4 / 5 },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Properties over random pools.

interface RawPool {
  schools: { isPublic: boolean; seats: number; purchasable: number | undefined; price: number | undefined }[];
  communities: (number | null)[];
  distances: { from: number; to: number; d: number }[];
  applicants: { community: number; group: number; points: number; tie: number; sib: number | null; together: boolean }[];
  allow: boolean;
}

const rawPoolArb: fc.Arbitrary<RawPool> = fc.record({
  schools: fc.array(
    fc.record({
      isPublic: fc.integer({ min: 0, max: 9 }).map((n) => n < 7),
      seats: fc.integer({ min: 0, max: 40 }),
      purchasable: fc.option(fc.integer({ min: 0, max: 15 }), { nil: undefined }),
      price: fc.option(fc.integer({ min: 0, max: 20000 }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 30, size: 'max' },
  ),
  communities: fc.array(fc.option(fc.nat(), { nil: null, freq: 10 }), { minLength: 1, maxLength: 40, size: 'max' }),
  distances: fc.array(fc.record({ from: fc.nat(), to: fc.nat(), d: fc.integer({ min: 0, max: 10 }) }), { maxLength: 200, size: 'max' }),
  applicants: fc.array(
    fc.record({
      community: fc.nat(),
      group: fc.integer({ min: 0, max: 3 }),
      points: fc.integer({ min: 0, max: 8 }),
      tie: fc.integer({ min: 0, max: 20 }),
      sib: fc.option(fc.integer({ min: 0, max: 40 }), { nil: null, freq: 2 }),
      together: fc.boolean(),
    }),
    // size 'max': lengths over the whole 0..500, not fast-check's default small sizes
    { maxLength: 500, size: 'max' },
  ),
  allow: fc.boolean(),
});

/** Ids and application numbers are scrambled so that their order is not the generation order. */
function buildInput(raw: RawPool): AllocationInput {
  const schools: AllocationSchool[] = raw.schools.map((s, i) => ({
    id: `S${String((i * 919) % 1000).padStart(3, '0')}`,
    nameZh: `第${i}学校`,
    kind: s.isPublic ? 'public' : 'private',
    seats: s.seats,
    ...(s.isPublic ? {} : { purchasableSeats: s.purchasable, seatPrice: s.price }),
  }));
  const publics = schools.filter((s) => s.kind === 'public');
  const catchments: Record<string, string> = {};
  raw.communities.forEach((c, i) => {
    if (c !== null && publics.length > 0) catchments[`C${i}`] = (publics[c % publics.length] as AllocationSchool).id;
  });
  const distances: Record<string, { schoolId: string; distance: number }[]> = {};
  for (const d of raw.distances) {
    const from = (schools[d.from % schools.length] as AllocationSchool).id;
    const to = (schools[d.to % schools.length] as AllocationSchool).id;
    (distances[from] ??= []).push({ schoolId: to, distance: d.d });
  }
  const applicants: AllocationApplicant[] = raw.applicants.map((a, i) => {
    const no = `A${String((i * 7907) % 100000).padStart(5, '0')}`;
    return {
      applicationNumber: no,
      // one community in 41 is in no catchment
      communityCode: `C${a.community % (raw.communities.length + 1)}`,
      priorityGroup: a.group,
      points: a.points,
      tieBreak: `T${String(a.tie).padStart(2, '0')}`,
      ...(a.sib === null ? {} : { siblingGroup: `F${a.sib}`, siblingsTogether: a.together }),
    };
  });
  return { schools, catchments, distances, applicants, rules: { allowSiblingsTogether: raw.allow } };
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function shuffle<T>(xs: readonly T[], rnd: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
/** The same input with every array and every record's key order shuffled. */
function shuffledInput(input: AllocationInput, seed: number): AllocationInput {
  const rnd = mulberry32(seed);
  const entries = <V>(r: Readonly<Record<string, V>>) => shuffle(Object.entries(r), rnd);
  return {
    schools: shuffle(input.schools, rnd),
    catchments: Object.fromEntries(entries(input.catchments)),
    distances: Object.fromEntries(entries(input.distances).map(([k, list]) => [k, shuffle(list, rnd)])),
    applicants: shuffle(input.applicants, rnd),
    rules: { ...input.rules },
  };
}

/** Purchase / placement capacity of a school as the rules define it. */
const capOf = (s: AllocationSchool) => (s.kind === 'public' ? s.seats : Math.min(s.seats, s.purchasableSeats ?? 0));

/** The turn at which a placement was made: a sibling placed together was placed at the highest-ranked one's turn. */
function turns(r: AllocationResult): Map<string, number> {
  const rank = new Map(r.placements.map((p) => [p.applicationNumber, p.rank]));
  return new Map(r.placements.map((p) => [p.applicationNumber, Math.min(p.rank, ...p.withSiblings.map((n) => rank.get(n) as number))]));
}

/**
 * A naive reference written independently of the module: scans and sorts all schools for every applicant.
 * Returns applicationNumber -> 'type:schoolId'.
 */
function reference(input: AllocationInput): Record<string, string> {
  const schools = new Map(input.schools.map((s) => [s.id, s]));
  const used = new Map<string, number>();
  const free = (id: string) => capOf(schools.get(id) as AllocationSchool) - (used.get(id) ?? 0);
  const d = (from: string, to: string): number | undefined => {
    const min = (list: readonly { schoolId: string; distance: number }[] | undefined, id: string) => {
      const ds = (list ?? []).filter((e) => e.schoolId === id).map((e) => e.distance);
      return ds.length ? Math.min(...ds) : undefined;
    };
    return min(input.distances[from], to) ?? min(input.distances[to], from);
  };
  const nearest = (from: string, kind: 'public' | 'private') =>
    [...schools.values()]
      .filter((s) => s.kind === kind && s.id !== from && free(s.id) > 0)
      .sort((a, b) => {
        const da = d(from, a.id) ?? Infinity;
        const db = d(from, b.id) ?? Infinity;
        return da !== db ? da - db : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      })[0];
  const choose = (c: string | undefined): [string, string] | null => {
    if (c === undefined) return null;
    if (free(c) > 0) return ['catchment', c];
    const p = nearest(c, 'public');
    if (p) return ['adjusted', p.id];
    const q = nearest(c, 'private');
    return q ? ['purchased', q.id] : null;
  };
  const key = (a: AllocationApplicant) => [a.priorityGroup, -a.points, a.tieBreak, a.applicationNumber] as const;
  const order = [...input.applicants].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < 4; i++) if (ka[i] !== kb[i]) return (ka[i] as number | string) < (kb[i] as number | string) ? -1 : 1;
    return 0;
  });
  const out: Record<string, string> = {};
  const take = (a: AllocationApplicant, ch: [string, string] | null, forcedSchool?: string) => {
    if (forcedSchool !== undefined) {
      const s = schools.get(forcedSchool) as AllocationSchool;
      const type = s.kind === 'private' ? 'purchased' : input.catchments[a.communityCode] === s.id ? 'catchment' : 'adjusted';
      used.set(s.id, (used.get(s.id) ?? 0) + 1);
      out[a.applicationNumber] = `${type}:${s.id}`;
      return;
    }
    if (!ch) {
      out[a.applicationNumber] = 'unplaced:-';
      return;
    }
    used.set(ch[1], (used.get(ch[1]) ?? 0) + 1);
    out[a.applicationNumber] = `${ch[0]}:${ch[1]}`;
  };
  const sets = new Map<string, AllocationApplicant[]>();
  if (input.rules.allowSiblingsTogether) {
    for (const a of order) if (a.siblingsTogether === true && a.siblingGroup !== undefined) sets.set(a.siblingGroup, [...(sets.get(a.siblingGroup) ?? []), a]);
  }
  for (const a of order) {
    if (out[a.applicationNumber] !== undefined) continue;
    const ch = choose(input.catchments[a.communityCode]);
    const set = a.siblingGroup !== undefined && a.siblingsTogether === true ? sets.get(a.siblingGroup) : undefined;
    if (set && set.length > 1 && set[0] === a && ch && free(ch[1]) >= set.length) {
      take(a, ch);
      for (const m of set.slice(1)) take(m, null, ch[1]);
    } else take(a, ch);
  }
  return out;
}

const RUNS = { numRuns: 200 };

describe('allocation: properties over random pools (1..30 schools, 0..500 applicants)', () => {
  it('draws pools that reach every outcome (so the properties below are not vacuous)', () => {
    const seen = new Map<string, number>();
    const bump = (k: string) => seen.set(k, (seen.get(k) ?? 0) + 1);
    for (const raw of fc.sample(rawPoolArb, { numRuns: 200, seed: 42 })) {
      const r = allocate(buildInput(raw));
      if (r.placements.length >= 250) bump('large pool');
      for (const p of r.placements) {
        bump(p.type);
        if (p.withSiblings.length > 0) bump('siblings together');
        if (p.reasonZh.includes('已申请多孩长幼随学')) bump('siblings split');
        if (p.catchmentSchoolId === null) bump('no catchment');
      }
    }
    for (const k of ['large pool', 'catchment', 'adjusted', 'purchased', 'unplaced', 'siblings together', 'siblings split', 'no catchment']) {
      if (process.env.ALLOCATION_TEST_DEBUG) process.stdout.write(`${k}: ${seen.get(k) ?? 0}\n`);
      expect({ [k]: (seen.get(k) ?? 0) > 0 }).toEqual({ [k]: true });
    }
  });

  it('never exceeds a school’s seats or purchasable seats', () => {
    fc.assert(
      fc.property(rawPoolArb, (raw) => {
        const input = buildInput(raw);
        const r = allocate(input);
        const count = new Map<string, number>();
        for (const p of r.placements) if (p.schoolId !== null) count.set(p.schoolId, (count.get(p.schoolId) ?? 0) + 1);
        for (const s of input.schools) {
          expect(count.get(s.id) ?? 0).toBeLessThanOrEqual(capOf(s));
          const u = r.bySchool.find((b) => b.schoolId === s.id);
          expect(u && u.placed + u.purchased).toBe(count.get(s.id) ?? 0);
          if (s.kind === 'public') expect(u?.purchased).toBe(0);
          else expect(u?.placed).toBe(0);
        }
        const kind = new Map(input.schools.map((s) => [s.id, s.kind]));
        const wrongType = r.placements.filter((p) => {
          const k = p.schoolId === null ? null : kind.get(p.schoolId);
          switch (p.type) {
            case 'purchased': return k !== 'private';
            case 'catchment': return k !== 'public' || p.schoolId !== p.catchmentSchoolId;
            case 'adjusted': return k !== 'public' || p.schoolId === p.catchmentSchoolId;
            case 'unplaced': return p.schoolId !== null;
          }
        });
        expect(wrongType).toEqual([]);
      }),
      RUNS,
    );
  });

  it('never lets a lower-ranked child take a catchment school a higher-ranked child was refused (siblings placed at an elder’s turn count at that turn)', () => {
    fc.assert(
      fc.property(rawPoolArb, (raw) => {
        const r = allocate(buildInput(raw));
        const turn = turns(r);
        // lowest rank refused at each school, among children placed at their own turn
        const refused = new Map<string, number>();
        for (const p of r.placements) {
          if (p.catchmentSchoolId === null || p.schoolId === p.catchmentSchoolId || turn.get(p.applicationNumber) !== p.rank) continue;
          refused.set(p.catchmentSchoolId, Math.min(refused.get(p.catchmentSchoolId) ?? Infinity, p.rank));
        }
        const violations = r.placements.filter(
          (p) => (p.type === 'catchment' || p.type === 'adjusted') && p.schoolId !== null && (turn.get(p.applicationNumber) as number) >= (refused.get(p.schoolId) ?? Infinity),
        );
        expect(violations).toEqual([]);
        // the stated property (within one priority group, children placed at their own turn) follows; checked directly too
        const intruders: [string, string][] = [];
        for (const a of r.placements) {
          if (a.catchmentSchoolId === null || a.schoolId === a.catchmentSchoolId || turn.get(a.applicationNumber) !== a.rank) continue;
          for (const b of r.placements) {
            if (b.priorityGroup === a.priorityGroup && b.rank > a.rank && b.withSiblings.length === 0 && b.schoolId === a.catchmentSchoolId && b.type !== 'purchased') {
              intruders.push([a.applicationNumber, b.applicationNumber]);
            }
          }
        }
        expect(intruders).toEqual([]);
      }),
      RUNS,
    );
  });

  it('places siblings who asked together when allowed and the school has seats for all of them', () => {
    fc.assert(
      fc.property(rawPoolArb, (raw) => {
        const input = buildInput(raw);
        const r = allocate(input);
        const p = byNo(r);
        const turn = turns(r);
        const sets = new Map<string, Placement[]>();
        for (const a of input.applicants) {
          if (a.siblingGroup !== undefined && a.siblingsTogether === true) sets.set(a.siblingGroup, [...(sets.get(a.siblingGroup) ?? []), p.get(a.applicationNumber) as Placement]);
        }
        for (const members of sets.values()) {
          if (members.length < 2 || !input.rules.allowSiblingsTogether) {
            for (const m of members) expect(m.withSiblings).toEqual([]);
            continue;
          }
          const together = members.every((m) => m.withSiblings.length === members.length - 1);
          if (together) {
            expect(new Set(members.map((m) => m.schoolId)).size).toBe(1);
            expect(members[0]?.schoolId).not.toBeNull();
            continue;
          }
          for (const m of members) expect(m.withSiblings).toEqual([]);
          // not possible: the leader's school had fewer free seats than children at the leader's turn
          const leader = members.reduce((x, y) => (x.rank < y.rank ? x : y));
          if (leader.schoolId === null) continue;
          const school = input.schools.find((s) => s.id === leader.schoolId) as AllocationSchool;
          const before = r.placements.filter((q) => q.schoolId === school.id && (turn.get(q.applicationNumber) as number) < leader.rank).length;
          expect(capOf(school) - before).toBeLessThan(members.length);
          for (const m of members) expect(m.reasonZh).toContain('已申请多孩长幼随学');
        }
      }),
      RUNS,
    );
  });

  it('gives the same output for the same input, also with every array shuffled', () => {
    fc.assert(
      fc.property(rawPoolArb, fc.integer(), (raw, seed) => {
        const input = buildInput(raw);
        const r = allocate(input);
        expect(allocate(buildInput(raw))).toEqual(r);
        expect(allocate(shuffledInput(input, seed))).toEqual(r);
      }),
      { numRuns: 100 },
    );
  });

  it('lists every applicant exactly once, in rank order, with a reason', () => {
    fc.assert(
      fc.property(rawPoolArb, (raw) => {
        const input = buildInput(raw);
        const r = allocate(input);
        expect(r.placements.map((p) => p.applicationNumber).sort()).toEqual(input.applicants.map((a) => a.applicationNumber).sort());
        expect(r.placements.map((p) => p.rank)).toEqual(r.placements.map((_, i) => i + 1));
        expect(r.placements.filter((p) => p.reasonZh.length < 10)).toEqual([]);
      }),
      RUNS,
    );
  });

  it('has stats that agree with the placements', () => {
    fc.assert(
      fc.property(rawPoolArb, (raw) => {
        const input = buildInput(raw);
        const r = allocate(input);
        const n = (t: string) => r.placements.filter((p) => p.type === t).length;
        const price = new Map(input.schools.map((s) => [s.id, s.seatPrice]));
        const purchased = r.placements.filter((p) => p.type === 'purchased');
        const cost = purchased.reduce((sum, p) => sum + (price.get(p.schoolId as string) ?? 0), 0);
        const placed = r.placements.length - n('unplaced');
        expect(r.stats).toEqual({
          applicants: input.applicants.length,
          placed,
          unplaced: n('unplaced'),
          catchment: n('catchment'),
          adjusted: n('adjusted'),
          purchasedSeats: purchased.length,
          publicPlaced: n('catchment') + n('adjusted'),
          publicShare: placed === 0 ? 0 : (n('catchment') + n('adjusted')) / placed,
          purchasedCost: cost,
          purchasedSeatsWithoutPrice: purchased.filter((p) => price.get(p.schoolId as string) === undefined).length,
        });
        expect(r.bySchool.reduce((s, u) => s + u.placed, 0)).toBe(r.stats.publicPlaced);
        expect(r.bySchool.reduce((s, u) => s + u.purchased, 0)).toBe(r.stats.purchasedSeats);
      }),
      RUNS,
    );
  });

  it('agrees with a naive reference implementation', () => {
    fc.assert(
      fc.property(rawPoolArb, (raw) => {
        const input = buildInput(raw);
        expect(where(allocate(input))).toEqual(reference(input));
      }),
      RUNS,
    );
  });

  it('keeps capacity and every applicant through random releases and reallocations', () => {
    fc.assert(
      fc.property(rawPoolArb, fc.array(fc.nat(), { maxLength: 20 }), (raw, picks) => {
        const input = buildInput(raw);
        let state = allocationState(input);
        for (const pick of picks) {
          const placed = state.placements.filter((p) => p.schoolId !== null);
          if (placed.length === 0) break;
          const leaving = placed[pick % placed.length] as Placement;
          const released = releaseSeat(state, leaving.applicationNumber, 'no_show');
          const { state: next, moves } = reallocateSeat(released.state, leaving.schoolId as string);
          for (const m of moves) {
            expect(m.reasonZh.length).toBeGreaterThan(10);
            expect(m.fromType === 'unplaced' || m.toType === 'catchment').toBe(true);
          }
          state = next;
        }
        const r = stateResult(state);
        for (const u of r.bySchool) expect(u.free).toBeGreaterThanOrEqual(0);
        expect([...r.placements.map((p) => p.applicationNumber), ...state.released.map((x) => x.placement.applicationNumber)].sort()).toEqual(
          input.applicants.map((a) => a.applicationNumber).sort(),
        );
        // a seat is left free only if nobody on the waitlist could take it
        if (r.placements.some((p) => p.type === 'unplaced' && p.catchmentSchoolId !== null)) {
          const freed = new Set(state.released.map((x) => x.placement.schoolId));
          for (const u of r.bySchool) if (freed.has(u.schoolId)) expect(u.free).toBe(0);
        }
      }),
      { numRuns: 100 },
    );
  });
});
