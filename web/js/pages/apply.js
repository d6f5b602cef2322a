// The one form a parent fills in ("一套表格"): the published checklist of the chosen district, year and stage, the
// child, the guardians, the residence permit, housing, special groups and the materials, uploaded with progress.
// The browser checks what it can first (required fields, ID numbers with their check character, dates, phone
// numbers) and sends nothing while a check fails; the server's own field errors are shown by the same fields.
import { api, el, render, $, initPage, showApiError, showFieldErrors, clearErrors, busy, todayShanghai } from '../common.js';
import { field, choices, toggle, valueOf, uploadBox } from '../forms.js';

const SPECIAL_CATEGORIES = [
  ['key_enterprise', '重大项目、重点企业职工子女'],
  ['introduced_talent', '引进人才子女'],
  ['military_family', '现役军人子女'],
  ['martyr_family', '烈士子女'],
  ['disability', '适龄残疾儿童少年'],
  ['needy_family', '家庭经济困难学生'],
  ['sibling_enrolled', '多孩子女长幼随学（兄姐已在本地就读）'],
  ['left_behind', '农村留守儿童'],
  ['orphan', '孤儿或事实无人抚养儿童'],
];

// ---------------------------------------------------------------------------------------------------------------
// Checks the browser can do (the same rules and the same words as the server)
// ---------------------------------------------------------------------------------------------------------------

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_ERRORS = {
  format: '身份证号应为18位，前17位为数字，最后一位为数字或X',
  checksum: '身份证号校验位错误',
  birth_date: '身份证号中的出生日期无效',
};

function isRealDate(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** { ok, birthDate, sex } or { ok: false, reason } for an ID number in canonical form (trimmed, X uppercase). */
export function checkIdNumber(id, today) {
  if (!/^\d{17}[\dX]$/.test(id)) return { ok: false, reason: 'format' };
  const sum = ID_WEIGHTS.reduce((acc, w, i) => acc + w * Number(id[i]), 0);
  if ('10X98765432'[sum % 11] !== id[17]) return { ok: false, reason: 'checksum' };
  const birthDate = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  if (Number(id.slice(6, 10)) < 1900 || !isRealDate(birthDate) || birthDate > today) return { ok: false, reason: 'birth_date' };
  return { ok: true, birthDate, sex: Number(id[16]) % 2 === 1 ? 'male' : 'female' };
}

const chars = (s) => [...s].length;

function checkForm(form, materials) {
  const today = todayShanghai();
  const problems = [];
  const add = (field, message) => problems.push({ field, message });
  const v = (name) => valueOf(form, name);
  const enabled = (name) => {
    const c = form.querySelector(`[name="${window.CSS.escape(name)}"]`);
    return c && !c.disabled;
  };
  const text = (name, label, min, max) => {
    if (!enabled(name)) return;
    const s = v(name);
    if (!s) add(name, `请填写${label}`);
    else if (chars(s) < min) add(name, `${label}至少${min}个字`);
    else if (chars(s) > max) add(name, `${label}不能超过${max}个字`);
  };
  const date = (name, label) => {
    const s = v(name);
    if (!s) add(name, `请填写${label}`);
    else if (!isRealDate(s)) add(name, `${label}格式应为年-月-日，如2020-09-01，且须为真实日期`);
    else if (s > today) add(name, `${label}不能晚于今天`);
  };
  const pick = (name, label) => {
    if (enabled(name) && !v(name)) add(name, `请选择${label}`);
  };
  const idNumber = (name) => {
    const s = v(name).toUpperCase();
    if (!s) {
      add(name, '请填写身份证号');
      return null;
    }
    const r = checkIdNumber(s, today);
    if (!r.ok) add(name, ID_ERRORS[r.reason]);
    return r.ok ? { ...r, id: s } : null;
  };

  if (!v('district')) add('district', '请选择报名区县');
  pick('enrollmentYear', '入学年份');
  pick('stage', '入学阶段');
  if (enabled('transferGrade') && !/^[1-9]$/.test(v('transferGrade'))) add('transferGrade', '插班转学请填写转入年级（1至9年级）');

  text('child.name', '儿童姓名', 2, 30);
  const childId = idNumber('child.idNumber');
  date('child.birthDate', '出生日期');
  pick('child.sex', '性别');
  text('child.householdRegistration', '户籍所在地', 2, 100);
  if (childId && isRealDate(v('child.birthDate')) && childId.birthDate !== v('child.birthDate')) add('child.birthDate', '出生日期与身份证号不一致');
  if (childId && v('child.sex') && childId.sex !== v('child.sex')) add('child.sex', '性别与身份证号不一致');

  const guardianIds = [];
  for (const g of [0, 1]) {
    const p = `guardians.${g}`;
    if (!enabled(`${p}.name`)) continue;
    text(`${p}.name`, '监护人姓名', 2, 30);
    const gid = idNumber(`${p}.idNumber`);
    const phone = v(`${p}.phone`);
    if (!phone) add(`${p}.phone`, '请填写手机号码');
    else if (!/^1[3-9]\d{9}$/.test(phone)) add(`${p}.phone`, '手机号码应为11位中国大陆手机号，如13812345678');
    pick(`${p}.relationship`, '与儿童关系');
    const rel = v(`${p}.relationship`);
    if (gid && rel === 'father' && gid.sex !== 'male') add(`${p}.relationship`, '与儿童关系为父亲，但身份证号显示为女性');
    if (gid && rel === 'mother' && gid.sex !== 'female') add(`${p}.relationship`, '与儿童关系为母亲，但身份证号显示为男性');
    if (gid && childId && gid.id === childId.id) add(`${p}.idNumber`, '监护人的身份证号不能与儿童相同');
    if (gid && guardianIds.includes(gid.id)) add(`${p}.idNumber`, '两位监护人的身份证号不能相同');
    if (gid) guardianIds.push(gid.id);
    pick(`${p}.employment.type`, '就业情况');
    text(`${p}.employment.employerName`, '工作单位或个体工商户名称', 2, 100);
    if (enabled(`${p}.employment.creditCode`)) {
      const code = v(`${p}.employment.creditCode`).toUpperCase();
      if (!code) add(`${p}.employment.creditCode`, '请填写统一社会信用代码');
      else if (!/^[0-9A-Z]{18}$/.test(code)) add(`${p}.employment.creditCode`, '统一社会信用代码应为18位数字或大写字母（不含I、O、S、V、Z）');
    }
    const months = v(`${p}.employment.insuranceMonths`);
    if (months && !/^\d{1,4}$/.test(months)) add(`${p}.employment.insuranceMonths`, '社保缴费月数应为整数月数');
    else if (months && Number(months) > 1200) add(`${p}.employment.insuranceMonths`, '社保缴费月数不能超过1200个月');
  }
  if (v('guardians.0.relationship') && v('guardians.0.relationship') === v('guardians.1.relationship') && v('guardians.1.relationship') !== 'other_guardian' && enabled('guardians.1.relationship')) {
    add('guardians.1.relationship', `只能填写一位${v('guardians.1.relationship') === 'father' ? '父亲' : '母亲'}`);
  }

  text('residencePermit.number', '居住证号码', 4, 40);
  date('residencePermit.issueDate', '居住证签发日期');
  text('residencePermit.address.district', '居住地所在区县', 2, 50);
  text('residencePermit.address.street', '居住地所在街道（乡镇）', 2, 50);
  text('residencePermit.address.community', '居住地所在社区（村）', 2, 50);
  text('residencePermit.address.detail', '详细地址', 2, 200);

  pick('housing.type', '住房情况');
  text('housing.certificateNumber', '房产证（不动产权证书）号', 4, 60);
  text('housing.contractNumber', '租房合同编号', 2, 60);
  pick('housing.registered', '租房合同是否已登记备案');

  if (v('specialCategories').includes('sibling_enrolled') && !v('siblingSchoolId') && !v('siblingApplicationNumber')) {
    add('siblingSchoolId', '选择多孩子女长幼随学时，请填写兄姐就读学校或兄姐的申请编号');
  }
  if (v('siblingApplicationNumber') && !/^\d{4}-[A-Z0-9_]{1,32}-\d{6,}$/.test(v('siblingApplicationNumber'))) {
    add('siblingApplicationNumber', '兄姐的申请编号格式应如2026-DEMO-000123');
  }

  for (const [kind, box] of materials) {
    if (box.pending() > 0) add(`materials.kind.${kind}`, '材料正在上传，请等上传完成后再提交');
    else if (box.required && box.files().length === 0) add(`materials.kind.${kind}`, `请上传${box.nameZh}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the form into the API's shape
// ---------------------------------------------------------------------------------------------------------------

function readApplication(form, materials) {
  const v = (name) => valueOf(form, name);
  const guardian = (g) => {
    const p = `guardians.${g}`;
    const type = v(`${p}.employment.type`);
    const months = v(`${p}.employment.insuranceMonths`);
    const employment = type === 'unemployed' ? { type } : { type, employerName: v(`${p}.employment.employerName`), creditCode: v(`${p}.employment.creditCode`).toUpperCase() };
    if (months) employment.insuranceMonths = Number(months);
    return { name: v(`${p}.name`), idNumber: v(`${p}.idNumber`).toUpperCase(), phone: v(`${p}.phone`), relationship: v(`${p}.relationship`), employment };
  };
  const housingType = v('housing.type');
  const body = {
    enrollmentYear: Number(v('enrollmentYear')),
    district: v('district'),
    stage: v('stage'),
    child: {
      name: v('child.name'),
      idNumber: v('child.idNumber').toUpperCase(),
      birthDate: v('child.birthDate'),
      sex: v('child.sex'),
      householdRegistration: v('child.householdRegistration'),
    },
    guardians: [guardian(0), ...(form.querySelector('[name="guardians.1.name"]').disabled ? [] : [guardian(1)])],
    residencePermit: {
      number: v('residencePermit.number'),
      issueDate: v('residencePermit.issueDate'),
      address: {
        district: v('residencePermit.address.district'),
        street: v('residencePermit.address.street'),
        community: v('residencePermit.address.community'),
        detail: v('residencePermit.address.detail'),
      },
    },
    housing: housingType === 'owned'
      ? { type: 'owned', certificateNumber: v('housing.certificateNumber') }
      : { type: 'rented', contractNumber: v('housing.contractNumber'), registered: v('housing.registered') === 'yes' },
    specialCategories: v('specialCategories'),
    materials: [],
  };
  if (body.stage === 'transfer') body.transferGrade = Number(v('transferGrade'));
  if (v('siblingSchoolId')) body.siblingSchoolId = v('siblingSchoolId');
  if (v('siblingApplicationNumber')) body.siblingApplicationNumber = v('siblingApplicationNumber');
  const kinds = [];
  for (const [kind, box] of materials) {
    for (const f of box.files()) {
      body.materials.push({ kind, ...f });
      kinds.push(kind);
    }
  }
  return { body, kinds };
}

// ---------------------------------------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------------------------------------

function guardianFields(g) {
  const p = `guardians.${g}`;
  const employmentType = field({
    name: `${p}.employment.type`,
    label: '就业情况',
    required: true,
    options: [['', '请选择'], ['employed', '单位就业'], ['self_employed', '个体经营'], ['unemployed', '无业']],
  });
  const employer = el(
    'div',
    { class: 'employer' },
    el(
      'div',
      { class: 'row-2' },
      field({ name: `${p}.employment.employerName`, label: '工作单位或个体工商户名称', required: true }),
      field({ name: `${p}.employment.creditCode`, label: '统一社会信用代码', required: true, hint: '18位，见营业执照', attrs: { autocapitalize: 'characters', spellcheck: 'false' } }),
    ),
  );
  const node = el(
    'fieldset',
    { class: 'guardian', dataset: { guardian: String(g) } },
    el('legend', {}, g === 0 ? '监护人' : '第二位监护人'),
    el(
      'div',
      { class: 'row-2' },
      field({ name: `${p}.name`, label: '监护人姓名', required: true, attrs: { autocomplete: 'name' } }),
      field({ name: `${p}.relationship`, label: '与儿童关系', required: true, options: [['', '请选择'], ['father', '父亲'], ['mother', '母亲'], ['other_guardian', '其他监护人']] }),
    ),
    el(
      'div',
      { class: 'row-2' },
      field({ name: `${p}.idNumber`, label: '监护人身份证号', required: true, hint: '18位，最后一位可能是X', attrs: { inputmode: 'text', autocapitalize: 'characters', spellcheck: 'false', maxlength: '18', autocomplete: 'off' } }),
      field({ name: `${p}.phone`, label: '监护人手机号码', type: 'tel', required: true, attrs: { inputmode: 'numeric', maxlength: '11', autocomplete: 'tel' } }),
    ),
    el('div', { class: 'row-2' }, employmentType, field({ name: `${p}.employment.insuranceMonths`, label: '社保缴费月数（选填）', type: 'number', hint: '在本地累计缴纳社会保险的月数', attrs: { min: '0', max: '1200', inputmode: 'numeric' } })),
    employer,
  );
  const select = employmentType.querySelector('select');
  const sync = () => toggle(employer, select.value !== 'unemployed');
  select.addEventListener('change', sync);
  sync();
  return node;
}

async function start() {
  const user = await initPage({ roles: ['applicant'] });
  if (!user) return;
  const content = $('#content');
  let policies;
  try {
    policies = (await api.get('/api/checklists')).items;
  } catch (err) {
    render(content);
    showApiError(err);
    return;
  } finally {
    content.removeAttribute('aria-busy');
  }
  if (policies.length === 0) {
    render(content, el('div', { class: 'alert info' }, '目前没有正在招生的区县。招生政策发布后即可在此申请。'));
    return;
  }

  const summary = el('div', { class: 'alert error', role: 'alert', tabindex: '-1', id: 'form-errors', hidden: true });
  const policyInfo = el('div', { class: 'alert info', id: 'policy-info' });
  const districts = [...new Set(policies.map((p) => p.district))];
  const districtField = field({ name: 'district', label: '报名区县', required: true, options: districts.map((d) => [d, d]) });
  const yearField = field({ name: 'enrollmentYear', label: '入学年份', required: true, options: [] });
  const stageField = field({ name: 'stage', label: '入学阶段', required: true, options: [] });
  const gradeField = field({ name: 'transferGrade', label: '转入年级', type: 'number', required: true, attrs: { min: '1', max: '9', inputmode: 'numeric' } });
  const materialsBox = el('div', { id: 'materials' });
  const materials = new Map();

  const secondGuardian = guardianFields(1);
  const addSecond = el('input', { type: 'checkbox', id: 'add-second-guardian' });
  const housingOwned = el('div', {}, field({ name: 'housing.certificateNumber', label: '房产证（不动产权证书）号', required: true }));
  const housingRented = el(
    'div',
    {},
    el(
      'div',
      { class: 'row-2' },
      field({ name: 'housing.contractNumber', label: '租房合同编号', required: true }),
      choices({ name: 'housing.registered', label: '租房合同是否已在住房部门登记备案', required: true, options: [['yes', '已登记备案'], ['no', '未登记备案']] }),
    ),
  );
  const sibling = el(
    'div',
    { class: 'row-2' },
    field({ name: 'siblingSchoolId', label: '兄姐就读学校' }),
    field({ name: 'siblingApplicationNumber', label: '兄姐的申请编号', hint: '如：2026-DEMO-000123', attrs: { autocapitalize: 'characters' } }),
  );

  const form = el(
    'form',
    { id: 'apply-form', novalidate: true, 'aria-describedby': 'form-intro' },
    el('p', { id: 'form-intro', class: 'lead' }, '一个孩子每年只需提交一次申请。带', el('span', { class: 'required-mark', 'aria-hidden': 'true' }, '*'), '的为必填项。提交后，教育局预审，公安、人社、住建等部门在线核验，您可随时查看进度。'),
    summary,
    el('fieldset', {}, el('legend', {}, '报名信息'), el('div', { class: 'row-3' }, districtField, yearField, stageField), gradeField, policyInfo),
    el(
      'fieldset',
      {},
      el('legend', {}, '儿童信息'),
      el('div', { class: 'row-2' }, field({ name: 'child.name', label: '儿童姓名', required: true }), field({ name: 'child.idNumber', label: '儿童身份证号', required: true, hint: '18位，最后一位可能是X', attrs: { autocapitalize: 'characters', spellcheck: 'false', maxlength: '18', autocomplete: 'off' } })),
      el('div', { class: 'row-2' }, field({ name: 'child.birthDate', label: '出生日期', type: 'date', required: true, attrs: { max: todayShanghai() } }), choices({ name: 'child.sex', label: '性别', required: true, options: [['male', '男'], ['female', '女']] })),
      field({ name: 'child.householdRegistration', label: '户籍所在地', required: true, hint: '如：河南省周口市' }),
    ),
    guardianFields(0),
    el('p', {}, el('label', { class: 'choice', for: 'add-second-guardian' }, addSecond, '填写第二位监护人')),
    secondGuardian,
    el(
      'fieldset',
      {},
      el('legend', {}, '居住证'),
      el('div', { class: 'row-2' }, field({ name: 'residencePermit.number', label: '居住证号码', required: true }), field({ name: 'residencePermit.issueDate', label: '居住证签发日期', type: 'date', required: true, attrs: { max: todayShanghai() } })),
      el('div', { class: 'row-3' }, field({ name: 'residencePermit.address.district', label: '居住地所在区县', required: true }), field({ name: 'residencePermit.address.street', label: '居住地所在街道（乡镇）', required: true }), field({ name: 'residencePermit.address.community', label: '居住地所在社区（村）', required: true })),
      field({ name: 'residencePermit.address.detail', label: '详细地址', required: true, attrs: { autocomplete: 'street-address' } }),
    ),
    el('fieldset', {}, el('legend', {}, '住房情况'), choices({ name: 'housing.type', label: '住房类型', required: true, options: [['owned', '自有住房'], ['rented', '租房']] }), housingOwned, housingRented),
    el('fieldset', {}, el('legend', {}, '特殊群体（符合的请勾选，没有可不选）'), choices({ name: 'specialCategories', label: '符合的类别（可多选）', type: 'checkbox', list: true, options: SPECIAL_CATEGORIES }), sibling),
    el('fieldset', {}, el('legend', {}, '上传材料'), el('p', { class: 'hint' }, '按所选区县公布的材料清单上传。可用手机拍照，每份材料可上传多张。'), materialsBox),
    el('div', { class: 'actions stack' }, el('button', { type: 'submit', id: 'submit-application' }, '提交申请')),
  );
  render(content, form);

  const policyOf = () => policies.find((p) => p.district === valueOf(form, 'district') && String(p.year) === valueOf(form, 'enrollmentYear') && p.stage === valueOf(form, 'stage'));

  const renderMaterials = () => {
    const policy = policyOf();
    const wanted = policy ? [...policy.materials] : [];
    if (!wanted.some((m) => m.kind === 'other')) wanted.push({ kind: 'other', nameZh: '其他材料', required: false, noteZh: '选填' });
    const kept = new Map();
    for (const m of wanted) {
      let box = materials.get(m.kind);
      if (!box) {
        box = uploadBox({ name: `materials.kind.${m.kind}`, label: m.nameZh, required: m.required, hint: `${m.noteZh ? `${m.noteZh}。` : ''}PDF、JPG或PNG格式，每个文件不超过10MB。` });
      }
      box.required = m.required;
      box.nameZh = m.nameZh;
      kept.set(m.kind, box);
    }
    materials.clear();
    for (const [k, b] of kept) materials.set(k, b);
    render(materialsBox, [...kept.values()].map((b) => b.node));
  };

  const syncYears = () => {
    const years = [...new Set(policies.filter((p) => p.district === valueOf(form, 'district')).map((p) => p.year))].sort((a, b) => b - a);
    const select = yearField.querySelector('select');
    const before = select.value;
    render(select, years.map((y) => el('option', { value: String(y) }, `${y}年`)));
    if (years.map(String).includes(before)) select.value = before;
  };
  const syncStages = () => {
    const stages = policies.filter((p) => p.district === valueOf(form, 'district') && String(p.year) === valueOf(form, 'enrollmentYear'));
    const select = stageField.querySelector('select');
    const before = select.value;
    render(select, el('option', { value: '' }, '请选择'), stages.map((p) => el('option', { value: p.stage }, p.stageZh)));
    if (stages.some((p) => p.stage === before)) select.value = before;
    else if (stages.length === 1) select.value = stages[0].stage;
  };
  const syncPolicy = () => {
    const policy = policyOf();
    toggle(gradeField, valueOf(form, 'stage') === 'transfer');
    if (!policy) render(policyInfo, '请选择入学阶段，查看该区县公布的入学条件和材料清单。');
    else {
      render(
        policyInfo,
        el('strong', {}, `入学条件：${policy.regimeZh}`),
        el('br'),
        policy.basisZh,
        policy.notesZh ? [el('br'), el('span', { class: 'small' }, policy.notesZh)] : null,
      );
    }
    renderMaterials();
  };
  districtField.querySelector('select').addEventListener('change', () => {
    syncYears();
    syncStages();
    syncPolicy();
  });
  yearField.querySelector('select').addEventListener('change', () => {
    syncStages();
    syncPolicy();
  });
  stageField.querySelector('select').addEventListener('change', syncPolicy);
  syncYears();
  syncStages();
  syncPolicy();

  const syncSecond = () => toggle(secondGuardian, addSecond.checked);
  addSecond.addEventListener('change', syncSecond);
  syncSecond();
  const syncHousing = () => {
    const type = valueOf(form, 'housing.type');
    toggle(housingOwned, type === 'owned');
    toggle(housingRented, type === 'rented');
  };
  for (const r of form.querySelectorAll('[name="housing.type"]')) r.addEventListener('change', syncHousing);
  syncHousing();
  const syncSibling = () => toggle(sibling, valueOf(form, 'specialCategories').includes('sibling_enrolled'));
  for (const c of form.querySelectorAll('[name="specialCategories"]')) c.addEventListener('change', syncSibling);
  syncSibling();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const problems = checkForm(form, materials);
    if (problems.length) {
      // Nothing is sent while the browser's own checks fail.
      showFieldErrors(form, summary, problems);
      return;
    }
    clearErrors(form, summary);
    const { body, kinds } = readApplication(form, materials);
    await busy(form, async () => {
      try {
        const r = await api.post('/api/applications', body);
        location.assign(`/application?no=${encodeURIComponent(r.applicationNumber)}&submitted=${r.created ? '1' : 'again'}`);
      } catch (err) {
        // A material's error names its position in the list; show it by the material's upload box.
        if (err.fields) {
          for (const f of err.fields) {
            const m = /^body\.materials\.(\d+)(\..*)?$/.exec(f.field);
            if (m && kinds[Number(m[1])]) f.field = `materials.kind.${kinds[Number(m[1])]}`;
          }
        }
        showApiError(err, { form, summary });
      }
    });
  });
}

start();
