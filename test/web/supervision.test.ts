/**
 * The supervision and administration pages in a real browser on the real service: the dispatch board with its grid of
 * lights, ranking chart and drill-down, urging several overdue steps at once; the problem ledger; an officer attaching
 * an evidence file when completing a step (and another department kept away from it); the administrator creating,
 * and disabling, a user and setting a district's eligibility regime and points rules. Forms with bad input say so in
 * Chinese and send nothing.
 */
import crypto from 'node:crypto';
import type { Page } from 'playwright-core';
import { upsertPolicy } from '../../db/repositories/applications';
import { DEMO_POINTS_RULES } from '../../domain/points';
import { addCalendarDays, shanghaiDate } from '../../domain/working-days';
import { screenshot, type TestBrowser } from '../support/browser';
import type { Harness } from '../support/harness';
import { LONG_AGO, startStandaloneStep } from '../support/steps';
import { waitFor } from '../support/wait';
import { documentPng, expectText, loginThroughPage, recordRequests, usernameOf, withBrowserAndHarness } from '../support/web';

let h: Harness;
let b: TestBrowser;
withBrowserAndHarness((started) => ({ h, b } = started));

/** A standalone step; assigned long ago it is overdue at once. */
const startStep = (title: string, departmentCode: string, opts: { overdue?: boolean } = {}) =>
  startStandaloneStep(h, 'webs', { title, departmentCode, ...(opts.overdue ? { deadline: { class: 'urgent' }, assignedAt: LONG_AGO } : {}) });

/** Which requests of these methods the page sent to paths starting with `prefix`. */
const sent = (seen: { method: string; path: string }[], method: string, prefix: string) => seen.filter((r) => r.method === method && r.path.startsWith(prefix));

describe('the dispatch board', () => {
  it('shows the current period’s lights per item and department, ranks the departments, and drills down into an item and a step', async () => {
    // An item of our own: housing leads, HR cooperates; HR has reported (green), housing has not (white).
    const admin = await h.as('admin');
    const policyId = `w-${crypto.randomUUID().slice(0, 8)}`;
    expect((await admin.post('/api/policies', { policyId, titleZh: '浏览器测试政策', issuingBody: '测试市人民政府', issuedOn: '2026-11-01', phases: [] })).status).toBe(201);
    const title = `保障随迁子女住房和就业信息共享-${policyId.slice(-4)}`;
    const created = await admin.post(`/api/policies/${policyId}/items`, {
      number: 1,
      titleZh: title,
      leadDepartment: 'housing',
      cooperatingDepartments: ['hrss'],
      leaderInCharge: '分管住建工作的副市长',
      rhythm: null,
      finalDeadline: addCalendarDays(shanghaiDate(new Date()), 120),
    });
    expect(created.status).toBe(201);
    const itemId = created.body.itemId as string;
    expect((await admin.post(`/api/items/${itemId}/launch`, {})).status).toBe(200);
    const hrss = await h.as('hrss');
    await waitFor(async () => (await hrss.post(`/api/items/${itemId}/progress-reports`, { findings: '已完成社保信息共享' })).status === 200, { what: 'the HR progress report' });
    await waitFor(async () => {
      const rows = (await admin.get(`/api/board?item=${itemId}`)).body.items as { departmentCode: string; light: string }[];
      return rows.find((r) => r.departmentCode === 'hrss')?.light === 'green' && rows.some((r) => r.departmentCode === 'housing') ? rows : undefined;
    }, { what: 'the board showing the report' });

    const page = await b.newPage();
    await loginThroughPage(page, h.baseUrl, 'leader', '/overdue');
    await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '挂图作战' }).click();
    await page.waitForURL('**/board');
    const row = page.locator(`#light-grid tr[data-item-id="${itemId}"]`);
    await row.waitFor();
    expect(await row.locator('td[data-department="hrss"]').getAttribute('data-light')).toBe('green');
    expect(await row.locator('td[data-department="hrss"]').innerText()).toContain('绿灯');
    expect(await row.locator('td[data-department="housing"]').getAttribute('data-light')).toBe('white');
    // The ranking is a chart with a bar per department on the board, said in words too.
    const chart = page.locator('#ranking svg[data-chart="ranking"]');
    await chart.waitFor();
    expect(await chart.locator('g[data-department="hrss"]').count()).toBe(1);
    expect(await chart.locator('desc').textContent()).toContain('人力资源和社会保障局');
    // The leading group reads; only the supervision office urges.
    expect(await page.locator('#urge-form').count()).toBe(0);
    await expectText(page, '#escalations h2', '升级督办');
    await screenshot(page, '40-leader-board');

    await row.getByRole('link', { name: new RegExp(title) }).first().click();
    await page.waitForURL('**/item?id=*');
    await expectText(page, '#periods', '人力资源和社会保障局（配合单位）');
    await expectText(page, '#periods', '已完成社保信息共享');
    // The timeline speaks Chinese: the item's own records and its steps' acts, no internal action codes.
    const lines = await page.locator('#timeline li').allInnerTexts();
    expect(lines.some((l) => l.includes('系统：开启报送周期'))).toBe(true);
    expect(lines.some((l) => l.includes('报送事项办结'))).toBe(true);
    expect(lines.filter((l) => /[a-z]{3,}/.test(l))).toEqual([]);
    await screenshot(page, '41-leader-item');
    await page.locator('#periods a', { hasText: '住房和城乡建设局' }).click();
    await page.waitForURL('**/step?id=*');
    await expectText(page, '#step-summary', '住房和城乡建设局');
  });

  it('urges several overdue steps at once; without a message it says so and sends nothing', async () => {
    const titles = [`批量催办测试一-${crypto.randomUUID().slice(0, 6)}`, `批量催办测试二-${crypto.randomUUID().slice(0, 6)}`];
    const steps = [await startStep(titles[0]!, 'police', { overdue: true }), await startStep(titles[1]!, 'housing', { overdue: true })];
    await waitFor(async () => (await h.pool.query(`SELECT count(*)::int AS n FROM steps WHERE step_id = ANY($1) AND overdue`, [steps])).rows[0].n === 2, { what: 'both steps overdue' });

    const page = await b.newPage();
    const seen = recordRequests(page);
    await loginThroughPage(page, h.baseUrl, 'supervisor', '/overdue');
    await page.goto(`${h.baseUrl}/board`);
    for (const stepId of steps) await page.locator(`#overdue-table tr[data-step-id="${stepId}"] input[name="urge-step"]`).check();
    await expectText(page, '#selected-count', '已选 2 项');
    const form = page.locator('#urge-form');
    await form.getByRole('button', { name: '发出批量催办' }).click();
    await expectText(page, '#urge-form [data-field="message"] .field-error', '请填写催办内容');
    expect(sent(seen, 'POST', '/api/urges')).toHaveLength(0);
    await screenshot(page, '42-supervisor-board-urge-error');

    await form.getByLabel('催办等级').selectOption('serious');
    await form.getByLabel('催办内容').fill('以上事项均已逾期，请于今日内办结并回复。');
    await form.getByRole('button', { name: '发出批量催办' }).click();
    await expectText(page, '#urge-results', '已催办 2 项');
    for (const stepId of steps) await expectText(page, `#urge-results li[data-step-id="${stepId}"]`, '已发出催办通知 督办〔');
    expect(sent(seen, 'POST', '/api/urges')).toHaveLength(1);
    await screenshot(page, '43-supervisor-board-urged');
    const urges = (await h.pool.query('SELECT step_id, level FROM urge_notices WHERE step_id = ANY($1) ORDER BY step_id', [steps])).rows;
    expect(urges.map((u) => u.step_id).sort()).toEqual([...steps].sort());
    expect(urges.every((u) => u.level === 'serious')).toBe(true);
  });

  it('the reports are one click away in the supervision office’s navigation', async () => {
    const page = await b.newPage();
    await loginThroughPage(page, h.baseUrl, 'supervisor', '/overdue');
    await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '工作报告' }).click();
    await page.waitForURL('**/reports');
    await page.locator('#report-list h2').waitFor();
    await expectText(page, 'h1', '工作进展报告');
  });

  it('is not a page for officers, and an officer cannot open another department’s item', async () => {
    const page = await b.newPage();
    await loginThroughPage(page, h.baseUrl, 'police', '/inbox');
    await page.goto(`${h.baseUrl}/board`);
    await expectText(page, '[role="alert"]', '此页面不适用于您的账号');
    expect(await page.locator('#light-grid').count()).toBe(0);
    const admin = await h.as('admin');
    const policyId = `w-${crypto.randomUUID().slice(0, 8)}`;
    expect((await admin.post('/api/policies', { policyId, titleZh: '浏览器测试政策', issuingBody: '测试市人民政府', issuedOn: '2026-11-01', phases: [] })).status).toBe(201);
    const other = (await admin.post(`/api/policies/${policyId}/items`, { number: 1, titleZh: '落实财政保障', leadDepartment: 'finance', cooperatingDepartments: ['education'], leaderInCharge: '分管财政工作的副市长', rhythm: 'monthly' })).body;
    await page.goto(`${h.baseUrl}/item?id=${other.itemId}`);
    await expectText(page, '[role="alert"]', '无权查看');
    expect(await page.locator('#periods').count()).toBe(0);
  });
});

describe('the problem ledger', () => {
  it('lists problems and lets the supervision office analyse and assign one; an empty analysis or assignment is refused in the page', async () => {
    const police = await h.as('police');
    const filed = await police.post('/api/problems', { titleZh: `入学材料重复提交问题-${crypto.randomUUID().slice(0, 6)}`, description: '家长反映需要重复提交居住证复印件。' });
    expect(filed.status).toBe(201);
    const problemId = filed.body.problemId as string;
    await waitFor(async () => (await h.pool.query('SELECT last_seq FROM problems WHERE problem_id = $1', [problemId])).rows[0]?.last_seq > 0, { what: 'the problem recorded' });

    const page = await b.newPage();
    const seen = recordRequests(page);
    await loginThroughPage(page, h.baseUrl, 'supervisor', '/overdue');
    await page.goto(`${h.baseUrl}/problems`);
    await page.locator(`#problems-table tr[data-problem-id="${problemId}"]`).waitFor();
    await screenshot(page, '44-supervisor-problems');
    await page.locator(`#problems-table tr[data-problem-id="${problemId}"] a`).click();
    await page.waitForURL('**/problems?id=*');
    const form = page.locator('#act-analyse');
    await form.getByRole('button', { name: '分析研判' }).click();
    await expectText(page, '#act-analyse [data-field="analysis"] .field-error', '请填写分析意见');
    expect(sent(seen, 'POST', `/api/problems/${problemId}/analysis`)).toHaveLength(0);
    await form.getByLabel('分析意见').fill('属材料要求不统一，涉及公安和教育部门。');
    await form.getByRole('button', { name: '分析研判' }).click();
    await expectText(page, '#problem-summary', '属材料要求不统一');
    await page.locator('#act-assign').waitFor();
    await screenshot(page, '45-supervisor-problem');
    expect((await h.pool.query('SELECT state FROM problems WHERE problem_id = $1', [problemId])).rows[0].state).toBe('analysing');

    // Assigning needs a department and instructions; the page says which is missing and sends nothing.
    const assign = page.locator('#act-assign');
    await assign.getByRole('button', { name: '交办' }).click();
    await expectText(page, '#act-assign [data-field="departmentCode"] .field-error', '请选择承办部门');
    await expectText(page, '#act-assign [data-field="instructions"] .field-error', '请填写交办要求');
    expect(sent(seen, 'POST', `/api/problems/${problemId}/assignment`)).toHaveLength(0);
    await assign.getByLabel('承办部门').selectOption('police');
    await assign.getByLabel('交办要求').fill('统一居住证材料要求，一次提交即可。');
    await assign.getByRole('button', { name: '交办' }).click();
    await expectText(page, '#problem-summary', '统一居住证材料要求');
    expect(sent(seen, 'POST', `/api/problems/${problemId}/assignment`)).toHaveLength(1);
    expect((await h.pool.query('SELECT state FROM problems WHERE problem_id = $1', [problemId])).rows[0].state).toBe('handling');
    // The police department's handling step (1-3-5), listed on the problem once its workflow has recorded it.
    const handling = await waitFor(async () => {
      const rows = (await h.pool.query<{ step_id: string; department_code: string; state: string }>(`SELECT step_id, department_code, state FROM steps WHERE subject_type = 'problem' AND subject_id = $1`, [problemId])).rows;
      return rows.length > 0 ? rows : undefined;
    }, { what: 'the handling step' });
    expect(handling.map((r) => [r.department_code, r.state])).toEqual([['police', 'open']]);
    await page.reload();
    await page.locator(`#handling li[data-step-id="${handling[0]!.step_id}"]`).waitFor();
    // One 交办 in the timeline: the handling step's own assignment reads as a step act, not a second 交办.
    const timeline = await page.locator('#timeline li').allInnerTexts();
    expect(timeline.filter((t) => t.endsWith('督查室：交办'))).toHaveLength(1);
    expect(timeline.some((t) => t.includes('办理事项分派'))).toBe(true);
    await screenshot(page, '46-supervisor-problem-assigned');
    // The police officer now has it among the department's problems.
    const officer = await b.newPage();
    await loginThroughPage(officer, h.baseUrl, 'police', '/inbox');
    await officer.goto(`${h.baseUrl}/problems`);
    await officer.locator(`#problems-table tr[data-problem-id="${problemId}"]`).waitFor();
  });
});

describe('filing a problem', () => {
  it('an officer files what they found at work from the ledger page; an empty form is refused in the page; they can then find it under 我登记的', async () => {
    const title = `居住证核验口径不一-${crypto.randomUUID().slice(0, 6)}`;
    const page = await b.newPage();
    const seen = recordRequests(page);
    await loginThroughPage(page, h.baseUrl, 'housing', '/inbox');
    await page.goto(`${h.baseUrl}/problems`);
    const form = page.locator('#file-problem');
    await form.getByRole('button', { name: '登记问题' }).click();
    await expectText(page, '#file-problem [data-field="titleZh"] .field-error', '请填写问题标题');
    await expectText(page, '#file-problem [data-field="description"] .field-error', '请填写问题描述');
    expect(sent(seen, 'POST', '/api/problems')).toHaveLength(0);

    await form.getByLabel('问题标题').fill(title);
    await form.getByLabel('问题描述').fill('各街道对租房登记证明的要求不同，家长需多次往返。');
    await form.getByRole('button', { name: '登记问题' }).click();
    await page.waitForURL('**/problems?id=WT*');
    await expectText(page, '#problem-summary', title);
    await expectText(page, '#problem-summary', '待分析研判');
    await screenshot(page, '47-officer-problem-filed');
    expect(sent(seen, 'POST', '/api/problems')).toHaveLength(1);
    const row = (await h.pool.query(`SELECT p.source, u.username FROM problems p JOIN users u ON u.id = p.reporter_user_id WHERE p.title_zh = $1`, [title])).rows;
    expect(row).toEqual([{ source: 'official', username: 'housing' }]);

    // Not assigned to housing, so not in the department's list; under 我登记的 it is.
    await page.goto(`${h.baseUrl}/problems`);
    await expectText(page, '#problem-list h2', '问题（共');
    expect(await page.locator('#problem-list').innerText()).not.toContain(title);
    await page.getByLabel('范围').selectOption('mine');
    await page.getByRole('button', { name: '筛选' }).click();
    await expectText(page, '#problem-list', title);
  });
});

describe('an officer', () => {
  async function evidenceFlow(page: Page, stepId: string) {
    await page.goto(`${h.baseUrl}/step?id=${stepId}`);
    const complete = page.locator('#act-complete');
    await complete.waitFor();
    await complete.locator('#evidence-file').setInputFiles({ name: '营业执照核查截图.png', mimeType: 'image/png', buffer: documentPng(21) });
    await expectText(page, '#evidence-upload-list', '已上传（PNG');
  }

  it('attaches an evidence file when completing a step, which another department can neither see nor open', async () => {
    const title = `个体工商户经营情况核查-${crypto.randomUUID().slice(0, 6)}`;
    const stepId = await startStep(title, 'market');
    const officer = await h.newUser('officer', { departmentCode: 'market' });
    const page = await b.newPage();
    await loginThroughPage(page, h.baseUrl, await usernameOf(h, officer.userId), '/inbox');
    await evidenceFlow(page, stepId);
    const complete = page.locator('#act-complete');
    await complete.locator('input[value="done"]').check();
    await complete.getByLabel('办理意见').fill('经核查营业执照有效，经营正常。');
    await screenshot(page, '46-officer-evidence-uploaded');
    await complete.getByRole('button', { name: '办结' }).click();
    await expectText(page, '#outcome', '营业执照核查截图.png');
    await expectText(page, '#evidence-files', '营业执照核查截图.png');
    await screenshot(page, '47-officer-step-with-evidence');

    const files = (await h.pool.query('SELECT file_id, department_code, uploaded_by FROM step_evidence_files WHERE step_id = $1', [stepId])).rows;
    expect(files).toEqual([{ file_id: expect.stringMatching(/^[0-9a-f]{64}$/), department_code: 'market', uploaded_by: officer.userId }]);
    const fileId = files[0].file_id as string;
    const step = (await h.pool.query('SELECT view FROM steps WHERE step_id = $1', [stepId])).rows[0];
    expect(step.view.evidence).toEqual([{ name: '营业执照核查截图.png', ref: `file:${fileId}` }]);

    // The supervision office opens the file in the viewer.
    const supervisor = await b.newPage();
    await loginThroughPage(supervisor, h.baseUrl, 'supervisor', '/overdue');
    await supervisor.goto(`${h.baseUrl}/step?id=${stepId}`);
    await supervisor.locator('#evidence-files').getByRole('button', { name: '查看营业执照核查截图.png' }).click();
    await supervisor.locator('#material-viewer img').waitFor();
    expect(await supervisor.locator('#material-viewer img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(240);

    // Another department: the step page says no access, and neither the step's file route nor the general one serves it.
    const police = await b.newPage();
    await loginThroughPage(police, h.baseUrl, 'police', '/inbox');
    await police.goto(`${h.baseUrl}/step?id=${stepId}`);
    await expectText(police, '[role="alert"]', '无权查看');
    expect(await police.locator('body').innerText()).not.toContain('营业执照核查截图');
    const statuses = await police.evaluate(async (paths) => {
      const token = (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('enrollment.token');
      return Promise.all(paths.map(async (p) => (await fetch(p, { headers: { authorization: `Bearer ${token}` } })).status));
    }, [`/api/steps/${stepId}/evidence-files/${fileId}`, `/api/steps/${stepId}/evidence-files`, `/api/materials/${fileId}`]);
    expect(statuses).toEqual([403, 403, 404]);
    const upload = await police.evaluate(async (p) => {
      const token = (globalThis as unknown as { localStorage: { getItem(k: string): string | null } }).localStorage.getItem('enrollment.token');
      return (await fetch(p, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' }, body: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1]) })).status;
    }, `/api/steps/${stepId}/evidence-files?fileName=x.png`);
    expect(upload).toBe(403);
    expect((await h.pool.query('SELECT count(*)::int AS n FROM step_evidence_files WHERE step_id = $1', [stepId])).rows[0].n).toBe(1);
  });
});

describe('the administrator', () => {
  it('creates a user (refusing bad input in Chinese without sending it), who can then log in; and disables them', async () => {
    const page = await b.newPage();
    const seen = recordRequests(page);
    await loginThroughPage(page, h.baseUrl, 'admin', '/calendar');
    await page.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '用户与部门' }).click();
    await page.waitForURL('**/users');
    await page.locator('#users-table').waitFor();
    const form = page.locator('#create-user');
    await form.getByLabel('用户名').fill('ab');
    await form.getByLabel('角色').selectOption('officer');
    await form.getByRole('button', { name: '创建用户' }).click();
    await expectText(page, '#create-user [data-field="username"] .field-error', '用户名应为3至64位字母、数字、下划线、点或横线');
    await expectText(page, '#create-user [data-field="displayName"] .field-error', '请填写姓名或单位名称');
    await expectText(page, '#create-user [data-field="password"] .field-error', '请填写初始密码');
    await expectText(page, '#create-user [data-field="departmentCode"] .field-error', '部门经办人须选择所属部门');
    expect(sent(seen, 'POST', '/api/users')).toHaveLength(0);
    await screenshot(page, '48-admin-create-user-errors');

    const username = `market-${crypto.randomUUID().slice(0, 8)}`;
    await form.getByLabel('用户名').fill(username);
    await form.getByLabel('姓名或单位名称').fill('市场监管局王科员');
    await form.getByLabel('初始密码').fill('demo12345');
    await form.getByLabel('所属部门').selectOption('market');
    await form.getByRole('button', { name: '创建用户' }).click();
    await expectText(page, '#page-status', `已创建用户 ${username}`);
    await expectText(page, `#users-table tr[data-username="${username}"]`, '市场监督管理局');
    await screenshot(page, '49-admin-users');
    const stored = (await h.pool.query('SELECT id, role, department_code, disabled FROM users WHERE username = $1', [username])).rows[0];
    expect(stored).toMatchObject({ role: 'officer', department_code: 'market', disabled: false });
    const audit = await h.pool.query(`SELECT action FROM audit_log WHERE stream_id = $1`, [`user:${stored.id}`]);
    expect(audit.rows.map((r) => r.action)).toEqual(['user_created']);

    // The same username again: the service's refusal is shown by the field, in Chinese.
    await form.getByLabel('用户名').fill(username);
    await form.getByLabel('姓名或单位名称').fill('另一位科员');
    await form.getByLabel('初始密码').fill('demo12345');
    await form.getByLabel('角色').selectOption('leader');
    await form.getByRole('button', { name: '创建用户' }).click();
    await expectText(page, '#create-user [data-field="username"] .field-error', `用户名“${username}”已被使用，请换一个`);
    expect((await h.pool.query('SELECT count(*)::int AS n FROM users WHERE username = $1', [username])).rows[0].n).toBe(1);

    const newcomer = await b.newPage();
    await loginThroughPage(newcomer, h.baseUrl, username, '/inbox');
    await expectText(newcomer, 'h1', '部门待办 · 市场监督管理局');

    await page.locator(`#users-table tr[data-username="${username}"]`).getByRole('button', { name: '停用' }).click();
    await expectText(page, `#users-table tr[data-username="${username}"]`, '已停用');
    expect((await h.pool.query('SELECT disabled FROM users WHERE username = $1', [username])).rows[0].disabled).toBe(true);
    // The disabled user's open session has ended: the next page sends them to the login.
    await newcomer.reload();
    await newcomer.waitForURL((u) => u.pathname === '/');
  });

  it('sets a district’s eligibility regime and points rules; a bad rule is refused in the page', async () => {
    const district = `pw${crypto.randomBytes(3).toString('hex')}`;
    await upsertPolicy(h.pool, {
      district,
      districtNameZh: '规则测试区',
      year: 2027,
      stage: 'primary_1',
      eligibility: { regime: { kind: 'strict' }, basisZh: '测试：严格查验' },
      pointsRules: { basisZh: DEMO_POINTS_RULES.basisZh, rules: DEMO_POINTS_RULES.rules },
      checklist: [],
      notesZh: null,
    });
    const page = await b.newPage();
    const seen = recordRequests(page);
    await loginThroughPage(page, h.baseUrl, 'admin', '/calendar');
    await page.goto(`${h.baseUrl}/policies?policy=${district}|2027|primary_1`);
    const eligibility = page.locator('#eligibility-form');
    await eligibility.waitFor();
    await eligibility.getByLabel('入学条件').selectOption('permit_only');
    await eligibility.getByLabel('政策依据').fill('');
    await eligibility.getByRole('button', { name: '保存入学条件' }).click();
    await expectText(page, '#eligibility-form [data-field="basisZh"] .field-error', '请填写政策依据');
    await eligibility.getByLabel('政策依据').fill('规则测试区随迁子女凭居住证入学实施办法');
    await eligibility.getByRole('button', { name: '保存入学条件' }).click();
    await expectText(page, '#page-status', '的入学条件');

    const points = page.locator('#points-form');
    const firstCap = points.locator('[data-field="rules.0.cap"] input');
    await firstCap.fill('-1');
    await points.getByRole('button', { name: '保存积分规则' }).click();
    await expectText(page, '#points-form [data-field="rules.0.cap"] .field-error', '最高分应为不小于0的数，最多一位小数');
    expect(sent(seen, 'PUT', `/api/enrollment-policies/${district}/2027/primary_1/points-rules`)).toHaveLength(0);
    await screenshot(page, '50-admin-policies-error');
    await firstCap.fill('15');
    await points.getByRole('button', { name: '保存积分规则' }).click();
    await expectText(page, '#page-status', '的积分规则');
    await screenshot(page, '51-admin-policies');

    const stored = (await h.pool.query('SELECT eligibility, points_rules FROM enrollment_policies WHERE district = $1', [district])).rows[0];
    expect(stored.eligibility).toEqual({ regime: { kind: 'permit_only' }, basisZh: '规则测试区随迁子女凭居住证入学实施办法' });
    expect(stored.points_rules.rules[0].cap).toBe(15);
    expect(stored.points_rules.rules).toHaveLength(DEMO_POINTS_RULES.rules.length);
  });

  it('pages for other roles refuse the administrator’s pages', async () => {
    const page = await b.newPage();
    await loginThroughPage(page, h.baseUrl, 'supervisor', '/overdue');
    for (const path of ['/users', '/policies']) {
      await page.goto(`${h.baseUrl}${path}`);
      await expectText(page, '[role="alert"]', '此页面不适用于您的账号');
      expect(await page.locator('#users-table, #eligibility-form').count()).toBe(0);
    }
  });
});
