/** All activities the worker registers, built from their dependencies by one call. */
import type pg from 'pg';
import { CalendarSource } from '../db/calendar-source';
import { createApplicationActivities } from './application';
import { createDepartmentStepActivities } from './department-step';
import { createDiagnosticsActivities } from './diagnostics';
import { createRegistryChecker } from './registry-check';
import { PersonalDataVault } from '../platform/personal-data-vault';
import { REAL_TIME, type TimeScale } from './time-scale';

export interface ActivityDeps {
  pool: pg.Pool;
  /** Secret for keyed hashes of personal data (registry match keys). */
  personalDataKey: string;
  /** Compresses working-day schedules for tests and demonstrations; real time when absent. */
  timeScale?: TimeScale;
  fetch?: typeof fetch;
}

export function createActivities(deps: ActivityDeps) {
  const calendar = new CalendarSource(deps.pool);
  return {
    ...createDiagnosticsActivities(deps),
    ...createDepartmentStepActivities({ pool: deps.pool, calendar, timeScale: deps.timeScale ?? REAL_TIME, fetch: deps.fetch ?? fetch }),
    ...createApplicationActivities({ pool: deps.pool, registry: createRegistryChecker(deps.pool, deps.personalDataKey), vault: new PersonalDataVault(deps.personalDataKey) }),
  };
}
