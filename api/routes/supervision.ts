/** The supervision of departments: policies and responsibility items, the dispatch board, urging, escalations, the problem ledger. */
import type { RouteTable } from '../http/routes';
import type { ApiDeps } from '../deps';
import { registerProblemRoutes } from './problems';
import { registerResponsibilityItemRoutes } from './responsibility-items';

export function registerSupervisionRoutes(routes: RouteTable, deps: ApiDeps): void {
  registerResponsibilityItemRoutes(routes, deps);
  registerProblemRoutes(routes, deps);
}
