// One application: status in plain Chinese, who holds it now, each department's step with its light, the timeline,
// a 补正 request to answer, the placement and its reason, eligibility and points, the form and its materials, and
// withdrawal. A parent sees only their own (another family's number answers "not found", as the API does); an
// officer sees the applications their department works on, with their own department's steps only.
import {
  api, el, render, $, initPage, param, showApiError, showFieldErrors, clearErrors, busy, announce, newKey,
  fmtDateTime, fmtDeadline, fmtDate, lightBadge, stepStateBadge, applicationStateBadge, departmentName, materialButton,
  FINAL_APPLICATION_STATES, pageMessage,
} from '../common.js';
import { field, uploadBox } from '../forms.js';

const NUMBER = /^\d{4}-[A-Z0-9_]{1,32}-\d{6,}$/;
const PLACEMENT_TYPES = { catchment: '学区内安排', adjusted: '调剂安排', purchased: '政府购买学位' };
const MATERIAL_NAMES = {
  household_register: '户口簿', residence_permit: '居住证', property_certificate: '房产证（不动产权证书）', rental_contract: '租房合同',
  community_residence_proof: '社区居住证明', employment_proof: '务工证明', business_licence: '营业执照', birth_certificate: '出生医学证明',
  special_category_proof: '优待或帮扶对象证明', other: '其他材料',
};
const RELATIONSHIPS = { father: '父亲', mother: '母亲', other_guardian: '其他监护人' };
const EMPLOYMENT = { employed: '单位就业', self_employed: '个体经营', unemployed: '无业' };
const SEXES = { male: '男', female: '女' };

const facts = (...pairs) => el('dl', { class: 'facts' }, pairs.filter(Boolean).map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));

function notFound() {
  pageMessage('未找到该申请', '没有找到这个申请编号对应的申请。请核对申请编号；如果这是您家孩子的申请，请用提交申请时的账号登录。');
}

async function start() {
  const user = await initPage({ roles: ['applicant', 'officer', 'school', 'supervisor', 'leader', 'admin'] });
  if (!user) return;
  const no = (param('no') || '').trim().toUpperCase();
  if (!NUMBER.test(no)) {
    notFound();
    return;
  }
  const submitted = param('submitted');
  // Said once: a reload of the page does not announce the submission again.
  if (submitted) history.replaceState(null, '', `${location.pathname}?no=${encodeURIComponent(no)}`);
  if (submitted === '1') announce(`申请已提交，申请编号 ${no}。教育局将进行预审，请留意消息提醒。`);
  if (submitted === 'again') announce(`该儿童本年度的申请已经提交过（申请编号 ${no}），无需重复提交。`, 'info');
  // Just submitted: the workflow hands the case to the education bureau within moments; wait for it briefly.
  await load(user, no, submitted ? (a) => a.holders.length > 0 || FINAL_APPLICATION_STATES.includes(a.state) : undefined);
}

/** Load and draw the application; `until(a)` waits (briefly) for the read model to show an act just done. */
async function load(user, no, until) {
  const content = $('#content');
  let a;
  try {
    a = await api.get(`/api/applications/${encodeURIComponent(no)}`);
    for (let i = 0; until && !until(a) && i < 40; i++) {
      await new Promise((r) => window.setTimeout(r, 250));
      a = await api.get(`/api/applications/${encodeURIComponent(no)}`);
    }
  } catch (err) {
    content.removeAttribute('aria-busy');
    if (err.status === 404 || err.status === 400) notFound();
    else {
      render(content);
      showApiError(err);
    }
    return;
  }
  content.removeAttribute('aria-busy');
  $('#page-title').textContent = `入学申请 ${a.applicationNumber}`;
  document.title = `入学申请 ${a.applicationNumber} · 随迁子女入学与部门协同督办`;
  const parent = user.role === 'applicant';
  const office = ['officer', 'supervisor', 'leader', 'admin'].includes(user.role);
  const final = FINAL_APPLICATION_STATES.includes(a.state);
  const reload = (until) => load(user, no, until);

  const childName = parent ? a.form.child.name : a.childName;
  const status = el(
    'section',
    { class: 'card', 'aria-labelledby': 'status-heading' },
    el('h2', { id: 'status-heading' }, '办理状态'),
    el('p', { class: 'status-big' }, applicationStateBadge(a.state, a.stateZh)),
    facts(
      ['儿童', childName],
      ['申请', `${a.year}年 · ${a.stageZh} · ${a.district}`],
      ['申请编号', a.applicationNumber],
      ['提交时间', fmtDateTime(a.submittedAt)],
      a.pointsTotal !== null && a.pointsTotal !== undefined ? ['积分', `${a.pointsTotal} 分`] : null,
    ),
    el('h3', {}, final ? '办理已结束' : '目前由谁办理'),
    final ? null : el('div', { class: 'holders', id: 'holders' }, a.holders.length ? a.holders.map((h) => el('span', { class: 'badge tone-info' }, h.nameZh)) : el('span', { class: 'muted' }, parent && a.state === 'awaiting_supplement' ? '等待您补正材料' : '—')),
  );

  const left = [status];
  if (a.supplement && a.state === 'awaiting_supplement') left.push(supplementSection(a, parent, reload));
  if (a.placement) left.push(placementSection(a.placement));
  left.push(stepsSection(a, office), timelineSection(a));
  const right = [];
  if (a.eligibility) right.push(eligibilitySection(a));
  if (a.aid) right.push(el('section', { class: 'card' }, el('h2', {}, '学生资助'), el('p', {}, a.aid.granted ? `已获资助，每年 ${a.aid.amount} 元` : '暂不予资助')));
  right.push(formSection(a, parent));
  if (parent && !final) right.push(withdrawSection(a, reload));
  render(content, el('div', { class: 'grid-2' }, el('div', {}, left), el('div', {}, right)));
}

function supplementSection(a, parent, reload) {
  const s = a.supplement;
  const section = el(
    'section',
    { class: 'card', id: 'supplement', 'aria-labelledby': 'supplement-heading' },
    el('h2', { id: 'supplement-heading' }, '需要补正材料'),
    el('div', { class: 'alert warn' }, el('p', {}, `${s.requestedBy || '教育局'}要求补正：`), el('ul', {}, s.items.map((i) => el('li', {}, i))), el('p', {}, `请在 ${fmtDeadline(s.deadlineAt)} 前补正，逾期申请失效。`)),
  );
  if (!parent) return section;
  const summary = el('div', { class: 'alert error', role: 'alert', tabindex: '-1', hidden: true });
  const uploads = uploadBox({ name: 'materials', label: '补正材料', hint: 'PDF、JPG或PNG格式，每个文件不超过10MB。可拍照上传，可选多张。' });
  const key = newKey();
  const form = el(
    'form',
    { id: 'supplement-form', novalidate: true },
    summary,
    uploads.node,
    field({ name: 'note', label: '说明', type: 'textarea', hint: '如：已补充租房合同备案证明', attrs: { maxlength: '2000' } }),
    el('div', { class: 'actions stack' }, el('button', { type: 'submit' }, '提交补正材料')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const note = form.note.value.trim();
    const problems = [];
    if (uploads.pending() > 0) problems.push({ field: 'materials', message: '材料正在上传，请等上传完成后再提交' });
    else if (uploads.files().length === 0 && !note) problems.push({ field: 'materials', message: '请上传补正材料，或填写说明' });
    if (problems.length) {
      showFieldErrors(form, summary, problems);
      return;
    }
    clearErrors(form, summary);
    await busy(form, async () => {
      try {
        await api.post(`/api/applications/${encodeURIComponent(a.applicationNumber)}/supplements`, { note, materials: uploads.files().map((f) => f.fileId) }, { idempotencyKey: key });
        announce('补正材料已提交，教育局将继续审核。');
        await reload((x) => x.state !== 'awaiting_supplement');
      } catch (err) {
        showApiError(err, { form, summary });
      }
    });
  });
  section.append(form);
  return section;
}

function placementSection(p) {
  return el(
    'section',
    { class: 'card', id: 'placement', 'aria-labelledby': 'placement-heading' },
    el('h2', { id: 'placement-heading' }, '学位安排结果'),
    facts(['学校', p.schoolNameZh], ['安排方式', PLACEMENT_TYPES[p.type] || p.type], ['安排理由', p.reasonZh]),
  );
}

function eligibilitySection(a) {
  const e = a.eligibility;
  return el(
    'section',
    { class: 'card', 'aria-labelledby': 'eligibility-heading' },
    el('h2', { id: 'eligibility-heading' }, '资格审核'),
    el('p', {}, el('span', { class: `badge tone-${e.eligible ? 'ok' : 'bad'}` }, e.eligible ? '符合入学条件' : '不符合入学条件')),
    el('ul', {}, e.rules.map((r) => el('li', {}, `${r.passed ? '✓ 符合' : '✗ 不符合'}：${r.descriptionZh}`, el('br'), el('span', { class: 'small muted' }, `核查情况：${r.evidence}；负责部门：${r.departments.map(departmentName).join('、')}`)))),
    a.points && a.points.lines
      ? el('details', { class: 'plain' }, el('summary', {}, `积分明细（合计 ${a.points.total ?? a.pointsTotal} 分）`), el('ul', {}, a.points.lines.map((l) => el('li', {}, `${l.labelZh}：${l.points} 分${l.capped ? '（已达上限）' : ''}`))))
      : null,
  );
}

function stepsSection(a, office) {
  return el(
    'section',
    { class: 'card', 'aria-labelledby': 'steps-heading' },
    el('h2', { id: 'steps-heading' }, '各部门办理情况'),
    a.steps.length === 0
      ? el('p', { class: 'muted' }, '暂无。')
      : el(
        'div',
        { class: 'table-wrap' },
        el(
          'table',
          { class: 'responsive' },
          el('thead', {}, el('tr', {}, el('th', {}, '部门'), el('th', {}, '事项'), el('th', {}, '状态'), el('th', {}, '办理期限'))),
          el(
            'tbody',
            {},
            a.steps.map((s) =>
              el(
                'tr',
                { dataset: { stepId: s.stepId } },
                el('td', { 'data-label': '部门' }, s.departmentZh),
                el('td', { 'data-label': '事项' }, office ? el('a', { href: `/step?id=${encodeURIComponent(s.stepId)}` }, s.title) : s.title.replace(/（申请编号.*?）$/, '')),
                el('td', { 'data-label': '状态' }, s.paused ? el('span', { class: 'badge tone-grey' }, '暂停计时') : [stepStateBadge(s.state), ' ', lightBadge(s.light)]),
                el('td', { 'data-label': '办理期限' }, s.deadlineAt ? fmtDeadline(s.deadlineAt) : '—'),
              ),
            ),
          ),
        ),
      ),
  );
}

function timelineSection(a) {
  return el(
    'section',
    { class: 'card', 'aria-labelledby': 'timeline-heading' },
    el('h2', { id: 'timeline-heading' }, '办理过程'),
    a.timeline.length === 0
      ? el('p', { class: 'muted' }, '暂无记录。')
      : el('ol', { class: 'timeline', id: 'timeline' }, [...a.timeline].reverse().map((t) => el('li', {}, el('time', { datetime: t.at }, fmtDateTime(t.at)), t.textZh))),
  );
}

function formSection(a, parent) {
  const f = a.form;
  const materials = (f.materials || []).map((m) => el('li', {}, materialButton(m.fileId, `${MATERIAL_NAMES[m.kind] || m.kind}（${m.fileName}）`)));
  const supplements = (f.supplements || []).flatMap((s, i) => [
    ...s.materials.map((id, j) => el('li', {}, materialButton(id, `补正材料 ${i + 1}-${j + 1}（${fmtDate(s.at)} 提交）`))),
    s.note ? el('li', {}, `补正说明（${fmtDate(s.at)}）：${s.note}`) : null,
  ]);
  const h = f.housing;
  return el(
    'section',
    { class: 'card', id: 'form-summary', 'aria-labelledby': 'form-heading' },
    el('h2', { id: 'form-heading' }, '申请信息与材料'),
    el('h3', {}, '材料'),
    materials.length + supplements.length ? el('ul', { id: 'materials-list' }, materials, supplements) : el('p', { class: 'muted' }, '未上传材料。'),
    el(
      'details',
      { class: 'plain', open: parent ? null : true },
      el('summary', {}, '填报内容'),
      el('h3', {}, '儿童'),
      facts(['姓名', f.child.name], ['身份证号', f.child.idNumber], ['出生日期', f.child.birthDate], ['性别', SEXES[f.child.sex] || f.child.sex], ['户籍所在地', f.child.householdRegistration]),
      f.guardians.map((g, i) => [
        el('h3', {}, f.guardians.length > 1 ? `监护人 ${i + 1}` : '监护人'),
        facts(
          ['姓名', g.name], ['关系', RELATIONSHIPS[g.relationship] || g.relationship], ['身份证号', g.idNumber], ['手机号码', g.phone],
          ['就业情况', EMPLOYMENT[g.employment.type] || g.employment.type],
          g.employment.employerName ? ['单位', g.employment.employerName] : null,
          g.employment.insuranceMonths !== undefined ? ['社保缴费', `${g.employment.insuranceMonths} 个月`] : null,
        ),
      ]),
      el('h3', {}, '居住证与住房'),
      facts(
        ['居住证号码', f.residencePermit.number],
        ['签发日期', f.residencePermit.issueDate],
        ['居住地址', `${f.residencePermit.address.district}${f.residencePermit.address.street}${f.residencePermit.address.community}${f.residencePermit.address.detail}`],
        ['住房', h.type === 'owned' ? `自有住房（${h.certificateNumber}）` : `租房（合同 ${h.contractNumber}，${h.registered ? '已登记备案' : '未登记备案'}）`],
      ),
    ),
  );
}

function withdrawSection(a, reload) {
  const dialog = el('dialog', { id: 'withdraw-dialog', 'aria-labelledby': 'withdraw-title' });
  const summary = el('div', { class: 'alert error', role: 'alert', tabindex: '-1', hidden: true });
  const key = newKey();
  const form = el(
    'form',
    { novalidate: true, class: 'dialog-body' },
    el('h2', { id: 'withdraw-title' }, '确认撤回申请？'),
    el('p', {}, `撤回后，申请 ${a.applicationNumber} 将终止办理，各部门停止核验，不能恢复。如需入学须重新申请。`),
    summary,
    field({ name: 'reason', label: '撤回原因（选填）', type: 'textarea', attrs: { maxlength: '500' } }),
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'danger', id: 'confirm-withdraw' }, '确认撤回'), el('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, '不撤回')),
  );
  dialog.append(form);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors(form, summary);
    await busy(form, async () => {
      try {
        await api.post(`/api/applications/${encodeURIComponent(a.applicationNumber)}/withdraw`, { reason: form.reason.value.trim() }, { idempotencyKey: key });
        dialog.close();
        announce('申请已撤回。');
        await reload((x) => x.state === 'withdrawn');
      } catch (err) {
        showApiError(err, { form, summary });
      }
    });
  });
  return el(
    'section',
    { class: 'card', 'aria-labelledby': 'withdraw-heading' },
    el('h2', { id: 'withdraw-heading' }, '撤回申请'),
    el('p', { class: 'small muted' }, '已回户籍地入学或不再需要学位时，可以撤回申请。'),
    el('button', { type: 'button', class: 'danger', id: 'withdraw', onclick: () => dialog.showModal() }, '撤回申请'),
    dialog,
  );
}

start();
