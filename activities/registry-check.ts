/**
 * "Data sharing first, people second" (seed 004): before a verification goes to a department's officers, look the
 * application up in the department's loaded registry export. A matching record that confirms the matter becomes the
 * step's system completion, with the record as evidence.
 */
import type pg from 'pg';
import type { StepInput } from '../contracts/department-step';
import type { ApplicationForm } from '../domain/application';
import { confirmationFromRecord, matchKeysForApplication, type RegistryDepartment, REGISTRY_DEPARTMENTS } from '../domain/registries';
import { findRegistryRecord, hmac } from '../db/repositories/registries';

export type SystemCompletion = NonNullable<StepInput['systemCompletion']>;

export interface RegistryChecker {
  confirm(department: string, form: ApplicationForm, checkDate: Date): Promise<SystemCompletion | null>;
}

export function createRegistryChecker(pool: pg.Pool, personalDataKey: string): RegistryChecker {
  const keyed = hmac(personalDataKey);
  return {
    async confirm(department, form, checkDate) {
      if (!(REGISTRY_DEPARTMENTS as readonly string[]).includes(department)) return null;
      const dept = department as RegistryDepartment;
      const keys = matchKeysForApplication(dept, form, keyed);
      if (keys.length === 0) return null;
      const record = await findRegistryRecord(pool, dept, keys);
      if (!record) return null;
      const c = confirmationFromRecord(dept, record, checkDate);
      // Only a confirmation completes the step by itself; a registry saying "no" goes to a person to look at.
      if (c.outcome !== 'confirmed') return null;
      return { outcome: c.outcome, findings: c.findings, evidence: [c.evidence], facts: c.facts };
    },
  };
}
