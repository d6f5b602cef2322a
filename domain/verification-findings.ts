/**
 * From the departments' completed verification steps to the findings eligibility and points read. A department
 * answers with an outcome (confirmed / not confirmed), its findings in words, evidence, and optionally structured
 * facts (e.g. insurance months). Where it gave no fact, the outcome stands for the whole check: a confirmed
 * residence-permit check means a valid permit, a confirmed housing check confirms the housing the family declared.
 */
import type { Evidence, StepFacts, StepOutcome } from '../contracts/department-step';
import type { ApplicationForm } from './application';
import type { VerificationFindings } from './eligibility';

export interface VerificationOutcome {
  state: string;
  outcome: StepOutcome | null;
  findings: string | null;
  facts: StepFacts;
  evidence: Evidence[];
}

const bool = (facts: StepFacts, key: string): boolean | undefined => (typeof facts[key] === 'boolean' ? (facts[key] as boolean) : undefined);
const int = (facts: StepFacts, key: string): number | undefined => {
  const v = facts[key];
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
};

function evidenceText(o: VerificationOutcome | undefined): string {
  if (!o) return '';
  const refs = o.evidence.map((e) => `${e.name}（${e.ref}）`).join('；');
  return [o.findings ?? '', refs].filter(Boolean).join('；');
}

const confirmed = (o: VerificationOutcome | undefined) => o !== undefined && o.state === 'done' && o.outcome === 'confirmed';

export function findingsFromOutcomes(form: Pick<ApplicationForm, 'housing'>, outcomes: Partial<Record<string, VerificationOutcome>>): VerificationFindings {
  const police = outcomes.police;
  const hrss = outcomes.hrss;
  const housing = outcomes.housing;
  const market = outcomes.market;
  const declaredOwned = form.housing.type === 'owned';
  return {
    residencePermit: {
      valid: confirmed(police) && bool(police!.facts, 'valid') !== false,
      months: police ? int(police.facts, 'months') : undefined,
      evidence: evidenceText(police),
    },
    employment: {
      employed: confirmed(hrss) && bool(hrss!.facts, 'employed') !== false,
      insuranceMonths: hrss ? int(hrss.facts, 'insuranceMonths') : undefined,
      evidence: evidenceText(hrss),
    },
    housing: {
      owned: housing ? (bool(housing.facts, 'owned') ?? (confirmed(housing) && declaredOwned ? true : declaredOwned ? false : undefined)) : undefined,
      rentalRegistered: housing
        ? (bool(housing.facts, 'rentalRegistered') ?? (!declaredOwned ? confirmed(housing) : undefined))
        : undefined,
      communityResidenceProof: housing ? (bool(housing.facts, 'communityResidenceProof') ?? (!declaredOwned ? confirmed(housing) : undefined)) : undefined,
      evidence: evidenceText(housing),
    },
    businessLicence: market ? { valid: confirmed(market) && bool(market.facts, 'valid') !== false, evidence: evidenceText(market) } : undefined,
  };
}
