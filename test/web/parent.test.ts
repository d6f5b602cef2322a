/**
 * The parent's pages in a real browser (headless Chromium, a phone's viewport) on the real service: applying with
 * uploads, answering a 补正 request, bad input that sends nothing, and another family's application staying hidden.
 */
import type { Page } from 'playwright-core';
import { applicationForm, makeId } from '../support/application-fixtures';
import { screenshot, type TestBrowser } from '../support/browser';
import type { Harness } from '../support/harness';
import { waitFor } from '../support/wait';
import { documentPng, expectText, loginThroughPage, recordRequests, usernameOf, withBrowserAndHarness } from '../support/web';

let h: Harness;
let b: TestBrowser;
withBrowserAndHarness((started) => ({ h, b } = started));

const box = (page: Page, name: string) => page.locator(`[data-field="${name}"]`);
const fill = (page: Page, name: string, value: string) => box(page, name).locator('input, textarea').first().fill(value);
const choose = (page: Page, name: string, value: string) => box(page, name).locator('select').selectOption(value);
const tick = (page: Page, name: string, value: string) => box(page, name).locator(`input[value="${value}"]`).check();

/** Fill the whole form from a fixture (everything but the materials). */
async function fillForm(page: Page, form: any): Promise<void> {
  await choose(page, 'district', form.district);
  await choose(page, 'enrollmentYear', String(form.enrollmentYear));
  await choose(page, 'stage', form.stage);
  await page.getByLabel('儿童姓名').fill(form.child.name);
  await fill(page, 'child.idNumber', form.child.idNumber);
  await fill(page, 'child.birthDate', form.child.birthDate);
  await tick(page, 'child.sex', form.child.sex);
  await page.getByLabel('户籍所在地').fill(form.child.householdRegistration);
  const g = form.guardians[0];
  await fill(page, 'guardians.0.name', g.name);
  await choose(page, 'guardians.0.relationship', g.relationship);
  await fill(page, 'guardians.0.idNumber', g.idNumber);
  await fill(page, 'guardians.0.phone', g.phone);
  await choose(page, 'guardians.0.employment.type', g.employment.type);
  await fill(page, 'guardians.0.employment.insuranceMonths', String(g.employment.insuranceMonths ?? ''));
  await fill(page, 'guardians.0.employment.employerName', g.employment.employerName);
  await fill(page, 'guardians.0.employment.creditCode', g.employment.creditCode);
  const p = form.residencePermit;
  await page.getByLabel('居住证号码').fill(p.number);
  await fill(page, 'residencePermit.issueDate', p.issueDate);
  await fill(page, 'residencePermit.address.district', p.address.district);
  await fill(page, 'residencePermit.address.street', p.address.street);
  await fill(page, 'residencePermit.address.community', p.address.community);
  await fill(page, 'residencePermit.address.detail', p.address.detail);
  await tick(page, 'housing.type', 'rented');
  await fill(page, 'housing.contractNumber', form.housing.contractNumber);
  await tick(page, 'housing.registered', 'yes');
}

/** Choose a PNG for a material and wait until its upload finished. */
async function upload(page: Page, name: string, fileName: string, seed: number): Promise<void> {
  await box(page, name).locator('input[type="file"]').setInputFiles({ name: fileName, mimeType: 'image/png', buffer: documentPng(seed) });
  await box(page, name).locator('.upload-item .status.done').first().waitFor();
}

async function applicationsOf(userId: string): Promise<any[]> {
  return (await h.pool.query('SELECT application_number, state, form FROM applications WHERE applicant_user_id = $1', [userId])).rows;
}

describe('a parent on a phone', () => {
  it('applies with uploaded materials, then answers the education bureau’s 补正 request', async () => {
    const parent = await h.newUser('applicant');
    const page = await b.newPage({ phone: true });
    await page.goto(`${h.baseUrl}/`);
    await screenshot(page, '01-login-phone');
    await loginThroughPage(page, h.baseUrl, await usernameOf(h, parent.userId), '/my-applications');
    await page.getByText('您还没有提交入学申请').waitFor();
    await screenshot(page, '02-parent-my-applications-empty');

    await page.getByRole('link', { name: '提交入学申请' }).first().click();
    await page.waitForURL('**/apply');
    await box(page, 'stage').waitFor();
    const form = applicationForm();
    await fillForm(page, form);
    // The published checklist of the district, year and stage: the strict regime and its required materials.
    await expectText(page, '#policy-info', '严格查验');
    await expectText(page, '#materials', '户口簿');
    await upload(page, 'materials.kind.household_register', '户口簿.png', 1);
    await upload(page, 'materials.kind.residence_permit', '居住证.png', 2);
    await upload(page, 'materials.kind.birth_certificate', '出生证明.png', 3);
    await screenshot(page, '03-parent-apply-filled');

    await page.getByRole('button', { name: '提交申请' }).click();
    await page.waitForURL('**/application?no=*');
    const no = new URL(page.url()).searchParams.get('no')!;
    expect(no).toMatch(/^2027-DEMO-\d{6}$/);
    await expectText(page, '#page-status', '申请已提交');
    await expectText(page, '#holders', '教育局');
    await screenshot(page, '04-parent-application-submitted');

    const [row] = await applicationsOf(parent.userId);
    expect(row.application_number).toBe(no);
    expect(row.form.materials.map((m: any) => m.kind).sort()).toEqual(['birth_certificate', 'household_register', 'residence_permit']);
    const stored = await parent.get(`/api/applications/${no}`);
    expect(stored.body.form.child).toMatchObject({ name: form.child.name, idNumber: form.child.idNumber, birthDate: form.child.birthDate });
    expect(stored.body.form.guardians[0]).toMatchObject({ phone: form.guardians[0].phone, relationship: 'father' });

    // The education bureau asks for a supplement (through the API, as its officer would from the step page).
    const edu = await h.as('edu');
    await waitFor(async () => (await edu.get(`/api/steps/${no}.pre_review`)).status === 200, { what: 'pre-review step' });
    const asked = await edu.post(`/api/applications/${no}/supplement-requests`, { items: ['租房合同备案证明'], workingDays: 3 });
    expect(asked.status).toBe(200);

    await page.reload();
    await page.locator('#supplement').waitFor();
    // The bell says so too, with a way to the application.
    await page.locator('#bell').click();
    await expectText(page, '#bell-panel', '请补正材料');
    await screenshot(page, '05-parent-bell');
    await page.locator('#bell').click();
    await expectText(page, '#supplement', '租房合同备案证明');
    await expectText(page, '.status-big', '待补正材料');
    await upload(page, 'materials', '备案证明.png', 4);
    await page.locator('#supplement-form').getByLabel('说明').fill('已补充租房合同备案证明');
    await screenshot(page, '05-parent-supplement-form');
    await page.getByRole('button', { name: '提交补正材料' }).click();
    await expectText(page, '#page-status', '补正材料已提交');
    await expectText(page, '.status-big', '教育局预审中');
    await expectText(page, '#timeline', '已补正材料，恢复审核');
    expect(await page.locator('#supplement').count()).toBe(0);
    await screenshot(page, '06-parent-after-supplement');

    const [after] = await applicationsOf(parent.userId);
    expect(after.form.supplements).toHaveLength(1);
    expect(after.form.supplements[0]).toMatchObject({ note: '已补充租房合同备案证明' });
    expect(after.form.supplements[0].materials).toHaveLength(1);

    // The parent can open their own material.
    await page.locator('#materials-list button').first().click();
    await page.locator('#material-viewer img').waitFor();
    expect(await page.locator('#material-viewer img').evaluate((img: any) => img.naturalWidth)).toBe(240);
    await screenshot(page, '07-parent-material-viewer');
    await page.getByRole('button', { name: '关闭' }).click();

    // The list of applications shows it.
    await page.getByRole('link', { name: '我的申请' }).click();
    await page.locator(`[data-application-number="${no}"]`).waitFor();
    await screenshot(page, '08-parent-my-applications');
  });

  it('withdraws an application after confirming', async () => {
    const parent = await h.newUser('applicant');
    const created = await parent.post('/api/applications', applicationForm());
    expect(created.status).toBe(201);
    const no = created.body.applicationNumber;
    const page = await b.newPage({ phone: true });
    await loginThroughPage(page, h.baseUrl, await usernameOf(h, parent.userId), '/my-applications');
    await page.goto(`${h.baseUrl}/application?no=${no}`);
    await page.getByRole('button', { name: '撤回申请' }).click();
    await page.locator('#withdraw-dialog').getByLabel('撤回原因').fill('已回户籍地入学');
    await screenshot(page, '09-parent-withdraw-confirm');
    await page.getByRole('button', { name: '确认撤回' }).click();
    await expectText(page, '.status-big', '已撤回申请');
    expect((await applicationsOf(parent.userId))[0].state).toBe('withdrawn');
  });
});

describe('bad input', () => {
  it('shows the field’s error in Chinese next to it and sends nothing, whether the browser or the server finds it', async () => {
    const parent = await h.newUser('applicant');
    const page = await b.newPage({ phone: true });
    await loginThroughPage(page, h.baseUrl, await usernameOf(h, parent.userId), '/my-applications');
    await page.goto(`${h.baseUrl}/apply`);
    await box(page, 'stage').waitFor();
    const sent = recordRequests(page);

    // A check character that does not match, and nothing else filled in: the browser's own checks catch it.
    const form = applicationForm();
    // The demo district by name: other test files add districts of their own, which may come first in the list.
    await choose(page, 'district', form.district);
    await choose(page, 'stage', 'primary_1');
    const id = form.child.idNumber as string;
    const wrongCheck = id.slice(0, 17) + (id[17] === '1' ? '2' : '1');
    await fill(page, 'child.idNumber', wrongCheck);
    await page.getByRole('button', { name: '提交申请' }).click();
    await expectText(page, '[data-field="child.idNumber"] .field-error', '身份证号校验位错误');
    await expectText(page, '[data-field="child.name"] .field-error', '请填写儿童姓名');
    await expectText(page, '[data-field="materials.kind.household_register"] .field-error', '请上传户口簿');
    await expectText(page, '#form-errors', '儿童身份证号：身份证号校验位错误');
    expect(await page.locator('[name="child.idNumber"]').getAttribute('aria-invalid')).toBe('true');
    // The first bad field has the focus, and the summary is an alert.
    expect(await page.evaluate('document.activeElement && document.activeElement.getAttribute("aria-invalid")')).toBe('true');
    expect(await page.locator('#form-errors').getAttribute('role')).toBe('alert');
    await screenshot(page, '10-apply-errors-in-browser');
    expect(sent.filter((r) => r.method !== 'GET')).toEqual([]);

    // Everything right except a credit code whose check character is wrong: only the server knows that rule.
    await page.reload();
    await box(page, 'stage').waitFor();
    await fillForm(page, { ...form, guardians: [{ ...form.guardians[0], employment: { ...form.guardians[0].employment, creditCode: '91350100M000100Y44' } }] });
    await upload(page, 'materials.kind.household_register', '户口簿.png', 5);
    await upload(page, 'materials.kind.residence_permit', '居住证.png', 6);
    await upload(page, 'materials.kind.birth_certificate', '出生证明.png', 7);
    await page.getByRole('button', { name: '提交申请' }).click();
    await expectText(page, '[data-field="guardians.0.employment.creditCode"] .field-error', '统一社会信用代码校验位错误');
    await expectText(page, '#form-errors', '统一社会信用代码');
    expect(page.url()).toMatch(/\/apply$/);
    await screenshot(page, '11-apply-errors-from-server');
    const posts = sent.filter((r) => r.method === 'POST' && r.path === '/api/applications');
    expect(posts).toHaveLength(1);

    // Neither attempt created an application.
    expect(await applicationsOf(parent.userId)).toEqual([]);
  });

  it('checks the guardian’s ID number against the relationship, as the server does', async () => {
    const parent = await h.newUser('applicant');
    const page = await b.newPage({ phone: true });
    await loginThroughPage(page, h.baseUrl, await usernameOf(h, parent.userId), '/my-applications');
    await page.goto(`${h.baseUrl}/apply`);
    await box(page, 'guardians.0.relationship').waitFor();
    const sent = recordRequests(page);
    await choose(page, 'guardians.0.relationship', 'mother');
    await fill(page, 'guardians.0.idNumber', makeId('412726', '19900101', '013')); // odd sequence digit: a man
    await page.getByRole('button', { name: '提交申请' }).click();
    await expectText(page, '[data-field="guardians.0.relationship"] .field-error', '与儿童关系为母亲，但身份证号显示为男性');
    expect(sent.filter((r) => r.method !== 'GET')).toEqual([]);
  });
});

describe('another family’s application', () => {
  it('answers a typed URL with “not found” in Chinese and shows none of its data', async () => {
    const owner = await h.newUser('applicant');
    const form = applicationForm();
    const created = await owner.post('/api/applications', form);
    expect(created.status).toBe(201);
    const no = created.body.applicationNumber;

    const stranger = await h.newUser('applicant');
    const page = await b.newPage({ phone: true });
    await loginThroughPage(page, h.baseUrl, await usernameOf(h, stranger.userId), '/my-applications');
    await page.goto(`${h.baseUrl}/application?no=${no}`);
    await expectText(page, '[role="alert"]', '未找到该申请');
    await screenshot(page, '12-parent-other-family-not-found');
    const text = await page.locator('body').innerText();
    for (const secret of [form.child.name, form.child.idNumber, form.guardians[0].name, form.guardians[0].phone, form.residencePermit.number, '教育局预审中']) {
      expect(text).not.toContain(secret);
    }
    expect(await page.locator('#timeline').count()).toBe(0);
    // The officials' pages do not open for a parent either, whichever step or inbox is typed.
    for (const url of [`/step?id=${no}.pre_review`, '/inbox?department=education', '/overdue', '/calendar']) {
      await page.goto(`${h.baseUrl}${url}`);
      await expectText(page, '[role="alert"]', '此页面不适用于您的账号');
      expect(await page.locator('#content').innerText()).not.toContain(no);
    }
    // Nor does the list give anything away.
    await page.goto(`${h.baseUrl}/my-applications`);
    await page.getByText('您还没有提交入学申请').waitFor();
    expect(await page.locator('body').innerText()).not.toContain(no);
  });
});

