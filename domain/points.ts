/**
 * Points (积分) for admission order (seed 001: 积分制入学, residence permit as the main basis; seed 000 item 4:
 * preferential treatment for key enterprises and introduced talents). Pure: no I/O.
 *
 * The rules are data, per district and year, edited by an administrator and validated by `PointsRulesSchema`; the
 * code only knows two shapes of rule: so many points per unit of a quantity up to a cap, or fixed points for a fact
 * that holds. Every rule yields a line, including zero lines, so a parent can see what was and was not counted.
 *
 * Arithmetic is in integer tenths of a point: rules may say 0.5 points, and summing binary floats (0.1 + 0.2) would
 * otherwise make a total differ from the sum of its lines. `tenths` fields are exact; `points` = tenths / 10 is for
 * display (add `tenths`, not `points`).
 */
import { z } from 'zod';
import {
  DISTRICT_CODE_PATTERN,
  MAX_ENROLLMENT_YEAR,
  MIN_ENROLLMENT_YEAR,
  SPECIAL_CATEGORIES,
  type SpecialCategory,
} from './application';
import type { VerificationFindings } from './eligibility';

/** Quantities a per-unit rule can count. Years of residence permit are full years (months / 12, rounded down). */
export const PER_UNIT_SOURCES = ['residence_permit_years', 'insurance_months'] as const;
export type PerUnitSource = (typeof PER_UNIT_SOURCES)[number];
export const PER_UNIT_SOURCE_UNITS_ZH: Record<PerUnitSource, string> = {
  residence_permit_years: '年',
  insurance_months: '个月',
};

/** Facts a flag rule can credit: the housing the family lives in, or a special category. */
export const FLAG_SOURCES = ['owned_housing', 'rented_housing', ...SPECIAL_CATEGORIES] as const;
export type FlagSource = (typeof FLAG_SOURCES)[number];

/** A points value as an administrator writes it: non-negative, at most one decimal place (e.g. 0.5). */
const pointsValue = z
  .number()
  .min(0)
  .max(1000)
  .refine((x) => Math.abs(x * 10 - Math.round(x * 10)) < 1e-9, { error: '分值最多保留一位小数' });

export const PointsRuleSchema = z.discriminatedUnion('kind', [
  z.object({
    code: z.string().regex(/^[a-z0-9_]{1,40}$/),
    labelZh: z.string().min(1),
    kind: z.literal('per_unit'),
    source: z.enum(PER_UNIT_SOURCES),
    /** How many of the source's units make one counted unit: 12 with insurance_months means "per full year". */
    unitSize: z.number().int().min(1),
    pointsPerUnit: pointsValue,
    cap: pointsValue,
  }),
  z.object({
    code: z.string().regex(/^[a-z0-9_]{1,40}$/),
    labelZh: z.string().min(1),
    kind: z.literal('flag'),
    source: z.enum(FLAG_SOURCES),
    points: pointsValue,
  }),
]);
export type PointsRule = z.infer<typeof PointsRuleSchema>;

export const PointsRulesSchema = z.object({
  district: z.string().regex(DISTRICT_CODE_PATTERN),
  enrollmentYear: z.number().int().min(MIN_ENROLLMENT_YEAR).max(MAX_ENROLLMENT_YEAR),
  /** The local document the rules implement, shown to parents with their points. */
  basisZh: z.string().min(1),
  rules: z
    .array(PointsRuleSchema)
    .min(1)
    .superRefine((rules, ctx) => {
      rules.forEach((r, i) => {
        if (rules.findIndex((o) => o.code === r.code) !== i) {
          ctx.addIssue({ code: 'custom', path: [i, 'code'], message: `积分规则代码“${r.code}”重复` });
        }
      });
    }),
});
export type PointsRules = z.infer<typeof PointsRulesSchema>;

/**
 * DEMO DATA, not any real district's scheme: plausible values in the spirit of seed 001 (residence permit as the
 * main basis) and seed 000 item 4. Guarantee groups of seed 004 (disability, needy, left-behind, orphans, siblings)
 * get no points here on purpose: they are placed by guarantee and by the sibling rule in allocation, not ranked.
 */
export const DEMO_POINTS_RULES: PointsRules = {
  district: 'demo',
  enrollmentYear: 2027,
  basisZh: '演示数据：演示区随迁子女积分入学细则（非真实政策）',
  rules: [
    { code: 'residence_permit_years', labelZh: '居住证持有年限（每满1年2分，最高20分）', kind: 'per_unit', source: 'residence_permit_years', unitSize: 1, pointsPerUnit: 2, cap: 20 },
    { code: 'insurance_months', labelZh: '本地社会保险缴费（每满6个月0.5分，最高10分）', kind: 'per_unit', source: 'insurance_months', unitSize: 6, pointsPerUnit: 0.5, cap: 10 },
    { code: 'owned_housing', labelZh: '本地自有住房', kind: 'flag', source: 'owned_housing', points: 10 },
    { code: 'rented_housing', labelZh: '本地租房且合同已登记备案', kind: 'flag', source: 'rented_housing', points: 5 },
    { code: 'key_enterprise', labelZh: '重大项目、重点企业职工子女', kind: 'flag', source: 'key_enterprise', points: 10 },
    { code: 'introduced_talent', labelZh: '引进人才子女', kind: 'flag', source: 'introduced_talent', points: 10 },
    { code: 'military_family', labelZh: '现役军人子女', kind: 'flag', source: 'military_family', points: 20 },
    { code: 'martyr_family', labelZh: '烈士子女', kind: 'flag', source: 'martyr_family', points: 20 },
  ],
};

export function findPointsRules(all: readonly PointsRules[], district: string, enrollmentYear: number): PointsRules | undefined {
  return all.find((r) => r.district === district && r.enrollmentYear === enrollmentYear);
}

// ---------------------------------------------------------------------------------------------------------------
// Computing
// ---------------------------------------------------------------------------------------------------------------

/** Verified facts only: points decide ranking, so nothing the parent merely declared should count. */
export interface PointsFacts {
  residencePermitMonths: number;
  insuranceMonths: number;
  ownedHousing: boolean;
  /** Renting with a contract registered with the housing authority (备案); an unregistered rental cannot be verified. */
  registeredRental: boolean;
  specialCategories: readonly SpecialCategory[];
}

export interface PointsLine {
  code: string;
  labelZh: string;
  /** The counted quantity in the source's unit (years, months) for per-unit rules; 1 or 0 for flags. */
  quantity: number;
  unitZh: string | null;
  /** Exact points in tenths. */
  tenths: number;
  /** tenths / 10, for display. */
  points: number;
  /** Whether the cap cut this line. */
  capped: boolean;
}

export interface PointsResult {
  totalTenths: number;
  total: number;
  lines: PointsLine[];
}

const toTenths = (points: number): number => Math.round(points * 10);

function perUnitQuantity(source: PerUnitSource, facts: PointsFacts): number {
  switch (source) {
    case 'residence_permit_years':
      return Math.floor(facts.residencePermitMonths / 12);
    case 'insurance_months':
      return facts.insuranceMonths;
  }
}

function flagHolds(source: FlagSource, facts: PointsFacts): boolean {
  switch (source) {
    case 'owned_housing':
      return facts.ownedHousing;
    case 'rented_housing':
      return facts.registeredRental;
    default:
      return facts.specialCategories.includes(source);
  }
}

function assertCount(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer, got ${n}`);
}

/** One line per rule, in the rules' order; the lines' `tenths` add up to `totalTenths` by construction. */
export function computePoints(rules: Pick<PointsRules, 'rules'>, facts: PointsFacts): PointsResult {
  assertCount('residencePermitMonths', facts.residencePermitMonths);
  assertCount('insuranceMonths', facts.insuranceMonths);
  const lines = rules.rules.map((rule): PointsLine => {
    if (rule.kind === 'per_unit') {
      const quantity = perUnitQuantity(rule.source, facts);
      const uncapped = Math.floor(quantity / rule.unitSize) * toTenths(rule.pointsPerUnit);
      const tenths = Math.min(uncapped, toTenths(rule.cap));
      return { code: rule.code, labelZh: rule.labelZh, quantity, unitZh: PER_UNIT_SOURCE_UNITS_ZH[rule.source], tenths, points: tenths / 10, capped: uncapped > tenths };
    }
    const holds = flagHolds(rule.source, facts);
    const tenths = holds ? toTenths(rule.points) : 0;
    return { code: rule.code, labelZh: rule.labelZh, quantity: holds ? 1 : 0, unitZh: null, tenths, points: tenths / 10, capped: false };
  });
  const totalTenths = lines.reduce((sum, l) => sum + l.tenths, 0);
  return { totalTenths, total: totalTenths / 10, lines };
}

/**
 * The points facts from the departments' findings. Housing is credited once, for the housing the family lives in:
 * owned property takes precedence over a rental. Special categories are passed in by the caller because verifying
 * them (military certificates, civil-affairs lists) is not part of these findings: pass only the verified ones.
 */
export function pointsFactsFromFindings(
  findings: VerificationFindings,
  verifiedSpecialCategories: readonly SpecialCategory[],
): PointsFacts {
  const ownedHousing = findings.housing.owned === true;
  return {
    residencePermitMonths: findings.residencePermit.valid ? (findings.residencePermit.months ?? 0) : 0,
    insuranceMonths: findings.employment.insuranceMonths ?? 0,
    ownedHousing,
    registeredRental: !ownedHousing && findings.housing.rentalRegistered === true,
    specialCategories: verifiedSpecialCategories,
  };
}
