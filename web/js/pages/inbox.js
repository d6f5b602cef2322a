// A department's inbox: its open steps by deadline, with lights and working days left; filters by state, light
// and application number. Officers see their own department only (the API enforces it); the supervision office,
// the leading group and administrators choose a department or see all.
import {
  api, el, render, $, initPage, showApiError, fmtDeadline, lightBadge, stepStateBadge, workingDaysBadge, departmentName,
  LIGHT_NAMES, DEPARTMENT_NAMES, pager,
} from '../common.js';
import { field } from '../forms.js';

const OPEN = 'open,signed,sent_back,awaiting_review';
const STATE_FILTERS = [
  [OPEN, '未办结（全部待办）'],
  ['open', '待签收'],
  ['signed', '办理中'],
  ['sent_back', '退回重办'],
  ['awaiting_review', '待审核'],
  ['done,accepted', '已办结'],
  ['returned', '已退件'],
  ['cancelled', '已撤销'],
  ['all', '全部'],
];
const PAGE_SIZE = 50;

async function start() {
  const user = await initPage({ roles: ['officer', 'supervisor', 'leader', 'admin'] });
  if (!user) return;
  const officer = user.role === 'officer';
  if (officer) $('#page-title').textContent = `部门待办 · ${departmentName(user.departmentCode)}`;
  else $('#page-title').textContent = '各部门待办';
  const q = new URLSearchParams(location.search);
  const content = $('#content');
  content.removeAttribute('aria-busy');

  const results = el('div', { id: 'results', 'aria-live': 'polite', 'aria-busy': 'false' });
  const form = el(
    'form',
    { class: 'card filters', id: 'filters', role: 'search', 'aria-label': '筛选待办事项' },
    officer ? null : field({ name: 'department', label: '部门', options: [['', '全部部门'], ...Object.entries(DEPARTMENT_NAMES)], value: q.get('department') || '' }),
    field({ name: 'state', label: '办理状态', options: STATE_FILTERS, value: q.get('state') || OPEN }),
    field({ name: 'light', label: '状态灯', options: [['', '全部'], ...Object.entries(LIGHT_NAMES)], value: q.get('light') || '' }),
    field({ name: 'no', label: '申请编号', type: 'search', value: q.get('no') || '', attrs: { placeholder: '如 2027-DEMO-000001', autocapitalize: 'characters' } }),
    el('div', { class: 'field' }, el('button', { type: 'submit' }, '筛选')),
  );
  render(content, form, results);
  let page = Math.max(1, Number(q.get('page')) || 1);

  const load = async () => {
    const params = new URLSearchParams();
    const shown = new URLSearchParams();
    const department = officer ? '' : form.department.value;
    if (department) {
      params.set('department', department);
      shown.set('department', department);
    }
    const state = form.state.value;
    if (state !== 'all') params.set('state', state);
    if (state !== OPEN) shown.set('state', state);
    if (form.light.value) {
      params.set('light', form.light.value);
      shown.set('light', form.light.value);
    }
    const no = form.no.value.trim().toUpperCase();
    if (no) {
      params.set('subjectType', 'application');
      params.set('subjectId', no);
      shown.set('no', no);
    }
    params.set('page', String(page));
    params.set('pageSize', String(PAGE_SIZE));
    if (page > 1) shown.set('page', String(page));
    history.replaceState(null, '', `${location.pathname}${shown.toString() ? `?${shown}` : ''}`);
    results.setAttribute('aria-busy', 'true');
    try {
      const r = await api.get(`/api/steps?${params}`);
      renderResults(results, r, { showDepartment: !officer, page, onPage: (p) => { page = p; load(); } });
    } catch (err) {
      render(results);
      showApiError(err);
    } finally {
      results.setAttribute('aria-busy', 'false');
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    page = 1;
    load();
  });
  for (const s of form.querySelectorAll('select')) {
    s.addEventListener('change', () => {
      page = 1;
      load();
    });
  }
  await load();
}

function renderResults(node, r, { showDepartment, page, onPage }) {
  const pages = Math.max(1, Math.ceil(r.total / PAGE_SIZE));
  if (r.items.length === 0) {
    render(node, el('p', { class: 'card muted', id: 'result-count' }, '没有符合条件的事项。'));
    return;
  }
  render(
    node,
    el('p', { id: 'result-count' }, `共 ${r.total} 项，按办理期限排序`),
    el(
      'div',
      { class: 'table-wrap' },
      el(
        'table',
        { class: 'responsive', id: 'steps-table' },
        el(
          'thead',
          {},
          el('tr', {}, el('th', { scope: 'col' }, '状态灯'), el('th', { scope: 'col' }, '事项'), showDepartment ? el('th', { scope: 'col' }, '部门') : null, el('th', { scope: 'col' }, '状态'), el('th', { scope: 'col' }, '办理期限'), el('th', { scope: 'col' }, '剩余时间'), el('th', { scope: 'col' }, '催办')),
        ),
        el(
          'tbody',
          {},
          r.items.map((s) =>
            el(
              'tr',
              { dataset: { stepId: s.stepId } },
              el('td', { 'data-label': '状态灯' }, lightBadge(s.light)),
              el(
                'td',
                { 'data-label': '事项' },
                el('a', { href: `/step?id=${encodeURIComponent(s.stepId)}` }, s.title),
                s.subjectType === 'application' ? el('div', { class: 'small muted' }, `申请编号 ${s.subjectId}`) : null,
              ),
              showDepartment ? el('td', { 'data-label': '部门', class: 'nowrap' }, departmentName(s.departmentCode)) : null,
              el('td', { 'data-label': '状态' }, stepStateBadge(s.state), s.paused ? el('span', { class: 'badge tone-grey' }, '暂停计时') : null),
              el('td', { 'data-label': '办理期限', class: 'nowrap' }, s.deadlineAt ? fmtDeadline(s.deadlineAt) : '—', s.deadlineProvisional ? el('div', { class: 'small muted' }, '暂按预排日历') : null),
              el('td', { 'data-label': '剩余时间' }, ['done', 'accepted', 'returned', 'cancelled', 'awaiting_review'].includes(s.state) ? '—' : workingDaysBadge(s.workingDaysLeft, { paused: s.paused })),
              el('td', { 'data-label': '催办' }, s.openUrges > 0 ? el('span', { class: 'badge tone-bad' }, `待回复 ${s.openUrges}`) : s.escalationLevel > 0 ? el('span', { class: 'badge tone-warn' }, `已升级 ${s.escalationLevel} 级`) : '—'),
            ),
          ),
        ),
      ),
    ),
    pager({ page, pages, onPage }),
  );
}

start();
