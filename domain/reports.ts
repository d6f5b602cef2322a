/**
 * Progress reports to the leading group (领导小组) and the supervision office: seed 000's regular meetings with
 * progress notices (定期召开专班例会，通报改革进展情况), seed 002's monthly dispatch, quarterly analysis and
 * rankings (月调度、季分析; 排名). Pure: the periods, the published scoring rules, the ranking, and the whole report
 * content computed from facts the repository gathered (db/repositories/reports.ts) and the working-day calendar.
 *
 * A report is a snapshot "as of" an instant: complete reports are as of their period's end (the first instant of the
 * next period), interim reports (asked for while the period runs) as of the second they were asked for. Everything in
 * it is computed from events recorded before that instant, so computing it again from the history gives the same
 * numbers (compareReportNumbers).
 */
import { clipText } from './text';
import { APPLICATION_STATES, APPLICATION_STATE_NAMES_ZH, type ApplicationState } from '../contracts/application';
import { STEP_STATE_NAMES_ZH, type StepState } from '../contracts/department-step';
import { roundNumbers, type RoundNumbers, type TargetCheck } from './allocation-pool';
import type { AllocationStats } from './allocation';
import { STAGE_NAMES_ZH, type Stage } from './application';
import { departmentNameZh } from './application-view';
import { ESCALATION_LADDER, URGE_LEVEL_NAMES_ZH } from './department-step';
import { LIGHTS, LIGHT_NAMES_ZH, stepLight, type Light } from './lights';
import { maskPersonalDataInText } from './personal-data';
import { PROBLEM_SOURCE_NAMES_ZH, PROBLEM_STATES, PROBLEM_STATE_NAMES_ZH, type ProblemSource, type ProblemState } from './problem-ledger';
import { rhythmPeriodContaining, type PeriodSpan, type ReportingRhythm } from './reporting-periods';
import { addCalendarDays, countWorkingDays, dayOfReceipt, shanghaiDate, startOfShanghaiDay, workingDaysLeft, type CalendarDate, type WorkingDayCalendar } from './working-days';

/** Bumped when the content's shape or a rule changes; stored with every report. */
export const REPORT_FORMAT_VERSION = 1;

export const REPORT_KINDS = ['weekly', 'monthly', 'quarterly'] as const satisfies readonly ReportingRhythm[];
export type ReportKind = (typeof REPORT_KINDS)[number];

export const REPORT_KIND_NAMES_ZH: Record<ReportKind, string> = {
  weekly: '周报',
  monthly: '月调度报告',
  quarterly: '季度分析报告',
};

/** Trend points per kind: two months of weeks, half a year of months, a year of quarters. */
export const TREND_POINTS: Record<ReportKind, number> = { weekly: 8, monthly: 6, quarterly: 4 };

// ---------------------------------------------------------------------------------------------------------------
// Periods

export interface ReportPeriod {
  kind: ReportKind;
  label: string;
  labelZh: string;
  startsAt: string;
  endsAt: string;
  /** Events recorded before this instant count. endsAt for a complete report. */
  asOf: string;
  complete: boolean;
  reportId: string;
}

export type ResolveResult = { ok: true; period: ReportPeriod } | { ok: false; reason: 'not_started'; startsAt: string };

const SECOND_MS = 1000;
const pad2 = (n: number) => String(n).padStart(2, '0');

/** 'weekly-2026-W48' for a complete report; 'weekly-2026-W48-asof-20261125103045' (Asia/Shanghai) for an interim one. */
export function reportIdOf(kind: ReportKind, label: string, interimAsOf: Date | null): string {
  if (!interimAsOf) return `${kind}-${label}`;
  const t = new Date(interimAsOf.getTime() + 8 * 3_600_000);
  const stamp = `${t.getUTCFullYear()}${pad2(t.getUTCMonth() + 1)}${pad2(t.getUTCDate())}${pad2(t.getUTCHours())}${pad2(t.getUTCMinutes())}${pad2(t.getUTCSeconds())}`;
  return `${kind}-${label}-asof-${stamp}`;
}

export function spanInstants(span: PeriodSpan): { startsAt: Date; endsAt: Date } {
  return { startsAt: startOfShanghaiDay(span.startDate), endsAt: startOfShanghaiDay(span.endDate) };
}

/** The period of the kind that ended last before `now` (a report run at Monday 08:00 covers last week). */
export function lastEndedPeriod(kind: ReportKind, now: Date): PeriodSpan {
  const current = rhythmPeriodContaining(kind, shanghaiDate(now));
  return rhythmPeriodContaining(kind, addCalendarDays(current.startDate, -1));
}

/** The period before the given one. */
export function previousPeriod(kind: ReportKind, span: PeriodSpan): PeriodSpan {
  return rhythmPeriodContaining(kind, addCalendarDays(span.startDate, -1));
}

/**
 * The report for the period holding `date` (or the last ended period when no date is given), as of now: complete when
 * the period has ended, interim (as of the current second) while it runs; a period that has not started yet has none.
 */
export function resolveReportPeriod(kind: ReportKind, opts: { date?: CalendarDate; now: Date }): ResolveResult {
  const span = opts.date ? rhythmPeriodContaining(kind, opts.date) : lastEndedPeriod(kind, opts.now);
  const { startsAt, endsAt } = spanInstants(span);
  const base = { kind, label: span.label, labelZh: span.labelZh, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() };
  if (opts.now.getTime() >= endsAt.getTime()) {
    return { ok: true, period: { ...base, asOf: base.endsAt, complete: true, reportId: reportIdOf(kind, span.label, null) } };
  }
  const asOf = new Date(Math.floor(opts.now.getTime() / SECOND_MS) * SECOND_MS);
  if (asOf.getTime() <= startsAt.getTime()) return { ok: false, reason: 'not_started', startsAt: base.startsAt };
  return { ok: true, period: { ...base, asOf: asOf.toISOString(), complete: false, reportId: reportIdOf(kind, span.label, asOf) } };
}

/** The instants the trend is drawn at: the ends of the previous periods, oldest first, then the report's own as-of. */
export function trendPoints(period: ReportPeriod, n = TREND_POINTS[period.kind]): { label: string; labelZh: string; asOf: string }[] {
  const span = rhythmPeriodContaining(period.kind, shanghaiDate(new Date(period.startsAt)));
  const points: { label: string; labelZh: string; asOf: string }[] = [{ label: period.label, labelZh: span.labelZh, asOf: period.asOf }];
  let p = span;
  for (let i = 1; i < n; i++) {
    p = previousPeriod(period.kind, p);
    points.unshift({ label: p.label, labelZh: p.labelZh, asOf: spanInstants(p).endsAt.toISOString() });
  }
  return points;
}

// ---------------------------------------------------------------------------------------------------------------
// Facts: what the repository gathers from the recorded history, as of the report's instant

/** A department step as of the report's instant; only steps completed or first reviewed in the period, or overdue. */
export interface StepFact {
  stepId: string;
  /** The department holding the step at the report's instant. */
  departmentCode: string;
  subjectType: string;
  subjectId: string;
  kind: string;
  title: string;
  state: string;
  paused: boolean;
  /** The deadline in force at the report's instant. */
  deadlineAt: string | null;
  escalationLevel: number;
  /** When the department holding it got it (its assignment, or its last reassignment). */
  basisAt: string;
  /** The latest completion (报送办结) before the report's instant, with the deadline in force then. */
  completion: { at: string; bySystem: boolean; deadlineAt: string | null } | null;
  /** Clock pauses before the completion (to = null while still paused). */
  pausedSpans: { from: string; to: string | null }[];
  /** The supervision office's first review of the step. */
  firstReview: { at: string; accepted: boolean } | null;
}

export interface EscalationFact {
  at: string;
  stepId: string;
  departmentCode: string;
  rung: number;
  level: string;
  cause: 'deadline' | 'unsatisfied_rating';
  subjectType: string;
  title: string;
}

export interface UrgeFact {
  number: string;
  stepId: string;
  departmentCode: string;
  level: string;
  issuedAt: string;
  /** Null when not replied before the report's instant. */
  repliedAt: string | null;
  reply: string | null;
  title: string;
}

export interface ItemFact {
  itemId: string;
  policyId: string;
  number: number;
  titleZh: string;
  leadDepartment: string;
}

/** A department's part of an item (its latest report step) at one instant. */
export interface ItemPartFact {
  itemId: string;
  departmentCode: string;
  role: 'lead' | 'cooperating';
  period: string;
  state: string;
  paused: boolean;
  deadlineAt: string | null;
  dueSoonAt: string | null;
}

export interface ItemSnapshot {
  label: string;
  labelZh: string;
  asOf: string;
  parts: ItemPartFact[];
}

export interface ApplicationFacts {
  /** Applications as of the instant, by their state then. */
  byGroup: { district: string; year: number; stage: string; state: string; count: number }[];
  submittedInPeriod: number;
  /** Children placed or enrolled at the instant, by the type of their seat. */
  placements: { district: string; year: number; stage: string; type: 'catchment' | 'adjusted' | 'purchased'; count: number }[];
  /** Government-purchased seats in force at the instant. */
  purchasedSeats: { district: string; year: number; stage: string; active: number; cost: number; withoutPrice: number }[];
  aid: { decidedInPeriod: number; grantedInPeriod: number; amountInPeriod: number; decidedTotal: number; grantedTotal: number; amountTotal: number };
}

export interface ProblemFacts {
  openedInPeriod: { source: string; count: number }[];
  byState: { state: string; count: number }[];
  closedInPeriod: { resolved: number; unresolved: number };
  ratingsInPeriod: { satisfied: number; unsatisfied: number };
  ratingsTotal: { satisfied: number; unsatisfied: number };
}

export interface ReportFacts {
  steps: StepFact[];
  escalations: EscalationFact[];
  urges: UrgeFact[];
  items: ItemFact[];
  /** One per trend point, oldest first; the last is the report's own instant. */
  itemSnapshots: ItemSnapshot[];
  applications: ApplicationFacts;
  problems: ProblemFacts;
}

// ---------------------------------------------------------------------------------------------------------------
// Personal data: reports never need it; any free text that reaches one is masked on the way in

/** Masks full ID numbers and mainland mobile numbers in a text (titles, replies), and clips it. */
export function maskPersonalText(text: string, max = 200): string {
  const out = maskPersonalDataInText(text);
  return clipText(out, max);
}

// ---------------------------------------------------------------------------------------------------------------
// The published scoring rules (评分规则) and the ranking

export const SCORING_WEIGHTS = { onTime: 50, firstPass: 30, response: 20 } as const;
/** The working days at which the response component reaches 0: the 1-3-5 rule's limit for complex matters. */
export const RESPONSE_ZERO_AT_WORKING_DAYS = 5;

export const SCORING_RULES_ZH: readonly string[] = [
  '一、考核对象：本期内有办理任务的部门，即本期报送办结、本期首次接受审核或截至期末逾期未办结事项的部门。通过数据共享由系统自动核验办结的事项不计入部门考核，另行统计“数据共享自动核验占比”。',
  '二、按期办结率 = 本期按期办结事项数 ÷（本期办结事项数 + 截至期末逾期未办结事项数）。“按期”指在报送办结时有效的办理期限（含批准的延期和工作日历调整）届满前报送；逾期未办结事项在办结前每期都计入分母。',
  '三、首次审核通过率 = 本期首次审核即通过的事项数 ÷ 本期首次审核的事项数，仅统计需督查室审核的事项；被退回重办后再次报送的不重复计算。',
  '四、平均响应时间（工作日）= 本期办结事项从收到之日起（收到当日不计；17:30以后或非工作日收到的，从下一个工作日起算）至报送办结之日止的工作日数的平均值，暂停计时（如等待申请人补正）期间的工作日不计入。',
  `五、综合得分（百分制）= 按期办结率 × ${SCORING_WEIGHTS.onTime} + 首次审核通过率 × ${SCORING_WEIGHTS.firstPass} + 响应时效分 × ${SCORING_WEIGHTS.response}；响应时效分 = max(0, 1 − 平均响应时间 ÷ ${RESPONSE_ZERO_AT_WORKING_DAYS})，${RESPONSE_ZERO_AT_WORKING_DAYS}个工作日为“一三五”工作法中复杂问题的办理时限。某项指标本期无数据的，该项不计分，其余各项按权重折算为百分制。`,
  '六、排名按综合得分由高到低；综合得分相同的，按期办结率高者在前；仍相同的，名次并列。',
  '七、统计口径：以本期截止时刻（期末）之前已记录的办理留痕为准，报告生成后不再改变；各项工作日均按国务院公布的法定节假日和调休安排计算（Asia/Shanghai时区）。',
];

export interface DepartmentScore {
  departmentCode: string;
  nameZh: string;
  completed: number;
  onTime: number;
  late: number;
  overdueOpen: number;
  /** onTime / (completed + overdueOpen), or null without any of these. */
  onTimeRate: number | null;
  reviewed: number;
  firstPassAccepted: number;
  firstPassRate: number | null;
  /** Average working days from receipt to completion over the period's completions, or null without any. */
  avgResponseWorkingDays: number | null;
  responseScore: number | null;
  score: number;
  rank: number;
}

export interface DepartmentTally {
  departmentCode: string;
  completed: number;
  onTime: number;
  overdueOpen: number;
  reviewed: number;
  firstPassAccepted: number;
  responseDays: number[];
}

const round = (n: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round((n + Number.EPSILON) * f) / f;
};
const rate = (num: number, den: number): number | null => (den > 0 ? round(num / den, 4) : null);

/** Scores and ranks departments by the published rules (SCORING_RULES_ZH); departments with nothing to judge are left out. */
export function rankDepartments(tallies: readonly DepartmentTally[]): DepartmentScore[] {
  const scored = tallies
    .filter((t) => t.completed + t.overdueOpen + t.reviewed > 0)
    .map((t) => {
      const onTimeRate = rate(t.onTime, t.completed + t.overdueOpen);
      const firstPassRate = rate(t.firstPassAccepted, t.reviewed);
      const avg = t.responseDays.length > 0 ? round(t.responseDays.reduce((a, b) => a + b, 0) / t.responseDays.length, 2) : null;
      const responseScore = avg === null ? null : round(Math.max(0, 1 - avg / RESPONSE_ZERO_AT_WORKING_DAYS), 4);
      const parts: [number | null, number][] = [
        [onTimeRate, SCORING_WEIGHTS.onTime],
        [firstPassRate, SCORING_WEIGHTS.firstPass],
        [responseScore, SCORING_WEIGHTS.response],
      ];
      const weight = parts.reduce((w, [v, wt]) => (v === null ? w : w + wt), 0);
      const points = parts.reduce((s, [v, wt]) => (v === null ? s : s + v * wt), 0);
      const score = weight > 0 ? round((points / weight) * 100, 1) : 0;
      return {
        departmentCode: t.departmentCode,
        nameZh: departmentNameZh(t.departmentCode),
        completed: t.completed,
        onTime: t.onTime,
        late: t.completed - t.onTime,
        overdueOpen: t.overdueOpen,
        onTimeRate,
        reviewed: t.reviewed,
        firstPassAccepted: t.firstPassAccepted,
        firstPassRate,
        avgResponseWorkingDays: avg,
        responseScore,
        score,
        rank: 0,
      };
    });
  scored.sort((a, b) => b.score - a.score || (b.onTimeRate ?? -1) - (a.onTimeRate ?? -1) || (a.departmentCode < b.departmentCode ? -1 : a.departmentCode > b.departmentCode ? 1 : 0));
  scored.forEach((s, i) => {
    const prev = scored[i - 1];
    s.rank = prev && prev.score === s.score && prev.onTimeRate === s.onTimeRate ? prev.rank : i + 1;
  });
  return scored;
}

// ---------------------------------------------------------------------------------------------------------------
// Working-day measures

/** Working days from the day a step counts as received to the day of `until`, less the working days it was paused. */
export function responseWorkingDays(calendar: WorkingDayCalendar, basisAt: Date, until: Date, pausedSpans: readonly { from: string; to: string | null }[] = []): number {
  const received = dayOfReceipt(calendar, basisAt);
  const end = shanghaiDate(until);
  let days = countWorkingDays(calendar, received, end);
  for (const p of pausedSpans) {
    const from = shanghaiDate(new Date(p.from));
    const to = shanghaiDate(p.to ? new Date(p.to) : until);
    days -= countWorkingDays(calendar, from, to < end ? to : end);
  }
  return Math.max(0, days);
}

/** Whole working days a step is past its deadline at `asOf` (at least 1 once the deadline has passed). */
export function workingDaysOverdue(calendar: WorkingDayCalendar, asOf: Date, deadlineAt: Date): number {
  // The instant just before asOf: a report as of Monday 00:00 counts up to Sunday, not the Monday not yet worked.
  const left = workingDaysLeft(calendar, new Date(asOf.getTime() - 1), deadlineAt);
  return Math.max(1, -left);
}

export const OVERDUE_BUCKETS = ['1', '2-3', '4-5', '>5'] as const;
export type OverdueBucket = (typeof OVERDUE_BUCKETS)[number];
export const OVERDUE_BUCKET_NAMES_ZH: Record<OverdueBucket, string> = { '1': '1个工作日', '2-3': '2—3个工作日', '4-5': '4—5个工作日', '>5': '5个工作日以上' };
export function overdueBucket(days: number): OverdueBucket {
  if (days <= 1) return '1';
  if (days <= 3) return '2-3';
  if (days <= 5) return '4-5';
  return '>5';
}

// ---------------------------------------------------------------------------------------------------------------
// The content

export type LightCounts = Record<Light, number>;
const zeroLights = (): LightCounts => Object.fromEntries(LIGHTS.map((l) => [l, 0])) as LightCounts;

/** Worst first: an item's light is its worst department part's. Grey (not running) counts only when nothing else does. */
export const LIGHT_SEVERITY: readonly Light[] = ['red', 'yellow', 'blue', 'white', 'green', 'grey'];
export function worstLight(lights: readonly Light[]): Light {
  for (const l of LIGHT_SEVERITY) if (lights.includes(l)) return l;
  return 'grey';
}

export const SUBJECT_TYPE_NAMES_ZH: Record<string, string> = {
  application: '入学申请核验',
  item: '责任事项报送',
  problem: '问题台账办理',
  standalone: '单项交办事项',
};
const subjectNameZh = (t: string) => SUBJECT_TYPE_NAMES_ZH[t] ?? t;

export const ESCALATION_LEVEL_NAMES_ZH: Record<string, string> = Object.fromEntries(ESCALATION_LADDER.map((r) => [r.level, r.nameZh]));

export interface ItemRow {
  itemId: string;
  number: number;
  titleZh: string;
  leadDepartment: string;
  leadDepartmentZh: string;
  light: Light;
  previousLight: Light | null;
  parts: { departmentCode: string; nameZh: string; role: 'lead' | 'cooperating'; period: string; light: Light }[];
}

export interface ReportContent {
  formatVersion: number;
  meta: {
    reportId: string;
    kind: ReportKind;
    kindZh: string;
    label: string;
    labelZh: string;
    startsAt: string;
    endsAt: string;
    asOf: string;
    complete: boolean;
    generatedAt: string;
    /** The working-day calendar the working days were counted on (db calendar fingerprint). */
    calendarVersion: string;
    titleZh: string;
  };
  scoringRulesZh: readonly string[];
  summary: {
    itemsRunning: number;
    itemsRed: number;
    overdueSteps: number;
    escalations: number;
    urgesIssued: number;
    urgesOpen: number;
    rankedDepartments: number;
    applications: number;
    placed: number;
    publicShare: number;
    problemsOpened: number;
    problemsClosed: number;
    satisfactionRate: number | null;
  };
  items: {
    /** Items by their light (the worst of their departments' parts). */
    byLight: LightCounts;
    /** Item × department parts by light (the dispatch board's rows of each department's latest period). */
    partsByLight: LightCounts;
    previous: { label: string; labelZh: string; asOf: string; byLight: LightCounts } | null;
    /** byLight − previous.byLight. */
    change: LightCounts | null;
    changed: { itemId: string; number: number; titleZh: string; from: Light | null; to: Light }[];
    trend: { label: string; labelZh: string; asOf: string; byLight: LightCounts }[];
    rows: ItemRow[];
  };
  overdue: {
    total: number;
    byDepartment: { departmentCode: string; nameZh: string; count: number; maxWorkingDays: number; avgWorkingDays: number; buckets: Record<OverdueBucket, number> }[];
    bySubjectType: { subjectType: string; nameZh: string; count: number }[];
    byBucket: Record<OverdueBucket, number>;
    steps: { stepId: string; departmentCode: string; nameZh: string; title: string; subjectType: string; subjectTypeZh: string; deadlineAt: string; workingDaysOverdue: number; escalationLevel: number; escalationZh: string }[];
  };
  escalations: {
    total: number;
    byLevel: { level: string; nameZh: string; count: number }[];
    byCause: { deadline: number; unsatisfiedRating: number };
    byDepartment: { departmentCode: string; nameZh: string; count: number }[];
    rows: { at: string; departmentCode: string; nameZh: string; level: string; levelZh: string; cause: string; title: string; stepId: string }[];
  };
  urges: {
    issued: number;
    issuedByLevel: { level: string; nameZh: string; count: number }[];
    /** Of the urging notices issued in the period, replied before the instant. */
    repliedOfIssued: number;
    /** Replies given in the period (to notices of any period). */
    repliesInPeriod: number;
    openAtEnd: number;
    avgReplyWorkingDays: number | null;
    byDepartment: { departmentCode: string; nameZh: string; issued: number; replied: number; open: number }[];
    rows: { number: string; departmentCode: string; nameZh: string; level: string; levelZh: string; issuedAt: string; repliedAt: string | null; reply: string | null; title: string }[];
  };
  ranking: DepartmentScore[];
  applications: {
    total: number;
    submittedInPeriod: number;
    byState: { state: string; nameZh: string; count: number }[];
    byStage: { stage: string; nameZh: string; total: number; byState: Record<string, number> }[];
    verification: { departmentCode: string; nameZh: string; completed: number; bySystem: number; byPerson: number; avgWorkingDays: number | null; avgWorkingDaysByPerson: number | null; maxWorkingDays: number | null }[];
    dataSharing: { completed: number; bySystem: number; share: number | null };
    placements: {
      totals: RoundNumbers;
      byGroup: { district: string; year: number; stage: string; stageZh: string; numbers: RoundNumbers }[];
    };
    purchasedSeats: { active: number; cost: number; withoutPrice: number };
    aid: ApplicationFacts['aid'];
  };
  problems: {
    openedInPeriod: number;
    openedBySource: { source: string; nameZh: string; count: number }[];
    closedInPeriod: number;
    closedResolved: number;
    closedUnresolved: number;
    openAtEnd: number;
    overdueAtEnd: number;
    byState: { state: string; nameZh: string; count: number }[];
    ratingsInPeriod: { satisfied: number; unsatisfied: number; rate: number | null };
    ratingsTotal: { satisfied: number; unsatisfied: number; rate: number | null };
  };
}

const COMPLETED_STATES = new Set(['done', 'awaiting_review', 'accepted']);
const RUNNING_STATES = new Set(['open', 'signed', 'sent_back']);
const OPEN_PROBLEM_STATES = new Set<string>(['found', 'analysing', 'handling', 'feedback']);

function groupCount<T>(rows: readonly T[], key: (r: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of rows) m.set(key(r), (m.get(key(r)) ?? 0) + 1);
  return m;
}

const byCode = <T extends { departmentCode: string }>(a: T, b: T) => (a.departmentCode < b.departmentCode ? -1 : a.departmentCode > b.departmentCode ? 1 : 0);
const at = (iso: string) => Date.parse(iso);

/**
 * The largest number, or null for none. A loop, not Math.max(...values): spreading passes every value as an argument,
 * and a busy department's hundreds of thousands of completions overflow the call stack (issue 23).
 */
function maxOf(values: readonly number[]): number | null {
  let max: number | null = null;
  for (const v of values) if (max === null || v > max) max = v;
  return max;
}

export interface BuildInput {
  period: ReportPeriod;
  generatedAt: string;
  calendarVersion: string;
  facts: ReportFacts;
  calendar: WorkingDayCalendar;
}

/** The whole report from the facts: every number of every section. */
export function buildReportContent(input: BuildInput): ReportContent {
  const { period, facts, calendar } = input;
  const start = at(period.startsAt);
  const asOf = at(period.asOf);
  const asOfDate = new Date(asOf);
  const inPeriod = (iso: string) => at(iso) >= start && at(iso) < asOf;

  // ---- Steps: completions, overdue work, first reviews → department tallies ----
  const tallies = new Map<string, DepartmentTally>();
  const tally = (code: string) => {
    let t = tallies.get(code);
    if (!t) tallies.set(code, (t = { departmentCode: code, completed: 0, onTime: 0, overdueOpen: 0, reviewed: 0, firstPassAccepted: 0, responseDays: [] }));
    return t;
  };
  const overdueSteps: (StepFact & { days: number })[] = [];
  const verification = new Map<string, { completed: number; bySystem: number; days: number[]; personDays: number[] }>();
  for (const s of facts.steps) {
    const completedInPeriod = s.completion !== null && COMPLETED_STATES.has(s.state) && inPeriod(s.completion.at);
    if (completedInPeriod) {
      const c = s.completion!;
      const days = responseWorkingDays(calendar, new Date(s.basisAt), new Date(c.at), s.pausedSpans);
      if (!c.bySystem) {
        const t = tally(s.departmentCode);
        t.completed += 1;
        if (c.deadlineAt === null || at(c.at) <= at(c.deadlineAt)) t.onTime += 1;
        t.responseDays.push(days);
      }
      if (s.subjectType === 'application' && s.kind.startsWith('verification.')) {
        let v = verification.get(s.departmentCode);
        if (!v) verification.set(s.departmentCode, (v = { completed: 0, bySystem: 0, days: [], personDays: [] }));
        v.completed += 1;
        v.days.push(days);
        if (c.bySystem) v.bySystem += 1;
        else v.personDays.push(days);
      }
    }
    if (RUNNING_STATES.has(s.state) && !s.paused && s.deadlineAt !== null && at(s.deadlineAt) <= asOf) {
      tally(s.departmentCode).overdueOpen += 1;
      overdueSteps.push({ ...s, days: workingDaysOverdue(calendar, asOfDate, new Date(s.deadlineAt)) });
    }
    if (s.firstReview && inPeriod(s.firstReview.at)) {
      const t = tally(s.departmentCode);
      t.reviewed += 1;
      if (s.firstReview.accepted) t.firstPassAccepted += 1;
    }
  }
  const ranking = rankDepartments([...tallies.values()].sort(byCode));

  // ---- Overdue ----
  const byDept = new Map<string, (StepFact & { days: number })[]>();
  for (const s of overdueSteps) {
    const rows = byDept.get(s.departmentCode);
    if (rows) rows.push(s);
    else byDept.set(s.departmentCode, [s]);
  }
  const buckets = (rows: { days: number }[]) => {
    const b = Object.fromEntries(OVERDUE_BUCKETS.map((k) => [k, 0])) as Record<OverdueBucket, number>;
    for (const r of rows) b[overdueBucket(r.days)] += 1;
    return b;
  };
  const overdue: ReportContent['overdue'] = {
    total: overdueSteps.length,
    byDepartment: [...byDept.entries()]
      .map(([code, rows]) => ({
        departmentCode: code,
        nameZh: departmentNameZh(code),
        count: rows.length,
        maxWorkingDays: maxOf(rows.map((r) => r.days))!,
        avgWorkingDays: round(rows.reduce((a, r) => a + r.days, 0) / rows.length, 2),
        buckets: buckets(rows),
      }))
      .sort((a, b) => b.count - a.count || b.maxWorkingDays - a.maxWorkingDays || byCode(a, b)),
    bySubjectType: [...groupCount(overdueSteps, (s) => s.subjectType).entries()]
      .map(([t, count]) => ({ subjectType: t, nameZh: subjectNameZh(t), count }))
      .sort((a, b) => b.count - a.count || (a.subjectType < b.subjectType ? -1 : 1)),
    byBucket: buckets(overdueSteps),
    steps: [...overdueSteps]
      .sort((a, b) => b.days - a.days || at(a.deadlineAt!) - at(b.deadlineAt!) || (a.stepId < b.stepId ? -1 : 1))
      .slice(0, 100)
      .map((s) => ({
        stepId: s.stepId,
        departmentCode: s.departmentCode,
        nameZh: departmentNameZh(s.departmentCode),
        title: maskPersonalText(s.title),
        subjectType: s.subjectType,
        subjectTypeZh: subjectNameZh(s.subjectType),
        deadlineAt: s.deadlineAt!,
        workingDaysOverdue: s.days,
        escalationLevel: s.escalationLevel,
        escalationZh: s.escalationLevel > 0 ? `已升级至${ESCALATION_LADDER[Math.min(s.escalationLevel, ESCALATION_LADDER.length) - 1]!.nameZh}` : '未升级',
      })),
  };

  // ---- Escalations ----
  const esc = facts.escalations.filter((e) => inPeriod(e.at));
  const escalations: ReportContent['escalations'] = {
    total: esc.length,
    byLevel: ESCALATION_LADDER.map((r) => ({ level: r.level, nameZh: r.nameZh, count: esc.filter((e) => e.level === r.level).length })),
    byCause: { deadline: esc.filter((e) => e.cause === 'deadline').length, unsatisfiedRating: esc.filter((e) => e.cause === 'unsatisfied_rating').length },
    byDepartment: [...groupCount(esc, (e) => e.departmentCode).entries()]
      .map(([code, count]) => ({ departmentCode: code, nameZh: departmentNameZh(code), count }))
      .sort((a, b) => b.count - a.count || byCode(a, b)),
    rows: [...esc]
      .sort((a, b) => at(b.at) - at(a.at) || (a.stepId < b.stepId ? -1 : 1) || a.rung - b.rung)
      .slice(0, 100)
      .map((e) => ({
        at: e.at,
        departmentCode: e.departmentCode,
        nameZh: departmentNameZh(e.departmentCode),
        level: e.level,
        levelZh: ESCALATION_LEVEL_NAMES_ZH[e.level] ?? e.level,
        cause: e.cause === 'deadline' ? '逾期未办结' : '群众评价不满意',
        title: maskPersonalText(e.title),
        stepId: e.stepId,
      })),
  };

  // ---- Urging notices and their replies ----
  const issued = facts.urges.filter((u) => inPeriod(u.issuedAt));
  const replied = (u: UrgeFact) => u.repliedAt !== null && at(u.repliedAt) < asOf;
  const open = facts.urges.filter((u) => at(u.issuedAt) < asOf && !replied(u));
  const replyDays = issued.filter(replied).map((u) => responseWorkingDays(calendar, new Date(u.issuedAt), new Date(u.repliedAt!)));
  const urgeDepts = new Set([...issued, ...open].map((u) => u.departmentCode));
  const urges: ReportContent['urges'] = {
    issued: issued.length,
    issuedByLevel: (['normal', 'serious', 'severe'] as const).map((l) => ({ level: l, nameZh: URGE_LEVEL_NAMES_ZH[l], count: issued.filter((u) => u.level === l).length })),
    repliedOfIssued: issued.filter(replied).length,
    repliesInPeriod: facts.urges.filter((u) => u.repliedAt !== null && inPeriod(u.repliedAt)).length,
    openAtEnd: open.length,
    avgReplyWorkingDays: replyDays.length > 0 ? round(replyDays.reduce((a, b) => a + b, 0) / replyDays.length, 2) : null,
    byDepartment: [...urgeDepts]
      .sort()
      .map((code) => ({
        departmentCode: code,
        nameZh: departmentNameZh(code),
        issued: issued.filter((u) => u.departmentCode === code).length,
        replied: issued.filter((u) => u.departmentCode === code && replied(u)).length,
        open: open.filter((u) => u.departmentCode === code).length,
      }))
      .sort((a, b) => b.issued - a.issued || b.open - a.open || byCode(a, b)),
    rows: [...new Map([...issued, ...open].map((u) => [u.number, u])).values()]
      .sort((a, b) => at(b.issuedAt) - at(a.issuedAt) || (a.number < b.number ? -1 : 1))
      .slice(0, 100)
      .map((u) => ({
        number: u.number,
        departmentCode: u.departmentCode,
        nameZh: departmentNameZh(u.departmentCode),
        level: u.level,
        levelZh: URGE_LEVEL_NAMES_ZH[u.level as 'normal'] ?? u.level,
        issuedAt: u.issuedAt,
        repliedAt: replied(u) ? u.repliedAt : null,
        reply: replied(u) && u.reply !== null ? maskPersonalText(u.reply) : null,
        title: maskPersonalText(u.title),
      })),
  };

  // ---- Items by light, their change and trend ----
  const itemLights = (snap: ItemSnapshot) => {
    const when = new Date(snap.asOf);
    const parts = new Map<string, { part: ItemPartFact; light: Light }[]>();
    const partsByLight = zeroLights();
    for (const p of snap.parts) {
      const light = stepLight({ state: p.state, paused: p.paused, deadlineAt: p.deadlineAt ? new Date(p.deadlineAt) : null, dueSoonAt: p.dueSoonAt ? new Date(p.dueSoonAt) : null }, when);
      partsByLight[light] += 1;
      parts.set(p.itemId, [...(parts.get(p.itemId) ?? []), { part: p, light }]);
    }
    const items = new Map<string, { light: Light; parts: { part: ItemPartFact; light: Light }[] }>();
    for (const [itemId, ps] of parts) items.set(itemId, { light: worstLight(ps.map((x) => x.light)), parts: ps });
    const byLight = zeroLights();
    for (const i of items.values()) byLight[i.light] += 1;
    return { items, byLight, partsByLight };
  };
  const snaps = facts.itemSnapshots.map((s) => ({ snap: s, ...itemLights(s) }));
  const current = snaps.at(-1) ?? { snap: { label: period.label, labelZh: period.labelZh, asOf: period.asOf, parts: [] }, ...itemLights({ label: period.label, labelZh: period.labelZh, asOf: period.asOf, parts: [] }) };
  const prev = snaps.length >= 2 ? snaps[snaps.length - 2]! : null;
  const itemFacts = new Map(facts.items.map((i) => [i.itemId, i]));
  const policyOf = (r: ItemRow) => itemFacts.get(r.itemId)?.policyId ?? '';
  const rows: ItemRow[] = [...current.items.entries()]
    .map(([itemId, v]) => {
      const fact = itemFacts.get(itemId);
      return {
        itemId,
        number: fact?.number ?? 0,
        titleZh: fact ? maskPersonalText(fact.titleZh) : itemId,
        leadDepartment: fact?.leadDepartment ?? '',
        leadDepartmentZh: departmentNameZh(fact?.leadDepartment),
        light: v.light,
        previousLight: prev?.items.get(itemId)?.light ?? null,
        parts: v.parts
          .map(({ part, light }) => ({ departmentCode: part.departmentCode, nameZh: departmentNameZh(part.departmentCode), role: part.role, period: part.period, light }))
          .sort((a, b) => (a.role === b.role ? byCode(a, b) : a.role === 'lead' ? -1 : 1)),
      };
    })
    .sort((x, y) => (policyOf(x) < policyOf(y) ? -1 : policyOf(x) > policyOf(y) ? 1 : x.number - y.number || (x.itemId < y.itemId ? -1 : 1)));
  const change = prev ? (Object.fromEntries(LIGHTS.map((l) => [l, current.byLight[l] - prev.byLight[l]])) as LightCounts) : null;
  const items: ReportContent['items'] = {
    byLight: current.byLight,
    partsByLight: current.partsByLight,
    previous: prev ? { label: prev.snap.label, labelZh: prev.snap.labelZh, asOf: prev.snap.asOf, byLight: prev.byLight } : null,
    change,
    changed: rows.filter((r) => r.previousLight !== r.light).map((r) => ({ itemId: r.itemId, number: r.number, titleZh: r.titleZh, from: r.previousLight, to: r.light })),
    trend: snaps.map((s) => ({ label: s.snap.label, labelZh: s.snap.labelZh, asOf: s.snap.asOf, byLight: s.byLight })),
    rows,
  };

  // ---- Applications ----
  const a = facts.applications;
  const stateTotals = new Map<string, number>();
  const stageTotals = new Map<string, Map<string, number>>();
  for (const g of a.byGroup) {
    stateTotals.set(g.state, (stateTotals.get(g.state) ?? 0) + g.count);
    const m = stageTotals.get(g.stage) ?? new Map<string, number>();
    m.set(g.state, (m.get(g.state) ?? 0) + g.count);
    stageTotals.set(g.stage, m);
  }
  const groups = new Map<string, { district: string; year: number; stage: string; stats: AllocationStats }>();
  const group = (district: string, year: number, stage: string) => {
    const key = `${district}|${year}|${stage}`;
    let g = groups.get(key);
    if (!g) {
      groups.set(key, (g = { district, year, stage, stats: { applicants: 0, placed: 0, unplaced: 0, catchment: 0, adjusted: 0, purchasedSeats: 0, publicPlaced: 0, publicShare: 0, purchasedCost: 0, purchasedSeatsWithoutPrice: 0 } }));
    }
    return g.stats;
  };
  for (const g of a.byGroup) {
    if (g.state === 'in_pool') {
      const s = group(g.district, g.year, g.stage);
      s.applicants += g.count;
      s.unplaced += g.count;
    }
  }
  for (const p of a.placements) {
    const s = group(p.district, p.year, p.stage);
    s.applicants += p.count;
    s.placed += p.count;
    if (p.type === 'purchased') s.purchasedSeats += p.count;
    else {
      s[p.type] += p.count;
      s.publicPlaced += p.count;
    }
  }
  for (const ps of a.purchasedSeats) {
    const s = group(ps.district, ps.year, ps.stage);
    s.purchasedCost += ps.cost;
    s.purchasedSeatsWithoutPrice += ps.withoutPrice;
  }
  const total: AllocationStats = { applicants: 0, placed: 0, unplaced: 0, catchment: 0, adjusted: 0, purchasedSeats: 0, publicPlaced: 0, publicShare: 0, purchasedCost: 0, purchasedSeatsWithoutPrice: 0 };
  for (const g of groups.values()) {
    g.stats.publicShare = g.stats.placed > 0 ? g.stats.publicPlaced / g.stats.placed : 0;
    for (const k of ['applicants', 'placed', 'unplaced', 'catchment', 'adjusted', 'purchasedSeats', 'publicPlaced', 'purchasedCost', 'purchasedSeatsWithoutPrice'] as const) total[k] += g.stats[k];
  }
  total.publicShare = total.placed > 0 ? total.publicPlaced / total.placed : 0;
  const roundedNumbers = (s: AllocationStats): RoundNumbers => {
    const n = roundNumbers(s);
    return { ...n, placementRate: round(n.placementRate, 4), publicShare: round(n.publicShare, 4), purchasedCost: round(n.purchasedCost, 2), targets: n.targets.map((t: TargetCheck) => ({ ...t, actual: round(t.actual, 4) })) };
  };
  const verificationRows = [...verification.entries()]
    .map(([code, v]) => ({
      departmentCode: code,
      nameZh: departmentNameZh(code),
      completed: v.completed,
      bySystem: v.bySystem,
      byPerson: v.completed - v.bySystem,
      avgWorkingDays: v.days.length ? round(v.days.reduce((x, y) => x + y, 0) / v.days.length, 2) : null,
      avgWorkingDaysByPerson: v.personDays.length ? round(v.personDays.reduce((x, y) => x + y, 0) / v.personDays.length, 2) : null,
      maxWorkingDays: maxOf(v.days),
    }))
    .sort(byCode);
  const vCompleted = verificationRows.reduce((s, r) => s + r.completed, 0);
  const vSystem = verificationRows.reduce((s, r) => s + r.bySystem, 0);
  const applications: ReportContent['applications'] = {
    total: [...stateTotals.values()].reduce((x, y) => x + y, 0),
    submittedInPeriod: a.submittedInPeriod,
    byState: APPLICATION_STATES.map((s) => ({ state: s, nameZh: APPLICATION_STATE_NAMES_ZH[s], count: stateTotals.get(s) ?? 0 })),
    byStage: [...stageTotals.entries()]
      .sort(([x], [y]) => (x < y ? -1 : 1))
      .map(([stage, m]) => ({ stage, nameZh: STAGE_NAMES_ZH[stage as Stage] ?? stage, total: [...m.values()].reduce((x, y) => x + y, 0), byState: Object.fromEntries(APPLICATION_STATES.map((s) => [s, m.get(s) ?? 0])) })),
    verification: verificationRows,
    dataSharing: { completed: vCompleted, bySystem: vSystem, share: rate(vSystem, vCompleted) },
    placements: {
      totals: roundedNumbers(total),
      byGroup: [...groups.values()]
        .sort((x, y) => (x.district < y.district ? -1 : x.district > y.district ? 1 : x.year - y.year || (x.stage < y.stage ? -1 : x.stage > y.stage ? 1 : 0)))
        .map((g) => ({ district: g.district, year: g.year, stage: g.stage, stageZh: STAGE_NAMES_ZH[g.stage as Stage] ?? g.stage, numbers: roundedNumbers(g.stats) })),
    },
    purchasedSeats: {
      active: a.purchasedSeats.reduce((s, r) => s + r.active, 0),
      cost: round(a.purchasedSeats.reduce((s, r) => s + r.cost, 0), 2),
      withoutPrice: a.purchasedSeats.reduce((s, r) => s + r.withoutPrice, 0),
    },
    aid: { ...a.aid, amountInPeriod: round(a.aid.amountInPeriod, 2), amountTotal: round(a.aid.amountTotal, 2) },
  };

  // ---- Problems ----
  const pf = facts.problems;
  const pStates = new Map(pf.byState.map((s) => [s.state, s.count]));
  const overdueProblems = new Set(overdueSteps.filter((s) => s.subjectType === 'problem').map((s) => s.subjectId));
  const problems: ReportContent['problems'] = {
    openedInPeriod: pf.openedInPeriod.reduce((s, r) => s + r.count, 0),
    openedBySource: (['public', 'official', 'review'] as ProblemSource[]).map((src) => ({ source: src, nameZh: PROBLEM_SOURCE_NAMES_ZH[src], count: pf.openedInPeriod.find((r) => r.source === src)?.count ?? 0 })),
    closedInPeriod: pf.closedInPeriod.resolved + pf.closedInPeriod.unresolved,
    closedResolved: pf.closedInPeriod.resolved,
    closedUnresolved: pf.closedInPeriod.unresolved,
    openAtEnd: [...pStates.entries()].filter(([s]) => OPEN_PROBLEM_STATES.has(s)).reduce((x, [, n]) => x + n, 0),
    overdueAtEnd: overdueProblems.size,
    byState: PROBLEM_STATES.map((s: ProblemState) => ({ state: s, nameZh: PROBLEM_STATE_NAMES_ZH[s], count: pStates.get(s) ?? 0 })),
    ratingsInPeriod: { ...pf.ratingsInPeriod, rate: rate(pf.ratingsInPeriod.satisfied, pf.ratingsInPeriod.satisfied + pf.ratingsInPeriod.unsatisfied) },
    ratingsTotal: { ...pf.ratingsTotal, rate: rate(pf.ratingsTotal.satisfied, pf.ratingsTotal.satisfied + pf.ratingsTotal.unsatisfied) },
  };

  const kindZh = REPORT_KIND_NAMES_ZH[period.kind];
  return {
    formatVersion: REPORT_FORMAT_VERSION,
    meta: {
      reportId: period.reportId,
      kind: period.kind,
      kindZh,
      label: period.label,
      labelZh: period.labelZh,
      startsAt: period.startsAt,
      endsAt: period.endsAt,
      asOf: period.asOf,
      complete: period.complete,
      generatedAt: input.generatedAt,
      calendarVersion: input.calendarVersion,
      titleZh: `随迁子女入学保障工作${kindZh}（${period.labelZh}${period.complete ? '' : `，截至${formatShanghaiMinute(period.asOf)}`}）`,
    },
    scoringRulesZh: SCORING_RULES_ZH,
    summary: {
      itemsRunning: LIGHTS.reduce((s, l) => s + items.byLight[l], 0),
      itemsRed: items.byLight.red,
      overdueSteps: overdue.total,
      escalations: escalations.total,
      urgesIssued: urges.issued,
      urgesOpen: urges.openAtEnd,
      rankedDepartments: ranking.length,
      applications: applications.total,
      placed: applications.placements.totals.placed,
      publicShare: applications.placements.totals.publicShare,
      problemsOpened: problems.openedInPeriod,
      problemsClosed: problems.closedInPeriod,
      satisfactionRate: problems.ratingsInPeriod.rate,
    },
    items,
    overdue,
    escalations,
    urges,
    ranking,
    applications,
    problems,
  };
}

/** '2026-11-25 10:30' in Asia/Shanghai. */
export function formatShanghaiMinute(iso: string): string {
  const t = new Date(Date.parse(iso) + 8 * 3_600_000);
  return `${t.getUTCFullYear()}-${pad2(t.getUTCMonth() + 1)}-${pad2(t.getUTCDate())} ${pad2(t.getUTCHours())}:${pad2(t.getUTCMinutes())}`;
}

/** Step states in Chinese, for the tables. */
export const stepStateZh = (s: string): string => STEP_STATE_NAMES_ZH[s as StepState] ?? s;
export const applicationStateZh = (s: string): string => APPLICATION_STATE_NAMES_ZH[s as ApplicationState] ?? s;
export { LIGHT_NAMES_ZH };

// ---------------------------------------------------------------------------------------------------------------
// Reproduction: the numbers of two computations of the same report

/**
 * Every number and yes/no of `a` that differs from `b` (and every list whose length differs), by path; texts and the
 * time of generation are not numbers and are not compared. Empty when the two say the same.
 */
export function compareReportNumbers(a: unknown, b: unknown, path = ''): string[] {
  if (path === '.meta') return [];
  if (typeof a === 'number' || typeof a === 'boolean' || typeof b === 'number' || typeof b === 'boolean') {
    // === rather than Object.is: a stored report went through JSON, where −0 is 0.
    return a === b ? [] : [`${path || '.'}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`];
  }
  if (a === null || b === null || a === undefined || b === undefined) {
    return (a ?? null) === (b ?? null) || (typeof a === 'string' && typeof b === 'string') ? [] : [`${path || '.'}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`];
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b)) return [`${path}: list ≠ not a list`];
    if (a.length !== b.length) return [`${path}: ${a.length} entries ≠ ${b.length} entries`];
    return a.flatMap((x, i) => compareReportNumbers(x, b[i], `${path}[${i}]`));
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    return [...keys].sort().flatMap((k) => compareReportNumbers((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`));
  }
  return [];
}
