/**
 * The working-day calendar: read a year (with each day's status), and load a year's official calendar from the
 * State Council notice. Loading it is one durable operation (workflows/calendar-load.workflow.ts) that stores the year
 * and moves the deadlines of every open step whose dates it touches, and of every 补正 request: each workflow is
 * signalled, counts its deadline again and records the old and new deadline with the notice as reason.
 */
import crypto from 'node:crypto';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/client';
import { z } from 'zod';
import { makeCalendarLoadWorkflowId, type CalendarLoadInput, type CalendarLoadResult } from '../../contracts/calendar-load';
import { listYear } from '../../db/repositories/calendar';
import { CONFIRM_NOTICE_HINT_ZH, calendarNoticeProblems } from '../../domain/calendar-notice';
import { ROLES } from '../../domain/roles';
import { CalendarValidationError, validateYearCalendar } from '../../domain/working-days';
import { HttpError, validationError } from '../http/errors';
import type { RouteTable } from '../http/routes';
import type { ApiDeps } from '../deps';

/** How long the request waits for the load to finish before answering 202 (it goes on without the request). */
const LOAD_WAIT_MS = 20_000;

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
    summary:
      "Load a year's official calendar (the State Council notice, entered as dates); open deadlines follow it. A notice " +
      'missing a statutory holiday or listing a day for nothing is refused with the dates named unless confirmUnusual.',
    tag: 'calendar',
    auth: ['admin'],
    params: yearParams,
    body: z.object({
      notice: z.string().trim().min(1, 'notice is required').max(500),
      offDays: z.array(namedDay).max(60),
      workDays: z.array(namedDay).max(20),
      /** The administrator checked the notice and it does say what the plausibility check doubts. */
      confirmUnusual: z.boolean().optional(),
    }),
    handler: async ({ params, body, actor, res }) => {
      const { year } = params;
      const input: CalendarLoadInput = { year, notice: body.notice, offDays: body.offDays, workDays: body.workDays, loadedBy: actor!.userId, confirmedProblems: [] };
      try {
        validateYearCalendar({ year, offDays: body.offDays, workDays: body.workDays });
      } catch (err) {
        if (err instanceof CalendarValidationError) throw validationError([{ field: 'body', message: err.message }]);
        throw err;
      }
      const unusual = calendarNoticeProblems(year, body.offDays, body.workDays);
      if (unusual.length && !body.confirmUnusual) {
        throw new HttpError(400, 'calendar_notice_unusual', `${unusual.map((p) => p.message).join('；')}。${CONFIRM_NOTICE_HINT_ZH}`, unusual.map((p) => ({ field: `body.${p.field}`, message: p.message })));
      }
      input.confirmedProblems = unusual.map((p) => p.message);

      // One durable operation: it stores the year and moves every open deadline to the end, whatever is interrupted.
      // The same load repeated (a retry after a timeout) joins the running one, or runs again and moves what is left.
      const digest = crypto.createHash('sha256').update(JSON.stringify([year, body.notice, body.offDays, body.workDays])).digest('hex').slice(0, 16);
      const handle = await deps.temporal.workflow.start('calendarLoadWorkflow', {
        taskQueue: deps.taskQueue,
        workflowId: makeCalendarLoadWorkflowId(year, digest),
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      });
      const result = await Promise.race([handle.result() as Promise<CalendarLoadResult>, new Promise<null>((resolve) => setTimeout(() => resolve(null), LOAD_WAIT_MS).unref())]);
      if (result) {
        await deps.calendar.get({ fresh: true }); // so this API's next answer already counts with the new year
        return { ...result, finished: true };
      }
      // Still moving deadlines: it goes on without this request; the page says so and the year shows it when done.
      res.status(202);
      return { year, finished: false };
    },
  });
}
