/**
 * Contract of the progress report workflow: one run per report, started by a Temporal Schedule (weekly on Monday
 * 08:00, monthly on the 1st, quarterly on 1 January / April / July / October, Asia/Shanghai) or by a supervisor on
 * demand. Its history carries the period and the report's id only, never report content or personal data.
 */
import type { ReportKind, ReportPeriod } from '../domain/reports';

export interface ProgressReportInput {
  kind: ReportKind;
  /** The period to report on; absent for a scheduled run (then: the period of the kind that ended last). */
  period?: ReportPeriod;
  trigger: 'schedule' | 'on_demand';
  /** Who asked for it (display name), for an on-demand report. */
  requestedBy?: string | null;
}

export interface ProgressReportResult {
  reportId: string;
  kind: ReportKind;
  label: string;
  labelZh: string;
  complete: boolean;
  asOf: string;
  generatedAt: string;
  /** False when the report had been stored before (the same period asked for again). */
  created: boolean;
}

export const makeReportWorkflowId = (reportId: string): string => `progress-report-${reportId}`;

/** Where people read a report: the page, the printable HTML, the workbook. */
export const reportLinks = (reportId: string) => ({
  page: `/reports?id=${encodeURIComponent(reportId)}`,
  json: `/api/reports/${encodeURIComponent(reportId)}`,
  html: `/api/reports/${encodeURIComponent(reportId)}.html`,
  xlsx: `/api/reports/${encodeURIComponent(reportId)}.xlsx`,
});
