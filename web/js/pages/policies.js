// The eligibility regime and the points rules of each published enrollment policy (district, year, stage), which an
// administrator sets: "凭居住证入学" where seats are ample, strict checks where they are scarce; and the points rules
// (so many points per unit of a verified quantity up to a cap, or fixed points for a verified fact). Applications
// assessed from now on use what is saved here; assessments already made keep theirs.
import { api, el, render, $, initPage, showApiError, showFieldErrors, clearErrors, busy, announce, newKey } from '../common.js';
import { field } from '../forms.js';

const REGIMES = [['permit_only', '凭居住证入学'], ['strict', '严格查验（居住证＋住房，未购房的另需租房备案、社区居住证明和务工证明）']];
const KINDS = [['per_unit', '按数量计分'], ['flag', '符合条件计分']];
const PER_UNIT_SOURCES = [['residence_permit_years', '居住证持有年限（年）'], ['insurance_months', '社保缴费月数（月）']];
const FLAG_SOURCES = [
  ['owned_housing', '自有住房'], ['rented_housing', '租房居住'], ['key_enterprise', '重大项目、重点企业职工子女'], ['introduced_talent', '引进人才子女'],
  ['military_family', '现役军人子女'], ['martyr_family', '烈士子女'], ['disability', '适龄残疾儿童少年'], ['needy_family', '家庭经济困难学生'],
  ['sibling_enrolled', '多孩子女长幼随学'], ['left_behind', '农村留守儿童'], ['orphan', '孤儿或事实无人抚养儿童'],
];
const CODE = /^[a-z0-9_]{1,40}$/;
const POINTS = /^\d{1,4}(\.\d)?$/;

async function start() {
  const user = await initPage({ roles: ['admin'] });
  if (!user) return;
  const content = $('#content');
  content.removeAttribute('aria-busy');
  let policies;
  try {
    policies = (await api.get('/api/checklists')).items;
  } catch (err) {
    showApiError(err);
    return;
  }
  const keyOf = (p) => `${p.district}|${p.year}|${p.stage}`;
  const q = new URLSearchParams(location.search);
  const choice = field({ name: 'policy', label: '招生政策（区县 · 年度 · 学段）', options: policies.map((p) => [keyOf(p), `${p.district} · ${p.year}年 · ${p.stageZh}（${p.regimeZh.split('（')[0]}）`]), value: q.get('policy') || (policies[0] && keyOf(policies[0])) });
  const chooser = el('form', { class: 'card filters', 'aria-label': '选择招生政策' }, choice, el('div', { class: 'actions' }, el('button', { type: 'submit' }, '查看')));
  const editors = el('div', { id: 'editors' });
  render(content, el('p', { class: 'lead' }, '各区县每年、每个学段的入学条件和积分规则。保存后，此后的资格审核和积分按新规则计算；已审核的申请不变。'), chooser, editors);

  const show = () => {
    const p = policies.find((x) => keyOf(x) === chooser.policy.value);
    if (!p) {
      render(editors, el('p', { class: 'muted' }, '尚无已发布的招生政策。'));
      return;
    }
    history.replaceState(null, '', `${location.pathname}?policy=${encodeURIComponent(keyOf(p))}`);
    const base = `/api/enrollment-policies/${encodeURIComponent(p.district)}/${p.year}/${encodeURIComponent(p.stage)}`;
    render(editors, el('div', { class: 'grid-2' }, eligibilityForm(p, base), pointsForm(p, base)));
  };

  function eligibilityForm(p, base) {
    const summary = el('div', { class: 'alert error', role: 'alert', tabindex: '-1', hidden: true });
    const form = el(
      'form',
      { class: 'card', id: 'eligibility-form', novalidate: true, 'aria-labelledby': 'elig-heading' },
      el('h2', { id: 'elig-heading' }, '入学条件'),
      summary,
      field({ name: 'regime', label: '入学条件', options: REGIMES, value: p.regime }),
      field({ name: 'basisZh', label: '政策依据', type: 'textarea', required: true, value: p.basisZh, hint: '文件名称和文号，家长在审核结果旁看到' }),
      el('div', { class: 'actions stack' }, el('button', { type: 'submit' }, '保存入学条件')),
    );
    const key = newKey();
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const basisZh = form.basisZh.value.trim();
      if (!basisZh) {
        showFieldErrors(form, summary, [{ field: 'basisZh', message: '请填写政策依据' }]);
        return;
      }
      clearErrors(form, summary);
      await busy(form, async () => {
        try {
          const saved = await api.put(`${base}/eligibility`, { regime: form.regime.value, basisZh }, { idempotencyKey: key });
          Object.assign(p, { regime: saved.eligibility.regime.kind, basisZh: saved.eligibility.basisZh, regimeZh: REGIMES.find(([k]) => k === saved.eligibility.regime.kind)[1] });
          announce(`已保存 ${p.district} ${p.year}年 ${p.stageZh} 的入学条件`);
        } catch (err) {
          showApiError(err, { form, summary });
        }
      });
    });
    return form;
  }

  function pointsForm(p, base) {
    const summary = el('div', { class: 'alert error', role: 'alert', tabindex: '-1', hidden: true });
    const rows = el('div', { id: 'rule-rows' });
    let next = 0;
    const addRule = (r = { kind: 'per_unit', source: 'residence_permit_years', unitSize: 1 }) => {
      const n = next++;
      const perUnit = el('div', { class: 'row-3' },
        field({ name: `rules.${n}.unitSize`, label: '计量单位', type: 'number', value: r.unitSize ?? 1, hint: '如社保按月计、每满12个月计一次，填12', attrs: { min: '1' } }),
        field({ name: `rules.${n}.pointsPerUnit`, label: '每单位分值', value: r.pointsPerUnit ?? '', attrs: { inputmode: 'decimal' } }),
        field({ name: `rules.${n}.cap`, label: '最高分', value: r.cap ?? '', attrs: { inputmode: 'decimal' } }));
      const flag = el('div', {}, field({ name: `rules.${n}.points`, label: '分值', value: r.points ?? '', attrs: { inputmode: 'decimal' } }));
      const source = field({ name: `rules.${n}.source`, label: '计分依据', options: r.kind === 'flag' ? FLAG_SOURCES : PER_UNIT_SOURCES, value: r.source });
      const kind = field({ name: `rules.${n}.kind`, label: '规则类型', options: KINDS, value: r.kind });
      const row = el('fieldset', { class: 'rule-row', dataset: { rule: String(n) } },
        el('legend', {}, `规则 ${rows.children.length + 1}`),
        el('div', { class: 'row-2' }, field({ name: `rules.${n}.code`, label: '规则代码', value: r.code || '', hint: '小写字母、数字、下划线' }), field({ name: `rules.${n}.labelZh`, label: '规则名称', value: r.labelZh || '' })),
        el('div', { class: 'row-2' }, kind, source),
        perUnit, flag,
        el('button', { type: 'button', class: 'link', onclick: () => row.remove() }, '删除此规则'));
      const sync = () => {
        const isFlag = kind.querySelector('select').value === 'flag';
        const select = source.querySelector('select');
        const keep = select.value;
        render(select, (isFlag ? FLAG_SOURCES : PER_UNIT_SOURCES).map(([v, t]) => el('option', { value: v, selected: v === keep }, t)));
        perUnit.hidden = isFlag;
        flag.hidden = !isFlag;
      };
      kind.querySelector('select').addEventListener('change', sync);
      sync();
      rows.append(row);
    };
    for (const r of p.pointsRules.rules) addRule(r);
    const form = el(
      'form',
      { class: 'card', id: 'points-form', novalidate: true, 'aria-labelledby': 'points-heading' },
      el('h2', { id: 'points-heading' }, '积分规则'),
      summary,
      field({ name: 'basisZh', label: '积分细则依据', type: 'textarea', required: true, value: p.pointsRules.basisZh }),
      rows,
      el('p', {}, el('button', { type: 'button', class: 'secondary', onclick: () => addRule() }, '添加一条规则')),
      el('div', { class: 'actions stack' }, el('button', { type: 'submit' }, '保存积分规则')),
    );
    const key = newKey();
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const problems = [];
      const val = (name) => (form.querySelector(`[name="${name}"]`) || { value: '' }).value.trim();
      const basisZh = form.basisZh.value.trim();
      if (!basisZh) problems.push({ field: 'basisZh', message: '请填写积分细则依据' });
      const rules = [];
      const codes = new Set();
      for (const row of rows.children) {
        const n = row.dataset.rule;
        const f = (x) => `rules.${n}.${x}`;
        const rule = { code: val(f('code')), labelZh: val(f('labelZh')), kind: val(f('kind')), source: val(f('source')) };
        if (!rule.code) problems.push({ field: f('code'), message: '请填写规则代码' });
        else if (!CODE.test(rule.code)) problems.push({ field: f('code'), message: '规则代码应为1至40位小写字母、数字或下划线' });
        else if (codes.has(rule.code)) problems.push({ field: f('code'), message: `规则代码“${rule.code}”重复` });
        codes.add(rule.code);
        if (!rule.labelZh) problems.push({ field: f('labelZh'), message: '请填写规则名称' });
        const points = (x, label) => {
          const v = val(f(x));
          if (!POINTS.test(v)) problems.push({ field: f(x), message: `${label}应为不小于0的数，最多一位小数` });
          return Number(v);
        };
        if (rule.kind === 'flag') rule.points = points('points', '分值');
        else {
          const unit = val(f('unitSize'));
          if (!/^\d+$/.test(unit) || Number(unit) < 1) problems.push({ field: f('unitSize'), message: '计量单位应为不小于1的整数' });
          rule.unitSize = Number(unit);
          rule.pointsPerUnit = points('pointsPerUnit', '每单位分值');
          rule.cap = points('cap', '最高分');
        }
        rules.push(rule);
      }
      if (rules.length === 0) problems.push({ field: 'basisZh', message: '请至少设置一条积分规则' });
      if (problems.length) {
        showFieldErrors(form, summary, problems);
        return;
      }
      clearErrors(form, summary);
      await busy(form, async () => {
        try {
          const saved = await api.put(`${base}/points-rules`, { basisZh, rules }, { idempotencyKey: key });
          p.pointsRules = saved.pointsRules;
          announce(`已保存 ${p.district} ${p.year}年 ${p.stageZh} 的积分规则（${rules.length} 条）`);
        } catch (err) {
          showApiError(err, { form, summary });
        }
      });
    });
    return form;
  }

  chooser.addEventListener('submit', (e) => {
    e.preventDefault();
    show();
  });
  chooser.policy.addEventListener('change', show);
  show();
}

void start();
