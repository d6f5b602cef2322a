/**
 * The working-day calendar: read a year (with each day's status), and load a year's official calendar from the
 * State Council notice. Loading it moves the deadlines of every open step whose dates it touches: each step's
 * workflow is signalled, recomputes its deadline and records the old and new deadline with the notice as reason.
 */
import { z } from 'zod';
import { calendarChangedSignal } from '../../contracts/department-step';
import { listYear, replaceYear } from '../../db/repositories/calendar';
import { openStepsTouchingYears } from '../../db/repositories/steps';
import { ROLES } from '../../domain/roles';
import { CalendarValidationError } from '../../domain/working-days';
import { validationError } from '../http/errors';
import type { RouteTable } from '../http/routes';
import type { ApiDeps } from '../deps';

const yearParams = z.object({ year: z.coerce.number().int().min(2000).max(2100) });
const namedDay = z.object({ date: z.iso.date(), name: z.string().trim().min(1).max(50) });

export function registerCalendarRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.add({
    method: 'get',
    path: '/api/calendar/:year',
    summary: "A year's calendar: status (official / provisional), source, days off and make-up workdays",
    tag: 'calendar',
    auth: ROLES,
    params: yearParams,
    handler: async ({ params }) => {
      const stored = await listYear(deps.pool, params.year);
      const calendar = await deps.calendar.get();
      return {
        year: params.year,
        status: calendar.yearStatus(params.year),
        stored: stored ?? null,
      };
    },
  });

  routes.add({
    method: 'put',
    path: '/api/calendar/:year',
    summary: "Load a year's official calendar (the State Council notice, entered as dates); open deadlines follow it",
    tag: 'calendar',
    auth: ['admin'],
    params: yearParams,
    body: z.object({
      notice: z.string().trim().min(1, 'notice is required').max(500),
      offDays: z.array(namedDay).max(60),
      workDays: z.array(namedDay).max(20),
    }),
    handler: async ({ params, body, actor }) => {
      let result;
      try {
        result = await replaceYear(deps.pool, { year: params.year, ...body, loadedBy: actor!.userId });
      } catch (err) {
        if (err instanceof CalendarValidationError) throw validationError([{ field: 'body', message: err.message }]);
        throw err;
      }
      let stepsSignalled = 0;
      if (result.changed) {
        const steps = await openStepsTouchingYears(deps.pool, [params.year]);
        const reason = `${params.year}年工作日安排更新：${body.notice}`;
        for (const s of steps) {
          await deps.temporal.workflow.getHandle(s.workflowId).signal(calendarChangedSignal, { reason, stepId: s.stepId }).catch(() => undefined);
          stepsSignalled++;
        }
      }
      return { year: params.year, changed: result.changed, movedDates: result.movedDates, stepsSignalled };
    },
  });
}
