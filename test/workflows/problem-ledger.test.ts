/**
 * The problem ledger (问题台账) on the real servers: a complaint from the public channel (no login, a tracking code, the
 * phone masked everywhere) analysed and assigned by the supervision office with the 1-3-5 class, handled by the
 * department as a department step, rated by the reporter, reopened once on an unsatisfied rating and escalated to
 * the leading group; an official's problem closed unresolved after a second unsatisfied rating; the channel's
 * validation and rate limit; no personal data in the workflows' histories.
 */
import crypto from 'node:crypto';
import { makeProblemWorkflowId } from '../../contracts/problem';
import { maskPhone } from '../../domain/personal-data';
import { PersonalDataVault } from '../../platform/personal-data-vault';
import { TEST_PERSONAL_DATA_KEY, startHarness, type Api, type Harness } from '../support/harness';
import { waitFor } from '../support/wait';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

const randomPhone = () => `139${String(crypto.randomInt(0, 100_000_000)).padStart(8, '0')}`;

async function publicStatus(trackingCode: string) {
  const r = await h.anonymous.get(`/api/public/problems/${trackingCode}`);
  expect(r.status).toBe(200);
  return r.body;
}

async function untilState(trackingCode: string, state: string) {
  return waitFor(async () => {
    const s = await publicStatus(trackingCode);
    return s.state === state ? s : undefined;
  }, { what: `problem to reach ${state}` });
}

/** The department completes the problem's current handling step with its result. */
async function handle(officer: Api, problemId: string, round: number, findings: string) {
  const stepId = `${problemId}.handling-${round}`;
  await waitFor(async () => (await officer.get(`/api/steps/${stepId}`)).status === 200, { what: `handling step ${stepId}` });
  const r = await officer.post(`/api/steps/${stepId}/complete`, { outcome: 'done', findings });
  expect(r.status).toBe(200);
  return stepId;
}

describe('a complaint from the public channel', () => {
  it('goes found → analysed → assigned (1-3-5) → handled → rated unsatisfied → reopened and escalated → handled → rated satisfied', async () => {
    const phone = randomPhone();
    const description = '孩子在示范区第一小学报名时被要求提供额外的务工证明，多次往返仍未办成。';
    const filed = await h.anonymous.post('/api/public/problems', { titleZh: '入学报名被要求额外证明', description, contactPhone: phone });
    expect(filed.status).toBe(201);
    expect(filed.body).toMatchObject({ problemId: expect.stringMatching(/^WT\d{10}$/), contactPhoneMasked: maskPhone(phone), state: 'found', stateZh: '已登记，待分析研判' });
    expect(filed.body.trackingCode).toMatch(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/);
    expect(JSON.stringify(filed.body)).not.toContain(phone);
    const { problemId, trackingCode } = filed.body;

    const supervisor = await h.as('supervisor');
    const leader = await h.as('leader');
    const housing = await h.newUser('officer', { departmentCode: 'housing' });
    const police = await h.newUser('officer', { departmentCode: 'police' });

    // The office finds it in the ledger (phone masked) and is told of it.
    await waitFor(async () => (await supervisor.get(`/api/problems/${problemId}`)).body.timeline?.length > 0, { what: 'the submitted event' });
    const found = await supervisor.get(`/api/problems/${problemId}`);
    expect(found.body).toMatchObject({ source: 'public', sourceZh: '群众投诉申诉', state: 'found', contactPhoneMasked: maskPhone(phone), description });
    expect(JSON.stringify(found.body)).not.toContain(phone);
    expect((await supervisor.get('/api/problems?state=found&source=public&pageSize=200')).body.items.map((p: any) => p.problemId)).toContain(problemId);
    expect((await supervisor.get('/api/notifications')).body.items.some((n: any) => n.title.includes(problemId) && n.title.startsWith('新问题线索'))).toBe(true);
    expect((await publicStatus(trackingCode)).progress.map((l: any) => l.textZh)).toEqual(['问题已登记']);

    // Nothing to rate yet; only the office analyses and assigns.
    expect((await h.anonymous.post(`/api/public/problems/${trackingCode}/rating`, { satisfied: true })).status).toBe(409);
    expect((await housing.post(`/api/problems/${problemId}/analysis`, { analysis: 'x' })).status).toBe(403);
    expect((await supervisor.post(`/api/problems/${problemId}/assignment`, { departmentCode: 'housing', deadlineClass: 'ordinary', instructions: '请核实' })).status).toBe(409);
    const analysed = await supervisor.post(`/api/problems/${problemId}/analysis`, { analysis: '学校超出清单要求材料，属住房租赁备案核验环节，由住建局核实并答复。' });
    expect(analysed.status).toBe(200);
    expect(analysed.body.state).toBe('analysing');
    const badClass = await supervisor.post(`/api/problems/${problemId}/assignment`, { departmentCode: 'housing', deadlineClass: 'soon', instructions: '请核实' });
    expect(badClass.status).toBe(400);
    expect(badClass.body.error.fields[0].field).toBe('body.deadlineClass');
    const assigned = await supervisor.post(`/api/problems/${problemId}/assignment`, { departmentCode: 'housing', deadlineClass: 'ordinary', instructions: '请3个工作日内核实并答复群众' });
    expect(assigned.status).toBe(200);
    expect(assigned.body).toMatchObject({ state: 'handling', departmentCode: 'housing', deadlineClass: 'ordinary', round: 1 });

    // The department's step has the ordinary class; the department sees the problem (phone masked), others do not.
    const step1 = `${problemId}.handling-1`;
    const stepDetail = await waitFor(async () => {
      const r = await housing.get(`/api/steps/${step1}`);
      return r.status === 200 ? r.body : undefined;
    });
    expect(stepDetail).toMatchObject({ deadlineClass: 'ordinary', workingDays: 3, subjectType: 'problem', subjectId: problemId });
    expect(stepDetail.title).not.toContain('额外');
    expect((await housing.get(`/api/problems/${problemId}`)).body).toMatchObject({ instructions: '请3个工作日内核实并答复群众', contactPhoneMasked: maskPhone(phone) });
    expect((await police.get(`/api/problems/${problemId}`)).status).toBe(403);

    await handle(housing, problemId, 1, '已联系学校，告知无需提供额外证明。');
    const feedback = await untilState(trackingCode, 'feedback');
    expect(feedback).toMatchObject({ canRate: true, feedback: '已联系学校，告知无需提供额外证明。', departmentNameZh: '住房和城乡建设局', contactPhoneMasked: maskPhone(phone) });

    // Unsatisfied: reopened once (a new handling step), escalated to the leading group.
    const unhappy = await h.anonymous.post(`/api/public/problems/${trackingCode}/rating`, { satisfied: false, comment: '学校仍未受理' });
    expect(unhappy.status).toBe(200);
    expect(unhappy.body).toMatchObject({ state: 'handling', canRate: false });
    const escalation = await waitFor(async () => {
      const r = await leader.get('/api/escalations?level=leading_group&subjectType=problem&pageSize=200');
      return r.body.items.find((e: any) => e.stepId === step1);
    }, { what: 'the escalation of the unsatisfied rating' });
    expect(escalation).toMatchObject({ cause: 'unsatisfied_rating', causeZh: '群众评价不满意', departmentCode: 'housing', subjectId: problemId });
    expect((await leader.get('/api/notifications')).body.items.some((n: any) => n.title.startsWith('问题升级督办') && n.title.includes(problemId))).toBe(true);
    const reopened = (await supervisor.get(`/api/problems/${problemId}`)).body;
    expect(reopened).toMatchObject({ state: 'handling', handlingRound: 2, escalated: true });
    expect(reopened.ratings).toEqual([expect.objectContaining({ round: 1, satisfied: false, comment: '学校仍未受理' })]);

    await handle(housing, problemId, 2, '已督促学校当日受理，孩子已完成报名。');
    await untilState(trackingCode, 'feedback');
    const happy = await h.anonymous.post(`/api/public/problems/${trackingCode}/rating`, { satisfied: true });
    expect(happy.status).toBe(200);
    expect(happy.body).toMatchObject({ state: 'closed', stateZh: '已办结（评价满意）', canRate: false });
    expect(happy.body.ratings.map((r: any) => r.satisfied)).toEqual([false, true]);
    expect(happy.body.progress.map((l: any) => l.textZh)).toEqual([
      '问题已登记',
      '督查室已分析研判',
      '已交住房和城乡建设局办理',
      '责任单位已反馈办理结果，请评价',
      '您对办理结果不满意，已重新交办，并报领导小组督办',
      '责任单位已反馈办理结果，请评价',
      '您对办理结果表示满意，问题已办结',
    ]);
    expect((await h.anonymous.post(`/api/public/problems/${trackingCode}/rating`, { satisfied: true })).status).toBe(409);
    const closed = (await supervisor.get(`/api/problems/${problemId}`)).body;
    expect(closed).toMatchObject({ state: 'closed', closedAt: expect.any(String) });
    expect(closed.timeline.map((e: any) => e.action)).toEqual(expect.arrayContaining(['submitted', 'analysed', 'assigned', 'handled', 'reopened', 'rated_satisfied', 'completed']));

    // Personal data stays in PostgreSQL: not in the workflows' histories, not in the audit trail.
    for (const workflowId of [makeProblemWorkflowId(problemId), `step-${step1}`]) {
      const history = JSON.stringify(await h.client.workflow.getHandle(workflowId).fetchHistory());
      expect(history).not.toContain(phone);
      expect(history).not.toContain('务工证明');
    }
    // At rest the phone is sealed (it opens with the service's key) and otherwise only masked.
    const stored = (await h.pool.query(`SELECT * FROM problems WHERE problem_id = $1`, [problemId])).rows[0];
    expect(JSON.stringify({ ...stored, contact_phone_sealed: null })).not.toContain(phone);
    expect(stored.contact_phone_sealed.toString('latin1')).not.toContain(phone);
    expect(new PersonalDataVault(TEST_PERSONAL_DATA_KEY).open(stored.contact_phone_sealed)).toBe(phone);
    const audit = await h.pool.query(`SELECT details::text AS d FROM audit_log WHERE stream_id = $1`, [problemId]);
    expect(audit.rows.some((r) => r.d.includes(phone) || r.d.includes('学校仍未受理'))).toBe(false);
  });
});

describe("an official's problem", () => {
  it('a second unsatisfied rating closes it unresolved, escalated again; only the reporter rates', async () => {
    const reporter = await h.newUser('officer', { departmentCode: 'finance' });
    const market = await h.newUser('officer', { departmentCode: 'market' });
    const supervisor = await h.as('supervisor');
    const filed = await reporter.post('/api/problems', { titleZh: '资助资金拨付滞后', description: '本季度随迁子女资助资金未按期拨付。' });
    expect(filed.status).toBe(201);
    const { problemId } = filed.body;
    expect((await supervisor.post(`/api/problems/${problemId}/analysis`, { analysis: '涉及营业执照核验延误' })).status).toBe(200);
    expect((await supervisor.post(`/api/problems/${problemId}/assignment`, { departmentCode: 'market', deadlineClass: 'urgent', instructions: '1个工作日内办结' })).body.deadlineClass).toBe('urgent');

    const rateAs = (api: Api, satisfied: boolean) => api.post(`/api/problems/${problemId}/rating`, { satisfied });
    await handle(market, problemId, 1, '已完成核验');
    await waitFor(async () => (await supervisor.get(`/api/problems/${problemId}`)).body.state === 'feedback');
    expect((await reporter.get('/api/notifications')).body.items.some((n: any) => n.title.startsWith('问题已办理，请评价'))).toBe(true);
    expect((await rateAs(supervisor, true)).status).toBe(403);
    expect((await rateAs(reporter, false)).body).toMatchObject({ state: 'handling', round: 2 });
    await handle(market, problemId, 2, '再次核验，已移交财政部门');
    await waitFor(async () => (await supervisor.get(`/api/problems/${problemId}`)).body.state === 'feedback');
    const last = await rateAs(reporter, false);
    expect(last.body).toMatchObject({ state: 'closed_unresolved', escalated: true });
    const mine = await reporter.get('/api/problems?mine=true');
    expect(mine.body.items.find((p: any) => p.problemId === problemId)).toMatchObject({ state: 'closed_unresolved', stateZh: '未解决，已升级至领导小组', source: 'official' });
    const escalations = await h.pool.query(`SELECT step_id, cause FROM escalations WHERE step_id LIKE $1 ORDER BY step_id`, [`${problemId}.%`]);
    expect(escalations.rows).toEqual([
      { step_id: `${problemId}.handling-1`, cause: 'unsatisfied_rating' },
      { step_id: `${problemId}.handling-2`, cause: 'unsatisfied_rating' },
    ]);
  });
});

describe('the public channel itself', () => {
  it('names bad fields, finds nothing with a wrong code, and limits submissions per phone', async () => {
    const noPhone = await h.anonymous.post('/api/public/problems', { titleZh: '问题', description: '描述', contactPhone: '12345' });
    expect(noPhone.status).toBe(400);
    expect(noPhone.body.error.fields[0].field).toBe('body.contactPhone');
    const noText = await h.anonymous.post('/api/public/problems', { titleZh: '问题', contactPhone: randomPhone() });
    expect(noText.status).toBe(400);
    expect(noText.body.error.fields[0].field).toBe('body.description');

    expect((await h.anonymous.get('/api/public/problems/AAAA-BBBB-CCCC-DDDD')).status).toBe(404);
    expect((await h.anonymous.get('/api/public/problems/not-a-code')).status).toBe(400);
    expect((await h.anonymous.get('/api/problems')).status).toBe(401);

    const phone = randomPhone();
    for (let i = 0; i < 3; i++) {
      expect((await h.anonymous.post('/api/public/problems', { titleZh: `问题${i}`, description: '描述', contactPhone: phone })).status).toBe(201);
    }
    const limited = await h.anonymous.post('/api/public/problems', { titleZh: '问题3', description: '描述', contactPhone: phone });
    expect(limited.status).toBe(429);
    expect(limited.body.error.message).toContain('手机号码');
  });
});
