/**
 * Who may enroll: the eligibility regime of a district and year, applied to what the departments verified. Pure: no
 * I/O. The regime is data (an administrator sets it per district and year), because the same service runs where
 * seats are ample and where they are scarce:
 *
 *  - `permit_only` (seed 004, 山西: "义务教育资源充足的非人口集中流入地区要实现随迁子女仅凭居住证入学，取消附加或限制条件"):
 *    a valid residence permit suffices; no other condition may be added.
 *  - `strict` (seed 003, 梅河口: "查验报名学生的户口（居住证）、房产证；对于未购房的要查验户口（居住证）、租房协议、
 *    社区出具的居住证明、家长务工证明"): residence permit plus owned property; without property, residence permit plus
 *    a registered rental contract, a community residence proof and proof that a guardian works here.
 *
 * Decisions rest on the departments' findings, never on what the parent declared: the form only says which path of
 * the strict regime the family is on (owned or rented), and the housing department's finding of owned property
 * moves a family onto the owned path even if it declared renting.
 */
import { z } from 'zod';
import type { DepartmentCode } from './roles';
import { DISTRICT_CODE_PATTERN, MAX_ENROLLMENT_YEAR, MIN_ENROLLMENT_YEAR, type ApplicationForm } from './application';

export const ELIGIBILITY_REGIME_KINDS = ['permit_only', 'strict'] as const;
export type EligibilityRegimeKind = (typeof ELIGIBILITY_REGIME_KINDS)[number];

export const ELIGIBILITY_REGIME_NAMES_ZH: Record<EligibilityRegimeKind, string> = {
  permit_only: '凭居住证入学',
  strict: '严格查验（居住证＋住房，未购房的另需租房备案、社区居住证明和务工证明）',
};

/** A discriminated union so that a regime can later carry parameters without changing the ones that have none. */
export const EligibilityRegimeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('permit_only') }),
  z.object({ kind: z.literal('strict') }),
]);
export type EligibilityRegime = z.infer<typeof EligibilityRegimeSchema>;

export const EligibilityPolicySchema = z.object({
  district: z.string().regex(DISTRICT_CODE_PATTERN),
  enrollmentYear: z.number().int().min(MIN_ENROLLMENT_YEAR).max(MAX_ENROLLMENT_YEAR),
  regime: EligibilityRegimeSchema,
  /** Where the rule comes from (the local policy document), shown to parents next to the result. */
  basisZh: z.string().min(1),
});
export type EligibilityPolicy = z.infer<typeof EligibilityPolicySchema>;

/**
 * DEMO DATA, not any real district's policy: the 'demo' district applies the strict regime of seed 003 so that a
 * demo application exercises the police, housing, HR & social security and market supervision checks.
 */
export const DEMO_ELIGIBILITY: EligibilityPolicy = {
  district: 'demo',
  enrollmentYear: 2027,
  regime: { kind: 'strict' },
  basisZh: '演示数据：参照梅河口市教育局实施方案（梅教发〔2019〕73号）的严格查验原则',
};

export function findEligibilityPolicy(
  policies: readonly EligibilityPolicy[],
  district: string,
  enrollmentYear: number,
): EligibilityPolicy | undefined {
  return policies.find((p) => p.district === district && p.enrollmentYear === enrollmentYear);
}

// ---------------------------------------------------------------------------------------------------------------
// What the departments found
// ---------------------------------------------------------------------------------------------------------------

/** Each department's answer carries the evidence it gave (document number, registry record), shown with the rule. */
const evidence = z.string();

export const VerificationFindingsSchema = z.object({
  /** Police (公安): is there a valid residence permit here, and for how many months has it been held. */
  residencePermit: z.object({ valid: z.boolean(), months: z.number().int().min(0).optional(), evidence }),
  /** HR & social security (人社): is a guardian employed and insured here, and for how many months. */
  employment: z.object({ employed: z.boolean(), insuranceMonths: z.number().int().min(0).optional(), evidence }),
  /** Housing / natural resources (住建、自然资源): absent booleans mean the department gave no conclusion on that point. */
  housing: z.object({
    owned: z.boolean().optional(),
    rentalRegistered: z.boolean().optional(),
    communityResidenceProof: z.boolean().optional(),
    evidence,
  }),
  /** Market supervision (市场监管): the business licence of a self-employed guardian, when there is one. */
  businessLicence: z.object({ valid: z.boolean(), evidence }).optional(),
});
export type VerificationFindings = z.infer<typeof VerificationFindingsSchema>;

// ---------------------------------------------------------------------------------------------------------------
// The rules
// ---------------------------------------------------------------------------------------------------------------

export const ELIGIBILITY_RULE_CODES = [
  'residence_permit',
  'owned_housing',
  'rental_registered',
  'community_residence_proof',
  'guardian_employment',
] as const;
export type EligibilityRuleCode = (typeof ELIGIBILITY_RULE_CODES)[number];

export const ELIGIBILITY_RULE_DESCRIPTIONS_ZH: Record<EligibilityRuleCode, string> = {
  residence_permit: '监护人持有本地有效居住证',
  owned_housing: '家庭在本地有自有住房（房产证）',
  rental_registered: '租房合同已在住房部门登记备案',
  community_residence_proof: '社区已出具实际居住证明',
  guardian_employment: '监护人在本地务工或经商（社保就业记录或有效营业执照）',
};

/** The department that answers each rule, so the parent knows whom to ask about a failed one. */
export const ELIGIBILITY_RULE_DEPARTMENTS: Record<EligibilityRuleCode, readonly DepartmentCode[]> = {
  residence_permit: ['police'],
  owned_housing: ['housing', 'natural_resources'],
  rental_registered: ['housing'],
  community_residence_proof: ['housing'],
  guardian_employment: ['hrss', 'market'],
};

export interface EligibilityRuleResult {
  code: EligibilityRuleCode;
  descriptionZh: string;
  passed: boolean;
  /** What the department said; '尚无核查结论' when it gave no conclusion on this point. */
  evidence: string;
  departments: readonly DepartmentCode[];
}

export interface EligibilityResult {
  eligible: boolean;
  regime: EligibilityRegimeKind;
  /** Every rule the regime applies to this family, passed or not, in a stable order; never cut short at the first failure. */
  rules: EligibilityRuleResult[];
}

const NO_CONCLUSION = '尚无核查结论';

function rule(code: EligibilityRuleCode, passed: boolean, evidenceText: string): EligibilityRuleResult {
  return {
    code,
    descriptionZh: ELIGIBILITY_RULE_DESCRIPTIONS_ZH[code],
    passed,
    evidence: evidenceText.trim() === '' ? NO_CONCLUSION : evidenceText,
    departments: ELIGIBILITY_RULE_DEPARTMENTS[code],
  };
}

/** A point the department left undecided fails: eligibility needs a positive finding, not the absence of a negative one. */
function housingRule(code: EligibilityRuleCode, value: boolean | undefined, ev: string): EligibilityRuleResult {
  return rule(code, value === true, value === undefined ? NO_CONCLUSION : ev);
}

export function evaluateEligibility(
  regime: EligibilityRegime,
  form: Pick<ApplicationForm, 'housing'>,
  findings: VerificationFindings,
): EligibilityResult {
  const rules: EligibilityRuleResult[] = [
    rule('residence_permit', findings.residencePermit.valid, findings.residencePermit.evidence),
  ];

  if (regime.kind === 'strict') {
    const h = findings.housing;
    const ownedPath = form.housing.type === 'owned' || h.owned === true;
    if (ownedPath) {
      rules.push(housingRule('owned_housing', h.owned, h.evidence));
    } else {
      rules.push(housingRule('rental_registered', h.rentalRegistered, h.evidence));
      rules.push(housingRule('community_residence_proof', h.communityResidenceProof, h.evidence));
      // Seed 003's 家长务工证明: insured employment (HR & social security) or, for the self-employed, a valid
      // business licence (market supervision, seed 001).
      const licence = findings.businessLicence;
      const parts = [`人社：${findings.employment.evidence.trim() || NO_CONCLUSION}`];
      if (licence) parts.push(`市场监管：${licence.evidence.trim() || NO_CONCLUSION}`);
      rules.push(rule('guardian_employment', findings.employment.employed || licence?.valid === true, parts.join('；')));
    }
  }

  return { eligible: rules.every((r) => r.passed), regime: regime.kind, rules };
}
