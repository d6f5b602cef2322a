// Overdue work and escalations, for the supervision office and the leading group: every running step past its
// deadline (most overdue first) with how far its escalation has gone, and the escalation and review notices.
import {
  api, el, render, $, initPage, showApiError, fmtDeadline, lightBadge, stepStateBadge, departmentName, noticeItem,
  DEPARTMENT_NAMES, ESCALATION_NAMES, pager,
} from '../common.js';
import { field } from '../forms.js';

const WATCHED = ['escalated', 'urged', 'extension_requested', 'submitted'];
const PAGE_SIZE = 100;

async function start() {
  const user = await initPage({ roles: ['supervisor', 'leader', 'admin'] });
  if (!user) return;
  const content = $('#content');
  content.removeAttribute('aria-busy');
  const q = new URLSearchParams(location.search);
  const list = el('section', { class: 'card', id: 'overdue', 'aria-labelledby': 'overdue-heading', 'aria-busy': 'true' }, el('h2', { id: 'overdue-heading' }, '逾期事项'), el('p', { class: 'loading' }, '正在加载…'));
  const notices = el('section', { class: 'card', id: 'escalations', 'aria-labelledby': 'escalations-heading' }, el('h2', { id: 'escalations-heading' }, '升级督办与待处理消息'), el('p', { class: 'loading' }, '正在加载…'));
  const filter = field({ name: 'department', label: '部门', options: [['', '全部部门'], ...Object.entries(DEPARTMENT_NAMES)], value: q.get('department') || '' });
  const form = el('form', { class: 'card filters', role: 'search', 'aria-label': '按部门筛选' }, filter);
  render(
    content,
    el('p', { class: 'lead' }, '办理期限已过仍未办结的事项。逾期后逐级升级：部门负责人 → 督查室 → 领导小组，各级间隔一个工作日。'),
    form,
    el('div', { class: 'grid-2' }, list, notices),
  );

  let page = Math.max(1, Number(q.get('page')) || 1);
  const loadOverdue = async () => {
    const department = filter.querySelector('select').value;
    const shown = new URLSearchParams();
    if (department) shown.set('department', department);
    if (page > 1) shown.set('page', String(page));
    history.replaceState(null, '', `${location.pathname}${shown.size ? `?${shown}` : ''}`);
    list.setAttribute('aria-busy', 'true');
    try {
      const { items, total } = await api.get(`/api/steps/overdue?pageSize=${PAGE_SIZE}&page=${page}${department ? `&department=${encodeURIComponent(department)}` : ''}`);
      render(
        list,
        el('h2', { id: 'overdue-heading' }, `逾期事项（${total}）`),
        items.length === 0
          ? el('p', { class: 'muted' }, '目前没有逾期事项。')
          : el(
            'div',
            { class: 'table-wrap' },
            el(
              'table',
              { class: 'responsive', id: 'overdue-table' },
              el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, '事项'), el('th', { scope: 'col' }, '部门'), el('th', { scope: 'col' }, '办理期限'), el('th', { scope: 'col' }, '逾期'), el('th', { scope: 'col' }, '督办'))),
              el(
                'tbody',
                {},
                items.map((s) =>
                  el(
                    'tr',
                    { dataset: { stepId: s.stepId } },
                    el('td', { 'data-label': '事项' }, el('a', { href: `/step?id=${encodeURIComponent(s.stepId)}` }, s.title), el('div', {}, lightBadge(s.light), ' ', stepStateBadge(s.state))),
                    el('td', { 'data-label': '部门', class: 'nowrap' }, departmentName(s.departmentCode)),
                    el('td', { 'data-label': '办理期限', class: 'nowrap' }, fmtDeadline(s.deadlineAt)),
                    el('td', { 'data-label': '逾期' }, el('span', { class: 'days-left overdue' }, `${s.workingDaysOverdue} 个工作日`)),
                    el(
                      'td',
                      { 'data-label': '督办' },
                      s.escalationLevel > 0 ? el('span', { class: 'badge tone-bad' }, `已升级至${ESCALATION_NAMES[s.escalationLevel] || `第${s.escalationLevel}级`}`) : el('span', { class: 'badge tone-warn' }, '待升级'),
                      s.openUrges > 0 ? el('div', { class: 'small' }, `催办待回复 ${s.openUrges} 件`) : null,
                    ),
                  ),
                ),
              ),
            ),
          ),
        pager({ page, pages: Math.ceil(total / PAGE_SIZE), onPage: (p) => { page = p; loadOverdue(); } }),
      );
    } catch (err) {
      render(list, el('h2', { id: 'overdue-heading' }, '逾期事项'));
      showApiError(err);
    } finally {
      list.setAttribute('aria-busy', 'false');
    }
  };

  const loadNotices = async () => {
    try {
      const { items } = await api.get('/api/notifications?limit=100');
      const watched = items.filter((n) => WATCHED.includes(n.kind));
      render(
        notices,
        el('h2', { id: 'escalations-heading' }, '升级督办与待处理消息'),
        watched.length === 0 ? el('p', { class: 'muted' }, '暂无升级督办消息。') : el('ul', { class: 'notice-list', id: 'escalation-list' }, watched.slice(0, 30).map((n) => noticeItem(n, loadNotices))),
        el('p', {}, el('a', { href: '/notifications' }, '查看全部消息')),
      );
    } catch (err) {
      showApiError(err);
    }
  };
  // A new filter starts again at the first page.
  filter.querySelector('select').addEventListener('change', () => { page = 1; loadOverdue(); });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    page = 1;
    loadOverdue();
  });
  await Promise.all([loadOverdue(), loadNotices()]);
}

start();
