// The problem ledger (问题台账): every problem found — from the public channel, by officials at work, in reviews —
// through analysis, assignment to a department (1-3-5), handling, feedback and rating. The supervision office
// analyses and assigns here; officers see their department's problems; a problem opens with ?id=WT….
import {
  api, el, render, $, initPage, showApiError, showFieldErrors, clearErrors, busy, announce, newKey, param, pageMessage,
  fmtDateTime, fmtDeadline, lightBadge, stepStateBadge, departmentName, DEPARTMENT_NAMES, mergedTimelineText,
} from '../common.js';
import { field } from '../forms.js';

const STATES = [['', '全部状态'], ['found', '待分析研判'], ['analysing', '待交办'], ['handling', '督办解决中'], ['feedback', '待评价'], ['closed', '已办结'], ['closed_unresolved', '未解决已升级']];
const CLASSES = [['urgent', '紧急（1个工作日）'], ['ordinary', '一般（3个工作日）'], ['complex', '复杂（5个工作日）']];
const ACTIONS = {
  submitted: '登记', analysed: '分析研判', assigned: '交办', handled: '办理反馈', handling_returned: '承办部门退回', reopened: '重新交办',
  rated_satisfied: '评价满意', closed_unresolved: '评价不满意，升级至领导小组',
};
const facts = (...pairs) => el('dl', { class: 'facts' }, pairs.filter(Boolean).map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));

async function start() {
  const user = await initPage({ roles: ['officer', 'supervisor', 'leader', 'admin'] });
  if (!user) return;
  const content = $('#content');
  content.removeAttribute('aria-busy');
  const id = (param('id') || '').trim();
  if (id) await detail(user, id);
  else await list(user);
}

async function list(user) {
  const content = $('#content');
  const q = new URLSearchParams(location.search);
  const state = field({ name: 'state', label: '状态', options: STATES, value: q.get('state') || '' });
  const department = user.role === 'officer' ? null : field({ name: 'department', label: '承办部门', options: [['', '全部部门'], ...Object.entries(DEPARTMENT_NAMES)], value: q.get('department') || '' });
  const scope = user.role === 'officer' ? field({ name: 'scope', label: '范围', options: [['', '交办本部门的'], ['mine', '我登记的']], value: q.get('mine') === 'true' ? 'mine' : '' }) : null;
  const form = el('form', { class: 'card filters', role: 'search', 'aria-label': '筛选问题' }, state, department, scope, el('div', { class: 'actions' }, el('button', { type: 'submit' }, '筛选')));
  const results = el('section', { class: 'card', id: 'problem-list', 'aria-labelledby': 'list-heading' }, el('h2', { id: 'list-heading' }, '问题'), el('p', { class: 'loading' }, '正在加载…'));
  // Officials file what they find at work (工作中发现); the supervision office analyses it next.
  let filedId = null;
  const file = ['officer', 'supervisor', 'leader'].includes(user.role)
    ? actForm({
        id: 'file-problem',
        title: '登记问题',
        fields: [
          field({ name: 'titleZh', label: '问题标题', required: true, attrs: { maxlength: '100' } }),
          field({ name: 'description', label: '问题描述', type: 'textarea', required: true, hint: '写明发现的情况、涉及的部门和环节；请勿填写身份证号等个人信息。', attrs: { maxlength: '4000' } }),
        ],
        check: (f) => [
          ...(f.titleZh.value.trim() ? [] : [{ field: 'titleZh', message: '请填写问题标题' }]),
          ...(f.description.value.trim() ? [] : [{ field: 'description', message: '请填写问题描述' }]),
        ],
        send: async (f, key) => {
          filedId = (await api.post('/api/problems', { titleZh: f.titleZh.value.trim(), description: f.description.value.trim() }, { idempotencyKey: key })).problemId;
        },
        done: '已登记',
        onDone: async () => {
          location.href = `/problems?id=${encodeURIComponent(filedId)}`;
        },
      })
    : null;
  render(content, el('p', { class: 'lead' }, user.role === 'officer' ? '交办本部门的问题；选“我登记的”可查看您登记的问题。' : '群众投诉申诉、工作中发现和审核发现的问题，按“发现—分析—交办—反馈—评价”闭环管理。'), form, results, file);

  const load = async () => {
    const p = new URLSearchParams();
    if (form.state.value) p.set('state', form.state.value);
    if (department && form.department.value) p.set('department', form.department.value);
    if (scope && form.scope.value === 'mine') p.set('mine', 'true');
    history.replaceState(null, '', `${location.pathname}${p.toString() ? `?${p}` : ''}`);
    p.set('pageSize', '100');
    try {
      const r = await api.get(`/api/problems?${p}`);
      render(
        results,
        el('h2', { id: 'list-heading' }, `问题（共 ${r.total} 个）`),
        r.items.length === 0
          ? el('p', { class: 'muted' }, '没有符合条件的问题。')
          : el('div', { class: 'table-wrap' }, el('table', { class: 'responsive', id: 'problems-table' },
            el('thead', {}, el('tr', {}, ['编号', '问题', '来源', '承办部门', '状态', '登记时间'].map((h) => el('th', { scope: 'col' }, h)))),
            el('tbody', {}, r.items.map((x) => el('tr', { dataset: { problemId: x.problemId } },
              el('td', { 'data-label': '编号', class: 'nowrap' }, el('a', { href: `/problems?id=${encodeURIComponent(x.problemId)}` }, x.problemId)),
              el('td', { 'data-label': '问题' }, x.titleZh, x.escalated ? el('span', { class: 'badge tone-bad' }, '已升级') : null),
              el('td', { 'data-label': '来源' }, x.sourceZh),
              el('td', { 'data-label': '承办部门' }, departmentName(x.departmentCode) || '—'),
              el('td', { 'data-label': '状态' }, x.stateZh),
              el('td', { 'data-label': '登记时间', class: 'nowrap' }, fmtDateTime(x.createdAt)),
            ))))),
      );
    } catch (err) {
      showApiError(err);
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void load();
  });
  await load();
}

/** An act of the supervision office on a problem: checked in the page, sent once, then the problem is read again. */
function actForm({ id, title, fields, check, send, done, onDone }) {
  const summary = el('div', { class: 'alert error', role: 'alert', tabindex: '-1', hidden: true });
  const key = newKey();
  const form = el('form', { id, class: 'card', novalidate: true }, el('h2', {}, title), summary, fields, el('div', { class: 'actions stack' }, el('button', { type: 'submit' }, title)));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const problems = check(form);
    if (problems.length) {
      showFieldErrors(form, summary, problems);
      return;
    }
    clearErrors(form, summary);
    await busy(form, async () => {
      try {
        await send(form, key);
        announce(done);
        await onDone();
      } catch (err) {
        showApiError(err, { form, summary });
      }
    });
  });
  return form;
}

async function detail(user, id) {
  const content = $('#content');
  if (!/^WT\d{10,}$/.test(id)) {
    pageMessage('未找到该问题', '链接中的问题编号不正确。');
    return;
  }
  let p;
  try {
    p = await api.get(`/api/problems/${encodeURIComponent(id)}`);
  } catch (err) {
    if (err.status === 403) pageMessage('无权查看', '该问题未交办本部门，您无权查看。');
    else if (err.status === 404) pageMessage('未找到该问题', '没有找到这个问题。');
    else showApiError(err);
    return;
  }
  $('#page-title').textContent = `问题 ${p.problemId}`;
  const reload = async () => {
    // The ledger's read model follows its workflow within moments.
    for (let i = 0; i < 25; i++) {
      const fresh = await api.get(`/api/problems/${encodeURIComponent(id)}`).catch(() => null);
      if (!fresh || fresh.state !== p.state || fresh.lastSeq !== p.lastSeq) break;
      await new Promise((r) => window.setTimeout(r, 200));
    }
    await detail(user, id);
  };
  const acts = [];
  if (user.role === 'supervisor' && p.state === 'found') {
    acts.push(actForm({
      id: 'act-analyse',
      title: '分析研判',
      fields: [field({ name: 'analysis', label: '分析意见', type: 'textarea', required: true, hint: '问题性质、涉及部门和责任' })],
      check: (f) => (f.analysis.value.trim() ? [] : [{ field: 'analysis', message: '请填写分析意见' }]),
      send: (f, key) => api.post(`/api/problems/${encodeURIComponent(id)}/analysis`, { analysis: f.analysis.value.trim() }, { idempotencyKey: key }),
      done: '已记录分析意见',
      onDone: reload,
    }));
  }
  if (user.role === 'supervisor' && p.state === 'analysing') {
    acts.push(actForm({
      id: 'act-assign',
      title: '交办',
      fields: [
        field({ name: 'departmentCode', label: '承办部门', required: true, options: [['', '请选择'], ...Object.entries(DEPARTMENT_NAMES).filter(([c]) => c !== 'supervision_office')] }),
        field({ name: 'deadlineClass', label: '办理时限', options: CLASSES, value: 'ordinary' }),
        field({ name: 'instructions', label: '交办要求', type: 'textarea', required: true }),
      ],
      check: (f) => [
        ...(f.departmentCode.value ? [] : [{ field: 'departmentCode', message: '请选择承办部门' }]),
        ...(f.instructions.value.trim() ? [] : [{ field: 'instructions', message: '请填写交办要求' }]),
      ],
      send: (f, key) => api.post(`/api/problems/${encodeURIComponent(id)}/assignment`, { departmentCode: f.departmentCode.value, deadlineClass: f.deadlineClass.value, instructions: f.instructions.value.trim() }, { idempotencyKey: key }),
      done: '已交办',
      onDone: reload,
    }));
  }
  render(
    content,
    el('p', {}, el('a', { href: '/problems' }, '← 返回问题台账')),
    el('div', { class: 'grid-2' },
      el('div', {},
        el('section', { class: 'card', id: 'problem-summary', 'aria-labelledby': 'p-heading' },
          el('h2', { id: 'p-heading' }, p.titleZh),
          el('p', {}, el('span', { class: 'badge tone-info' }, p.stateZh), p.escalated ? el('span', { class: 'badge tone-bad' }, '已升级至领导小组') : null),
          facts(
            ['来源', p.sourceZh],
            ['问题描述', p.description],
            p.contactPhoneMasked ? ['联系电话', p.contactPhoneMasked] : null,
            p.itemId ? ['责任事项', el('a', { href: `/item?id=${encodeURIComponent(p.itemId)}` }, p.itemId)] : null,
            p.analysis ? ['分析意见', p.analysis] : null,
            p.departmentCode ? ['承办部门', `${departmentName(p.departmentCode)}（${p.deadlineClassZh || ''}）`] : null,
            p.instructions ? ['交办要求', p.instructions] : null,
            p.feedback ? ['办理结果', p.feedback] : null,
            ['登记时间', fmtDateTime(p.createdAt)],
          )),
        el('section', { class: 'card', id: 'handling', 'aria-labelledby': 'h-heading' },
          el('h2', { id: 'h-heading' }, '办理事项'),
          p.handlingSteps.length === 0 ? el('p', { class: 'muted' }, '尚未交办。') : el('ul', { class: 'plain-list' }, p.handlingSteps.map((s) => el('li', { dataset: { stepId: s.stepId } },
            el('a', { href: `/step?id=${encodeURIComponent(s.stepId)}` }, s.title), ' ', lightBadge(s.light), ' ', stepStateBadge(s.state), ` 期限 ${fmtDeadline(s.deadlineAt)}`)))),
        p.ratings.length ? el('section', { class: 'card', id: 'ratings' }, el('h2', {}, '评价'), el('ul', {}, p.ratings.map((r) => el('li', {}, `第${r.round}次：${r.satisfied ? '满意' : '不满意'}${r.comment ? `（${r.comment}）` : ''} · ${fmtDateTime(r.ratedAt)}`)))) : null,
      ),
      el('div', {},
        acts,
        el('section', { class: 'card', 'aria-labelledby': 't-heading' },
          el('h2', { id: 't-heading' }, '办理留痕'),
          el('ol', { class: 'timeline', id: 'timeline' }, [...p.timeline].reverse().map((t) => el('li', { dataset: { stream: t.stream } }, el('time', { datetime: t.at }, fmtDateTime(t.at)), ` ${t.actorName}：${mergedTimelineText(t, new Set(p.handlingSteps.map((x) => x.stepId)), ACTIONS, '办理事项')}`)))),
      ),
    ),
  );
}

void start();
