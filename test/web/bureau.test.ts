/**
 * The education bureau's and the schools' pages in a real browser on the real service: schools and seats loaded from a
 * spreadsheet (with progress, and a refused file reported row by row); the applicant pool, a what-if and an allocation
 * round started from the page, its progress and results; then the school where a child was placed records the
 * check-in from its list, another school a no-show (after a confirmation); neither sees another school's children,
 * whatever URL is typed.
 */
import crypto from 'node:crypto';
import { upsertPolicy } from '../../db/repositories/applications';
import { DEMO_POINTS_RULES } from '../../domain/points';
import { applicationForm } from '../support/application-fixtures';
import { screenshot, type TestBrowser } from '../support/browser';
import type { Api, Harness } from '../support/harness';
import { waitFor } from '../support/wait';
import { expectText, loginThroughPage, recordRequests, usernameOf, withBrowserAndHarness } from '../support/web';

let h: Harness;
let b: TestBrowser;
withBrowserAndHarness((started) => ({ h, b } = started));

// A district of this file's own, so no other test's applications enter its pool.
const D = `wb${crypto.randomBytes(3).toString('hex')}`;
const P1 = `${D}-p1`;
const P2 = `${D}-p2`;

const sent = (seen: { method: string; path: string }[], method: string, prefix: string) => seen.filter((r) => r.method === method && r.path.startsWith(prefix));

/** Submit an application and pass pre-review and the verifications through the API, so the child is in the pool. */
async function toPool(permitMonths: number): Promise<string> {
  const parent = await h.newUser('applicant');
  const r = await parent.post('/api/applications', applicationForm({ district: D, year: 2027 }));
  expect(r.status).toBe(201);
  const appNo = r.body.applicationNumber as string;
  const complete = async (officer: Api, part: string, facts?: Record<string, unknown>) => {
    const stepId = `${appNo}.${part}`;
    await waitFor(async () => (await officer.get(`/api/steps/${stepId}`)).status === 200, { what: `step ${stepId}` });
    expect((await officer.post(`/api/steps/${stepId}/complete`, { outcome: 'confirmed', findings: '经核验属实', facts })).status).toBe(200);
  };
  await complete(await h.as('edu'), 'pre_review');
  await complete(await h.as('police'), 'police', { valid: true, months: permitMonths });
  await complete(await h.as('hrss'), 'hrss', { employed: true, insuranceMonths: 0 });
  await complete(await h.as('housing'), 'housing', { rentalRegistered: true, communityResidenceProof: true });
  await waitFor(async () => (await parent.get(`/api/applications/${appNo}`)).body.state === 'in_pool', { what: `${appNo} in the pool`, timeoutMs: 60_000 });
  return appNo;
}

describe('schools and seats', () => {
  it('the administrator loads a spreadsheet with progress; a file with bad rows is reported row by row and loads nothing', async () => {
    await upsertPolicy(h.pool, {
      district: D,
      districtNameZh: '页面测试区',
      year: 2027,
      stage: 'primary_1',
      eligibility: { regime: { kind: 'permit_only' }, basisZh: '测试：凭居住证入学' },
      pointsRules: { basisZh: DEMO_POINTS_RULES.basisZh, rules: DEMO_POINTS_RULES.rules },
      checklist: [],
      notesZh: null,
    });
    const page = await b.newPage();
    const seen = recordRequests(page);
    await loginThroughPage(page, h.baseUrl, 'admin', '/calendar');
    await page.goto(`${h.baseUrl}/schools?district=${D}`);
    const form = page.locator('#import-form');
    await form.waitFor();

    // No file chosen: said in Chinese by the field, nothing sent.
    await form.getByRole('button', { name: '上传并导入' }).click();
    await expectText(page, '#import-form [data-field="file"] .field-error', '请选择要导入的文件');
    expect(sent(seen, 'POST', '/api/school-data/')).toHaveLength(0);

    // Bad rows: the whole file is refused, each problem by its row and column.
    await form.getByLabel('文件内容').selectOption('schools');
    const bad = `学校代码,学校名称,区县代码,办学性质,学段\n${P1},页面测试第一小学,${D},公办,小学一年级\n${P2},,${D},国营,小学一年级\n`;
    await form.locator('#school-file').setInputFiles({ name: '学校名单.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await form.getByRole('button', { name: '上传并导入' }).click();
    await expectText(page, '#import-problems', '第3行');
    await expectText(page, '#import-result', '未导入任何数据');
    expect((await h.pool.query('SELECT count(*)::int AS n FROM schools WHERE district = $1', [D])).rows[0].n).toBe(0);
    await screenshot(page, '52-admin-schools-import-refused');

    // The good files: schools, then seats and the catchment.
    const upload = async (kind: string, name: string, csv: string) => {
      await form.getByLabel('文件内容').selectOption(kind);
      await form.locator('#school-file').setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await form.getByRole('button', { name: '上传并导入' }).click();
      await expectText(page, '#import-result', `已导入“${name}”`);
    };
    await upload('schools', '学校名单.csv', `学校代码,学校名称,区县代码,办学性质,学段\n${P1},页面测试第一小学,${D},公办,小学一年级\n${P2},页面测试第二小学,${D},公办,小学一年级\n`);
    expect(await page.locator('#import-progress progress').evaluate((p) => (p as unknown as { value: number }).value)).toBe(100);
    await upload('seats', '招生计划.csv', `学校代码,年度,学段,招生学位数,政府购买学位数,购买单价（元/生·年）\n${P1},2027,小学一年级,1,,\n${P2},2027,小学一年级,5,,\n`);
    await upload('catchments', '划片.csv', `区县代码,学段,街道（乡镇）,社区（村）,划片学校代码\n${D},小学一年级,演示街道,幸福社区,${P1}\n`);
    await upload('distances', '距离.csv', `学校代码,相邻学校代码,距离（公里）\n${P1},${P2},1.2\n`);
    await expectText(page, `#schools-table tr[data-school-id="${P2}"]`, '2027年小学一年级：5 个');
    await screenshot(page, '53-admin-schools');
  });
});

describe('the education bureau and the school', () => {
  it('starts a round from the page, sees its progress and results; one school records a check-in, another a no-show', async () => {
    // Two children of the same community; the longer residence permit ranks first and gets the catchment school.
    const first = await toPool(60);
    const second = await toPool(24);

    const edu = await b.newPage();
    const seen = recordRequests(edu);
    await loginThroughPage(edu, h.baseUrl, 'edu', '/inbox');
    await edu.getByRole('navigation', { name: '主导航' }).getByRole('link', { name: '入学统筹' }).click();
    await edu.waitForURL('**/allocation');
    await edu.getByLabel('招生政策（区县 · 年度 · 学段）').selectOption(`${D}|2027|primary_1`);
    await edu.getByRole('button', { name: '查看' }).click();
    await expectText(edu, '#pool-table', first);
    await expectText(edu, '#pool-table', second);
    // The pool shows masked names only.
    expect(await edu.locator('#pool-table').innerText()).not.toMatch(/\d{17}[\dX]/);

    await edu.getByRole('button', { name: '模拟安排（不发布）' }).click();
    await expectText(edu, `#what-if-schools tr[data-school-id="${P1}"]`, '页面测试第一小学');
    expect(await edu.locator(`#what-if-schools tr[data-school-id="${P1}"]`).innerText()).toMatch(/2\s+1\s+1/);
    await screenshot(edu, '54-edu-allocation-what-if');

    // Starting needs the confirmation: without it the page says so and sends nothing.
    const start = edu.locator('#start-round');
    await start.getByRole('button', { name: '启动统筹安排' }).click();
    await expectText(edu, '#start-round [data-field="confirm"] .field-error', '请先核对并勾选确认');
    expect(sent(seen, 'POST', '/api/allocation-rounds')).toHaveLength(0);

    await start.getByLabel('我已核对申请人池和学位数，确认启动').check();
    await start.getByRole('button', { name: '启动统筹安排' }).click();
    await edu.locator('#round-progress').waitFor();
    await screenshot(edu, '55-edu-round-progress');
    await edu.locator('#round-phase[data-phase="check_in"]').waitFor({ timeout: 60_000 });
    await expectText(edu, '#round-progress', '已发布 2/2');
    expect(await edu.locator('#publish-progress').evaluate((p) => { const bar = p as unknown as { value: number; max: number }; return [bar.value, bar.max]; })).toEqual([2, 2]);
    const roundId = `allocation-round-${D}-2027-primary_1-1`;
    // The page read the round's status (at least once after starting it) rather than guessing.
    expect(sent(seen, 'GET', `/api/allocation-rounds/${roundId}`).length).toBeGreaterThanOrEqual(1);
    await expectText(edu, `#placements-table tr[data-application-number="${first}"]`, '页面测试第一小学');
    await expectText(edu, `#placements-table tr[data-application-number="${second}"]`, '页面测试第二小学');
    await expectText(edu, '#round-results', '安排结果（2 人）');
    await screenshot(edu, '56-edu-round-results');
    expect(sent(seen, 'POST', '/api/allocation-rounds')).toHaveLength(1);

    // The first school's user sees only its own child, and records the check-in from the list.
    const schoolUser = await h.newUser('school', { schoolId: P1 });
    const school = await b.newPage({ phone: true });
    await loginThroughPage(school, h.baseUrl, await usernameOf(h, schoolUser.userId), '/school');
    const row = school.locator(`#placed-table tr[data-application-number="${first}"]`);
    await row.waitFor();
    expect(await school.locator('#placed-table tbody tr').count()).toBe(1);
    expect(await school.locator('#placed').innerText()).not.toContain(second);
    await screenshot(school, '57-school-placed-list');
    await row.getByRole('button', { name: '登记报到' }).click();
    await school.locator(`#placed-table tr[data-application-number="${first}"][data-state="enrolled"]`).waitFor();
    await expectText(school, '#page-status', `已登记：${first}`);
    await screenshot(school, '58-school-checked-in');
    expect((await h.pool.query('SELECT state FROM applications WHERE application_number = $1', [first])).rows[0].state).toBe('enrolled');
    const audit = await h.pool.query(`SELECT actor_user_id FROM audit_log WHERE stream_id = $1 AND action = 'enrolled'`, [first]);
    expect(audit.rows.map((r) => r.actor_user_id)).toEqual([schoolUser.userId]);

    // Typing the other school's id shows nothing of it.
    await school.goto(`${h.baseUrl}/school?schoolId=${P2}`);
    await expectText(school, '[role="alert"]', '无权查看');
    expect(await school.locator('body').innerText()).not.toContain(second);
    expect(await school.locator('#placed-table').count()).toBe(0);

    // The second school records that its child did not come: one click shows the confirmation, the second sends it.
    const otherUser = await h.newUser('school', { schoolId: P2 });
    const other = await b.newPage({ phone: true });
    const otherSeen = recordRequests(other);
    await loginThroughPage(other, h.baseUrl, await usernameOf(h, otherUser.userId), '/school');
    const secondRow = other.locator(`#placed-table tr[data-application-number="${second}"]`);
    await secondRow.waitFor();
    await secondRow.getByRole('button', { name: '逾期未报到' }).click();
    expect(sent(otherSeen, 'POST', `/api/applications/${second}/check-in`)).toHaveLength(0);
    await secondRow.getByRole('button', { name: '确认未报到（释放学位）' }).click();
    await other.locator(`#placed-table tr[data-application-number="${second}"][data-state="no_show"]`).waitFor();
    await screenshot(other, '59-school-no-show');
    expect(sent(otherSeen, 'POST', `/api/applications/${second}/check-in`)).toHaveLength(1);
    expect((await h.pool.query('SELECT state FROM applications WHERE application_number = $1', [second])).rows[0].state).toBe('no_show');
    const noShow = await h.pool.query(`SELECT actor_user_id FROM audit_log WHERE stream_id = $1 AND action = 'no_show'`, [second]);
    expect(noShow.rows.map((r) => r.actor_user_id)).toEqual([otherUser.userId]);

    // An officer of another department cannot open the bureau's pages.
    const police = await b.newPage();
    await loginThroughPage(police, h.baseUrl, 'police', '/inbox');
    for (const path of ['/allocation', '/schools']) {
      await police.goto(`${h.baseUrl}${path}`);
      await expectText(police, '[role="alert"]', '无权查看');
      expect(await police.locator('#pool-table, #schools-table').count()).toBe(0);
    }
  }, 240_000);
});
