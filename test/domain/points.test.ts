import fc from 'fast-check';
import { SPECIAL_CATEGORIES } from '../../domain/application';
import {
  DEMO_POINTS_RULES,
  FLAG_SOURCES,
  PER_UNIT_SOURCES,
  PointsRulesSchema,
  computePoints,
  findPointsRules,
  pointsFactsFromFindings,
  type PointsFacts,
  type PointsRule,
} from '../../domain/points';

const NO_FACTS: PointsFacts = { residencePermitMonths: 0, insuranceMonths: 0, ownedHousing: false, registeredRental: false, specialCategories: [] };
const pointsOf = (lines: { code: string; points: number }[]) => Object.fromEntries(lines.map((l) => [l.code, l.points]));

describe('points with the demo rules', () => {
  it('are valid data and are found by district and year', () => {
    expect(PointsRulesSchema.parse(DEMO_POINTS_RULES)).toEqual(DEMO_POINTS_RULES);
    expect(findPointsRules([DEMO_POINTS_RULES], 'demo', DEMO_POINTS_RULES.enrollmentYear)).toBe(DEMO_POINTS_RULES);
    expect(findPointsRules([DEMO_POINTS_RULES], 'demo', 2000)).toBeUndefined();
  });

  it('add up a typical family line by line', () => {
    const r = computePoints(DEMO_POINTS_RULES, {
      residencePermitMonths: 65, // 5 full years → 10
      insuranceMonths: 37, // 6 full half-years → 3
      ownedHousing: false,
      registeredRental: true, // → 5
      specialCategories: ['key_enterprise', 'needy_family'], // → 10; needy families are guaranteed a seat, not ranked
    });
    expect(pointsOf(r.lines)).toEqual({
      residence_permit_years: 10,
      insurance_months: 3,
      owned_housing: 0,
      rented_housing: 5,
      key_enterprise: 10,
      introduced_talent: 0,
      military_family: 0,
      martyr_family: 0,
    });
    expect(r.total).toBe(28);
    expect(r.totalTenths).toBe(280);
    expect(r.lines.find((l) => l.code === 'residence_permit_years')).toMatchObject({ quantity: 5, unitZh: '年', capped: false });
    expect(r.lines.find((l) => l.code === 'insurance_months')).toMatchObject({ quantity: 37, unitZh: '个月' });
  });

  it('counts only full units and stops at the cap', () => {
    const r = computePoints(DEMO_POINTS_RULES, { ...NO_FACTS, residencePermitMonths: 11 * 12 + 11, insuranceMonths: 17 });
    expect(pointsOf(r.lines)).toMatchObject({ residence_permit_years: 20, insurance_months: 1 });
    expect(r.lines.find((l) => l.code === 'residence_permit_years')).toMatchObject({ quantity: 11, capped: true });
    expect(computePoints(DEMO_POINTS_RULES, { ...NO_FACTS, residencePermitMonths: 11 }).total).toBe(0);
    expect(computePoints(DEMO_POINTS_RULES, { ...NO_FACTS, insuranceMonths: 1200 }).lines[1]).toMatchObject({ points: 10, capped: true });
  });

  it('gives a family with nothing verified zero, with a line for every rule', () => {
    const r = computePoints(DEMO_POINTS_RULES, NO_FACTS);
    expect(r.total).toBe(0);
    expect(r.lines.map((l) => l.code)).toEqual(DEMO_POINTS_RULES.rules.map((x) => x.code));
  });

  it('refuses impossible facts instead of computing nonsense', () => {
    expect(() => computePoints(DEMO_POINTS_RULES, { ...NO_FACTS, insuranceMonths: -1 })).toThrow(RangeError);
    expect(() => computePoints(DEMO_POINTS_RULES, { ...NO_FACTS, residencePermitMonths: 1.5 })).toThrow(RangeError);
  });
});

describe('points arithmetic', () => {
  it('is exact in tenths where binary floats drift (0.1 + 0.2)', () => {
    const rules: PointsRule[] = [
      { code: 'a', labelZh: '甲', kind: 'flag', source: 'owned_housing', points: 0.1 },
      { code: 'b', labelZh: '乙', kind: 'flag', source: 'key_enterprise', points: 0.2 },
    ];
    const r = computePoints({ rules }, { ...NO_FACTS, ownedHousing: true, specialCategories: ['key_enterprise'] });
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(r.total).toBe(0.3);
    expect(r.totalTenths).toBe(3);
    expect(r.lines.map((l) => l.tenths)).toEqual([1, 2]);
  });

  it('refuses rules data with duplicate codes, more than one decimal, negative points or unknown sources', () => {
    const base = structuredClone(DEMO_POINTS_RULES);
    const dup = { ...base, rules: [...base.rules, base.rules[0]] };
    expect(PointsRulesSchema.safeParse(dup).error?.issues[0]?.path).toEqual(['rules', base.rules.length, 'code']);
    const bad = (patch: object) => PointsRulesSchema.safeParse({ ...base, rules: [{ ...base.rules[0], ...patch }] }).success;
    expect(bad({ pointsPerUnit: 0.25 })).toBe(false);
    expect(bad({ cap: -1 })).toBe(false);
    expect(bad({ source: 'age' })).toBe(false);
    expect(bad({ unitSize: 0 })).toBe(false);
    expect(bad({ pointsPerUnit: 1.5 })).toBe(true);
  });

  const pointsValue = fc.integer({ min: 0, max: 500 }).map((t) => t / 10);
  const ruleArb: fc.Arbitrary<PointsRule> = fc.oneof(
    fc.record({
      labelZh: fc.constant('按量计分'),
      kind: fc.constant('per_unit' as const),
      source: fc.constantFrom(...PER_UNIT_SOURCES),
      unitSize: fc.integer({ min: 1, max: 24 }),
      pointsPerUnit: pointsValue,
      cap: pointsValue,
      code: fc.constant(''),
    }),
    fc.record({
      labelZh: fc.constant('条件加分'),
      kind: fc.constant('flag' as const),
      source: fc.constantFrom(...FLAG_SOURCES),
      points: pointsValue,
      code: fc.constant(''),
    }),
  );
  const rulesArb = fc
    .array(ruleArb, { minLength: 1, maxLength: 15 })
    .map((rules) => ({ ...DEMO_POINTS_RULES, rules: rules.map((r, i) => ({ ...r, code: `r${i}` })) }));
  const factsArb: fc.Arbitrary<PointsFacts> = fc.record({
    residencePermitMonths: fc.integer({ min: 0, max: 1200 }),
    insuranceMonths: fc.integer({ min: 0, max: 1200 }),
    ownedHousing: fc.boolean(),
    registeredRental: fc.boolean(),
    specialCategories: fc.uniqueArray(fc.constantFrom(...SPECIAL_CATEGORIES)),
  });

  it('lines always sum to the total and no line exceeds its cap (property)', () => {
    fc.assert(
      fc.property(rulesArb, factsArb, (rules, facts) => {
        expect(PointsRulesSchema.safeParse(rules).success).toBe(true);
        const r = computePoints(rules, facts);
        expect(r.lines).toHaveLength(rules.rules.length);
        expect(r.lines.reduce((s, l) => s + l.tenths, 0)).toBe(r.totalTenths);
        expect(r.total).toBe(r.totalTenths / 10);
        // What a reader adds up on screen (one decimal) is the total shown.
        expect(r.lines.reduce((s, l) => s + l.points, 0).toFixed(1)).toBe(r.total.toFixed(1));
        rules.rules.forEach((rule, i) => {
          const line = r.lines[i]!;
          expect(Number.isInteger(line.tenths)).toBe(true);
          expect(line.tenths).toBeGreaterThanOrEqual(0);
          expect(line.points).toBe(line.tenths / 10);
          if (rule.kind === 'per_unit') expect(line.points).toBeLessThanOrEqual(rule.cap);
          else expect([0, rule.points]).toContain(line.points);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('more verified facts never lower the total (property)', () => {
    fc.assert(
      fc.property(rulesArb, factsArb, fc.integer({ min: 0, max: 120 }), (rules, facts, extra) => {
        const more = { ...facts, residencePermitMonths: facts.residencePermitMonths + extra, insuranceMonths: facts.insuranceMonths + extra, ownedHousing: true };
        expect(computePoints(rules, more).totalTenths).toBeGreaterThanOrEqual(computePoints(rules, facts).totalTenths);
      }),
    );
  });
});

describe('points facts from the departments findings', () => {
  it('credits owned housing once and ignores a rental beside it; uses only verified months', () => {
    const facts = pointsFactsFromFindings(
      {
        residencePermit: { valid: true, months: 30, evidence: '居住证有效' },
        employment: { employed: true, insuranceMonths: 24, evidence: '参保24个月' },
        housing: { owned: true, rentalRegistered: true, evidence: '有房产，另有备案租赁合同' },
      },
      ['military_family'],
    );
    expect(facts).toEqual({ residencePermitMonths: 30, insuranceMonths: 24, ownedHousing: true, registeredRental: false, specialCategories: ['military_family'] });
    expect(computePoints(DEMO_POINTS_RULES, facts).total).toBe(4 + 2 + 10 + 20);
  });

  it('counts no residence-permit time when the permit is not valid', () => {
    const facts = pointsFactsFromFindings(
      {
        residencePermit: { valid: false, months: 30, evidence: '居住证已过期' },
        employment: { employed: false, evidence: '无参保记录' },
        housing: { rentalRegistered: true, evidence: '合同已备案' },
      },
      [],
    );
    expect(facts).toMatchObject({ residencePermitMonths: 0, insuranceMonths: 0, ownedHousing: false, registeredRental: true });
  });
});
