// What a school can do now: look up a child placed with it by application number and record check-in (报到) or
// no-show. (The list of placed children arrives with the allocation round.)
import { api, el, render, $, initPage, showApiError, showFieldErrors, clearErrors, busy, announce, newKey, applicationStateBadge } from '../common.js';
import { field, choices, valueOf } from '../forms.js';

const NUMBER = /^\d{4}-[A-Z0-9_]{1,32}-\d{6,}$/;
const PLACEMENT_TYPES = { catchment: '学区内安排', adjusted: '调剂安排', purchased: '政府购买学位' };

async function start() {
  const user = await initPage({ roles: ['school'] });
  if (!user) return;
  const content = $('#content');
  content.removeAttribute('aria-busy');
  const summary = el('div', { class: 'alert error', role: 'alert', tabindex: '-1', hidden: true });
  const found = el('div', { id: 'found', 'aria-live': 'polite' });
  let key = newKey();
  const form = el(
    'form',
    { class: 'card', id: 'check-in-form', novalidate: true },
    summary,
    field({ name: 'applicationNumber', label: '申请编号', required: true, hint: '家长的录取通知或手机消息中的申请编号，如 2027-DEMO-000123', attrs: { autocapitalize: 'characters', spellcheck: 'false', autocomplete: 'off' } }),
    el('div', { class: 'actions' }, el('button', { type: 'button', class: 'secondary', id: 'look-up' }, '查询')),
    found,
    choices({ name: 'result', label: '报到结果', required: true, options: [['checked_in', '已到校报到'], ['no_show', '逾期未报到（释放学位）']] }),
    el('div', { class: 'actions stack' }, el('button', { type: 'submit' }, '登记')),
  );
  render(
    content,
    el(
      'div',
      { class: 'alert info' },
      el('p', {}, '学校目前可以办理：按申请编号登记已安排到本校的儿童到校报到，或登记逾期未报到（学位释放给候补儿童）。'),
      el('p', { class: 'small' }, '本校的已安排儿童名单将在统筹安排学位功能上线后显示在此页面。'),
    ),
    form,
  );
  const number = () => valueOf(form, 'applicationNumber').toUpperCase();
  const checkNumber = () => {
    if (!number()) return [{ field: 'applicationNumber', message: '请填写申请编号' }];
    if (!NUMBER.test(number())) return [{ field: 'applicationNumber', message: '申请编号格式应如 2027-DEMO-000123' }];
    return [];
  };
  const notHere = () => render(found, el('p', { class: 'alert warn' }, '未找到该申请，或该儿童未被安排到本校。请核对申请编号。'));

  $('#look-up').addEventListener('click', async () => {
    const problems = checkNumber();
    if (problems.length) {
      showFieldErrors(form, summary, problems);
      return;
    }
    clearErrors(form, summary);
    try {
      const a = await api.get(`/api/applications/${encodeURIComponent(number())}`);
      render(
        found,
        el(
          'dl',
          { class: 'facts card' },
          el('dt', {}, '儿童'), el('dd', {}, a.childName),
          el('dt', {}, '入学'), el('dd', {}, `${a.year}年 · ${a.stageZh}`),
          el('dt', {}, '状态'), el('dd', {}, applicationStateBadge(a.state, a.stateZh)),
          a.placement ? [el('dt', {}, '安排方式'), el('dd', {}, `${PLACEMENT_TYPES[a.placement.type] || a.placement.type}：${a.placement.reasonZh}`)] : null,
        ),
      );
    } catch (err) {
      if (err.status === 404) notHere();
      else showApiError(err, { form, summary });
    }
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const problems = [...checkNumber(), ...(valueOf(form, 'result') ? [] : [{ field: 'result', message: '请选择报到结果' }])];
    if (problems.length) {
      showFieldErrors(form, summary, problems);
      return;
    }
    clearErrors(form, summary);
    await busy(form, async () => {
      try {
        const r = await api.post(`/api/applications/${encodeURIComponent(number())}/check-in`, { result: valueOf(form, 'result') }, { idempotencyKey: key });
        key = newKey();
        announce(`已登记：${r.applicationNumber} ${r.stateZh}`);
      } catch (err) {
        if (err.status === 404) notHere();
        else showApiError(err, { form, summary });
      }
    });
  });
}

start();
