/**
 * Responsibility items on the real servers, through the API as the supervision office and the departments use it,
 * with the working-day schedule compressed (one calendar day lasts 2.4 s, a week 16.8 s) through the same workflow,
 * activities and calendar arithmetic production runs at full length: seed 000 on a fresh start; administering policies
 * and items; an item taken through weekly periods (cooperating reports consolidated by the lead, review sent back and
 * accepted, a missed period turning red, urged in bulk and escalated to the leading group) with the board's lights for
 * each case; who may report and review; an item with a final deadline closing on acceptance.
 */
import crypto from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { stepActionUpdate } from '../../contracts/department-step';
import { makeItemWorkflowId } from '../../contracts/responsibility-item';
import { DEMO_SUPERVISION_POLICY_ID } from '../../db/seed-responsibility-items';
import { shanghaiDate, addCalendarDays } from '../../domain/working-days';
import { startHarness, type Api, type Harness } from '../support/harness';
import { waitFor } from '../support/wait';

const FACTOR = 36_000; // 86 400 s / 36 000 = 2.4 s per calendar day, a week 16.8 s
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ timeScaleFactor: FACTOR });
});
afterAll(() => h.stop());

const LEAD = 'health';
const COOP_A = 'red_cross';
const COOP_B = 'culture_tourism';

async function newPolicy(admin: Api): Promise<string> {
  const policyId = `t-${crypto.randomUUID().slice(0, 8)}`;
  const r = await admin.post('/api/policies', {
    policyId,
    titleZh: '测试政策：随迁子女入学保障',
    issuingBody: '测试旗人民政府',
    issuedOn: '2026-11-01',
    phases: [{ nameZh: '组织实施阶段', startsOn: '2026-11-01', endsOn: '2027-08-31', milestones: [{ date: '2027-06-30', nameZh: '中期评估' }] }],
  });
  expect(r.status).toBe(201);
  return policyId;
}

async function newItem(admin: Api, policyId: string, fields: Record<string, unknown> = {}) {
  const r = await admin.post(`/api/policies/${policyId}/items`, {
    number: 1,
    titleZh: '开展关爱帮扶，落实资助政策',
    contentZh: '建立健全企业外来用工子女关爱帮扶机制，落实各类教育资助政策。',
    leadDepartment: LEAD,
    cooperatingDepartments: [COOP_A, COOP_B],
    leaderInCharge: '分管卫生健康工作的副旗长',
    rhythm: 'weekly',
    evidenceRequirements: ['工作台账', '佐证照片'],
    ...fields,
  });
  expect(r.status).toBe(201);
  return r.body as { itemId: string; number: number };
}

async function boardRows(api: Api, query: string) {
  const r = await api.get(`/api/board?${query}`);
  expect(r.status).toBe(200);
  return r.body.items as any[];
}

/** The labels of the item's opened periods, oldest first, once `n` are open with all their steps on the board. */
async function periodsOpened(api: Api, itemId: string, n: number, stepsPerPeriod: number): Promise<string[]> {
  return waitFor(async () => {
    const detail = await api.get(`/api/items/${itemId}`);
    const labels = (detail.body.periods as any[]).filter((p) => p.state !== 'skipped').map((p) => p.label).reverse();
    if (labels.length < n) return undefined;
    const rows = await boardRows(api, `item=${itemId}&period=${labels[n - 1]}`);
    return rows.length === stepsPerPeriod ? labels : undefined;
  }, { timeoutMs: 45_000, intervalMs: 150, what: `period ${n} of ${itemId}` });
}

const lightsOf = (rows: any[]) => Object.fromEntries(rows.map((r) => [r.role === 'lead' ? 'lead' : r.departmentCode, r.light]));

describe('seed 000 on a fresh start', () => {
  it('the demo policy holds the 18 items with their lead and cooperating departments', async () => {
    const supervisor = await h.as('supervisor');
    const r = await supervisor.get(`/api/policies/${DEMO_SUPERVISION_POLICY_ID}`);
    expect(r.status).toBe(200);
    expect(r.body.titleZh).toBe('伊金霍洛旗企业外来用工子女入学保障办法（讨论稿）');
    expect(r.body.phases.map((p: any) => p.nameZh)).toEqual(['启动部署阶段', '组织实施阶段', '总结提炼阶段']);
    const items = r.body.items as any[];
    expect(items.map((i) => i.number)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    expect(items[0]).toMatchObject({ lead: { code: 'education', nameZh: '教育局' }, cooperating: [{ code: 'finance', nameZh: '财政局' }, { code: 'development_reform', nameZh: '发展和改革委员会' }] });
    expect(items[7]).toMatchObject({ lead: { nameZh: '政法委' }, cooperating: [{ nameZh: '教育局' }] });
    expect(items[15].cooperating.map((c: any) => c.nameZh)).toEqual(['残疾人联合会', '财政局', '民政局', '卫生健康委员会']);
    expect(items[17]).toMatchObject({ lead: { nameZh: '宣传部' } });
    expect(items[2]).toMatchObject({ rhythm: 'monthly', finalDeadline: '2027-05-31' });
    expect(items.every((i) => i.status === 'draft' && i.leaderInCharge && i.evidenceRequirements.length > 0)).toBe(true);

    // The police see the items their department is on, and no others.
    const police = await h.as('police');
    const theirs = await police.get(`/api/items?policy=${DEMO_SUPERVISION_POLICY_ID}`);
    expect(theirs.body.items.map((i: any) => i.number)).toEqual([6, 7]);
    expect((await police.get(`/api/items/${items[0].itemId}`)).status).toBe(403);
  });
});

describe('administering policies and items', () => {
  it('creates and edits them with errors naming the field, logging every edit; officers may not', async () => {
    const admin = await h.as('admin');
    const policyId = await newPolicy(admin);

    const badPolicy = await admin.post('/api/policies', { policyId: `${policyId}-b`, titleZh: '', issuingBody: '政府', phases: [{ nameZh: '阶段', startsOn: '2027-05-01', endsOn: '2027-04-01' }] });
    expect(badPolicy.status).toBe(400);
    expect(badPolicy.body.error.fields.map((f: any) => f.field)).toContain('body.titleZh');
    const badPhase = await admin.post('/api/policies', { policyId: `${policyId}-c`, titleZh: '政策', issuingBody: '政府', phases: [{ nameZh: '阶段', startsOn: '2027-05-01', endsOn: '2027-04-01' }] });
    expect(badPhase.status).toBe(400);
    expect(badPhase.body.error.fields).toEqual([expect.objectContaining({ field: 'body.phases.0.endsOn' })]);

    const bad = await admin.post(`/api/policies/${policyId}/items`, { number: 1, titleZh: '事项', leadDepartment: LEAD, cooperatingDepartments: [LEAD, 'nowhere'], leaderInCharge: '副旗长' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.fields.map((f: any) => f.field)).toEqual(['body.cooperatingDepartments.0', 'body.cooperatingDepartments.1', 'body.rhythm']);
    const badRhythm = await admin.post(`/api/policies/${policyId}/items`, { number: 1, titleZh: '事项', leadDepartment: LEAD, leaderInCharge: '副旗长', rhythm: 'daily' });
    expect(badRhythm.status).toBe(400);
    expect(badRhythm.body.error.fields[0].field).toBe('body.rhythm');

    const item = await newItem(admin, policyId);
    expect(item.itemId).toBe(`${policyId}-01`);
    const again = await admin.post(`/api/policies/${policyId}/items`, { number: 1, titleZh: '重复', leadDepartment: LEAD, leaderInCharge: '副旗长', rhythm: 'monthly', itemId: `${policyId}-x` });
    expect(again.status).toBe(409);
    expect(again.body.error.fields[0].field).toBe('body.number');

    const edited = await admin.request('PATCH', `/api/items/${item.itemId}`, { cooperatingDepartments: [COOP_A], leaderInCharge: '副旗长（分管卫生健康）', rhythm: 'monthly' });
    expect(edited.status).toBe(200);
    expect(edited.body.changed.sort()).toEqual(['cooperatingDepartments', 'leaderInCharge', 'rhythm']);
    expect(edited.body.cooperating).toEqual([{ code: COOP_A, nameZh: '红十字会' }]);
    const unchanged = await admin.request('PATCH', `/api/items/${item.itemId}`, { rhythm: 'monthly' });
    expect(unchanged.body.changed).toEqual([]);
    const conflicting = await admin.request('PATCH', `/api/items/${item.itemId}`, { leadDepartment: COOP_A });
    expect(conflicting.status).toBe(400);
    expect(conflicting.body.error.fields[0].field).toBe('body.cooperatingDepartments.0');

    const policyEdit = await admin.request('PATCH', `/api/policies/${policyId}`, { issuingBody: '测试旗人民政府办公室' });
    expect(policyEdit.body.changed).toEqual(['issuingBody']);

    const audit = await h.pool.query(`SELECT stream_id, seq, stream_type, action, actor_role, details FROM audit_log WHERE stream_id = ANY($1) ORDER BY stream_id, seq`, [[`item:${item.itemId}`, `policy:${policyId}`]]);
    expect(audit.rows.map((r) => [r.stream_type, r.seq, r.action])).toEqual([
      ['item', 1, 'created'],
      ['item', 2, 'edited'],
      ['policy', 1, 'created'],
      ['policy', 2, 'edited'],
    ]);
    expect(audit.rows[1].details.changes.leaderInCharge).toEqual({ from: '分管卫生健康工作的副旗长', to: '副旗长（分管卫生健康）' });
    expect(audit.rows[1].actor_role).toBe('admin');

    const officer = await h.as('edu');
    expect((await officer.request('PATCH', `/api/items/${item.itemId}`, { leaderInCharge: 'x' })).status).toBe(403);
    expect((await officer.post('/api/policies', { policyId: 'zz-officer', titleZh: 'x', issuingBody: 'y' })).status).toBe(403);
  });
});

describe('an item through its reporting periods', () => {
  it('consolidates, is sent back and accepted, misses a period (red, urged, escalated), with the lights on the board', async () => {
    const admin = await h.as('admin');
    const supervisor = await h.as('supervisor');
    const leader = await h.as('leader');
    const lead = await h.newUser('officer', { departmentCode: LEAD });
    const coopA = await h.newUser('officer', { departmentCode: COOP_A });
    const coopB = await h.newUser('officer', { departmentCode: COOP_B });
    const outsider = await h.newUser('officer', { departmentCode: 'hrss' });
    const policyId = await newPolicy(admin);
    const item = await newItem(admin, policyId);

    // Launched to start with the next week, so every period opened here is a whole one.
    const launched = await supervisor.post(`/api/items/${item.itemId}/launch`, { startWith: 'next' });
    expect(launched.status).toBe(200);
    expect((await supervisor.post(`/api/items/${item.itemId}/launch`, { startWith: 'next' })).body).toEqual(launched.body);
    const firstRun = await h.client.workflow.getHandle(makeItemWorkflowId(item.itemId)).describe();

    const [p1] = await periodsOpened(supervisor, item.itemId, 1, 3);
    const rows1 = await boardRows(supervisor, `item=${item.itemId}&period=${p1}`);
    const stepOf = (rows: any[], who: string) => rows.find((r) => (who === 'lead' ? r.role === 'lead' : r.departmentCode === who && r.role === 'cooperating')).stepId as string;
    const leadStep1 = stepOf(rows1, 'lead');
    const coopAStep1 = stepOf(rows1, COOP_A);
    expect(rows1.find((r) => r.role === 'lead')).toMatchObject({ departmentCode: LEAD, departmentNameZh: '卫生健康委员会', roleZh: '牵头单位', leaderInCharge: '分管卫生健康工作的副旗长' });

    // ---- Who may report and review ----
    expect((await outsider.post(`/api/items/${item.itemId}/progress-reports`, { findings: '本部门已开展' })).status).toBe(403);
    expect((await outsider.post(`/api/items/${item.itemId}/consolidated-reports`, { findings: '汇总' })).status).toBe(403);
    expect((await outsider.get(`/api/items/${item.itemId}`)).status).toBe(403);
    expect((await coopA.post(`/api/items/${item.itemId}/consolidated-reports`, { findings: '代为汇总', period: p1 })).status).toBe(403);
    expect((await coopA.post(`/api/steps/${leadStep1}/complete`, { outcome: 'done', findings: '代为汇总' })).status).toBe(403);
    expect((await lead.post(`/api/items/${item.itemId}/progress-reports`, { findings: '进展', period: p1 })).status).toBe(409);
    expect((await leader.post(`/api/items/${item.itemId}/periods/${p1}/review`, { decision: 'accept' })).status).toBe(403);
    expect((await lead.post(`/api/steps/${leadStep1}/review`, { decision: 'accept' })).status).toBe(403);

    // ---- The cooperating departments report; the lead hears of each ----
    const a1 = await coopA.post(`/api/items/${item.itemId}/progress-reports`, { findings: '已发放关爱物资20份', evidence: [{ name: '发放台账', ref: 'sha256:aaa' }], period: p1 });
    expect(a1.status).toBe(200);
    expect(a1.body).toMatchObject({ stepId: coopAStep1, period: p1, state: 'done' });
    await waitFor(async () => (await lead.get('/api/notifications')).body.items.some((n: any) => n.title.startsWith('配合单位已报送') && n.body.includes('已发放关爱物资20份')), { what: "the lead's notice of the progress report" });
    expect((await coopB.post(`/api/items/${item.itemId}/progress-reports`, { findings: '开展文化进社区活动2场', period: p1 })).status).toBe(200);

    // ---- The lead consolidates (blue), is sent back (red), files again (blue), is accepted (green) ----
    const filed = await lead.post(`/api/items/${item.itemId}/consolidated-reports`, { findings: '本周共帮扶12名随迁子女', evidence: [{ name: '汇总表', ref: 'sha256:bbb' }], period: p1 });
    expect(filed.status).toBe(200);
    expect(filed.body).toMatchObject({ stepId: leadStep1, state: 'awaiting_review', cooperatingReported: [COOP_B, COOP_A].sort(), cooperatingMissing: [] });
    expect(lightsOf(await boardRows(supervisor, `item=${item.itemId}&period=${p1}`))).toEqual({ lead: 'blue', [COOP_A]: 'green', [COOP_B]: 'green' });

    const sentBack = await supervisor.post(`/api/items/${item.itemId}/periods/${p1}/review`, { decision: 'send_back', feedback: '缺少资助发放佐证材料', recordProblem: true });
    expect(sentBack.status).toBe(200);
    expect(sentBack.body).toMatchObject({ state: 'sent_back', problemId: expect.stringMatching(/^WT\d+$/) });
    expect(lightsOf(await boardRows(supervisor, `item=${item.itemId}&period=${p1}`)).lead).toBe('red');
    const reviewProblem = await waitFor(async () => {
      const r = await supervisor.get(`/api/problems/${sentBack.body.problemId}`);
      return r.status === 200 && r.body.timeline.length > 0 ? r.body : undefined;
    });
    expect(reviewProblem).toMatchObject({ source: 'review', itemId: item.itemId, relatedStepId: leadStep1, description: '缺少资助发放佐证材料', state: 'found' });

    expect((await lead.post(`/api/items/${item.itemId}/consolidated-reports`, { findings: '已补充资助发放佐证', evidence: [{ name: '资助发放表', ref: 'sha256:ccc' }], period: p1 })).body.state).toBe('awaiting_review');
    expect(lightsOf(await boardRows(supervisor, `item=${item.itemId}&period=${p1}`)).lead).toBe('blue');
    expect((await supervisor.post(`/api/items/${item.itemId}/periods/${p1}/review`, { decision: 'accept', feedback: '同意' })).body.state).toBe('accepted');
    expect(lightsOf(await boardRows(supervisor, `item=${item.itemId}&period=${p1}`))).toEqual({ lead: 'green', [COOP_A]: 'green', [COOP_B]: 'green' });
    // Filters: by department, by the leader in charge; an officer's board shows only their own department.
    expect((await boardRows(supervisor, `item=${item.itemId}&period=${p1}&department=${COOP_A}`)).map((r) => r.departmentCode)).toEqual([COOP_A]);
    expect(await boardRows(supervisor, `item=${item.itemId}&period=${p1}&leader=${encodeURIComponent('分管卫生健康')}`)).toHaveLength(3);
    expect(await boardRows(supervisor, `item=${item.itemId}&leader=${encodeURIComponent('分管教育')}`)).toHaveLength(0);
    expect((await boardRows(coopB, `item=${item.itemId}&period=${p1}`)).map((r) => r.departmentCode)).toEqual([COOP_B]);
    expect((await coopB.get(`/api/board?department=${COOP_A}`)).status).toBe(403);
    const counted = await supervisor.get(`/api/board?item=${item.itemId}&period=${p1}`);
    expect(counted.body.counts).toEqual({ green: 3 });

    // The period shows as accepted once its consolidated report is (read from the step, however late the review).
    const detail1 = await waitFor(async () => {
      const d = (await lead.get(`/api/items/${item.itemId}?period=${p1}`)).body;
      return d.periods[0].acceptedAt ? d : undefined;
    }, { what: 'the period accepted' });
    const leadDetail = detail1.periods[0].steps.find((s: any) => s.role === 'lead');
    expect(leadDetail.feedback.map((f: any) => [f.decision, f.feedback])).toEqual([['send_back', '缺少资助发放佐证材料'], ['accept', '同意']]);
    expect(leadDetail.findings).toBe('已补充资助发放佐证');
    expect(leadDetail.evidence).toEqual(expect.arrayContaining([{ name: '资助发放表', ref: 'sha256:ccc' }, { name: '配合单位报送：红十字会', ref: `step:${coopAStep1}` }]));
    expect(detail1.periods[0].steps.find((s: any) => s.departmentCode === COOP_A).evidence).toEqual([{ name: '发放台账', ref: 'sha256:aaa' }]);
    expect(detail1.timeline.map((e: any) => e.action)).toEqual(expect.arrayContaining(['launched', 'period_opened', 'progress_reported', 'completed', 'review']));

    // ---- Period 2: nobody reports. Red when the deadlines pass; urged in bulk; escalated to the leading group ----
    const labels = await periodsOpened(supervisor, item.itemId, 2, 3);
    const p2 = labels[1]!;
    expect(p2).not.toBe(p1);
    const rows2 = await boardRows(supervisor, `item=${item.itemId}&period=${p2}`);
    const coopAStep2 = stepOf(rows2, COOP_A);
    const leadStep2 = stepOf(rows2, 'lead');
    expect(rows2.every((r) => ['white', 'yellow'].includes(r.light))).toBe(true);

    const overdue = await waitFor(async () => {
      const rows = await boardRows(supervisor, `item=${item.itemId}&period=${p2}&due=overdue`);
      return rows.length === 3 ? rows : undefined;
    }, { timeoutMs: 45_000, what: 'period 2 overdue' });
    expect(lightsOf(overdue)).toEqual({ lead: 'red', [COOP_A]: 'red', [COOP_B]: 'red' });
    expect((await boardRows(supervisor, `item=${item.itemId}&light=red`)).map((r) => r.period)).toEqual(expect.arrayContaining([p2]));
    expect((await boardRows(supervisor, `item=${item.itemId}&light=red`)).some((r) => r.period === p1)).toBe(false);

    const urged = await supervisor.post('/api/urges', { stepIds: [coopAStep2, leadStep2, coopAStep1, 'no-such-step'], message: '请立即报送本周进展', level: 'serious' });
    expect(urged.status).toBe(200);
    expect(urged.body).toMatchObject({ urged: 2, refused: 1, notFound: 1 });
    const byStep = Object.fromEntries(urged.body.results.map((r: any) => [r.stepId, r]));
    expect(byStep[coopAStep2]).toMatchObject({ result: 'urged', urgeNumber: expect.stringMatching(/^督办〔\d{4}〕\d{4}号$/) });
    expect(byStep[coopAStep1]).toMatchObject({ result: 'refused', status: 409 });
    expect(byStep['no-such-step']).toMatchObject({ result: 'not_found', status: 404 });
    const number = byStep[coopAStep2].urgeNumber;
    expect((await coopA.post(`/api/steps/${coopAStep2}/urge-replies`, { urgeNumber: number, reply: '材料正在整理，明日报送' })).status).toBe(200);

    const escalated = await waitFor(async () => {
      const r = await leader.get('/api/escalations?level=leading_group&subjectType=item&pageSize=200');
      return r.body.items.find((e: any) => e.stepId === coopAStep2);
    }, { timeoutMs: 45_000, what: 'the escalation to the leading group' });
    expect(escalated).toMatchObject({ level: 'leading_group', levelZh: '领导小组', cause: 'deadline', departmentCode: COOP_A, itemNumber: 1, period: p2, light: 'red' });
    const ladder = await h.pool.query('SELECT rung, level FROM escalations WHERE step_id = $1 ORDER BY rung', [coopAStep2]);
    expect(ladder.rows.map((r) => r.level)).toEqual(['department_head', 'supervision_office', 'leading_group']);
    expect((await coopA.get('/api/escalations')).status).toBe(403);

    const detail2 = (await supervisor.get(`/api/items/${item.itemId}?period=${p2}`)).body;
    const coopADetail2 = detail2.periods[0].steps.find((s: any) => s.departmentCode === COOP_A);
    expect(coopADetail2).toMatchObject({ light: 'red', escalationLevel: 3 });
    expect(coopADetail2.urges).toEqual([expect.objectContaining({ number, level: 'serious', reply: '材料正在整理，明日报送' })]);
    // The earlier period keeps its lights.
    expect(lightsOf(await boardRows(supervisor, `item=${item.itemId}&period=${p1}`))).toEqual({ lead: 'green', [COOP_A]: 'green', [COOP_B]: 'green' });

    // One run per period: the item continued as new at each boundary, so its history stays one period long.
    const now = await h.client.workflow.getHandle(makeItemWorkflowId(item.itemId)).describe();
    expect(now.runId).not.toBe(firstRun.runId);
    const history = await h.client.workflow.getHandle(makeItemWorkflowId(item.itemId)).fetchHistory();
    expect(history.events!.length).toBeLessThan(120);

    // ---- Closing the item stops it and cancels what is still open ----
    expect((await supervisor.post(`/api/items/${item.itemId}/close`, { reason: '事项调整' })).body.status).toBe('closing');
    await waitFor(async () => (await supervisor.get(`/api/items/${item.itemId}`)).body.status === 'closed', { what: 'the item closed' });
    const afterClose = await boardRows(supervisor, `item=${item.itemId}&period=${p2}`);
    expect(afterClose.every((r) => r.state === 'cancelled' && r.light === 'grey')).toBe(true);
  }, 200_000);

  it('the workflow itself refuses a review by anyone but the supervision office', async () => {
    const admin = await h.as('admin');
    const lead = await h.newUser('officer', { departmentCode: LEAD });
    const policyId = await newPolicy(admin);
    const item = await newItem(admin, policyId, { cooperatingDepartments: [], rhythm: null, finalDeadline: addCalendarDays(shanghaiDate(new Date()), 200) });
    expect((await admin.post(`/api/items/${item.itemId}/launch`, {})).status).toBe(200);
    const [label] = await periodsOpened(admin, item.itemId, 1, 1);
    expect(label).toBe('final');
    const rows = await boardRows(admin, `item=${item.itemId}`);
    expect((await lead.post(`/api/items/${item.itemId}/consolidated-reports`, { findings: '已完成', period: 'final' })).body.state).toBe('awaiting_review');

    const handle = h.client.workflow.getHandle(`step-${rows[0].stepId}`);
    const officerActor = { userId: lead.userId, username: 'x', displayName: '经办人', role: 'officer' as const, departmentCode: LEAD, schoolId: null };
    const refused = handle.executeUpdate(stepActionUpdate, { args: [{ action: { type: 'review', decision: 'accept', feedback: '' }, actor: officerActor, requestId: 'r-1' }] });
    await expect(refused).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(refused).rejects.toMatchObject({ cause: { type: 'step_forbidden' } });

    // The supervision office accepts the last report: the item with a final deadline closes.
    const supervisor = await h.as('supervisor');
    expect((await supervisor.post(`/api/items/${item.itemId}/periods/final/review`, { decision: 'accept', feedback: '' })).body.state).toBe('accepted');
    const closed = await waitFor(async () => {
      const d = await supervisor.get(`/api/items/${item.itemId}`);
      return d.body.status === 'closed' ? d.body : undefined;
    }, { what: 'the item closed on acceptance' });
    expect(closed.periods[0]).toMatchObject({ label: 'final', last: true, state: 'closed', acceptedAt: expect.any(String) });
    expect(closed.timeline.map((e: any) => e.action)).toEqual(expect.arrayContaining(['period_accepted', 'closed']));
    expect((await supervisor.post(`/api/items/${item.itemId}/launch`, {})).status).toBe(409);
  }, 60_000);
});

describe('dates past the calendar', () => {
  it('are refused when an item is written, naming the field', async () => {
    const admin = await h.as('admin');
    const policyId = await newPolicy(admin);
    const r = await admin.post(`/api/policies/${policyId}/items`, {
      number: 2,
      titleZh: '远期事项',
      contentZh: '',
      leadDepartment: LEAD,
      cooperatingDepartments: [],
      leaderInCharge: '分管副旗长',
      rhythm: null,
      finalDeadline: '2300-01-01',
      evidenceRequirements: [],
    });
    expect(r.status).toBe(400);
    expect(r.body.error.fields).toEqual([{ field: 'body.finalDeadline', message: expect.stringContaining('2199') }]);
  });

  it('never keep an item from closing: one whose final deadline the service cannot plan still closes', async () => {
    const admin = await h.as('admin');
    const supervisor = await h.as('supervisor');
    const policyId = await newPolicy(admin);
    const item = await newItem(admin, policyId, { cooperatingDepartments: [], rhythm: null, finalDeadline: addCalendarDays(shanghaiDate(new Date()), 200) });
    // An item written before dates were checked: its final deadline is past every calendar year.
    await h.pool.query(`UPDATE responsibility_items SET final_deadline = '2300-01-01' WHERE item_id = $1`, [item.itemId]);
    expect((await admin.post(`/api/items/${item.itemId}/launch`, {})).status).toBe(200);
    // Running, and stuck planning a period it cannot plan: the close goes to the workflow.
    await waitFor(async () => (await supervisor.get(`/api/items/${item.itemId}`)).body.status === 'running', { what: 'the item running' });
    const handle = h.client.workflow.getHandle(makeItemWorkflowId(item.itemId));
    await waitFor(async () => (await handle.describe()).raw.pendingActivities?.some((a) => a.activityType?.name === 'planItemPeriod' && (a.attempt ?? 0) >= 2), { what: 'the planning retrying' });
    expect((await supervisor.post(`/api/items/${item.itemId}/close`, { reason: '事项调整' })).body.status).toBe('closing');
    const closed = await waitFor(async () => {
      const d = (await supervisor.get(`/api/items/${item.itemId}`)).body;
      return d.status === 'closed' ? d : undefined;
    }, { what: 'the item closed', timeoutMs: 30_000 });
    expect(closed.timeline.map((e: any) => e.action)).toContain('closed');
  }, 60_000);
});
