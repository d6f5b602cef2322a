/** All activities the worker registers, built from their dependencies by one call. */
import type pg from 'pg';
import { CalendarSource } from '../db/calendar-source';
import { createAllocationRoundActivities } from './allocation-round';
import { createApplicationActivities } from './application';
import { createDepartmentStepActivities } from './department-step';
import { createDiagnosticsActivities } from './diagnostics';
import { createProblemActivities } from './problems';
import { createReportActivities } from './reports';
import { createRegistryChecker } from './registry-check';
import { createRetentionActivities } from './retention';
import { PersonalDataVault } from '../platform/personal-data-vault';
import { createResponsibilityItemActivities } from './responsibility-items';
import { REAL_TIME, type TimeScale } from './time-scale';

export interface ActivityDeps {
  pool: pg.Pool;
  /** Secret for keyed hashes of personal data (registry match keys). */
  personalDataKey: string;
  /** Days closed applications keep their personal data (RETENTION_DAYS). */
  retentionDays?: number;
  /** Compresses working-day schedules for tests and demonstrations; real time when absent. */
  timeScale?: TimeScale;
  fetch?: typeof fetch;
}

export function createActivities(deps: ActivityDeps) {
  const calendar = new CalendarSource(deps.pool);
  return {
    ...createDiagnosticsActivities(deps),
    ...createRetentionActivities({ pool: deps.pool, retentionDays: deps.retentionDays ?? 730 }),
    ...createDepartmentStepActivities({ pool: deps.pool, calendar, timeScale: deps.timeScale ?? REAL_TIME, fetch: deps.fetch ?? fetch }),
    ...createApplicationActivities({ pool: deps.pool, registry: createRegistryChecker(deps.pool, deps.personalDataKey), vault: new PersonalDataVault(deps.personalDataKey) }),
    ...createAllocationRoundActivities({ pool: deps.pool }),
    ...createResponsibilityItemActivities({ pool: deps.pool, calendar, timeScale: deps.timeScale ?? REAL_TIME }),
    ...createProblemActivities({ pool: deps.pool }),
    ...createReportActivities({ pool: deps.pool, calendar }),
  };
}
