/**
 * The officials' pages in a real browser on the real service: every role's landing page, an officer completing a
 * step from the inbox, the supervision office urging an overdue, escalated step and the department answering, a
 * department kept out of another's step, the calendar administration, the school's check-in page, notifications.
 */
import crypto from 'node:crypto';
import type { Page } from 'playwright-core';
import { makeStepWorkflowId, type StepInput } from '../../contracts/department-step';
import { applicationForm } from '../support/application-fixtures';
import { screenshot, type TestBrowser } from '../support/browser';
import type { Harness } from '../support/harness';
import { LONG_AGO, SUPERVISOR_ACTOR, startStandaloneStep } from '../support/steps';
import { waitFor } from '../support/wait';
import { documentPng, expectText, loginThroughPage, uploadAsParent, usernameOf, withBrowserAndHarness } from '../support/web';

let h: Harness;
let b: TestBrowser;
withBrowserAndHarness((started) => ({ h, b } = started));


/** A standalone step assigned long ago: its reminder and every escalation rung fire at once. */
const startOverdueStep = (title: string, departmentCode = 'police') =>
  startStandaloneStep(h, 'web', { title, departmentCode, deadline: { class: 'urgent' }, assignedAt: LONG_AGO });

async function stepRow(stepId: string) {
  return (await h.pool.query('SELECT * FROM steps WHERE step_id = $1', [stepId])).rows[0];
}

describe('login', () => {
  it('takes every role to its own page', async () => {
    const landings: [string, string, string][] = [
      ['parent', '/my-applications', '我的入学申请'],
      ['edu', '/inbox', '部门待办 · 教育局'],
      ['police', '/inbox', '部门待办 · 公安局'],
      ['supervisor', '/overdue', '逾期与督办'],
      ['leader', '/overdue', '逾期与督办'],
      ['admin', '/calendar', '工作日日历'],
      ['school', '/school', '学校报到登记'],
    ];
    for (const [username, landing, title] of landings) {
      const page = await b.newPage();
      await loginThroughPage(page, h.baseUrl, username, landing);
      await expectText(page, 'h1', title);
      await page.close();
    }
  });

  it('says a wrong password in Chinese and keeps the user on the login page', async () => {
    const page = await b.newPage();
    await page.goto(`${h.baseUrl}/`);
    await page.getByLabel('用户名').fill('police');
    await page.getByLabel('密码').fill('not-the-password');
    await page.getByRole('button', { name: '登录' }).click();
    await expectText(page, '#login-error', '用户名或密码错误');
    expect(new URL(page.url()).pathname).toBe('/');
    await screenshot(page, '20-login-wrong-password');
  });

  it('sends a page opened without a login to the login page, and back after it', async () => {
    const page = await b.newPage();
    await page.goto(`${h.baseUrl}/inbox?state=open`);
    await page.waitForURL((u) => u.pathname === '/' && u.searchParams.get('next') === '/inbox?state=open');
    await page.getByLabel('用户名').fill('police');
    await page.getByLabel('密码').fill('demo12345');
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL((u) => u.pathname === '/inbox');
    expect(await page.locator('[name="state"]').inputValue()).toBe('open');
  });
});

describe('an officer', () => {
  it('completes a step from the inbox, after viewing the applicant’s material', async () => {
    const parent = await h.newUser('applicant');
    const material = await uploadAsParent(h, parent.token!, documentPng(11));
    const form = applicationForm({ materials: [{ kind: 'household_register', fileId: material.fileId, fileName: '户口簿.png', mediaType: 'image/png', size: material.size }] });
    const created = await parent.post('/api/applications', form);
    expect(created.status).toBe(201);
    const no = created.body.applicationNumber;
    const stepId = `${no}.pre_review`;
    await waitFor(async () => (await stepRow(stepId))?.state === 'open', { what: 'pre-review step' });

    const officer = await h.newUser('officer', { departmentCode: 'education' });
    const page = await b.newPage();
    await loginThroughPage(page, h.baseUrl, await usernameOf(h, officer.userId), '/inbox');
    await page.locator('#steps-table, #result-count').first().waitFor();
    await screenshot(page, '21-officer-inbox');

    await page.getByLabel('申请编号').fill(no);
    await page.getByRole('button', { name: '筛选' }).click();
    await expectText(page, '#result-count', '共 1 项');
    const row = page.locator(`tr[data-step-id="${stepId}"]`);
    await expectText(page, `tr[data-step-id="${stepId}"]`, '剩余');
    expect(await row.innerText()).toContain('白灯'); // in progress, not yet due soon
    await row.getByRole('link').click();
    await page.waitForURL('**/step?id=*');
    await expectText(page, '#subject', no);
    // The education bureau verifies the application, so it sees the child's name and ID number in full.
    await expectText(page, '#subject', form.child.idNumber);
    await screenshot(page, '22-officer-step');

    await page.locator('#materials-list button').first().click();
    await page.locator('#material-viewer img').waitFor();
    await screenshot(page, '23-officer-material-viewer');
    await page.locator('#material-viewer').getByRole('button', { name: '关闭' }).click();

    const complete = page.locator('#act-complete');
    await complete.locator('input[value="confirmed"]').check();
    await complete.getByLabel('办理意见').fill('材料齐全，预审通过');
    await complete.getByLabel('证据名称').fill('户口簿核对记录');
    await complete.getByLabel('编号或链接').fill('YS-2027-0001');
    await complete.getByRole('button', { name: '办结' }).click();
    await expectText(page, '#page-status', '已办结');
    await expectText(page, '#step-summary', '已办结');
    await expectText(page, '#outcome', '材料齐全，预审通过');
    await expectText(page, '#timeline', '办结');
    await screenshot(page, '24-officer-step-done');

    const row2 = await stepRow(stepId);
    expect(row2.state).toBe('done');
    const audit = await h.pool.query(`SELECT actor_user_id, details FROM audit_log WHERE stream_id = $1 AND action = 'completed'`, [stepId]);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0].actor_user_id).toBe(officer.userId);
    expect(audit.rows[0].details.evidence).toEqual([{ name: '户口簿核对记录', ref: 'YS-2027-0001' }]);
    // The application moves on to the departments' verification.
    await waitFor(async () => (await parent.get(`/api/applications/${no}`)).body.state === 'verifying', { what: 'verification' });
  });

  it('cannot see another department’s step, whatever URL is typed', async () => {
    const stepId = await startOverdueStep(`公安核验事项-${crypto.randomUUID().slice(0, 6)}`, 'police');
    await waitFor(() => stepRow(stepId), { what: 'step' });
    const page = await b.newPage();
    await loginThroughPage(page, h.baseUrl, 'hrss', '/inbox');
    await page.goto(`${h.baseUrl}/step?id=${stepId}`);
    await expectText(page, '[role="alert"]', '无权查看');
    expect(await page.locator('#timeline').count()).toBe(0);
    expect(await page.locator('body').innerText()).not.toContain('公安核验事项');
    await screenshot(page, '25-officer-other-department-forbidden');
    // Nor does the inbox of another department open for it.
    await page.goto(`${h.baseUrl}/inbox?department=police`);
    await page.locator('#result-count').waitFor();
    expect(await page.locator(`tr[data-step-id="${stepId}"]`).count()).toBe(0);
    // And an application none of its steps belongs to is "not found".
    const parent = await h.newUser('applicant');
    const created = await parent.post('/api/applications', applicationForm());
    await page.goto(`${h.baseUrl}/application?no=${created.body.applicationNumber}`);
    await expectText(page, '[role="alert"]', '未找到该申请');
  });
});

describe('the supervision office', () => {
  it('sees an overdue step escalated, urges it, and the department answers the urging notice', async () => {
    const title = `浏览器测试逾期事项-${crypto.randomUUID().slice(0, 8)}`;
    const stepId = await startOverdueStep(title, 'police');
    await waitFor(async () => (await stepRow(stepId))?.escalation_level === 3, { what: 'escalation to the leading group' });

    const page = await b.newPage();
    await loginThroughPage(page, h.baseUrl, 'supervisor', '/overdue');
    const row = page.locator(`#overdue-table tr[data-step-id="${stepId}"]`);
    await row.waitFor();
    expect(await row.innerText()).toContain('已升级至领导小组');
    expect(await row.innerText()).toContain('公安局');
    await expectText(page, '#escalation-list', `逾期升级督办（督查室）：${title}`);
    await screenshot(page, '26-supervisor-overdue');

    await row.getByRole('link', { name: title }).click();
    await page.waitForURL('**/step?id=*');
    await expectText(page, '#escalation', '领导小组');
    await expectText(page, '#timeline', '升级督办');
    const urge = page.locator('#act-urge');
    await urge.getByLabel('催办等级').selectOption('serious');
    await urge.getByLabel('催办内容').fill('该事项已逾期并升级至领导小组，请立即办理并回复。');
    await urge.getByRole('button', { name: '发出催办通知' }).click();
    await expectText(page, '#page-status', '催办通知已发出');
    await expectText(page, '#urges', '督办〔');
    await expectText(page, '#urges', '待回复');
    await screenshot(page, '27-supervisor-step-urged');
    const urges = (await h.pool.query('SELECT number, level FROM urge_notices WHERE step_id = $1', [stepId])).rows;
    expect(urges).toHaveLength(1);
    expect(urges[0].level).toBe('serious');

    // The police officer sees the urging notice (bell and step page) and answers it.
    const officerPage = await b.newPage();
    await loginThroughPage(officerPage, h.baseUrl, 'police', '/inbox');
    await officerPage.locator('#bell').click();
    await expectText(officerPage, '#bell-panel', `催办通知 ${urges[0].number}`);
    await screenshot(officerPage, '28-officer-bell');
    await officerPage.goto(`${h.baseUrl}/step?id=${stepId}`);
    const reply = officerPage.locator(`[data-urge-number="${urges[0].number}"] form`);
    await reply.getByLabel('回复内容').fill('已安排专人核验，今日办结。');
    await reply.getByRole('button', { name: '回复催办' }).click();
    await expectText(officerPage, '#urges', '已安排专人核验，今日办结。');
    await screenshot(officerPage, '29-officer-urge-replied');
    const answered = (await h.pool.query('SELECT reply FROM urge_notices WHERE step_id = $1', [stepId])).rows[0];
    expect(answered.reply).toBe('已安排专人核验，今日办结。');

    // The leading group, at the top of the ladder, sees it among its escalations.
    const leaderPage = await b.newPage();
    await loginThroughPage(leaderPage, h.baseUrl, 'leader', '/overdue');
    await expectText(leaderPage, '#escalation-list', `逾期升级督办（领导小组）：${title}`);
    await screenshot(leaderPage, '30-leader-overdue');
  });

  it('sees the notifications page with mark-as-read', async () => {
    // An escalation to the supervision office gives it a notification of its own.
    const stepId = await startOverdueStep(`通知测试事项-${crypto.randomUUID().slice(0, 6)}`, 'housing');
    await waitFor(async () => (await stepRow(stepId))?.escalation_level >= 2, { what: 'escalation to the supervision office' });
    const page = await b.newPage();
    await loginThroughPage(page, h.baseUrl, 'supervisor', '/overdue');
    await page.locator('#bell').click();
    await page.locator('#bell-panel').getByRole('link', { name: '查看全部消息' }).click();
    await page.waitForURL('**/notifications');
    await page.locator('#notification-list li').first().waitFor();
    const first = page.locator('#notification-list li.unread').first();
    const id = await first.getAttribute('data-notification-id');
    await first.getByRole('button', { name: '标为已读' }).click();
    await page.locator(`#notification-list li.read[data-notification-id="${id}"]`).waitFor();
    await screenshot(page, '31-supervisor-notifications');
  });
});

describe('the other acts on a step page', () => {
  /** Open the act's section (a <details>) if it is closed, and return its form. */
  async function act(page: Page, summary: string, formId: string) {
    const section = page.locator('details.action', { has: page.locator('summary', { hasText: summary }) });
    await section.waitFor();
    if ((await section.getAttribute('open')) === null) await section.locator('summary').click();
    const form = page.locator(`#${formId}`);
    await form.waitFor();
    return form;
  }

  it('comment, pause and resume, an extension asked and approved, a new deadline class, reassignment and return', async () => {
    const stepId = `web-${crypto.randomUUID()}`;
    const title = `浏览器测试协办事项-${stepId.slice(-6)}`;
    await h.client.workflow.start('departmentStepWorkflow', {
      taskQueue: h.taskQueue,
      workflowId: makeStepWorkflowId(stepId),
      args: [{ stepId, departmentCode: 'market', title, kind: 'task', subject: { type: 'standalone', id: stepId }, deadline: { class: 'ordinary' }, requiresReview: false, createdBy: SUPERVISOR_ACTOR } satisfies StepInput],
    });
    await waitFor(() => stepRow(stepId), { what: 'step' });
    const actions = async () => (await h.pool.query('SELECT action FROM audit_log WHERE stream_id = $1 ORDER BY seq', [stepId])).rows.map((r) => r.action);

    const officer = await b.newPage();
    await loginThroughPage(officer, h.baseUrl, 'market', '/inbox');
    await officer.goto(`${h.baseUrl}/step?id=${stepId}`);
    await officer.locator('#actions').waitFor();

    let form = await act(officer, '评论', 'act-comment');
    await form.getByRole('button', { name: '发表评论' }).click();
    await expectText(officer, '#act-comment [data-field="text"] .field-error', '请填写评论内容');
    await form.getByLabel('评论内容').fill('已联系申请企业核对营业执照');
    await form.getByRole('button', { name: '发表评论' }).click();
    await expectText(officer, '#timeline', '已联系申请企业核对营业执照');

    form = await act(officer, '暂停计时', 'act-pause');
    await form.getByLabel('暂停理由').fill('等待企业补充年报');
    await form.getByRole('button', { name: '暂停计时' }).click();
    await expectText(officer, '#step-summary', '暂停计时');
    form = await act(officer, '恢复计时', 'act-resume');
    await form.getByRole('button', { name: '恢复计时' }).click();
    await expectText(officer, '#timeline', '恢复计时');

    form = await act(officer, '申请延期', 'act-extension');
    await form.getByLabel('延长工作日数').fill('0');
    await form.getByLabel('延期理由').fill('需要实地核查');
    await form.getByRole('button', { name: '提交延期申请' }).click();
    await expectText(officer, '#act-extension [data-field="workingDays"] .field-error', '1至250');
    await form.getByLabel('延长工作日数').fill('2');
    await form.getByRole('button', { name: '提交延期申请' }).click();
    await expectText(officer, '#step-summary', '申请延期 2 个工作日');
    await screenshot(officer, '36-officer-extension-requested');

    const supervisor = await b.newPage();
    await loginThroughPage(supervisor, h.baseUrl, 'supervisor', '/overdue');
    await supervisor.goto(`${h.baseUrl}/step?id=${stepId}`);
    form = await act(supervisor, '延期审批', 'act-decide');
    await form.locator('input[value="true"]').check();
    await form.getByLabel('审批意见').fill('同意延期');
    await screenshot(supervisor, '37-supervisor-extension-decision');
    await form.getByRole('button', { name: '提交审批' }).click();
    await expectText(supervisor, '#timeline', '批准延期 2 个工作日');

    form = await act(supervisor, '调整期限类别', 'act-deadline');
    await form.getByLabel('期限类别').selectOption('complex');
    await form.getByLabel('调整理由').fill('涉及多个部门，按复杂事项办理');
    await form.getByRole('button', { name: '调整期限' }).click();
    await expectText(supervisor, '#step-summary', '复杂（5个工作日）');

    form = await act(supervisor, '改派', 'act-reassign');
    await form.getByLabel('改派给').selectOption('hrss');
    await form.getByLabel('改派理由').fill('属人社部门职责');
    await form.getByRole('button', { name: '改派' }).click();
    await expectText(supervisor, '#step-summary', '人力资源和社会保障局');

    // The market officer no longer sees it; the HR officer does, and returns it.
    await officer.reload();
    await expectText(officer, '[role="alert"]', '无权查看');
    const hrss = await b.newPage();
    await loginThroughPage(hrss, h.baseUrl, 'hrss', '/inbox');
    await hrss.locator(`tr[data-step-id="${stepId}"]`).getByRole('link').click();
    await hrss.waitForURL('**/step?id=*');
    form = await act(hrss, '退回', 'act-return');
    await form.getByLabel('退回理由').fill('企业未在本地参保，非本部门事项');
    await form.getByRole('button', { name: '退回' }).click();
    await expectText(hrss, '#step-summary', '已退件');
    await screenshot(hrss, '38-officer-step-returned');

    expect(await actions()).toEqual(expect.arrayContaining(['comment', 'pause', 'resume', 'request_extension', 'decide_extension', 'change_deadline', 'reassign', 'return']));
    expect((await stepRow(stepId)).state).toBe('returned');
  });

  it('review: the officer reports, the supervision office accepts', async () => {
    const stepId = `web-${crypto.randomUUID()}`;
    await h.client.workflow.start('departmentStepWorkflow', {
      taskQueue: h.taskQueue,
      workflowId: makeStepWorkflowId(stepId),
      args: [{ stepId, departmentCode: 'finance', title: `资金保障情况报送-${stepId.slice(-6)}`, kind: 'task', subject: { type: 'standalone', id: stepId }, deadline: { class: 'ordinary' }, requiresReview: true, createdBy: SUPERVISOR_ACTOR } satisfies StepInput],
    });
    await waitFor(() => stepRow(stepId), { what: 'step' });
    const officer = await b.newPage();
    await loginThroughPage(officer, h.baseUrl, 'finance', '/inbox');
    await officer.goto(`${h.baseUrl}/step?id=${stepId}`);
    const complete = officer.locator('#act-complete');
    await complete.locator('input[value="done"]').check();
    await complete.getByLabel('办理意见').fill('随迁子女生均公用经费已足额拨付');
    await complete.getByRole('button', { name: '办结' }).click();
    await expectText(officer, '#step-summary', '待审核');

    const supervisor = await b.newPage();
    await loginThroughPage(supervisor, h.baseUrl, 'supervisor', '/overdue');
    await supervisor.goto(`${h.baseUrl}/step?id=${stepId}`);
    const review = supervisor.locator('#act-review');
    await review.locator('input[value="send_back"]').check();
    await review.getByRole('button', { name: '提交审核意见' }).click();
    await expectText(supervisor, '#act-review [data-field="feedback"] .field-error', '退回重办请填写审核意见');
    await review.locator('input[value="accept"]').check();
    await review.getByRole('button', { name: '提交审核意见' }).click();
    await expectText(supervisor, '#step-summary', '审核通过');
    await expectText(supervisor, '#step-summary', '绿灯');
    expect((await stepRow(stepId)).state).toBe('accepted');
  });
});

describe('administration', () => {
  it('shows a year’s calendar and loads the official one for a provisional year', async () => {
    const page = await b.newPage();
    await loginThroughPage(page, h.baseUrl, 'admin', '/calendar');
    await expectText(page, '#calendar-status', '正式安排');
    await expectText(page, '#off-days', '国庆节');
    await screenshot(page, '32-admin-calendar');

    await page.getByRole('spinbutton', { name: '年份' }).fill('2100');
    await page.getByRole('button', { name: '查看' }).click();
    await expectText(page, '#calendar-status', '暂行安排');
    const load = page.locator('#load-form');
    await load.getByRole('button', { name: '载入 2100 年正式安排' }).click();
    await expectText(page, '[data-field="notice"] .field-error', '请填写通知名称与文号');
    await load.getByLabel('通知名称与文号').fill('国务院办公厅关于2100年部分节假日安排的通知（测试）');
    await load.getByLabel('放假日').fill('2100-01-01 元旦\n2100-10-01~2100-10-07 国庆节');
    await load.getByLabel('调休上班日').fill('2100-09-26 国庆节');
    await load.locator('input[name="confirm"]').check();
    await screenshot(page, '33-admin-calendar-load');
    await load.getByRole('button', { name: '载入 2100 年正式安排' }).click();
    // No 劳动节, no 春节 …: the server doubts the notice, names what is missing, stores nothing, and asks to confirm.
    await expectText(page, '[data-field="offDays"] .field-error', '缺少法定节假日劳动节：2100-05-01');
    await expectText(page, '[data-field="offDays"] .field-error', '春节');
    expect((await h.pool.query('SELECT 1 FROM calendar_years WHERE year = 2100')).rowCount).toBe(0);
    const unusual = load.locator('[data-field="confirmUnusual"]');
    await expect(unusual.isVisible()).resolves.toBe(true);
    await screenshot(page, '33b-admin-calendar-notice-doubted');
    await unusual.locator('input').check();
    await load.getByRole('button', { name: '载入 2100 年正式安排' }).click();
    await expectText(page, '#page-status', '已载入 2100 年正式安排');
    await expectText(page, '#calendar-status', '正式安排');
    await expectText(page, '#off-days', '2100-10-01 至 2100-10-07 国庆节（7 天）');
    const stored = await h.pool.query(`SELECT status, source, notice FROM calendar_years WHERE year = 2100`);
    expect(stored.rows[0]).toMatchObject({ status: 'official', source: 'administrator' });
    await screenshot(page, '34-admin-calendar-loaded');
  });
});

describe('a school', () => {
  it('lands on the check-in page, which says what it can do and finds only its own children', async () => {
    const parent = await h.newUser('applicant');
    const created = await parent.post('/api/applications', applicationForm());
    const page = await b.newPage({ phone: true });
    await loginThroughPage(page, h.baseUrl, 'school', '/school');
    await expectText(page, '#content', '按申请编号登记');
    await page.getByLabel('申请编号').fill(created.body.applicationNumber);
    await page.getByRole('button', { name: '查询' }).click();
    await expectText(page, '#found', '未找到该申请，或该儿童未被安排到本校');
    await screenshot(page, '35-school-check-in');
  });
});
