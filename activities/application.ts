/**
 * Activities of the application workflow. They read the form from PostgreSQL by application number, so personal
 * data never enters Temporal's history; every write is idempotent.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type pg from 'pg';
import { ELIGIBILITY_RULE_DESCRIPTIONS_ZH, evaluateEligibility } from '../domain/eligibility';
import { PointsRulesSchema, computePoints, pointsFactsFromFindings } from '../domain/points';
import { findingsFromOutcomes, type VerificationOutcome } from '../domain/verification-findings';
import {
  attachSupplement,
  findApplication,
  findPolicy,
  recordApplicationEvent,
  saveAid,
  saveAssessment,
  type ApplicationEvent,
} from '../db/repositories/applications';
import type { RegistryChecker } from './registry-check';
import { recordingRunId } from './recording-run';
import type { PersonalDataVault } from '../platform/personal-data-vault';

export interface ApplicationActivityDeps {
  pool: pg.Pool;
  registry: RegistryChecker;
  /** Opens the sealed ID numbers, which the registry lookups match on. */
  vault: PersonalDataVault;
}

export function createApplicationActivities(deps: ApplicationActivityDeps) {
  const load = async (applicationNumber: string) => {
    const app = await findApplication(deps.pool, applicationNumber, deps.vault);
    if (!app) throw ApplicationFailure.create({ type: 'UnknownApplication', message: `application ${applicationNumber} not found`, nonRetryable: true });
    return app;
  };

  return {
    async recordApplicationEvent(event: ApplicationEvent): Promise<void> {
      await recordApplicationEvent(deps.pool, event, recordingRunId());
    },

    /** Data sharing first: a department registry record that confirms the matter completes its step at once. */
    async checkRegistry(input: { applicationNumber: string; department: string }) {
      const app = await load(input.applicationNumber);
      return deps.registry.confirm(input.department, app.form, new Date());
    },

    async saveAidDecision(input: { applicationNumber: string; granted: boolean; amount: number; findings: string }): Promise<void> {
      await saveAid(deps.pool, input.applicationNumber, { granted: input.granted, amount: input.amount, findings: input.findings });
    },

    async attachSupplement(input: { applicationNumber: string; materials: string[]; note: string; key: string }): Promise<void> {
      await attachSupplement(deps.pool, input.applicationNumber, input);
    },

    /** Eligibility under the district's regime and points under its rules, both stored with every line of evidence. */
    async assessApplication(input: { applicationNumber: string; outcomes: Record<string, VerificationOutcome> }) {
      const app = await load(input.applicationNumber);
      const policy = await findPolicy(deps.pool, app.district, app.year, app.stage);
      if (!policy) throw ApplicationFailure.create({ type: 'NoPolicy', message: `no published policy for ${app.district} ${app.year} ${app.stage}`, nonRetryable: true });
      const findings = findingsFromOutcomes(app.form, input.outcomes);
      const eligibility = evaluateEligibility(policy.eligibility.regime, app.form, findings);
      const rules = PointsRulesSchema.parse({ district: app.district, enrollmentYear: app.year, ...policy.pointsRules });
      const points = computePoints(rules, pointsFactsFromFindings(findings, app.form.specialCategories));
      await saveAssessment(deps.pool, app.applicationNumber, { ...eligibility, basisZh: policy.eligibility.basisZh }, points.total, { ...points, basisZh: policy.pointsRules.basisZh });
      return {
        eligible: eligibility.eligible,
        pointsTotal: points.total,
        failedRulesZh: eligibility.rules.filter((r) => !r.passed).map((r) => ELIGIBILITY_RULE_DESCRIPTIONS_ZH[r.code]),
      };
    },
  };
}
