/** All activities the worker registers, built from their dependencies by one call. */
import type pg from 'pg';
import { createDiagnosticsActivities } from './diagnostics';

export interface ActivityDeps {
  pool: pg.Pool;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createDiagnosticsActivities(deps),
  };
}
