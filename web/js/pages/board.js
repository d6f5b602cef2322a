// The dispatch board (挂图作战) for the supervision office and the leading group: the lights of the current period as
// a grid of responsibility items × departments, a live ranking of the departments drawn as a chart, the overdue and
// due-soon lists with urging in bulk (the supervision office only), and the open escalations. Every item opens its
// own page and every light its step, so anything on the board can be followed down to the work itself.
import {
  api, el, render, svg, $, $$, initPage, showApiError, showFieldErrors, clearErrors, busy, announce, newKey, errorText,
  fmtDeadline, lightBadge, stepStateBadge, departmentName, workingDaysBadge, ApiError, DEPARTMENT_NAMES, ESCALATION_NAMES,
} from '../common.js';
import { field } from '../forms.js';

const LIGHT_SHORT = { green: '绿灯', blue: '蓝灯', red: '红灯', yellow: '黄灯', white: '白灯', grey: '灰灯' };
const LIGHT_ORDER = ['red', 'yellow', 'white', 'blue', 'green', 'grey'];
const URGE_LEVELS = [['normal', '一般'], ['serious', '重要'], ['severe', '紧急']];

/** A light in a grid cell: short, coloured, and saying it in words. */
function cellBadge(light, title) {
  return el('span', { class: `badge light-${light}`, title }, el('span', { class: 'dot', 'aria-hidden': 'true' }), LIGHT_SHORT[light] || light);
}

/**
 * The current period of each item (its latest period on the board) and, per department, its latest attempt there:
 * { items: [{ itemId, number, titleZh, periodZh, leaderInCharge, cells: Map(code → row) }], departments: [code] }.
 */
function currentGrid(rows) {
  const items = new Map();
  for (const r of rows) {
    let item = items.get(r.itemId);
    // Rows come newest period first within an item, so the first period seen is the current one.
    if (!item) items.set(r.itemId, (item = { itemId: r.itemId, number: r.number, titleZh: r.titleZh, period: r.period, periodZh: r.periodZh, leaderInCharge: r.leaderInCharge, cells: new Map() }));
    if (r.period !== item.period) continue;
    const had = item.cells.get(r.departmentCode);
    if (!had || had.attempt < r.attempt) item.cells.set(r.departmentCode, r);
  }
  const codes = new Set();
  for (const item of items.values()) for (const code of item.cells.keys()) codes.add(code);
  const known = Object.keys(DEPARTMENT_NAMES);
  const departments = [...codes].sort((a, b) => (known.indexOf(a) + 1 || 99) - (known.indexOf(b) + 1 || 99) || a.localeCompare(b));
  return { items: [...items.values()].sort((a, b) => a.number - b.number), departments };
}

/**
 * A live ranking of the departments over the current period's cells: reported (green or blue) share first, fewer red
 * lights next. (The formal ranking by the published scoring rules is in the weekly, monthly and quarterly reports.)
 */
function liveRanking(grid) {
  const by = new Map();
  for (const item of grid.items) {
    for (const [code, r] of item.cells) {
      const t = by.get(code) || { code, total: 0, reported: 0, red: 0, yellow: 0 };
      t.total++;
      if (r.light === 'green' || r.light === 'blue') t.reported++;
      if (r.light === 'red') t.red++;
      if (r.light === 'yellow') t.yellow++;
      by.set(code, t);
    }
  }
  return [...by.values()]
    .map((t) => ({ ...t, rate: t.total ? t.reported / t.total : 0 }))
    .sort((a, b) => b.rate - a.rate || a.red - b.red || a.code.localeCompare(b.code));
}

/** Horizontal bars, one per department: the reported share, with the red lights said in words next to it. */
function rankingChart(ranking) {
  const rowH = 28;
  const labelW = 150;
  const barW = 190;
  const width = labelW + barW + 120;
  const height = Math.max(1, ranking.length) * rowH + 30;
  const desc = ranking.map((t, i) => `第${i + 1}名 ${departmentName(t.code)}：已报送 ${t.reported}/${t.total}，红灯 ${t.red}`).join('；');
  const chart = svg(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'aria-labelledby': 'ranking-title ranking-desc', 'data-chart': 'ranking', class: 'chart' },
    svg('title', { id: 'ranking-title' }, '部门本期报送情况排名'),
    svg('desc', { id: 'ranking-desc' }, desc || '本期没有责任事项'),
    [0, 0.5, 1].map((f) => [
      svg('line', { x1: labelW + f * barW, x2: labelW + f * barW, y1: 0, y2: height - 22, stroke: '#d0d7de', 'stroke-dasharray': '3 3' }),
      svg('text', { x: labelW + f * barW, y: height - 6, 'text-anchor': 'middle', 'font-size': 12, fill: '#57606a' }, `${Math.round(f * 100)}%`),
    ]),
    ranking.map((t, i) => {
      const y = i * rowH + 4;
      return svg(
        'g',
        { 'data-department': t.code },
        svg('text', { x: labelW - 8, y: y + 15, 'text-anchor': 'end', 'font-size': 13, fill: '#1f2328' }, `${i + 1}. ${departmentName(t.code)}`),
        svg('rect', { x: labelW, y, width: Math.max(2, t.rate * barW), height: rowH - 10, fill: t.red > 0 ? '#d92d20' : '#22a150', rx: 2 }),
        svg('text', { x: labelW + barW + 8, y: y + 15, 'font-size': 12, fill: '#1f2328' }, `已报送 ${t.reported}/${t.total}${t.red ? `，红灯 ${t.red}` : ''}`),
      );
    }),
  );
  return chart;
}

async function start() {
  const user = await initPage({ roles: ['supervisor', 'leader', 'admin'] });
  if (!user) return;
  const content = $('#content');
  content.removeAttribute('aria-busy');
  const canUrge = user.role === 'supervisor';
  const q = new URLSearchParams(location.search);

  const department = field({ name: 'department', label: '部门', options: [['', '全部部门'], ...Object.entries(DEPARTMENT_NAMES)], value: q.get('department') || '' });
  const leader = field({ name: 'leader', label: '责任领导', value: q.get('leader') || '', hint: '姓名中的字即可' });
  const filters = el('form', { class: 'card filters', role: 'search', 'aria-label': '筛选挂图' }, department, leader, el('div', { class: 'actions' }, el('button', { type: 'submit' }, '筛选')));

  const gridCard = el('section', { class: 'card', id: 'board-grid', 'aria-labelledby': 'grid-heading' }, el('h2', { id: 'grid-heading' }, '本期责任事项亮灯'), el('p', { class: 'loading' }, '正在加载…'));
  const rankingCard = el('section', { class: 'card', id: 'ranking', 'aria-labelledby': 'ranking-heading' }, el('h2', { id: 'ranking-heading' }, '部门排名'), el('p', { class: 'loading' }, '正在加载…'));
  const overdueCard = el('section', { class: 'card', id: 'overdue-list', 'aria-labelledby': 'overdue-heading' }, el('h2', { id: 'overdue-heading' }, '逾期事项'), el('p', { class: 'loading' }, '正在加载…'));
  const soonCard = el('section', { class: 'card', id: 'due-soon-list', 'aria-labelledby': 'soon-heading' }, el('h2', { id: 'soon-heading' }, '即将到期'), el('p', { class: 'loading' }, '正在加载…'));
  const escalationCard = user.role === 'admin' ? null : el('section', { class: 'card', id: 'escalations', 'aria-labelledby': 'esc-heading' }, el('h2', { id: 'esc-heading' }, '升级督办'), el('p', { class: 'loading' }, '正在加载…'));

  // Urging in bulk: the steps ticked in the overdue and due-soon lists, one graded notice each.
  const urgeSummary = el('div', { class: 'alert error', role: 'alert', tabindex: '-1', hidden: true });
  const urgeResults = el('div', { id: 'urge-results', 'aria-live': 'polite' });
  const selectedCount = el('span', { id: 'selected-count' }, '已选 0 项');
  let urgeKey = newKey();
  const urgeForm = canUrge
    ? el(
      'form',
      { class: 'card', id: 'urge-form', novalidate: true, 'aria-labelledby': 'urge-heading' },
      el('h2', { id: 'urge-heading' }, '批量催办'),
      el('p', { class: 'muted' }, '在逾期和即将到期列表中勾选事项，一次向各承办部门发出编号催办通知，各部门须回复。'),
      urgeSummary,
      el('div', { class: 'field', dataset: { field: 'stepIds' } }, el('span', { class: 'label' }, '催办事项'), el('p', {}, selectedCount), el('p', { class: 'field-error' })),
      field({ name: 'level', label: '催办等级', options: URGE_LEVELS, value: 'normal' }),
      field({ name: 'message', label: '催办内容', type: 'textarea', required: true, hint: '写明要求和回复时限' }),
      el('div', { class: 'actions stack' }, el('button', { type: 'submit' }, '发出批量催办')),
      urgeResults,
    )
    : null;

  render(
    content,
    el('p', { class: 'lead' }, '责任事项按本期亮灯：绿灯已办结，蓝灯待审核，白灯正常办理，黄灯即将到期，红灯逾期或退回重办，灰灯暂停或终止。点击事项查看详情，点击灯查看该部门的办理事项。'),
    filters,
    gridCard,
    el('div', { class: 'grid-2' }, el('div', {}, overdueCard, soonCard), el('div', {}, urgeForm, rankingCard, escalationCard)),
  );

  const selected = () => [...new Set($$('input[name="urge-step"]:checked', content).map((c) => c.value))];
  const updateCount = () => {
    selectedCount.textContent = `已选 ${selected().length} 项`;
  };
  content.addEventListener('change', (e) => {
    if (e.target instanceof window.HTMLInputElement && e.target.name === 'urge-step') {
      // The same step may be in both lists: ticking it in one ticks it in the other.
      for (const c of $$(`input[name="urge-step"][value="${window.CSS.escape(e.target.value)}"]`, content)) c.checked = e.target.checked;
      updateCount();
    }
  });

  const stepTable = (id, items, { days }) =>
    el(
      'div',
      { class: 'table-wrap' },
      el(
        'table',
        { class: 'responsive', id },
        el('thead', {}, el('tr', {}, canUrge ? el('th', { scope: 'col' }, el('span', { class: 'visually-hidden' }, '选择')) : null, el('th', { scope: 'col' }, '事项'), el('th', { scope: 'col' }, '部门'), el('th', { scope: 'col' }, '办理期限'), el('th', { scope: 'col' }, days))),
        el(
          'tbody',
          {},
          items.map((s) =>
            el(
              'tr',
              { dataset: { stepId: s.stepId } },
              canUrge ? el('td', { 'data-label': '选择' }, el('input', { type: 'checkbox', name: 'urge-step', value: s.stepId, 'aria-label': `选择：${s.title}` })) : null,
              el('td', { 'data-label': '事项' }, el('a', { href: `/step?id=${encodeURIComponent(s.stepId)}` }, s.title), el('div', {}, lightBadge(s.light), ' ', stepStateBadge(s.state)),
                s.escalationLevel > 0 ? el('div', { class: 'small' }, `已升级至${ESCALATION_NAMES[s.escalationLevel] || `第${s.escalationLevel}级`}`) : null,
                s.openUrges > 0 ? el('div', { class: 'small' }, `催办待回复 ${s.openUrges} 件`) : null),
              el('td', { 'data-label': '部门', class: 'nowrap' }, departmentName(s.departmentCode)),
              el('td', { 'data-label': '办理期限', class: 'nowrap' }, fmtDeadline(s.deadlineAt)),
              el('td', { 'data-label': days }, s.workingDaysOverdue !== undefined ? el('span', { class: 'days-left overdue' }, `已逾期 ${s.workingDaysOverdue} 个工作日`) : workingDaysBadge(s.workingDaysLeft)),
            ),
          ),
        ),
      ),
    );

  const filterQuery = () => {
    const p = new URLSearchParams();
    if (filters.department.value) p.set('department', filters.department.value);
    if (filters.leader.value.trim()) p.set('leader', filters.leader.value.trim());
    return p;
  };

  const loadGrid = async () => {
    gridCard.setAttribute('aria-busy', 'true');
    try {
      const p = filterQuery();
      p.set('pageSize', '500');
      const board = await api.get(`/api/board?${p}`);
      const grid = currentGrid(board.items);
      const legend = el('p', { class: 'small', id: 'light-counts' }, LIGHT_ORDER.filter((l) => board.counts[l]).map((l) => [cellBadge(l, LIGHT_SHORT[l]), ` ${board.counts[l]}  `]));
      render(
        gridCard,
        el('h2', { id: 'grid-heading' }, `本期责任事项亮灯（${grid.items.length} 项）`),
        grid.items.length === 0
          ? el('p', { class: 'muted' }, '没有正在督办的责任事项。')
          : [
            legend,
            el(
              'div',
              { class: 'table-wrap' },
              el(
                'table',
                { id: 'light-grid', class: 'light-grid' },
                el('caption', { class: 'visually-hidden' }, '责任事项 × 部门 本期亮灯'),
                el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, '事项'), el('th', { scope: 'col' }, '本期'), grid.departments.map((code) => el('th', { scope: 'col', dataset: { department: code } }, departmentName(code))))),
                el(
                  'tbody',
                  {},
                  grid.items.map((item) =>
                    el(
                      'tr',
                      { dataset: { itemId: item.itemId } },
                      el('th', { scope: 'row' }, el('a', { href: `/item?id=${encodeURIComponent(item.itemId)}` }, `${item.number}. ${item.titleZh}`), el('div', { class: 'small muted' }, `责任领导：${item.leaderInCharge}`)),
                      el('td', { class: 'nowrap small' }, item.periodZh),
                      grid.departments.map((code) => {
                        const r = item.cells.get(code);
                        if (!r) return el('td', { class: 'muted', 'aria-label': '不涉及' }, '—');
                        const title = `${departmentName(code)}（${r.roleZh}）：${r.stateZh}${r.overdue ? '，已逾期' : ''}`;
                        return el('td', { dataset: { light: r.light, department: code } },
                          el('a', { href: `/step?id=${encodeURIComponent(r.stepId)}`, 'aria-label': `${item.number}. ${item.titleZh} · ${title}` }, cellBadge(r.light, title)),
                          r.role === 'lead' ? el('span', { class: 'small muted' }, ' 牵头') : null,
                          r.openUrges > 0 ? el('div', { class: 'small' }, `催办 ${r.openUrges}`) : null);
                      }),
                    ),
                  ),
                ),
              ),
            ),
          ],
      );
      const ranking = liveRanking(grid);
      render(
        rankingCard,
        el('h2', { id: 'ranking-heading' }, '部门本期报送排名'),
        ranking.length ? rankingChart(ranking) : el('p', { class: 'muted' }, '本期没有责任事项。'),
        el('p', { class: 'small muted' }, '按本期已报送（绿灯、蓝灯）的比例排序，比例相同的红灯少者在前。按评分规则计算的综合得分排名见', el('a', { href: '/reports' }, '工作报告'), '。'),
      );
    } catch (err) {
      render(gridCard, el('h2', { id: 'grid-heading' }, '本期责任事项亮灯'));
      showApiError(err);
    } finally {
      gridCard.removeAttribute('aria-busy');
    }
  };

  const loadLists = async () => {
    const department = filters.department.value;
    const dq = department ? `department=${encodeURIComponent(department)}` : '';
    const keep = new Set(selected());
    try {
      const [{ items: overdue, total: overdueTotal }, soon] = await Promise.all([
        api.get(`/api/steps/overdue?pageSize=100${dq ? `&${dq}` : ''}`),
        api.get(`/api/steps?light=yellow&pageSize=100${dq ? `&${dq}` : ''}`),
      ]);
      render(overdueCard, el('h2', { id: 'overdue-heading' }, `逾期事项（${overdueTotal}）`), overdue.length ? stepTable('overdue-table', overdue, { days: '逾期' }) : el('p', { class: 'muted' }, '目前没有逾期事项。'));
      render(soonCard, el('h2', { id: 'soon-heading' }, `即将到期（${soon.total}）`), soon.items.length ? stepTable('due-soon-table', soon.items, { days: '剩余' }) : el('p', { class: 'muted' }, '目前没有即将到期的事项。'));
      for (const c of $$('input[name="urge-step"]', content)) c.checked = keep.has(c.value);
      updateCount();
    } catch (err) {
      showApiError(err);
    }
  };

  const loadEscalations = async () => {
    if (!escalationCard) return;
    try {
      const r = await api.get(`/api/escalations?open=true&pageSize=50${filters.department.value ? `&department=${encodeURIComponent(filters.department.value)}` : ''}`);
      render(
        escalationCard,
        el('h2', { id: 'esc-heading' }, `升级督办（${r.total}）`),
        r.items.length === 0
          ? el('p', { class: 'muted' }, '目前没有未办结的升级督办事项。')
          : el('ul', { class: 'notice-list', id: 'escalation-list' }, r.items.map((e) =>
            el('li', { dataset: { stepId: e.stepId } },
              el('div', { class: 'notice-title' }, el('a', { href: `/step?id=${encodeURIComponent(e.stepId)}` }, e.itemNumber ? `第${e.itemNumber}项 ${e.itemTitleZh}（${e.period}）` : e.title)),
              el('div', { class: 'notice-meta' }, lightBadge(e.light), el('span', {}, `${e.departmentNameZh} · ${e.causeZh} · 升级至${e.levelZh}`), el('span', {}, fmtDeadline(e.at))),
            ))),
      );
    } catch (err) {
      render(escalationCard, el('h2', { id: 'esc-heading' }, '升级督办'), el('p', { class: 'alert error' }, errorText(err)));
    }
  };

  if (urgeForm) {
    urgeForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const stepIds = selected();
      const message = urgeForm.message.value.trim();
      const problems = [];
      if (stepIds.length === 0) problems.push({ field: 'stepIds', message: '请至少勾选一个要催办的事项' });
      if (!message) problems.push({ field: 'message', message: '请填写催办内容' });
      else if (message.length > 2000) problems.push({ field: 'message', message: '催办内容不能超过2000字' });
      if (problems.length) {
        showFieldErrors(urgeForm, urgeSummary, problems);
        return;
      }
      clearErrors(urgeForm, urgeSummary);
      await busy(urgeForm, async () => {
        try {
          const r = await api.post('/api/urges', { stepIds, message, level: urgeForm.level.value }, { idempotencyKey: urgeKey });
          urgeKey = newKey();
          const titles = new Map($$('tr[data-step-id]', content).map((tr) => [tr.dataset.stepId, tr.querySelector('a').textContent]));
          render(
            urgeResults,
            el('h3', {}, `已催办 ${r.urged} 项${r.refused + r.notFound ? `，未能催办 ${r.refused + r.notFound} 项` : ''}`),
            el('ul', { class: 'plain-list' }, r.results.map((x) => el('li', { dataset: { stepId: x.stepId, result: x.result } },
              `${titles.get(x.stepId) || x.stepId}：`,
              x.result === 'urged' ? `已发出催办通知 ${x.urgeNumber || ''}` : `未能催办（${errorText(new ApiError(x.status, { error: { code: x.code, message: x.reason } }))}）`))),
          );
          announce(`已发出 ${r.urged} 份催办通知`);
          urgeForm.message.value = '';
          for (const c of $$('input[name="urge-step"]', content)) c.checked = false;
          updateCount();
          await loadLists();
        } catch (err) {
          showApiError(err, { form: urgeForm, summary: urgeSummary });
        }
      });
    });
  }

  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    const p = filterQuery();
    history.replaceState(null, '', `${location.pathname}${p.toString() ? `?${p}` : ''}`);
    void Promise.all([loadGrid(), loadLists(), loadEscalations()]);
  });
  await Promise.all([loadGrid(), loadLists(), loadEscalations()]);
}

void start();
