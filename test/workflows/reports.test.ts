/**
 * Progress reports on the real servers, in a database of this file's own (so every number can be checked against
 * the activity built here, whatever other test files do meanwhile): a week of work — department steps done on time
 * and late, reviews accepted and sent back, escalations, urging notices and replies, applications verified by people
 * and by data sharing, an allocation round (catchment, adjusted, purchased seat), student aid, responsibility items
 * in three lights, problems rated satisfied and unsatisfied — then the report, checked in JSON, in the printable HTML
 * (with its SVG charts) and in the Excel workbook read back; the snapshot reproduced from history after more work
 * happened; one report per period; the schedules, exactly once.
 */
import crypto from 'node:crypto';
import ExcelJS from 'exceljs';
import { Client, Connection, ScheduleNotFoundError } from '@temporalio/client';
import type { StepInput } from '../../contracts/department-step';
import { loadCalendar } from '../../db/repositories/calendar';
import { upsertPolicy } from '../../db/repositories/applications';
import { DEMO_POINTS_RULES } from '../../domain/points';
import { responseWorkingDays, workingDaysOverdue, type ReportContent } from '../../domain/reports';
import { WorkingDayCalendar, addCalendarDays, addWorkingDays, shanghaiDate, startOfShanghaiDay } from '../../domain/working-days';
import { SERVICE_SCHEDULES, ensureSchedules } from '../../platform/schedules';
import { applicationForm, makeId } from '../support/application-fixtures';
import { launchBrowser, screenshot } from '../support/browser';
import { startHarnessOnOwnDatabase, type Api, type Harness } from '../support/harness';
import { startStandaloneStep } from '../support/steps';
import { waitFor } from '../support/wait';
import { loginThroughPage } from '../support/web';

let h: Harness;
let calendar: WorkingDayCalendar;

beforeAll(async () => {
  h = await startHarnessOnOwnDatabase('reports');
  calendar = await loadCalendar(h.pool);
}, 120_000);

afterAll(async () => {
  await h?.stop();
});

const D = 'rpt';
// A phone number in a step's title and an ID number in an urge reply: free text the report must mask.
const PHONE_IN_TEXT = '13912345678';
const ID_IN_REPLY = makeId('110105', '19800101', '123');

/** 09:00 Asia/Shanghai, `n` working days before today. */
function workingDaysAgo(n: number): string {
  const day = addWorkingDays(calendar, shanghaiDate(new Date()), -n);
  return new Date(startOfShanghaiDay(day).getTime() + 9 * 3_600_000).toISOString();
}

const startStep = (departmentCode: string, overrides: Partial<StepInput> = {}) => startStandaloneStep(h, `rpt-${departmentCode}`, { departmentCode, ...overrides });

const escalationLevel = async (stepId: string) => (await h.pool.query<{ escalation_level: number }>('SELECT escalation_level FROM steps WHERE step_id = $1', [stepId])).rows[0]!.escalation_level;
const ok = (r: { status: number; body: unknown }, what: string) => expect({ what, status: r.status, body: r.status < 300 ? null : r.body }).toEqual({ what, status: r.status < 300 ? r.status : 200, body: null });

async function stepOf(officer: Api, stepId: string) {
  await waitFor(async () => (await officer.get(`/api/steps/${stepId}`)).status === 200, { what: `step ${stepId}` });
  return stepId;
}

async function upload(api: Api, kind: string, csv: string) {
  const res = await fetch(`${h.baseUrl}/api/school-data/${kind}/imports?fileName=${kind}.csv`, { method: 'POST', headers: { authorization: `Bearer ${api.token}`, 'content-type': 'text/csv' }, body: csv });
  expect({ kind, status: res.status, body: res.status === 201 ? null : await res.text() }).toEqual({ kind, status: 201, body: null });
}

/** What the tests below check the report against. */
const world = {
  late: '',
  overdueHousing: '',
  overdueMarket: '',
  openUrge: '',
  apps: [] as string[],
  items: {} as Record<string, string>,
  trackingCodes: [] as string[],
  reportId: '',
  asOf: '',
};

describe('a week of work', () => {
  it('builds it: steps on time and late, reviews, escalations, urges, applications, allocation, aid, items, problems', async () => {
    const supervisor = await h.as('supervisor');
    const police = await h.as('police');
    const hrss = await h.as('hrss');
    const housing = await h.as('housing');
    const edu = await h.as('edu');
    const finance = await h.as('finance');

    // ---- Standalone department steps ----
    // Police: one done at once (on time), one assigned 12 working days ago, escalated to the top, then done (late).
    const onTime = await startStep('police', { deadline: { class: 'urgent' } });
    ok(await police.post(`/api/steps/${onTime}/complete`, { outcome: 'done', findings: '已核实' }), 'police on time');
    world.late = await startStep('police', { assignedAt: workingDaysAgo(12), title: `核实线索（联系人${PHONE_IN_TEXT}）` });
    await waitFor(async () => (await escalationLevel(world.late)) === 3, { what: 'the late step escalated to the leading group' });
    ok(await police.post(`/api/steps/${world.late}/complete`, { outcome: 'done', findings: '已核实，逾期办结' }), 'police late');
    // HRSS: two steps the supervision office reviews; the first is sent back once, the second accepted at once.
    const reviewed1 = await startStep('hrss', { requiresReview: true });
    const reviewed2 = await startStep('hrss', { requiresReview: true });
    ok(await hrss.post(`/api/steps/${reviewed1}/complete`, { outcome: 'done', findings: '初报' }), 'hrss submits');
    ok(await supervisor.post(`/api/steps/${reviewed1}/review`, { decision: 'send_back', feedback: '缺少佐证' }), 'send back');
    ok(await hrss.post(`/api/steps/${reviewed1}/complete`, { outcome: 'done', findings: '补充佐证' }), 'hrss resubmits');
    ok(await supervisor.post(`/api/steps/${reviewed1}/review`, { decision: 'accept' }), 'accept after send back');
    ok(await hrss.post(`/api/steps/${reviewed2}/complete`, { outcome: 'done', findings: '一次报送' }), 'hrss submits 2');
    ok(await supervisor.post(`/api/steps/${reviewed2}/review`, { decision: 'accept' }), 'accept at once');
    // Housing and market: overdue and still open; housing urged twice (one reply), market urged once (no reply).
    world.overdueHousing = await startStep('housing', { assignedAt: workingDaysAgo(12) });
    world.overdueMarket = await startStep('market', { assignedAt: workingDaysAgo(6), deadline: { class: 'urgent' } });
    await waitFor(async () => (await escalationLevel(world.overdueHousing)) === 3 && (await escalationLevel(world.overdueMarket)) === 3, { what: 'both overdue steps escalated' });
    const u1 = await supervisor.post(`/api/steps/${world.overdueHousing}/urges`, { message: '请立即办理', level: 'serious' });
    ok(u1, 'urge 1');
    ok(await housing.post(`/api/steps/${world.overdueHousing}/urge-replies`, { urgeNumber: u1.body.urgeNumber, reply: `正在办理，联系电话${PHONE_IN_TEXT}，当事人身份证${ID_IN_REPLY}` }), 'reply');
    const u2 = await supervisor.post(`/api/steps/${world.overdueHousing}/urges`, { message: '再次催办', level: 'severe' });
    ok(u2, 'urge 2');
    world.openUrge = u2.body.urgeNumber;
    ok(await supervisor.post(`/api/steps/${world.overdueMarket}/urges`, { message: '请抓紧', level: 'normal' }), 'urge 3');

    // ---- Applications: a district of this test, a police registry confirming one of them ----
    await upsertPolicy(h.pool, {
      district: D, districtNameZh: '报告测试区', year: 2027, stage: 'primary_1',
      eligibility: { regime: { kind: 'permit_only' }, basisZh: '测试：凭居住证入学' },
      pointsRules: { basisZh: DEMO_POINTS_RULES.basisZh, rules: DEMO_POINTS_RULES.rules },
      checklist: [], notesZh: null,
    });
    const adminApi = await h.as('admin');
    await upload(adminApi, 'schools', `学校代码,学校名称,区县代码,办学性质,学段\n${D}-p1,报告测试第一小学,${D},公办,小学一年级\n${D}-p2,报告测试第二小学,${D},公办,小学一年级\n${D}-r1,报告测试民办学校,${D},民办,小学一年级\n`);
    await upload(adminApi, 'seats', `学校代码,年度,学段,招生学位数,政府购买学位数,购买单价（元/生·年）\n${D}-p1,2027,小学一年级,1,,\n${D}-p2,2027,小学一年级,1,,\n${D}-r1,2027,小学一年级,30,1,8000\n`);
    await upload(adminApi, 'catchments', `区县代码,学段,街道（乡镇）,社区（村）,划片学校代码\n${D},小学一年级,演示街道,幸福社区,${D}-p1\n`);
    await upload(adminApi, 'distances', `学校代码,相邻学校代码,距离（公里）\n${D}-p1,${D}-p2,1.2\n${D}-p1,${D}-r1,2\n`);

    const forms = [applicationForm({ district: D }), applicationForm({ district: D }), applicationForm({ district: D, specialCategories: ['needy_family'] })];
    const g0 = forms[0].guardians[0];
    ok(await police.post('/api/registries/police/imports', { fileName: 'police.csv', csv: `permit_number,id_number,issue_date,valid_until,community\n${forms[0].residencePermit.number},${g0.idNumber},2021-01-10,2030-01-09,幸福社区\n` }), 'registry');
    for (const [i, form] of forms.entries()) {
      const parent = await h.newUser('applicant');
      const r = await parent.post('/api/applications', form);
      ok(r, 'apply');
      const appNo = r.body.applicationNumber as string;
      world.apps.push(appNo);
      ok(await edu.post(`/api/steps/${await stepOf(edu, `${appNo}.pre_review`)}/complete`, { outcome: 'confirmed', findings: '材料齐全' }), 'pre-review');
      const facts: Record<string, [Api, Record<string, unknown>]> = {
        police: [police, { valid: true, months: 48 - i * 12 }],
        hrss: [hrss, { employed: true, insuranceMonths: 12 }],
        housing: [housing, { rentalRegistered: true, communityResidenceProof: true }],
      };
      for (const [dept, [officer, f]] of Object.entries(facts)) {
        const stepId = await stepOf(officer, `${appNo}.${dept}`);
        if (i === 0 && dept === 'police') {
          await waitFor(async () => (await officer.get(`/api/steps/${stepId}`)).body.state === 'done', { what: 'the registry-confirmed police step' });
          continue;
        }
        ok(await officer.post(`/api/steps/${stepId}/complete`, { outcome: 'confirmed', findings: '经核验属实', facts: f }), `${dept} verifies`);
      }
      if (i === 2) ok(await finance.post(`/api/steps/${await stepOf(finance, `${appNo}.aid`)}/complete`, { outcome: 'confirmed', findings: '符合资助条件', facts: { amount: 800 } }), 'aid');
    }
    const systemDone = await h.pool.query(`SELECT actor_user_id FROM audit_log WHERE stream_id = $1 AND action = 'completed'`, [`${world.apps[0]}.police`]);
    expect(systemDone.rows).toEqual([{ actor_user_id: 'system' }]);
    await waitFor(async () => (await h.pool.query(`SELECT count(*)::int AS n FROM applications WHERE district = $1 AND state = 'in_pool'`, [D])).rows[0].n === 3, { what: 'three children in the pool', timeoutMs: 60_000 });
    await waitFor(async () => (await h.pool.query(`SELECT 1 FROM audit_log WHERE stream_id = $1 AND action = 'aid_decided'`, [world.apps[2]])).rowCount === 1, { what: 'the aid decision' });

    const round = await edu.post('/api/allocation-rounds', { district: D, year: 2027, stage: 'primary_1' });
    ok(round, 'round');
    await waitFor(async () => (await h.pool.query(`SELECT count(*)::int AS n FROM applications WHERE district = $1 AND state = 'placed'`, [D])).rows[0].n === 3, { what: 'three children placed', timeoutMs: 60_000 });

    // ---- Responsibility items: one accepted (green), one sent back (red), one not yet due (white) ----
    const policyId = `rpt-${crypto.randomUUID().slice(0, 8)}`;
    ok(await adminApi.post('/api/policies', { policyId, titleZh: '报告测试政策', issuingBody: '测试旗人民政府', issuedOn: '2026-11-01', phases: [] }), 'policy');
    const finalDeadline = addCalendarDays(shanghaiDate(new Date()), 200);
    const newItem = async (number: number, lead: string, cooperating: string[]) => {
      const r = await adminApi.post(`/api/policies/${policyId}/items`, { number, titleZh: `测试事项${number}`, leadDepartment: lead, cooperatingDepartments: cooperating, leaderInCharge: '副旗长', rhythm: null, finalDeadline, evidenceRequirements: ['台账'] });
      ok(r, 'item');
      ok(await supervisor.post(`/api/items/${r.body.itemId}/launch`, {}), 'launch');
      await waitFor(async () => (await h.pool.query('SELECT count(*)::int AS n FROM item_period_steps WHERE item_id = $1', [r.body.itemId])).rows[0].n === 1 + cooperating.length, { what: `item ${number} steps` });
      return r.body.itemId as string;
    };
    const [health, redCross, civil, publicity, culture] = await Promise.all(['health', 'red_cross', 'civil_affairs', 'publicity', 'culture_tourism'].map((d) => h.newUser('officer', { departmentCode: d })));
    world.items.green = await newItem(1, 'health', ['red_cross']);
    world.items.red = await newItem(2, 'civil_affairs', []);
    world.items.white = await newItem(3, 'publicity', ['culture_tourism']);
    void publicity;
    void culture;
    ok(await redCross!.post(`/api/items/${world.items.green}/progress-reports`, { findings: '已开展关爱活动', period: 'final' }), 'coop report');
    ok(await health!.post(`/api/items/${world.items.green}/consolidated-reports`, { findings: '已完成', period: 'final' }), 'lead report');
    ok(await supervisor.post(`/api/items/${world.items.green}/periods/final/review`, { decision: 'accept', feedback: '' }), 'accept item');
    ok(await civil!.post(`/api/items/${world.items.red}/consolidated-reports`, { findings: '初步完成', period: 'final' }), 'lead report 2');
    ok(await supervisor.post(`/api/items/${world.items.red}/periods/final/review`, { decision: 'send_back', feedback: '佐证不足' }), 'send back item');

    // ---- Problems: one closed satisfied, one reopened on an unsatisfied rating (escalated to the leading group) ----
    const gov = await h.newUser('officer', { departmentCode: 'government_services' });
    for (const satisfied of [true, false]) {
      const filed = await h.anonymous.post('/api/public/problems', { titleZh: '报名材料问题', description: `多次往返，电话${PHONE_IN_TEXT}`, contactPhone: `139${String(crypto.randomInt(0, 1e8)).padStart(8, '0')}` });
      ok(filed, 'problem');
      const { problemId, trackingCode } = filed.body;
      world.trackingCodes.push(trackingCode);
      await waitFor(async () => (await h.pool.query(`SELECT 1 FROM audit_log WHERE stream_id = $1`, [problemId])).rowCount! > 0, { what: 'problem submitted' });
      ok(await supervisor.post(`/api/problems/${problemId}/analysis`, { analysis: '属政务服务' }), 'analyse');
      ok(await supervisor.post(`/api/problems/${problemId}/assignment`, { departmentCode: 'government_services', deadlineClass: 'ordinary', instructions: '请核实' }), 'assign');
      ok(await gov.post(`/api/steps/${await stepOf(gov, `${problemId}.handling-1`)}/complete`, { outcome: 'done', findings: '已答复' }), 'handle');
      await waitFor(async () => (await h.anonymous.get(`/api/public/problems/${trackingCode}`)).body.state === 'feedback', { what: 'feedback' });
      ok(await h.anonymous.post(`/api/public/problems/${trackingCode}/rating`, { satisfied }), 'rate');
      await waitFor(async () => (await h.anonymous.get(`/api/public/problems/${trackingCode}`)).body.state === (satisfied ? 'closed' : 'handling'), { what: 'rated' });
    }
  }, 240_000);
});

describe('the report', () => {
  let content: ReportContent;

  it('is produced on demand for the running week (interim), once, and the leading group and the office are told', async () => {
    const supervisor = await h.as('supervisor');
    await new Promise((r) => setTimeout(r, 1100)); // as of a second after the last act
    const today = shanghaiDate(new Date());
    const r = await supervisor.post('/api/reports', { kind: 'weekly', date: today });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ kind: 'weekly', complete: false, created: true, trigger: 'on_demand', requestedBy: '督查室' });
    expect(r.body.reportId).toMatch(/^weekly-\d{4}-W\d{2}-asof-\d{14}$/);
    world.reportId = r.body.reportId;
    world.asOf = r.body.asOf;
    // Asked again: the stored interim snapshot, not a new one.
    const again = await supervisor.post('/api/reports', { kind: 'weekly', date: today });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ reportId: world.reportId, created: false, generatedAt: r.body.generatedAt });

    for (const who of ['leader', 'supervisor']) {
      const notes = await (await h.as(who)).get('/api/notifications');
      const note = notes.body.items.find((n: any) => n.kind === 'report' && n.title.startsWith('周报已生成'));
      expect(note).toBeDefined();
      expect(note.body).toContain(`/api/reports/${world.reportId}.html`);
      expect(note.body).toContain(`/api/reports/${world.reportId}.xlsx`);
      expect(note.body).toContain('红灯事项1项');
    }
    const got = await (await h.as('leader')).get(`/api/reports/${world.reportId}`);
    expect(got.status).toBe(200);
    content = got.body.content;
    expect((await (await h.as('police')).get(`/api/reports/${world.reportId}`)).status).toBe(403);
    expect((await (await h.as('leader')).post('/api/reports', { kind: 'weekly' })).status).toBe(403);
    expect((await supervisor.post('/api/reports', { kind: 'daily' })).status).toBe(400);
    expect((await supervisor.post('/api/reports', { kind: 'weekly', date: addCalendarDays(today, 14) })).status).toBe(422);
  });

  it('counts the lights of the items and their change since the last report', () => {
    expect(content.items.byLight).toEqual({ green: 1, blue: 0, red: 1, yellow: 0, white: 1, grey: 0 });
    expect(content.items.partsByLight).toEqual({ green: 2, blue: 0, red: 1, yellow: 0, white: 2, grey: 0 });
    // Last week nothing had started: every item is new since then.
    expect(content.items.previous?.byLight).toEqual({ green: 0, blue: 0, red: 0, yellow: 0, white: 0, grey: 0 });
    expect(content.items.change).toEqual({ green: 1, blue: 0, red: 1, yellow: 0, white: 1, grey: 0 });
    expect(content.items.trend).toHaveLength(8);
    expect(content.items.changed.map((c) => [c.number, c.from, c.to])).toEqual([[1, null, 'green'], [2, null, 'red'], [3, null, 'white']]);
    expect(content.items.rows.find((r) => r.itemId === world.items.white)?.parts.map((p) => [p.departmentCode, p.role, p.light])).toEqual([['publicity', 'lead', 'white'], ['culture_tourism', 'cooperating', 'white']]);
  });

  it('lists overdue work by department with how many working days, escalations, urges and their replies', async () => {
    const asOf = new Date(world.asOf);
    const deadlines = await h.pool.query<{ step_id: string; deadline_at: Date }>('SELECT step_id, deadline_at FROM steps WHERE step_id = ANY($1)', [[world.overdueHousing, world.overdueMarket]]);
    const days = Object.fromEntries(deadlines.rows.map((r) => [r.step_id, workingDaysOverdue(calendar, asOf, r.deadline_at)]));
    expect(days[world.overdueHousing]).toBeGreaterThanOrEqual(8);
    expect(content.overdue.total).toBe(2);
    expect(content.overdue.byDepartment.map((d) => [d.departmentCode, d.count, d.maxWorkingDays])).toEqual(
      [['housing', 1, days[world.overdueHousing]], ['market', 1, days[world.overdueMarket]]].sort((a, b) => (b[2] as number) - (a[2] as number)),
    );
    expect(content.overdue.byBucket['>5']).toBe(1);
    expect(content.overdue.steps.map((s) => [s.stepId, s.escalationLevel])).toEqual(expect.arrayContaining([[world.overdueHousing, 3], [world.overdueMarket, 3]]));

    // Three steps climbed the whole ladder (3 × 3), and one unsatisfied rating went to the leading group.
    expect(content.escalations.total).toBe(10);
    expect(content.escalations.byLevel.map((l) => [l.level, l.count])).toEqual([['department_head', 3], ['supervision_office', 3], ['leading_group', 4]]);
    expect(content.escalations.byCause).toEqual({ deadline: 9, unsatisfiedRating: 1 });
    expect(content.escalations.byDepartment.map((d) => [d.departmentCode, d.count])).toEqual([['housing', 3], ['market', 3], ['police', 3], ['government_services', 1]]);

    expect(content.urges).toMatchObject({ issued: 3, repliedOfIssued: 1, repliesInPeriod: 1, openAtEnd: 2, avgReplyWorkingDays: 0 });
    expect(content.urges.issuedByLevel.map((l) => l.count)).toEqual([1, 1, 1]);
    expect(content.urges.byDepartment).toEqual([
      { departmentCode: 'housing', nameZh: '住房和城乡建设局', issued: 2, replied: 1, open: 1 },
      { departmentCode: 'market', nameZh: '市场监督管理局', issued: 1, replied: 0, open: 1 },
    ]);
    expect(content.urges.rows.find((u) => u.repliedAt !== null)?.reply).toBe(`正在办理，联系电话139****5678，当事人身份证110105********${ID_IN_REPLY.slice(-4)}`);
  });

  it('ranks the departments by the published rules', async () => {
    const row = (code: string) => content.ranking.find((r) => r.departmentCode === code);
    const late = await h.pool.query<{ assigned_at: Date; completed_at: Date }>('SELECT assigned_at, completed_at FROM steps WHERE step_id = $1', [world.late]);
    const lateDays = responseWorkingDays(calendar, late.rows[0]!.assigned_at, late.rows[0]!.completed_at);
    expect(lateDays).toBeGreaterThanOrEqual(10);
    // Police: the standalone on-time and late steps, two applications verified by an officer (the third by data sharing).
    expect(row('police')).toMatchObject({ completed: 4, onTime: 3, late: 1, overdueOpen: 0, onTimeRate: 0.75, reviewed: 0, firstPassRate: null, avgResponseWorkingDays: Math.round((lateDays / 4) * 100) / 100 });
    // HRSS: three applications and two reviewed steps, one sent back at its first review.
    expect(row('hrss')).toMatchObject({ completed: 5, onTime: 5, onTimeRate: 1, reviewed: 2, firstPassAccepted: 1, firstPassRate: 0.5, avgResponseWorkingDays: 0 });
    expect(row('hrss')!.score).toBe(Math.round(((1 * 50 + 0.5 * 30 + 1 * 20) / 100) * 1000) / 10);
    expect(row('housing')).toMatchObject({ completed: 3, onTime: 3, overdueOpen: 1, onTimeRate: 0.75 });
    expect(row('market')).toMatchObject({ completed: 0, overdueOpen: 1, onTimeRate: 0, avgResponseWorkingDays: null, score: 0 });
    expect(row('civil_affairs')).toMatchObject({ completed: 0, reviewed: 1, firstPassAccepted: 0, firstPassRate: 0, score: 0 });
    expect(row('health')).toMatchObject({ completed: 1, reviewed: 1, firstPassRate: 1, score: 100 });
    expect(row('education')).toMatchObject({ completed: 3, onTimeRate: 1, score: 100 });
    expect(row('government_services')).toMatchObject({ completed: 2, onTime: 2 });
    expect(row('finance')).toMatchObject({ completed: 1 });
    const scores = content.ranking.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(content.ranking[0]!.rank).toBe(1);
    expect(content.ranking.at(-1)!.score).toBe(0);
    expect(content.scoringRulesZh.join('')).toContain('按期办结率');
  });

  it('reports applications, verification turnaround, data sharing, placements against the targets, purchased seats and aid', () => {
    const a = content.applications;
    expect(a.total).toBe(3);
    expect(a.submittedInPeriod).toBe(3);
    expect(a.byState.find((s) => s.state === 'placed')?.count).toBe(3);
    expect(a.byStage).toEqual([expect.objectContaining({ stage: 'primary_1', nameZh: '小学一年级', total: 3 })]);
    expect(a.verification.map((v) => [v.departmentCode, v.completed, v.bySystem, v.byPerson, v.avgWorkingDays])).toEqual([['housing', 3, 0, 3, 0], ['hrss', 3, 0, 3, 0], ['police', 3, 1, 2, 0]]);
    expect(a.dataSharing).toEqual({ completed: 9, bySystem: 1, share: 0.1111 });
    expect(a.placements.totals).toMatchObject({ applicants: 3, placed: 3, catchment: 1, adjusted: 1, purchasedSeats: 1, publicPlaced: 2, publicShare: 0.6667, purchasedCost: 8000 });
    expect(a.placements.totals.targets.map((t) => [t.code, t.met])).toEqual([['placement_100', true], ['public_95', false], ['public_100', false]]);
    expect(a.purchasedSeats).toEqual({ active: 1, cost: 8000, withoutPrice: 0 });
    expect(a.aid).toMatchObject({ decidedInPeriod: 1, grantedInPeriod: 1, amountInPeriod: 800 });
  });

  it('reports the problem ledger: opened, closed, overdue, satisfaction', () => {
    expect(content.problems).toMatchObject({
      openedInPeriod: 2,
      closedInPeriod: 1,
      closedResolved: 1,
      closedUnresolved: 0,
      openAtEnd: 1,
      overdueAtEnd: 0,
      ratingsInPeriod: { satisfied: 1, unsatisfied: 1, rate: 0.5 },
    });
    expect(content.problems.openedBySource.find((s) => s.source === 'public')?.count).toBe(2);
  });

  it('masks personal data everywhere', async () => {
    const leader = await h.as('leader');
    const json = JSON.stringify(content);
    expect(json).not.toContain(PHONE_IN_TEXT);
    expect(json).not.toContain(ID_IN_REPLY);
    expect(json).toContain('139****5678');
    expect(json).toContain('110105********123');
    const html = await (await fetch(`${h.baseUrl}/api/reports/${world.reportId}.html`, { headers: { authorization: `Bearer ${leader.token}` } })).text();
    expect(html).not.toContain(PHONE_IN_TEXT);
    expect(html).not.toContain(ID_IN_REPLY);
  });

  it('prints as an HTML page in Chinese with the charts drawn as SVG and the numbers in it', async () => {
    const leader = await h.as('leader');
    const res = await fetch(`${h.baseUrl}/api/reports/${world.reportId}.html`, { headers: { authorization: `Bearer ${leader.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('随迁子女入学保障工作周报');
    expect(html).toContain('阶段性报告');
    for (const chart of ['lights', 'trend', 'ranking', 'placements']) expect(html).toMatch(new RegExp(`<svg[^>]*data-chart="${chart}"`));
    expect(html).not.toMatch(/<script|<img|src="http/i);
    // The lights chart carries the counts, the ranking chart the scores, the figures the totals.
    expect(html).toMatch(/data-light="red" data-count="1"/);
    expect(html).toMatch(/data-light="white" data-count="1"/);
    for (const r of content.ranking) expect(html).toContain(`data-department="${r.departmentCode}" data-rank="${r.rank}" data-score="${r.score}"`);
    expect(html).toContain('data-figure="overdue-total">2<');
    expect(html).toContain('data-figure="escalations-total">10<');
    expect(html).toContain('data-figure="urges-open">2<');
    expect(html).toContain('data-figure="placed">3<');
    expect(html).toContain('data-figure="purchased-cost">8,000元<');
    expect(html).toContain('data-figure="problems-opened">2<');
    expect(html).toContain('公办学校就读比例达到95%以上');
    expect(html).toContain('66.7%');
    expect(html).toContain('评分规则');
    expect((await fetch(`${h.baseUrl}/api/reports/${world.reportId}.html`)).status).toBe(401);
  });

  it('exports an Excel workbook with one sheet per section, read back with the same numbers', async () => {
    const leader = await h.as('leader');
    const res = await fetch(`${h.baseUrl}/api/reports/${world.reportId}.xlsx`, { headers: { authorization: `Bearer ${leader.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as never);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['概览', '责任事项亮灯', '亮灯趋势', '逾期事项', '督办升级', '催办通知', '部门排名', '入学办理', '问题台账', '评分规则']);
    const rows = (name: string) => {
      const out: unknown[][] = [];
      wb.getWorksheet(name)!.eachRow((r) => out.push((r.values as unknown[]).slice(1)));
      return out;
    };
    const valueOf = (name: string, label: string, col = 1) => rows(name).find((r) => r[0] === label)?.[col];

    expect(valueOf('概览', '报告编号')).toBe(world.reportId);
    expect(valueOf('概览', '红灯事项（项）')).toBe(1);
    expect(valueOf('概览', '逾期未办结（件）')).toBe(2);
    expect(valueOf('概览', '公办学校就读比例')).toBeCloseTo(0.6667, 4);
    expect(rows('责任事项亮灯').find((r) => r[0] === '红灯')?.slice(1, 5)).toEqual([1, 0, 1, 1]);
    expect(rows('责任事项亮灯').filter((r) => typeof r[0] === 'number').map((r) => [r[0], r[3]])).toEqual([[1, '绿灯'], [2, '红灯'], [3, '办理中']]);
    expect(rows('亮灯趋势').filter((r) => typeof r[2] === 'number')).toHaveLength(8);
    expect(valueOf('逾期事项', '住房和城乡建设局')).toBe(1);
    expect(valueOf('督办升级', '领导小组')).toBe(4);
    expect(valueOf('催办通知', '截至期末未回复（件）')).toBe(2);
    const ranking = rows('部门排名').filter((r) => typeof r[0] === 'number');
    expect(ranking.map((r) => [r[1], r[12]])).toEqual(content.ranking.map((r) => [r.nameZh, r.score]));
    const hrss = ranking.find((r) => r[1] === '人力资源和社会保障局')!;
    expect(hrss.slice(2, 10)).toEqual([5, 5, 0, 0, 1, 2, 1, 0.5]);
    expect(wb.getWorksheet('部门排名')!.getRow(rows('部门排名').findIndex((r) => r[1] === '人力资源和社会保障局') + 1).getCell(7).numFmt).toBe('0.0%');
    expect(valueOf('入学办理', '划片入学')).toBe(1);
    expect(valueOf('入学办理', '政府购买学位')).toBe(1);
    expect(valueOf('入学办理', '购买学位费用（元/年）')).toBe(8000);
    expect(valueOf('入学办理', '系统自动核验（项）')).toBe(1);
    expect(valueOf('入学办理', '本期给予资助（人）')).toBe(1);
    expect(valueOf('问题台账', '本期新增（件）')).toBe(2);
    expect(valueOf('问题台账', '本期满意率')).toBe(0.5);
    expect(rows('评分规则').length).toBeGreaterThan(5);
    const all = wb.worksheets.map((w) => rows(w.name).flat().join('|')).join('\n');
    expect(all).not.toContain(PHONE_IN_TEXT);
    expect(all).not.toContain(ID_IN_REPLY);
  });
});

describe('the reports page', () => {
  it('opens the report of the notice’s link for the leading group, with its charts and downloads', async () => {
    const b = await launchBrowser();
    try {
      const page = await b.newPage();
      await loginThroughPage(page, h.baseUrl, 'leader', '/overdue');
      await page.goto(`${h.baseUrl}/reports?id=${world.reportId}`);
      await page.locator('#report-list li').first().waitFor();
      const frame = await waitFor(async () => {
        const f = page.frames().find((x) => x.url().startsWith('blob:'));
        return f && (await f.locator('svg[data-chart="ranking"]').count()) === 1 ? f : undefined;
      }, { what: 'the report in its frame' });
      expect(await frame.locator('h1').textContent()).toContain('随迁子女入学保障工作周报');
      expect(await page.getByRole('link', { name: '下载Excel' }).getAttribute('download')).toBe(`${world.reportId}.xlsx`);
      // Only the supervision office produces reports on demand.
      expect(await page.getByRole('button', { name: '生成' }).count()).toBe(0);
      await screenshot(page, 'reports-leader');
    } finally {
      await b.close();
    }
  }, 90_000);
});

describe('a snapshot', () => {
  it('is reproduced from the history with the same numbers after more work has happened, and never changes', async () => {
    const supervisor = await h.as('supervisor');
    const housing = await h.as('housing');
    // More work since: the overdue housing step is done (late), its open urge answered, a new overdue step appears.
    ok(await housing.post(`/api/steps/${world.overdueHousing}/urge-replies`, { urgeNumber: world.openUrge, reply: '已办结' }), 'late reply');
    ok(await housing.post(`/api/steps/${world.overdueHousing}/complete`, { outcome: 'done', findings: '已办结' }), 'late completion');
    const fresh = await startStep('finance', { assignedAt: workingDaysAgo(8), deadline: { class: 'urgent' } });
    await waitFor(async () => (await escalationLevel(fresh)) === 3, { what: 'the new overdue step escalated' });

    const reproduced = await supervisor.get(`/api/reports/${world.reportId}/reproduction`);
    expect(reproduced.status).toBe(200);
    expect(reproduced.body).toMatchObject({ reportId: world.reportId, matches: true, differences: [], calendarChanged: false });

    // A new interim report (asked for explicitly) sees the new state; the stored one still says what it said.
    await new Promise((r) => setTimeout(r, 1100));
    const later = await supervisor.post('/api/reports', { kind: 'weekly', date: shanghaiDate(new Date()), refresh: true });
    expect(later.status).toBe(201);
    expect(later.body.reportId).not.toBe(world.reportId);
    const laterContent = (await supervisor.get(`/api/reports/${later.body.reportId}`)).body.content as ReportContent;
    expect(laterContent.overdue.byDepartment.map((d) => d.departmentCode).sort()).toEqual(['finance', 'market']);
    expect(laterContent.urges.openAtEnd).toBe(1);
    expect(laterContent.ranking.find((r) => r.departmentCode === 'housing')).toMatchObject({ completed: 4, onTime: 3, overdueOpen: 0 });
    const stored = (await supervisor.get(`/api/reports/${world.reportId}`)).body.content as ReportContent;
    expect(stored.overdue.total).toBe(2);
    expect(stored.urges.openAtEnd).toBe(2);

    await expect(h.pool.query(`UPDATE reports SET content = '{}' WHERE report_id = $1`, [world.reportId])).rejects.toThrow(/never change/);
    await expect(h.pool.query(`DELETE FROM reports WHERE report_id = $1`, [world.reportId])).rejects.toThrow(/never change/);
  }, 120_000);

  it('of a past week is complete, made once however often it is asked for, and reproduced exactly', async () => {
    const supervisor = await h.as('supervisor');
    const lastWeek = addCalendarDays(shanghaiDate(new Date()), -7);
    const first = await supervisor.post('/api/reports', { kind: 'weekly', date: lastWeek });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ complete: true, created: true });
    expect(first.body.reportId).toMatch(/^weekly-\d{4}-W\d{2}$/);
    expect(first.body.asOf).toBe(first.body.endsAt);
    const second = await supervisor.post('/api/reports', { kind: 'weekly', date: lastWeek, refresh: true });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ reportId: first.body.reportId, created: false, generatedAt: first.body.generatedAt });
    // Everything above happened this week: last week's report has none of it.
    const c = (await supervisor.get(`/api/reports/${first.body.reportId}`)).body.content as ReportContent;
    expect(c.summary).toMatchObject({ overdueSteps: 0, escalations: 0, applications: 0, problemsOpened: 0, itemsRunning: 0 });
    expect((await supervisor.get(`/api/reports/${first.body.reportId}/reproduction`)).body).toMatchObject({ matches: true, differences: [] });
    const list = await supervisor.get('/api/reports?kind=weekly');
    expect(list.body.items.map((r: any) => r.reportId)).toEqual(expect.arrayContaining([first.body.reportId, world.reportId]));
    expect(list.body.items.find((r: any) => r.reportId === world.reportId).summary).toMatchObject({ overdueSteps: 2 });
  });
});

describe('the schedules', () => {
  const REPORT_SCHEDULES = ['progress-report-weekly', 'progress-report-monthly', 'progress-report-quarterly'];

  async function scheduleIds(client: Client): Promise<string[]> {
    const ids: string[] = [];
    for await (const s of client.schedule.list()) ids.push(s.scheduleId);
    return ids;
  }

  it('exist once after a start and after a restart, weekly on Monday 08:00 Asia/Shanghai', async () => {
    await ensureSchedules(h.client, h.taskQueue);
    // A restart: another process with its own connection runs the same start-up.
    const connection = await Connection.connect({ address: process.env.TEST_TEMPORAL_ADDRESS! });
    try {
      const restarted = new Client({ connection, namespace: h.client.options.namespace });
      expect(await ensureSchedules(restarted, h.taskQueue)).toEqual([]);
      const ids = await waitFor(async () => {
        const found = await scheduleIds(restarted);
        return REPORT_SCHEDULES.every((id) => found.includes(id)) ? found : undefined;
      }, { what: 'the schedules to be listed' });
      for (const id of REPORT_SCHEDULES) expect(ids.filter((x) => x === id)).toHaveLength(1);
    } finally {
      await connection.close();
    }
    const weekly = await h.client.schedule.getHandle('progress-report-weekly').describe();
    expect(weekly.spec.timezone).toBe('Asia/Shanghai');
    expect(weekly.spec.calendars).toEqual([expect.objectContaining({ dayOfWeek: [expect.objectContaining({ start: 'MONDAY', end: 'MONDAY' })], hour: [expect.objectContaining({ start: 8, end: 8 })], minute: [expect.objectContaining({ start: 0, end: 0 })] })]);
    expect(weekly.action).toMatchObject({ type: 'startWorkflow', workflowType: 'progressReportWorkflow', args: [{ kind: 'weekly', trigger: 'schedule' }] });
    const quarterly = await h.client.schedule.getHandle('progress-report-quarterly').describe();
    expect(quarterly.spec.calendars?.[0]).toMatchObject({ dayOfMonth: [expect.objectContaining({ start: 1, end: 1 })] });
    expect(quarterly.spec.calendars?.[0]?.month.map((m) => m.start)).toEqual(['JANUARY', 'APRIL', 'JULY', 'OCTOBER']);
    const monthly = await h.client.schedule.getHandle('progress-report-monthly').describe();
    expect(monthly.spec.calendars?.[0]).toMatchObject({ dayOfMonth: [expect.objectContaining({ start: 1, end: 1 })], hour: [expect.objectContaining({ start: 8 })] });
  });

  it('a scheduled run reports on the week just ended and notifies', async () => {
    // The same definition on this file's task queue (the service's schedules may point at another test's worker).
    const def = SERVICE_SCHEDULES.find((s) => s.scheduleId === 'progress-report-weekly')!;
    const scheduleId = `progress-report-weekly-test-${crypto.randomUUID().slice(0, 8)}`;
    await ensureSchedules(h.client, h.taskQueue, [{ ...def, scheduleId }]);
    const handle = h.client.schedule.getHandle(scheduleId);
    try {
      await handle.trigger();
      const lastWeek = addCalendarDays(shanghaiDate(new Date()), -7);
      const report = await waitFor(async () => {
        const r = await h.pool.query(`SELECT report_id, trigger, complete FROM reports WHERE kind = 'weekly' AND complete AND starts_at <= $1 AND ends_at > $1`, [startOfShanghaiDay(lastWeek)]);
        return r.rows[0];
      }, { what: 'the scheduled report' });
      expect(report).toMatchObject({ complete: true });
      const runs = await waitFor(async () => {
        const d = await handle.describe();
        return d.info.recentActions.length > 0 ? d.info.recentActions : undefined;
      }, { what: 'the scheduled action' });
      const run = await h.client.workflow.getHandle(runs[0]!.action.workflow.workflowId).result();
      expect(run).toMatchObject({ reportId: report.report_id, kind: 'weekly', complete: true });
    } finally {
      await handle.delete().catch((e) => {
        if (!(e instanceof ScheduleNotFoundError)) throw e;
      });
    }
  });
});
