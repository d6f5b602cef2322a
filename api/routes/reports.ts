/**
 * Progress reports to the leading group: the list, one report as JSON, as a printable HTML page in Chinese (charts as
 * inline SVG) and as an Excel workbook; a supervisor's report on demand for any period (the same period again returns
 * the stored snapshot); and a stored report computed again from the history, to show it still says the same.
 */
import { WorkflowFailedError, WorkflowIdConflictPolicy } from '@temporalio/client';
import { z } from 'zod';
import { periodOfStored, reproduceReport } from '../../activities/reports';
import { makeReportWorkflowId, reportLinks, type ProgressReportInput, type ProgressReportResult } from '../../contracts/report';
import { findCompleteReport, findReport, latestInterimReport, listReports, reportContent } from '../../db/repositories/reports';
import { REPORT_KINDS, REPORT_KIND_NAMES_ZH, resolveReportPeriod } from '../../domain/reports';
import type { Role } from '../../domain/roles';
import { HttpError, notFound } from '../http/errors';
import type { RouteTable } from '../http/routes';
import { renderReportHtml } from '../reports/html';
import { XLSX_MEDIA_TYPE } from '../http/spreadsheet';
import { renderReportWorkbook } from '../reports/xlsx';
import type { ApiDeps } from '../deps';
import { serviceDate } from '../http/schemas';

const READERS: Role[] = ['supervisor', 'leader', 'admin'];
const reportIdSchema = z.string().regex(/^(weekly|monthly|quarterly)-[A-Za-z0-9-]{2,70}$/, '报告编号格式不正确 (not a report id)');
const kindSchema = z.enum(REPORT_KINDS);

/** An ASCII-safe and a UTF-8 file name for Content-Disposition. */
function disposition(kind: 'inline' | 'attachment', name: string, ascii: string): string {
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

async function storedOr404(deps: ApiDeps, reportId: string) {
  const r = await reportContent(deps.pool, reportId);
  if (!r) throw notFound(`report ${reportId}`);
  return r;
}

export function registerReportRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.add({
    method: 'get',
    path: '/api/reports',
    summary: 'Progress reports, newest period first, with their headline numbers',
    tag: 'reports',
    auth: READERS,
    query: z.object({
      kind: kindSchema.optional(),
      complete: z.enum(['true', 'false']).optional(),
      page: z.coerce.number().int().min(1).default(1),
      pageSize: z.coerce.number().int().min(1).max(200).default(50),
    }),
    handler: async ({ query }) => {
      const r = await listReports(deps.pool, { kind: query.kind, complete: query.complete === undefined ? undefined : query.complete === 'true', limit: query.pageSize, offset: (query.page - 1) * query.pageSize });
      return { total: r.total, page: query.page, pageSize: query.pageSize, items: r.items.map((x) => ({ ...x, kindZh: REPORT_KIND_NAMES_ZH[x.kind], links: reportLinks(x.reportId) })) };
    },
  });

  routes.add({
    method: 'post',
    path: '/api/reports',
    summary:
      'Produce the report of a period (the period holding `date`, or the last one ended). A period that has ended has one report: asking again returns it. ' +
      'For the running period an interim report as of now is made; asking again returns the latest interim one unless `refresh` is true.',
    tag: 'reports',
    auth: ['supervisor'],
    body: z.object({
      kind: kindSchema,
      date: serviceDate.optional(),
      refresh: z.boolean().default(false),
    }),
    // 201 when the report is made now; 200 when the period's report was there already.
    handler: async ({ body, actor, res }) => {
      const resolved = resolveReportPeriod(body.kind, { date: body.date, now: new Date() });
      if (!resolved.ok) {
        throw new HttpError(422, 'period_not_started', `该期间尚未开始，无法生成报告 (the period starts at ${resolved.startsAt})`, [{ field: 'body.date', message: '该期间尚未开始' }]);
      }
      const period = resolved.period;
      const existing = period.complete
        ? await findCompleteReport(deps.pool, period.kind, period.label)
        : ((await findReport(deps.pool, period.reportId)) ?? (body.refresh ? undefined : await latestInterimReport(deps.pool, period.kind, period.label)));
      if (existing) return { ...existing, created: false, links: reportLinks(existing.reportId) };
      const input: ProgressReportInput = { kind: body.kind, period, trigger: 'on_demand', requestedBy: actor!.displayName };
      const handle = await deps.temporal.workflow.start('progressReportWorkflow', {
        taskQueue: deps.taskQueue,
        workflowId: makeReportWorkflowId(period.reportId),
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      });
      const result = (await handle.result().catch((err: unknown) => {
        // Every attempt failed; the workflow has told the office and the administrator (workflows/progress-report).
        if (err instanceof WorkflowFailedError) throw new HttpError(500, 'report_failed', '报告生成失败，已通知督查室和系统管理员，请稍后重新生成');
        throw err;
      })) as ProgressReportResult;
      const stored = await findReport(deps.pool, result.reportId);
      if (result.created) res.status(201);
      return { ...stored!, created: result.created, links: reportLinks(result.reportId) };
    },
  });

  // The .html and .xlsx forms first: /api/reports/:id would take "x.html" as an id.
  routes.add({
    method: 'get',
    path: '/api/reports/:id.html',
    summary: 'The report as a printable HTML page in Chinese, charts drawn as inline SVG',
    tag: 'reports',
    auth: READERS,
    params: z.object({ id: reportIdSchema }),
    handler: async ({ params, res }) => {
      const r = await storedOr404(deps, params.id);
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
      res.setHeader('content-disposition', disposition('inline', `${r.content.meta.titleZh}.html`, `${r.reportId}.html`));
      res.status(200).send(renderReportHtml(r.content));
      return undefined;
    },
  });

  routes.add({
    method: 'get',
    path: '/api/reports/:id.xlsx',
    summary: 'The report as an Excel workbook, one sheet per section',
    tag: 'reports',
    auth: READERS,
    params: z.object({ id: reportIdSchema }),
    handler: async ({ params, res }) => {
      const r = await storedOr404(deps, params.id);
      const bytes = await renderReportWorkbook(r.content);
      res.setHeader('content-type', XLSX_MEDIA_TYPE);
      res.setHeader('content-disposition', disposition('attachment', `${r.content.meta.titleZh}.xlsx`, `${r.reportId}.xlsx`));
      res.status(200).send(bytes);
      return undefined;
    },
  });

  routes.add({
    method: 'get',
    path: '/api/reports/:id/reproduction',
    summary: 'Compute a stored report again from the recorded history and say whether every number is the same',
    tag: 'reports',
    auth: READERS,
    params: z.object({ id: reportIdSchema }),
    handler: async ({ params }) => {
      const r = await reproduceReport({ pool: deps.pool, calendar: deps.calendar }, params.id);
      if (!r) throw notFound(`report ${params.id}`);
      return { reportId: r.reportId, matches: r.matches, differences: r.differences, calendarChanged: r.calendarChanged, recomputedAt: new Date().toISOString() };
    },
  });

  routes.add({
    method: 'get',
    path: '/api/reports/:id',
    summary: 'One report: its period and its whole content as JSON',
    tag: 'reports',
    auth: READERS,
    params: z.object({ id: reportIdSchema }),
    handler: async ({ params }) => {
      const r = await storedOr404(deps, params.id);
      const { content, ...stored } = r;
      return { ...stored, period: periodOfStored(r), kindZh: REPORT_KIND_NAMES_ZH[r.kind], links: reportLinks(r.reportId), content };
    },
  });
}
