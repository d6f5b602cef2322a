/**
 * The progress report's pure parts: periods and report ids (Asia/Shanghai), the published scoring rules and the
 * ranking, working-day measures across holidays and pauses, the masking of personal data in free text, the whole
 * content computed from hand-made facts, the comparison that proves a reproduction, and the two renderings.
 */
import ExcelJS from 'exceljs';
import { renderReportHtml } from '../../api/reports/html';
import { REPORT_SHEETS, renderReportWorkbook } from '../../api/reports/xlsx';
import { OFFICIAL_CALENDAR } from '../../domain/official-calendar';
import {
  SCORING_RULES_ZH,
  buildReportContent,
  compareReportNumbers,
  lastEndedPeriod,
  maskPersonalText,
  overdueBucket,
  rankDepartments,
  reportIdOf,
  resolveReportPeriod,
  responseWorkingDays,
  trendPoints,
  workingDaysOverdue,
  worstLight,
  type ReportFacts,
  type ReportPeriod,
  type StepFact,
} from '../../domain/reports';
import { WorkingDayCalendar } from '../../domain/working-days';
import { makeId } from '../support/application-fixtures';

const calendar = new WorkingDayCalendar([...OFFICIAL_CALENDAR]);
/** An instant given as Asia/Shanghai wall-clock time. */
const sh = (local: string) => new Date(`${local}+08:00`);
const iso = (local: string) => sh(local).toISOString();

describe('periods', () => {
  it('a report run at Monday 08:00 covers the week just ended; monthly and quarterly ones the month and quarter', () => {
    expect(lastEndedPeriod('weekly', sh('2026-11-30T08:00'))).toMatchObject({ label: '2026-W48', startDate: '2026-11-23', endDate: '2026-11-30' });
    // A run the schedule's catch-up starts a day late still covers the same week.
    expect(lastEndedPeriod('weekly', sh('2026-12-01T09:00')).label).toBe('2026-W48');
    expect(lastEndedPeriod('monthly', sh('2026-12-01T08:00'))).toMatchObject({ label: '2026-11', startDate: '2026-11-01', endDate: '2026-12-01' });
    expect(lastEndedPeriod('quarterly', sh('2027-01-01T08:00'))).toMatchObject({ label: '2026-Q4', startDate: '2026-10-01', endDate: '2027-01-01' });
    expect(lastEndedPeriod('quarterly', sh('2026-10-01T08:00')).label).toBe('2026-Q3');
  });

  it('a period that has ended is complete, as of its end; the running one is interim, as of the second; a future one has none', () => {
    const done = resolveReportPeriod('weekly', { date: '2026-11-25', now: sh('2026-12-02T10:00') });
    expect(done).toEqual({
      ok: true,
      period: {
        kind: 'weekly',
        label: '2026-W48',
        labelZh: '2026年第48周（11月23日—11月29日）',
        startsAt: '2026-11-22T16:00:00.000Z',
        endsAt: '2026-11-29T16:00:00.000Z',
        asOf: '2026-11-29T16:00:00.000Z',
        complete: true,
        reportId: 'weekly-2026-W48',
      },
    });
    const running = resolveReportPeriod('weekly', { date: '2026-11-25', now: new Date(sh('2026-11-25T10:30:45').getTime() + 678) });
    expect(running).toMatchObject({ ok: true, period: { complete: false, asOf: iso('2026-11-25T10:30:45'), reportId: 'weekly-2026-W48-asof-20261125103045' } });
    expect(resolveReportPeriod('monthly', { date: '2026-12-15', now: sh('2026-11-25T10:00') })).toEqual({ ok: false, reason: 'not_started', startsAt: iso('2026-12-01T00:00') });
    // No date: the last period that ended.
    expect(resolveReportPeriod('quarterly', { now: sh('2027-01-01T08:00') })).toMatchObject({ ok: true, period: { label: '2026-Q4', complete: true, reportId: 'quarterly-2026-Q4' } });
    expect(reportIdOf('monthly', '2026-11', null)).toBe('monthly-2026-11');
  });

  it('the trend runs over the ends of the previous periods up to the report’s own instant', () => {
    const p = (resolveReportPeriod('weekly', { date: '2026-11-25', now: sh('2026-11-26T09:00') }) as { period: ReportPeriod }).period;
    const points = trendPoints(p);
    expect(points).toHaveLength(8);
    expect(points.at(-1)).toEqual({ label: '2026-W48', labelZh: '2026年第48周（11月23日—11月29日）', asOf: iso('2026-11-26T09:00') });
    expect(points.at(-2)).toMatchObject({ label: '2026-W47', asOf: iso('2026-11-23T00:00') });
    expect(points[0]).toMatchObject({ label: '2026-W41', asOf: iso('2026-10-12T00:00') });
    expect(trendPoints({ ...p, kind: 'quarterly', label: '2026-Q4', startsAt: iso('2026-10-01T00:00') }).map((x) => x.label)).toEqual(['2026-Q1', '2026-Q2', '2026-Q3', '2026-Q4']);
  });
});

describe('the published scoring rules', () => {
  const t = (departmentCode: string, x: Partial<{ completed: number; onTime: number; overdueOpen: number; reviewed: number; firstPassAccepted: number; responseDays: number[] }>) => ({
    departmentCode,
    completed: 0,
    onTime: 0,
    overdueOpen: 0,
    reviewed: 0,
    firstPassAccepted: 0,
    responseDays: [],
    ...x,
  });

  it('weighs on-time rate 50, first-pass rate 30, response 20 (0 points at 5 working days), and re-weighs missing ones', () => {
    const ranked = rankDepartments([
      // 3 of 4 on time (one overdue still open counts against it), 1 of 2 first pass, 2.5 days → 0.5 of the response points
      t('police', { completed: 3, onTime: 3, overdueOpen: 1, reviewed: 2, firstPassAccepted: 1, responseDays: [1, 2, 3, 4] }),
      // nothing reviewed: on-time and response only, scaled to 100
      t('hrss', { completed: 2, onTime: 2, responseDays: [0, 0] }),
      // only an overdue step: 0
      t('market', { overdueOpen: 2 }),
      // nothing at all this period: not ranked
      t('finance', {}),
      // slow beyond 5 working days: response points floor at 0
      t('housing', { completed: 1, onTime: 1, responseDays: [9] }),
    ]);
    expect(ranked.map((r) => [r.rank, r.departmentCode, r.score])).toEqual([
      [1, 'hrss', 100],
      [2, 'housing', 71.4],
      [3, 'police', 62.5],
      [4, 'market', 0],
    ]);
    expect(ranked[2]).toMatchObject({ onTimeRate: 0.75, firstPassRate: 0.5, avgResponseWorkingDays: 2.5, responseScore: 0.5, late: 0, nameZh: '公安局' });
    expect(ranked[1]).toMatchObject({ responseScore: 0, avgResponseWorkingDays: 9 });
    expect(ranked[3]).toMatchObject({ onTimeRate: 0, firstPassRate: null, avgResponseWorkingDays: null, responseScore: null });
  });

  it('equal scores and on-time rates share a rank', () => {
    const ranked = rankDepartments([t('b', { completed: 1, onTime: 1 }), t('a', { completed: 2, onTime: 2 }), t('c', { completed: 2, onTime: 1 })]);
    expect(ranked.map((r) => [r.departmentCode, r.rank])).toEqual([['a', 1], ['b', 1], ['c', 3]]);
  });

  it('states the rules in Chinese, as the report prints them', () => {
    expect(SCORING_RULES_ZH.join('')).toMatch(/按期办结率 × 50 \+ 首次审核通过率 × 30 \+ 响应时效分 × 20/);
    expect(SCORING_RULES_ZH.join('')).toContain('一三五');
  });
});

describe('working-day measures', () => {
  it('response time counts working days after receipt, skipping the National Day holiday and paused days', () => {
    // Received Tuesday 29 September; 30 September is day 1; 1–7 October are off; 8 and 9 October are days 2 and 3.
    expect(responseWorkingDays(calendar, sh('2026-09-29T10:00'), sh('2026-10-09T16:00'))).toBe(3);
    // Assigned after 17:30: received the next working day (30 September), so done on 30 September took 0 days.
    expect(responseWorkingDays(calendar, sh('2026-09-29T18:00'), sh('2026-09-30T11:00'))).toBe(0);
    // Paused from 8 to 9 October (one working day): 2.
    expect(responseWorkingDays(calendar, sh('2026-09-29T10:00'), sh('2026-10-09T16:00'), [{ from: iso('2026-10-08T09:00'), to: iso('2026-10-09T09:00') }])).toBe(2);
  });

  it('overdue days are counted up to the last day of the period, at least one', () => {
    const asOf = sh('2026-11-30T00:00');
    expect(workingDaysOverdue(calendar, asOf, sh('2026-11-28T00:00'))).toBe(1);
    // Last day Tuesday 24 November: Wednesday to Friday are overdue.
    expect(workingDaysOverdue(calendar, asOf, sh('2026-11-25T00:00'))).toBe(3);
    expect([1, 2, 3, 4, 5, 6, 30].map(overdueBucket)).toEqual(['1', '2-3', '2-3', '4-5', '4-5', '>5', '>5']);
  });
});

describe('personal data in free text', () => {
  it('masks full ID numbers and mobile numbers, and clips long texts', () => {
    const id = makeId('110105', '19800101', '123');
    const lower = makeId('110105', '19800101', '051');
    expect(maskPersonalText(`联系人身份证${id}，电话13812345678`)).toBe(`联系人身份证110105********${id.slice(-4)}，电话138****5678`);
    if (lower.endsWith('X')) expect(maskPersonalText(lower.toLowerCase())).not.toContain(lower.toLowerCase());
    // Application numbers and other long digit runs that are not ID or phone numbers stay.
    expect(maskPersonalText('申请编号 A2027000123，工单 201234567890')).toBe('申请编号 A2027000123，工单 201234567890');
    expect(Array.from(maskPersonalText('很'.repeat(300))).length).toBe(200);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The content, from facts made by hand

const period: ReportPeriod = {
  kind: 'weekly',
  label: '2026-W48',
  labelZh: '2026年第48周（11月23日—11月29日）',
  startsAt: iso('2026-11-23T00:00'),
  endsAt: iso('2026-11-30T00:00'),
  asOf: iso('2026-11-30T00:00'),
  complete: true,
  reportId: 'weekly-2026-W48',
};

const step = (x: Partial<StepFact> & { stepId: string; departmentCode: string }): StepFact => ({
  subjectType: 'standalone',
  subjectId: x.stepId,
  kind: 'task',
  title: '事项',
  state: 'done',
  paused: false,
  deadlineAt: iso('2026-11-27T00:00'),
  escalationLevel: 0,
  basisAt: iso('2026-11-23T09:00'),
  completion: null,
  pausedSpans: [],
  firstReview: null,
  ...x,
});

function facts(): ReportFacts {
  return {
    steps: [
      // On time against the deadline in force when it was done (an extension moved it after the first deadline).
      step({ stepId: 's1', departmentCode: 'police', completion: { at: iso('2026-11-27T10:00'), bySystem: false, deadlineAt: iso('2026-11-28T00:00') } }),
      // Late.
      step({ stepId: 's2', departmentCode: 'police', completion: { at: iso('2026-11-25T10:00'), bySystem: false, deadlineAt: iso('2026-11-25T00:00') }, basisAt: iso('2026-11-20T09:00') }),
      // Completed before the period: not counted.
      step({ stepId: 's3', departmentCode: 'police', completion: { at: iso('2026-11-20T10:00'), bySystem: false, deadlineAt: null } }),
      // Data sharing: counted for the data-sharing share, not for the department's ranking.
      step({ stepId: 'a1.police', departmentCode: 'police', subjectType: 'application', subjectId: 'a1', kind: 'verification.residence_permit', basisAt: iso('2026-11-24T10:00'), completion: { at: iso('2026-11-24T10:00'), bySystem: true, deadlineAt: iso('2026-11-27T00:00') } }),
      step({ stepId: 'a2.police', departmentCode: 'police', subjectType: 'application', subjectId: 'a2', kind: 'verification.residence_permit', completion: { at: iso('2026-11-24T10:00'), bySystem: false, deadlineAt: iso('2026-11-27T00:00') } }),
      // Overdue, open, escalated twice, with a phone number in its title.
      step({ stepId: 's4', departmentCode: 'housing', state: 'signed', deadlineAt: iso('2026-11-25T00:00'), escalationLevel: 2, title: '请联系13812345678核实' }),
      // Reviewed: sent back at the first review, now accepted.
      step({ stepId: 's5', departmentCode: 'hrss', state: 'accepted', completion: { at: iso('2026-11-26T10:00'), bySystem: false, deadlineAt: iso('2026-11-27T00:00') }, firstReview: { at: iso('2026-11-25T10:00'), accepted: false } }),
      // A problem's handling step, overdue.
      step({ stepId: 'WT1.handling-1', departmentCode: 'civil_affairs', subjectType: 'problem', subjectId: 'WT1', state: 'open', deadlineAt: iso('2026-11-27T00:00') }),
    ],
    escalations: [
      { at: iso('2026-11-25T00:00'), stepId: 's4', departmentCode: 'housing', rung: 1, level: 'department_head', cause: 'deadline', subjectType: 'standalone', title: '请联系13812345678核实' },
      { at: iso('2026-11-26T00:00'), stepId: 's4', departmentCode: 'housing', rung: 2, level: 'supervision_office', cause: 'deadline', subjectType: 'standalone', title: '事项' },
      { at: iso('2026-11-20T00:00'), stepId: 'old', departmentCode: 'housing', rung: 1, level: 'department_head', cause: 'deadline', subjectType: 'standalone', title: '事项' },
      { at: iso('2026-11-27T12:00'), stepId: 'WT2.handling-1', departmentCode: 'civil_affairs', rung: 3, level: 'leading_group', cause: 'unsatisfied_rating', subjectType: 'problem', title: 'WT2' },
    ],
    urges: [
      { number: '督办〔2026〕0001号', stepId: 's4', departmentCode: 'housing', level: 'serious', issuedAt: iso('2026-11-25T10:00'), repliedAt: iso('2026-11-26T10:00'), reply: '正在办理', title: '事项' },
      { number: '督办〔2026〕0002号', stepId: 's4', departmentCode: 'housing', level: 'severe', issuedAt: iso('2026-11-27T10:00'), repliedAt: null, reply: null, title: '事项' },
      // Issued last week, still unanswered: open, not issued in this period.
      { number: '督办〔2026〕0000号', stepId: 's9', departmentCode: 'market', level: 'normal', issuedAt: iso('2026-11-18T10:00'), repliedAt: null, reply: null, title: '事项' },
    ],
    items: [
      { itemId: 'i1', policyId: 'p', number: 1, titleZh: '<script>alert(1)</script>落实资助', leadDepartment: 'education' },
      { itemId: 'i2', policyId: 'p', number: 2, titleZh: '关爱帮扶', leadDepartment: 'health' },
    ],
    itemSnapshots: [
      { label: '2026-W47', labelZh: '上周', asOf: iso('2026-11-23T00:00'), parts: [{ itemId: 'i1', departmentCode: 'education', role: 'lead', period: 'final', state: 'open', paused: false, deadlineAt: iso('2026-12-31T00:00'), dueSoonAt: iso('2026-12-30T00:00') }] },
      {
        label: '2026-W48',
        labelZh: '本周',
        asOf: period.asOf,
        parts: [
          { itemId: 'i1', departmentCode: 'education', role: 'lead', period: 'final', state: 'accepted', paused: false, deadlineAt: iso('2026-12-31T00:00'), dueSoonAt: null },
          { itemId: 'i1', departmentCode: 'finance', role: 'cooperating', period: 'final', state: 'open', paused: false, deadlineAt: iso('2026-11-29T00:00'), dueSoonAt: iso('2026-11-28T00:00') },
          { itemId: 'i2', departmentCode: 'health', role: 'lead', period: '2026-W48', state: 'awaiting_review', paused: false, deadlineAt: iso('2026-12-05T00:00'), dueSoonAt: null },
        ],
      },
    ],
    applications: {
      byGroup: [
        { district: 'demo', year: 2027, stage: 'primary_1', state: 'placed', count: 19 },
        { district: 'demo', year: 2027, stage: 'primary_1', state: 'in_pool', count: 1 },
        { district: 'demo', year: 2027, stage: 'primary_1', state: 'verifying', count: 5 },
      ],
      submittedInPeriod: 7,
      placements: [
        { district: 'demo', year: 2027, stage: 'primary_1', type: 'catchment', count: 15 },
        { district: 'demo', year: 2027, stage: 'primary_1', type: 'adjusted', count: 3 },
        { district: 'demo', year: 2027, stage: 'primary_1', type: 'purchased', count: 1 },
      ],
      purchasedSeats: [{ district: 'demo', year: 2027, stage: 'primary_1', active: 1, cost: 8000, withoutPrice: 0 }],
      aid: { decidedInPeriod: 2, grantedInPeriod: 1, amountInPeriod: 800, decidedTotal: 3, grantedTotal: 2, amountTotal: 1600 },
    },
    problems: {
      openedInPeriod: [{ source: 'public', count: 3 }, { source: 'review', count: 1 }],
      byState: [{ state: 'closed', count: 2 }, { state: 'handling', count: 2 }],
      closedInPeriod: { resolved: 2, unresolved: 0 },
      ratingsInPeriod: { satisfied: 2, unsatisfied: 1 },
      ratingsTotal: { satisfied: 5, unsatisfied: 1 },
    },
  };
}

const content = () => buildReportContent({ period, generatedAt: iso('2026-11-30T08:00'), calendarVersion: 'v1', facts: facts(), calendar });

describe('a busy period', () => {
  it('aggregates a million completions of one department and 200,000 of its overdue steps without an argument limit', () => {
    const base = facts();
    const completion = { at: iso('2026-11-26T10:00'), bySystem: false, deadlineAt: iso('2026-11-27T00:00') };
    const steps: StepFact[] = [];
    for (let i = 0; i < 1_000_000; i++) {
      steps.push(step({ stepId: `a${i}.police`, departmentCode: 'police', subjectType: 'application', subjectId: `a${i}`, kind: 'verification.residence_permit', completion }));
    }
    for (let i = 0; i < 200_000; i++) steps.push(step({ stepId: `o${i}`, departmentCode: 'housing', state: 'signed', deadlineAt: iso(i % 2 ? '2026-11-25T00:00' : '2026-11-20T00:00') }));
    const c = buildReportContent({ period, generatedAt: iso('2026-11-30T08:00'), calendarVersion: 'v1', facts: { ...base, steps }, calendar });
    expect(c.applications.verification.find((d) => d.departmentCode === 'police')).toMatchObject({ completed: 1_000_000, byPerson: 1_000_000, maxWorkingDays: 3 });
    const housing = c.overdue.byDepartment.find((d) => d.departmentCode === 'housing')!;
    expect(housing.count).toBe(200_000);
    expect(housing.maxWorkingDays).toBe(workingDaysOverdue(calendar, new Date(period.asOf), sh('2026-11-20T00:00')));
  });
});

describe('the content', () => {
  it('judges each completion against the deadline in force then, and leaves data sharing out of the ranking', () => {
    const c = content();
    const police = c.ranking.find((r) => r.departmentCode === 'police')!;
    expect(police).toMatchObject({ completed: 3, onTime: 2, late: 1, overdueOpen: 0 });
    // s1: received 23 Nov, done 27 Nov → 4; s2: received 20 Nov (Fri), done 25 Nov (Wed) → 3; a2: 1.
    expect(police.avgResponseWorkingDays).toBe(Math.round(((4 + 3 + 1) / 3) * 100) / 100);
    expect(c.ranking.find((r) => r.departmentCode === 'hrss')).toMatchObject({ completed: 1, reviewed: 1, firstPassAccepted: 0, firstPassRate: 0 });
    expect(c.ranking.find((r) => r.departmentCode === 'housing')).toMatchObject({ completed: 0, overdueOpen: 1, onTimeRate: 0, score: 0 });
    expect(c.applications.dataSharing).toEqual({ completed: 2, bySystem: 1, share: 0.5 });
    expect(c.applications.verification).toEqual([expect.objectContaining({ departmentCode: 'police', completed: 2, bySystem: 1, byPerson: 1, avgWorkingDays: 0.5, avgWorkingDaysByPerson: 1 })]);
  });

  it('lists overdue work with its working days, escalations and urges of the period', () => {
    const c = content();
    expect(c.overdue.total).toBe(2);
    expect(c.overdue.byDepartment.map((d) => [d.departmentCode, d.count, d.maxWorkingDays])).toEqual([['housing', 1, 3], ['civil_affairs', 1, 1]]);
    expect(c.overdue.steps[0]).toMatchObject({ stepId: 's4', title: '请联系138****5678核实', escalationZh: '已升级至督查室', workingDaysOverdue: 3 });
    expect(c.escalations).toMatchObject({ total: 3, byCause: { deadline: 2, unsatisfiedRating: 1 } });
    expect(c.escalations.byLevel.map((l) => l.count)).toEqual([1, 1, 1]);
    expect(c.urges).toMatchObject({ issued: 2, repliedOfIssued: 1, repliesInPeriod: 1, openAtEnd: 2, avgReplyWorkingDays: 1 });
    expect(c.urges.byDepartment.map((d) => [d.departmentCode, d.issued, d.open])).toEqual([['housing', 2, 1], ['market', 0, 1]]);
    expect(c.problems.overdueAtEnd).toBe(1);
  });

  it('lights each item by its worst part and compares with the previous report', () => {
    const c = content();
    // i1: lead accepted (green) but finance overdue (red) → red; i2: awaiting review → blue.
    expect(c.items.byLight).toMatchObject({ red: 1, blue: 1, green: 0 });
    expect(c.items.partsByLight).toMatchObject({ green: 1, red: 1, blue: 1 });
    expect(c.items.previous?.byLight).toMatchObject({ white: 1 });
    expect(c.items.change).toMatchObject({ red: 1, blue: 1, white: -1 });
    expect(c.items.changed.map((x) => [x.itemId, x.from, x.to])).toEqual([['i1', 'white', 'red'], ['i2', null, 'blue']]);
    expect(worstLight(['green', 'grey'])).toBe('green');
    expect(worstLight(['grey'])).toBe('grey');
  });

  it('counts applications, placements against the targets, purchased seats, aid and the problem ledger', () => {
    const c = content();
    expect(c.applications).toMatchObject({ total: 25, submittedInPeriod: 7, purchasedSeats: { active: 1, cost: 8000 }, aid: { grantedInPeriod: 1, amountInPeriod: 800 } });
    expect(c.applications.placements.totals).toMatchObject({ applicants: 20, placed: 19, unplaced: 1, catchment: 15, adjusted: 3, purchasedSeats: 1, publicPlaced: 18, publicShare: 0.9474, purchasedCost: 8000 });
    expect(c.applications.placements.totals.targets).toEqual([
      expect.objectContaining({ code: 'placement_100', met: false, shortBy: 1 }),
      expect.objectContaining({ code: 'public_95', met: false, shortBy: 1 }),
      expect.objectContaining({ code: 'public_100', met: false, shortBy: 1 }),
    ]);
    expect(c.problems).toMatchObject({ openedInPeriod: 4, closedInPeriod: 2, openAtEnd: 2, ratingsInPeriod: { rate: 0.6667 }, ratingsTotal: { rate: 0.8333 } });
    expect(c.meta).toMatchObject({ reportId: 'weekly-2026-W48', complete: true, titleZh: '随迁子女入学保障工作周报（2026年第48周（11月23日—11月29日））' });
  });

  it('is computed the same way twice, and a comparison names each number that differs, not the texts', () => {
    const a = content();
    const b = JSON.parse(JSON.stringify(content())) as typeof a;
    expect(compareReportNumbers(a, b)).toEqual([]);
    b.meta.generatedAt = 'later';
    b.items.rows[0]!.titleZh = 'edited title';
    expect(compareReportNumbers(a, b)).toEqual([]);
    b.overdue.total = 3;
    b.ranking.pop();
    b.problems.ratingsInPeriod.rate = null;
    expect(compareReportNumbers(a, b)).toEqual(['.overdue.total: 2 ≠ 3', '.problems.ratingsInPeriod.rate: 0.6667 ≠ null', `.ranking: ${a.ranking.length} entries ≠ ${a.ranking.length - 1} entries`]);
    expect(compareReportNumbers({ x: -0 }, { x: 0 })).toEqual([]);
  });
});

describe('the renderings', () => {
  it('the HTML is one self-contained page with four SVG charts, every text escaped', () => {
    const html = renderReportHtml(content());
    expect(html.match(/<svg /g)).toHaveLength(4);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;落实资助');
    expect(html).toContain('data-figure="overdue-total">2<');
    expect(html).not.toContain('13812345678');
    expect(html).toContain('<title id="lights-title">责任事项亮灯情况</title>');
  });

  it('the workbook has one sheet per section and reads back with the numbers', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await renderReportWorkbook(content())) as never);
    expect(wb.worksheets.map((w) => w.name)).toEqual([...REPORT_SHEETS]);
    const cell = (sheet: string, label: string) => {
      let v: unknown;
      wb.getWorksheet(sheet)!.eachRow((r) => {
        if (r.getCell(1).value === label) v = r.getCell(2).value;
      });
      return v;
    };
    expect(cell('概览', '逾期未办结（件）')).toBe(2);
    expect(cell('入学办理', '自动核验占比')).toBe(0.5);
    expect(cell('问题台账', '累计满意率')).toBe(0.8333);
  });
});
