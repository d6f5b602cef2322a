// The school's check-in page: the children placed with it by the allocation rounds (names masked), each with check-in
// (报到) or no-show (the seat goes back to the waitlist), and the same acts by application number. A school sees only
// its own children: another school's id in the URL answers "无权查看" from the API and shows nothing.
import {
  api, el, render, $, initPage, showApiError, showFieldErrors, clearErrors, busy, announce, newKey, applicationStateBadge,
  pageMessage, errorText,
} from '../common.js';
import { field, choices, valueOf } from '../forms.js';

const NUMBER = /^\d{4}-[A-Z0-9_]{1,32}-\d{6,}$/;
const PLACEMENT_TYPES = { catchment: '学区内安排', adjusted: '调剂安排', purchased: '政府购买学位' };

async function start() {
  const user = await initPage({ roles: ['school'] });
  if (!user) return;
  const content = $('#content');
  content.removeAttribute('aria-busy');
  const schoolId = new URLSearchParams(location.search).get('schoolId') || user.schoolId;
  const placedCard = el('section', { class: 'card', id: 'placed', 'aria-labelledby': 'placed-heading' }, el('h2', { id: 'placed-heading' }, '本校已安排儿童'), el('p', { class: 'loading' }, '正在加载…'));
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
      el('p', {}, '学校可以办理：在下方名单中，或按申请编号登记已安排到本校的儿童到校报到，或登记逾期未报到（学位释放给候补儿童）。'),
    ),
    placedCard,
    form,
  );
  const number = () => valueOf(form, 'applicationNumber').toUpperCase();
  const checkNumber = () => {
    if (!number()) return [{ field: 'applicationNumber', message: '请填写申请编号' }];
    if (!NUMBER.test(number())) return [{ field: 'applicationNumber', message: '申请编号格式应如 2027-DEMO-000123' }];
    return [];
  };
  const notHere = () => render(found, el('p', { class: 'alert warn' }, '未找到该申请，或该儿童未被安排到本校。请核对申请编号。'));

  /** Record one child's result from the list; the list is read again once the application shows it. */
  const record = async (row, applicationNumber, result) => {
    const buttons = [...row.querySelectorAll('button')];
    buttons.forEach((b) => (b.disabled = true));
    try {
      const r = await api.post(`/api/applications/${encodeURIComponent(applicationNumber)}/check-in`, { result }, { idempotencyKey: newKey() });
      announce(`已登记：${r.applicationNumber} ${r.stateZh}`);
      await loadPlaced(applicationNumber, r.state);
    } catch (err) {
      buttons.forEach((b) => (b.disabled = false));
      render(row.querySelector('.row-status'), el('span', { class: 'status failed', role: 'alert' }, errorText(err)));
    }
  };

  const rowActs = (p) => {
    if (p.state !== 'placed') return null;
    const cell = el('div', { class: 'actions' });
    const confirmNoShow = el('button', { type: 'button', class: 'danger', hidden: true, onclick: (e) => record(e.currentTarget.closest('tr'), p.applicationNumber, 'no_show') }, '确认未报到（释放学位）');
    cell.append(
      el('button', { type: 'button', onclick: (e) => record(e.currentTarget.closest('tr'), p.applicationNumber, 'checked_in') }, '登记报到'),
      el('button', { type: 'button', class: 'secondary', onclick: () => { confirmNoShow.hidden = false; confirmNoShow.focus(); } }, '逾期未报到'),
      confirmNoShow,
    );
    return cell;
  };

  /** The list; after an act, read it again until the application shows the new state (the read model follows). */
  async function loadPlaced(changed, expected) {
    for (let i = 0; ; i++) {
      let r;
      try {
        r = await api.get(`/api/schools/${encodeURIComponent(schoolId)}/placements`);
      } catch (err) {
        if (err.status === 403) pageMessage('无权查看', '只能查看和登记本校的已安排儿童。');
        else if (err.status === 404) pageMessage('未找到该学校', '没有找到这所学校。');
        else render(placedCard, el('h2', { id: 'placed-heading' }, '本校已安排儿童'), el('p', { class: 'alert error' }, errorText(err)));
        return false;
      }
      const row = changed && r.items.find((x) => x.applicationNumber === changed);
      if (changed && row && row.state !== expected && i < 25) {
        await new Promise((res) => window.setTimeout(res, 200));
        continue;
      }
      const waiting = r.items.filter((x) => x.state === 'placed').length;
      render(
        placedCard,
        el('h2', { id: 'placed-heading' }, `${r.school.nameZh} · 已安排儿童（${r.items.length} 人，待报到 ${waiting} 人）`),
        r.items.length === 0
          ? el('p', { class: 'muted' }, '本校暂无已安排的儿童。统筹安排结果发布后，名单显示在这里。')
          : el('div', { class: 'table-wrap' }, el('table', { class: 'responsive', id: 'placed-table' },
            el('thead', {}, el('tr', {}, ['申请编号', '儿童', '入学', '安排方式', '报到截止', '状态', '登记'].map((h) => el('th', { scope: 'col' }, h)))),
            el('tbody', {}, r.items.map((p) => el('tr', { dataset: { applicationNumber: p.applicationNumber, state: p.state } },
              el('td', { 'data-label': '申请编号', class: 'nowrap' }, p.applicationNumber),
              el('td', { 'data-label': '儿童' }, p.childName),
              el('td', { 'data-label': '入学' }, `${p.year}年 · ${p.stageZh}`),
              el('td', { 'data-label': '安排方式' }, PLACEMENT_TYPES[p.placement.type] || p.placement.type),
              el('td', { 'data-label': '报到截止', class: 'nowrap' }, p.placement.checkInLastDay || '—'),
              el('td', { 'data-label': '状态' }, applicationStateBadge(p.state, p.stateZh)),
              el('td', { 'data-label': '登记' }, rowActs(p), el('div', { class: 'row-status', 'aria-live': 'polite' }))))))),
      );
      return true;
    }
  }

  if (!(await loadPlaced())) return;

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
        await loadPlaced(r.applicationNumber, r.state);
      } catch (err) {
        if (err.status === 404) notHere();
        else showApiError(err, { form, summary });
      }
    });
  });
}

void start();
