import {
  DEMO_ELIGIBILITY,
  ELIGIBILITY_RULE_CODES,
  EligibilityPolicySchema,
  VerificationFindingsSchema,
  evaluateEligibility,
  findEligibilityPolicy,
  type VerificationFindings,
} from '../../domain/eligibility';

const STRICT = { kind: 'strict' } as const;
const PERMIT_ONLY = { kind: 'permit_only' } as const;

const RENTED = { housing: { type: 'rented', contractNumber: 'ZL-2024-0456', registered: false } } as const;
const OWNED = { housing: { type: 'owned', certificateNumber: '浙(2022)演示区不动产权第0012345号' } } as const;

/** A renting family whose contract the housing department could not find registered; everything else in order. */
function rentedUnregistered(): VerificationFindings {
  return {
    residencePermit: { valid: true, months: 40, evidence: '居住证JZZ-2023-000123有效，持证40个月' },
    employment: { employed: true, insuranceMonths: 36, evidence: '职工养老保险连续缴费36个月' },
    housing: { rentalRegistered: false, communityResidenceProof: true, evidence: '租赁合同未备案；幸福社区已出具居住证明' },
  };
}

const byCode = (rules: { code: string }[]) => Object.fromEntries(rules.map((r) => [r.code, r]));
const passedOf = (rules: { code: string; passed: boolean }[]) => Object.fromEntries(rules.map((r) => [r.code, r.passed]));

describe('eligibility', () => {
  it('strict regime (seed 003) rejects a rented home without registration, permit_only (seed 004) accepts the same family', () => {
    const findings = rentedUnregistered();
    const strict = evaluateEligibility(STRICT, RENTED, findings);
    expect(strict.eligible).toBe(false);
    expect(strict.regime).toBe('strict');
    expect(byCode(strict.rules).rental_registered).toMatchObject({ passed: false, evidence: '租赁合同未备案；幸福社区已出具居住证明' });

    const permitOnly = evaluateEligibility(PERMIT_ONLY, RENTED, findings);
    expect(permitOnly).toMatchObject({ eligible: true, regime: 'permit_only' });
  });

  it('lists every rule of the rented path, passed or not, not only the first failure', () => {
    const nothing: VerificationFindings = {
      residencePermit: { valid: false, evidence: '未查询到有效居住证' },
      employment: { employed: false, evidence: '未查询到本地参保记录' },
      housing: { rentalRegistered: false, communityResidenceProof: false, evidence: '合同未备案，社区未出具证明' },
    };
    const r = evaluateEligibility(STRICT, RENTED, nothing);
    expect(r.eligible).toBe(false);
    expect(r.rules.map((x) => x.code)).toEqual(['residence_permit', 'rental_registered', 'community_residence_proof', 'guardian_employment']);
    for (const rule of r.rules) {
      expect(rule.passed).toBe(false);
      expect(rule.descriptionZh).toMatch(/[\u4e00-\u9fff]/);
      expect(rule.evidence).not.toBe('');
      expect(rule.departments.length).toBeGreaterThan(0);
    }
    expect(byCode(r.rules).residence_permit).toMatchObject({ evidence: '未查询到有效居住证', departments: ['police'] });
  });

  it('accepts a renting family once every rented-path rule passes', () => {
    const f = rentedUnregistered();
    f.housing.rentalRegistered = true;
    const r = evaluateEligibility(STRICT, RENTED, f);
    expect(r.eligible).toBe(true);
    expect(r.rules.every((x) => x.passed)).toBe(true);
    expect(r.rules).toHaveLength(4);
  });

  it('each missing piece of the rented path alone makes the family ineligible under the strict regime', () => {
    const breakers: [string, (f: VerificationFindings) => void][] = [
      ['residence_permit', (f) => (f.residencePermit.valid = false)],
      ['rental_registered', (f) => (f.housing.rentalRegistered = false)],
      ['community_residence_proof', (f) => (f.housing.communityResidenceProof = false)],
      ['guardian_employment', (f) => (f.employment.employed = false)],
    ];
    for (const [code, breakIt] of breakers) {
      const f = rentedUnregistered();
      f.housing.rentalRegistered = true;
      breakIt(f);
      const r = evaluateEligibility(STRICT, RENTED, f);
      expect({ code, eligible: r.eligible }).toEqual({ code, eligible: false });
      expect(r.rules.filter((x) => !x.passed).map((x) => x.code)).toEqual([code]);
    }
  });

  it('asks an owning family only for residence permit and property', () => {
    const f: VerificationFindings = {
      residencePermit: { valid: true, months: 12, evidence: '居住证有效' },
      employment: { employed: false, evidence: '无本地参保记录' },
      housing: { owned: true, evidence: '不动产登记：产权人王建国' },
    };
    const r = evaluateEligibility(STRICT, OWNED, f);
    expect(r).toMatchObject({ eligible: true });
    expect(passedOf(r.rules)).toEqual({ residence_permit: true, owned_housing: true });
  });

  it('rejects a family that declared property the housing department could not find', () => {
    const f: VerificationFindings = {
      residencePermit: { valid: true, evidence: '居住证有效' },
      employment: { employed: true, evidence: '参保' },
      housing: { owned: false, evidence: '未查询到不动产登记' },
    };
    const r = evaluateEligibility(STRICT, OWNED, f);
    expect(r.eligible).toBe(false);
    expect(byCode(r.rules).owned_housing).toMatchObject({ passed: false, evidence: '未查询到不动产登记' });
  });

  it('moves a family that declared renting onto the owned path when the housing department finds property', () => {
    const f = rentedUnregistered();
    f.housing.owned = true;
    const r = evaluateEligibility(STRICT, RENTED, f);
    expect(r.eligible).toBe(true);
    expect(r.rules.map((x) => x.code)).toEqual(['residence_permit', 'owned_housing']);
  });

  it('fails a point the department gave no conclusion on, and says so', () => {
    const f = rentedUnregistered();
    f.housing = { rentalRegistered: true, evidence: '合同已备案' };
    const r = evaluateEligibility(STRICT, RENTED, f);
    expect(r.eligible).toBe(false);
    expect(byCode(r.rules).community_residence_proof).toMatchObject({ passed: false, evidence: '尚无核查结论' });
  });

  it('counts a valid business licence as employment proof for the self-employed', () => {
    const f = rentedUnregistered();
    f.housing.rentalRegistered = true;
    f.employment = { employed: false, evidence: '无单位参保记录' };
    expect(evaluateEligibility(STRICT, RENTED, f).eligible).toBe(false);

    f.businessLicence = { valid: true, evidence: '营业执照有效（王记小吃店）' };
    const r = evaluateEligibility(STRICT, RENTED, f);
    expect(r.eligible).toBe(true);
    expect(byCode(r.rules).guardian_employment).toMatchObject({ passed: true, evidence: '人社：无单位参保记录；市场监管：营业执照有效（王记小吃店）' });

    f.businessLicence = { valid: false, evidence: '营业执照已吊销' };
    expect(evaluateEligibility(STRICT, RENTED, f).eligible).toBe(false);
  });

  it('permit_only adds no condition beyond the residence permit, and still requires it', () => {
    const f = rentedUnregistered();
    f.employment.employed = false;
    f.housing = { evidence: '' };
    const ok = evaluateEligibility(PERMIT_ONLY, RENTED, f);
    expect(ok.eligible).toBe(true);
    expect(ok.rules.map((x) => x.code)).toEqual(['residence_permit']);

    f.residencePermit = { valid: false, evidence: '居住证已过期' };
    expect(evaluateEligibility(PERMIT_ONLY, RENTED, f)).toMatchObject({ eligible: false, rules: [{ code: 'residence_permit', passed: false, evidence: '居住证已过期' }] });
  });

  it('never applies a rule outside the known codes', () => {
    const f = rentedUnregistered();
    for (const regime of [STRICT, PERMIT_ONLY]) {
      for (const form of [RENTED, OWNED]) {
        for (const r of evaluateEligibility(regime, form, f).rules) expect(ELIGIBILITY_RULE_CODES).toContain(r.code);
      }
    }
  });
});

describe('eligibility data', () => {
  it('the demo policy is valid data and is found by district and year', () => {
    expect(EligibilityPolicySchema.parse(DEMO_ELIGIBILITY)).toEqual(DEMO_ELIGIBILITY);
    expect(findEligibilityPolicy([DEMO_ELIGIBILITY], 'demo', DEMO_ELIGIBILITY.enrollmentYear)).toBe(DEMO_ELIGIBILITY);
    expect(findEligibilityPolicy([DEMO_ELIGIBILITY], 'demo', DEMO_ELIGIBILITY.enrollmentYear + 1)).toBeUndefined();
    expect(findEligibilityPolicy([DEMO_ELIGIBILITY], 'other', DEMO_ELIGIBILITY.enrollmentYear)).toBeUndefined();
  });

  it('refuses an unknown regime', () => {
    expect(EligibilityPolicySchema.safeParse({ ...DEMO_ELIGIBILITY, regime: { kind: 'lottery' } }).success).toBe(false);
  });

  it('requires every finding to carry the department evidence', () => {
    const f: any = rentedUnregistered();
    expect(VerificationFindingsSchema.safeParse(f).success).toBe(true);
    delete f.residencePermit.evidence;
    expect(VerificationFindingsSchema.safeParse(f).success).toBe(false);
  });
});
