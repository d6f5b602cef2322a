/**
 * Progress reports: computing one from the recorded history (db/repositories/reports.ts gathers, domain/reports.ts
 * computes), storing the snapshot once, telling the leading group and the supervision office, and computing a stored
 * report again to show it still says the same.
 */
import type pg from 'pg';
import { reportLinks, type ProgressReportInput, type ProgressReportResult } from '../contracts/report';
import type { CalendarSource } from '../db/calendar-source';
import { calendarVersion } from '../db/repositories/calendar';
import { findCompleteReport, findReport, gatherReportFacts, insertReport, notifyReportFailed, notifyReportReady, reportContent, type StoredReport } from '../db/repositories/reports';
import {
  REPORT_FORMAT_VERSION,
  REPORT_KIND_NAMES_ZH,
  buildReportContent,
  compareReportNumbers,
  lastEndedPeriod,
  reportIdOf,
  spanInstants,
  trendPoints,
  type ReportContent,
  type ReportPeriod,
} from '../domain/reports';

export interface ReportDeps {
  pool: pg.Pool;
  calendar: Pick<CalendarSource, 'get'>;
}

/** The report's content as of its instant; with `generatedAt` given, exactly the rows a computation then could read. */
export async function computeReport(deps: ReportDeps, period: ReportPeriod, generatedAt: string | null = null): Promise<{ content: ReportContent; generatedAt: string }> {
  const calendar = await deps.calendar.get();
  const version = await calendarVersion(deps.pool);
  const gathered = await gatherReportFacts(deps.pool, { period, trend: trendPoints(period), generatedAt });
  const content = buildReportContent({ period, generatedAt: gathered.generatedAt, calendarVersion: version, facts: gathered.facts, calendar });
  return { content, generatedAt: gathered.generatedAt };
}

export const periodOfStored = (r: StoredReport): ReportPeriod => ({
  kind: r.kind,
  label: r.periodLabel,
  labelZh: r.labelZh,
  startsAt: r.startsAt,
  endsAt: r.endsAt,
  asOf: r.asOf,
  complete: r.complete,
  reportId: r.reportId,
});

const resultOf = (r: StoredReport, created: boolean): ProgressReportResult => ({
  reportId: r.reportId,
  kind: r.kind,
  label: r.periodLabel,
  labelZh: r.labelZh,
  complete: r.complete,
  asOf: r.asOf,
  generatedAt: r.generatedAt,
  created,
});

/** Computes and stores the report of the period, unless it is stored already (then that one is returned). */
export async function generateReport(deps: ReportDeps, input: ProgressReportInput & { at: string }): Promise<ProgressReportResult> {
  let period = input.period;
  if (!period) {
    const span = lastEndedPeriod(input.kind, new Date(input.at));
    const { startsAt, endsAt } = spanInstants(span);
    period = { kind: input.kind, label: span.label, labelZh: span.labelZh, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString(), asOf: endsAt.toISOString(), complete: true, reportId: reportIdOf(input.kind, span.label, null) };
  }
  const existing = (await findReport(deps.pool, period.reportId)) ?? (period.complete ? await findCompleteReport(deps.pool, period.kind, period.label) : undefined);
  if (existing) return resultOf(existing, false);
  const { content, generatedAt } = await computeReport(deps, period);
  const stored = await insertReport(deps.pool, { period, generatedAt, trigger: input.trigger, requestedBy: input.requestedBy ?? null, version: REPORT_FORMAT_VERSION, content });
  return resultOf(stored.report, stored.inserted);
}

/** The notice to the leading group and the supervision office, with the links and the headline numbers. */
export async function notifyReady(deps: Pick<ReportDeps, 'pool'>, reportId: string): Promise<number> {
  const stored = await reportContent(deps.pool, reportId);
  if (!stored) throw new Error(`report ${reportId} not found`);
  const c = stored.content;
  const links = reportLinks(reportId);
  const title = `${REPORT_KIND_NAMES_ZH[stored.kind]}已生成：${stored.labelZh}${stored.complete ? '' : '（阶段性）'}`;
  const s = c.summary;
  const body = [
    `红灯事项${s.itemsRed}项，逾期未办结${s.overdueSteps}件，本期升级督办${s.escalations}次，催办${s.urgesIssued}次（未回复${s.urgesOpen}件）。`,
    `入学申请${s.applications}件，已安排学位${s.placed}人，公办学校就读比例${(s.publicShare * 100).toFixed(1)}%。`,
    `问题台账本期新增${s.problemsOpened}件、办结${s.problemsClosed}件。`,
    `在线查阅：${links.page}；打印版：${links.html}；Excel：${links.xlsx}`,
  ].join('');
  return notifyReportReady(deps.pool, reportId, title, body);
}

export interface ReportFailure {
  kind: ProgressReportInput['kind'];
  trigger: ProgressReportInput['trigger'];
  /** The failed run, so a retried notice is not a second one. */
  runId: string;
  /** What the last attempt met, for the administrator (it may be technical). */
  reason: string;
}

/** What each is told: the office what happens next; the administrator also the technical reason. */
export function reportFailureNotices(f: ReportFailure): { role: 'supervisor' | 'admin'; title: string; body: string }[] {
  const kindZh = REPORT_KIND_NAMES_ZH[f.kind];
  const title = `${kindZh}生成失败${f.trigger === 'schedule' ? '（定时生成）' : ''}`;
  const next = `下一期${kindZh}仍将按时生成；本期报告可在“进展报告”页面重新生成。`;
  return [
    { role: 'supervisor', title, body: `系统多次尝试生成${kindZh}均未成功，已通知系统管理员处理。${next}` },
    { role: 'admin', title, body: `系统多次尝试生成${kindZh}均未成功。最后一次的错误：${f.reason}。${next}请查看工作节点日志。` },
  ];
}

export interface Reproduction {
  reportId: string;
  matches: boolean;
  /** Each number that differs, by its path in the content; empty when the report is reproduced exactly. */
  differences: string[];
  /** The calendar the stored report counted working days on differs from today's (an administrator loaded a year). */
  calendarChanged: boolean;
  stored: ReportContent;
  recomputed: ReportContent;
}

/** Computes a stored report again from the recorded history, as of its instant and its generation, and compares. */
export async function reproduceReport(deps: ReportDeps, reportId: string): Promise<Reproduction | undefined> {
  const stored = await reportContent(deps.pool, reportId);
  if (!stored) return undefined;
  const { content } = await computeReport(deps, periodOfStored(stored), stored.generatedAt);
  const differences = compareReportNumbers(stored.content, content);
  return {
    reportId,
    matches: differences.length === 0,
    differences,
    calendarChanged: stored.content.meta.calendarVersion !== content.meta.calendarVersion,
    stored: stored.content,
    recomputed: content,
  };
}

export function createReportActivities(deps: ReportDeps) {
  return {
    async generateProgressReport(input: ProgressReportInput & { at: string }): Promise<ProgressReportResult> {
      return generateReport(deps, input);
    },
    /** Idempotent: one notice per report and recipient role however often it runs. */
    async notifyProgressReportReady(input: { reportId: string }): Promise<void> {
      await notifyReady(deps, input.reportId);
    },
    /** A report that failed after every attempt: the office and the administrator are told (once per run). */
    async notifyProgressReportFailed(input: ReportFailure): Promise<void> {
      await notifyReportFailed(deps.pool, input.runId, reportFailureNotices(input));
    },
  };
}
