/** All activities the worker registers, built from their dependencies by one call. */
import { ApplicationFailure } from '@temporalio/activity';
import type pg from 'pg';
import { CalendarSource } from '../db/calendar-source';
import { createAllocationRoundActivities } from './allocation-round';
import { createApplicationActivities } from './application';
import { createCalendarLoadActivities } from './calendar-load';
import { createDepartmentStepActivities } from './department-step';
import { createDiagnosticsActivities } from './diagnostics';
import { createEndedRunActivities } from './ended-runs';
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
  return refusedContentIsFinal({
    ...createDiagnosticsActivities(deps),
    ...createEndedRunActivities({ pool: deps.pool }),
    ...createCalendarLoadActivities({ pool: deps.pool }),
    ...createRetentionActivities({ pool: deps.pool, retentionDays: deps.retentionDays ?? 730 }),
    ...createDepartmentStepActivities({ pool: deps.pool, calendar, timeScale: deps.timeScale ?? REAL_TIME, fetch: deps.fetch ?? fetch }),
    ...createApplicationActivities({ pool: deps.pool, registry: createRegistryChecker(deps.pool, deps.personalDataKey), vault: new PersonalDataVault(deps.personalDataKey) }),
    ...createAllocationRoundActivities({ pool: deps.pool }),
    ...createResponsibilityItemActivities({ pool: deps.pool, calendar, timeScale: deps.timeScale ?? REAL_TIME }),
    ...createProblemActivities({ pool: deps.pool }),
    ...createReportActivities({ pool: deps.pool, calendar }),
  });
}

/**
 * PostgreSQL's data exceptions (SQLSTATE class 22: text it cannot store, a value out of range, a string too long)
 * say the record itself is wrong, so retrying cannot help: without this a recording activity retries for ever and the
 * workflow that waits on it is frozen with it. They fail at once, non-retryable, naming the database's reason; the
 * workflow refuses the act (or fails visibly) instead. Only the
 * code is kept: the database's message may quote the value, which may be personal data. An outage (a refused connection) is not class 22 and still
 * retries until the database is back.
 */
export function refusedContentIsFinal<T extends Record<string, (...args: never[]) => Promise<unknown>>>(activities: T): T {
  const wrapped: Record<string, (...args: never[]) => Promise<unknown>> = {};
  for (const [name, fn] of Object.entries(activities)) {
    wrapped[name] = async (...args) => {
      try {
        return await fn(...args);
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (typeof code === 'string' && code.startsWith('22')) {
          throw ApplicationFailure.create({ type: 'RecordRefused', message: `数据库拒绝保存该记录（SQLSTATE ${code}），请检查填写的内容`, nonRetryable: true });
        }
        throw err;
      }
    };
  }
  return wrapped as T;
}
