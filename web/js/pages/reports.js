// Progress reports to the leading group (周报、月调度、季度分析): the list, one report shown as its printable page
// (fetched with the login and shown from a blob in a sandboxed frame), the HTML and Excel downloads, and — for the
// supervision office — producing the report of a period on demand. The page allows inline styles (its CSP): the
// report is one self-contained file whose styles are inline, and a blob document inherits the page's policy.
import { api, el, render, $, initPage, showApiError, fmtDateTime, todayShanghai, busy, announce } from '../common.js';
import { field } from '../forms.js';

const KINDS = [['weekly', '周报'], ['monthly', '月调度报告'], ['quarterly', '季度分析报告']];
const KIND_NAMES = Object.fromEntries(KINDS);

async function start() {
  const user = await initPage({ roles: ['supervisor', 'leader', 'admin'] });
  if (!user) return;
  const content = $('#content');
  content.removeAttribute('aria-busy');
  const q = new URLSearchParams(location.search);
  const list = el('section', { class: 'card', id: 'report-list', 'aria-labelledby': 'list-heading' }, el('h2', { id: 'list-heading' }, '报告'), el('p', { class: 'loading' }, '正在加载…'));
  const viewer = el('section', { class: 'card', id: 'report-view', 'aria-labelledby': 'view-heading' }, el('h2', { id: 'view-heading' }, '查看报告'), el('p', { class: 'muted' }, '从左侧选择一份报告。'));

  let form = null;
  if (user.role === 'supervisor') {
    const kind = field({ name: 'kind', label: '报告类型', options: KINDS, value: 'weekly' });
    const date = field({ name: 'date', label: '期间内任一日期', type: 'date', hint: '不填则为最近结束的一期；本期尚未结束时生成截至当前的阶段性报告', value: '' });
    const refresh = el('label', { class: 'check' }, el('input', { type: 'checkbox', name: 'refresh' }), ' 重新生成截至当前的阶段性报告');
    form = el('form', { class: 'card', 'aria-label': '生成报告' }, el('h2', {}, '生成报告'), kind, date, refresh, el('button', { type: 'submit' }, '生成'));
    date.querySelector('input').max = todayShanghai();
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void busy(form, async () => {
        const body = { kind: form.kind.value, refresh: form.refresh.checked };
        if (form.date.value) body.date = form.date.value;
        try {
          const r = await api.post('/api/reports', body);
          announce(r.created ? `已生成：${r.labelZh}` : `该期报告已存在：${r.labelZh}`);
          await loadList();
          await show(r.reportId);
        } catch (err) {
          showApiError(err, { form });
        }
      });
    });
  }

  render(content, el('p', { class: 'lead' }, '按周、月、季度向领导小组通报工作进展：责任事项亮灯、逾期与督办、部门排名、入学办理和问题台账。报告生成后不再改变。'), form, list, viewer);

  async function loadList() {
    try {
      const { items } = await api.get('/api/reports?pageSize=100');
      render(
        list,
        el('h2', { id: 'list-heading' }, `报告（${items.length}）`),
        items.length === 0
          ? el('p', { class: 'muted' }, '还没有报告。每周一8:00自动生成上周周报。')
          : el('ul', { class: 'plain-list' }, items.map((r) => el('li', {},
            el('a', { href: `/reports?id=${encodeURIComponent(r.reportId)}`, onclick: (e) => { e.preventDefault(); void show(r.reportId); } }, `${KIND_NAMES[r.kind] || r.kind}：${r.labelZh}`),
            r.complete ? '' : '（阶段性）',
            el('span', { class: 'muted' }, ` 生成于 ${fmtDateTime(r.generatedAt)}；红灯 ${r.summary.itemsRed} 项，逾期 ${r.summary.overdueSteps} 件`),
          ))),
      );
    } catch (err) {
      showApiError(err);
    }
  }

  async function show(reportId) {
    history.replaceState(null, '', `/reports?id=${encodeURIComponent(reportId)}`);
    viewer.setAttribute('aria-busy', 'true');
    try {
      const path = `/api/reports/${encodeURIComponent(reportId)}`;
      const html = URL.createObjectURL(await api.blob(`${path}.html`));
      const xlsx = URL.createObjectURL(await api.blob(`${path}.xlsx`));
      render(
        viewer,
        el('h2', { id: 'view-heading' }, '查看报告'),
        el('p', {},
          el('a', { class: 'button secondary', href: html, download: `${reportId}.html` }, '下载网页版（可打印）'), ' ',
          el('a', { class: 'button secondary', href: xlsx, download: `${reportId}.xlsx` }, '下载Excel')),
        el('iframe', { src: html, title: '报告内容', sandbox: '', style: 'width:100%;height:80vh;border:1px solid #ccc' }),
      );
    } catch (err) {
      showApiError(err);
    } finally {
      viewer.removeAttribute('aria-busy');
    }
  }

  await loadList();
  if (q.get('id')) await show(q.get('id'));
}

void start();
