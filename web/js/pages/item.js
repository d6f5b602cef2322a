// One responsibility item, drilled down from the dispatch board: what it asks, who leads and who cooperates, and for
// each reporting period every department's step with its light, findings, evidence, urging notices and the review
// feedback, then the item's timeline. Officers see only items their department is on (the API says 403 otherwise).
import { api, el, render, $, initPage, pageMessage, showApiError, param, fmtDeadline, fmtDateTime, lightBadge, stepStateBadge, mergedTimelineText } from '../common.js';

/** What the item itself records (its edits, and its workflow's periods), in the words officials use. */
const ITEM_ACTION_NAMES = {
  created: '创建事项', edited: '修改事项', closed: '事项关闭', launched: '启动督办', waiting_for_period: '等待下一报送周期',
  period_skipped: '跳过报送周期', period_opened: '开启报送周期', progress_reported: '配合单位报送进展', progress_ended: '配合单位报送结束（未报送）',
  period_accepted: '周期报告审核通过', consolidated_report_ended: '牵头单位汇总报告结束（未通过）', consolidated_report_reopened: '牵头单位重新汇总报告',
  period_closed: '报送周期结束',
};

const facts = (...pairs) => el('dl', { class: 'facts' }, pairs.filter(Boolean).map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));

async function start() {
  const user = await initPage({ roles: ['officer', 'supervisor', 'leader', 'admin'] });
  if (!user) return;
  const content = $('#content');
  const id = (param('id') || '').trim();
  if (!/^[a-z0-9][a-z0-9-]{1,63}$/.test(id)) {
    content.removeAttribute('aria-busy');
    pageMessage('未找到该事项', '链接中的事项编号不正确。');
    return;
  }
  let item;
  try {
    item = await api.get(`/api/items/${encodeURIComponent(id)}`);
  } catch (err) {
    content.removeAttribute('aria-busy');
    if (err.status === 403) pageMessage('无权查看', '本部门不是该事项的责任单位，无权查看。');
    else if (err.status === 404) pageMessage('未找到该事项', '没有找到这个责任事项。');
    else {
      render(content);
      showApiError(err);
    }
    return;
  }
  content.removeAttribute('aria-busy');
  $('#page-title').textContent = `第${item.number}项 ${item.titleZh}`;
  document.title = `${item.titleZh} · 随迁子女入学与部门协同督办`;
  const stepIds = new Set(item.periods.flatMap((p) => p.steps.map((s) => s.stepId)));
  render(
    content,
    el(
      'section',
      { class: 'card', id: 'item-summary', 'aria-labelledby': 'item-heading' },
      el('h2', { id: 'item-heading' }, '事项内容'),
      item.contentZh ? el('p', {}, item.contentZh) : null,
      facts(
        ['牵头单位', item.lead.nameZh],
        ['配合单位', item.cooperating.length ? item.cooperating.map((d) => d.nameZh).join('、') : '无'],
        ['责任领导', item.leaderInCharge],
        ['报送节奏', item.rhythmZh || (item.finalDeadline ? `${item.finalDeadline} 前完成` : '—')],
        ['状态', item.statusZh],
        item.evidenceRequirements.length ? ['佐证材料要求', el('ul', {}, item.evidenceRequirements.map((x) => el('li', {}, x)))] : null,
      ),
    ),
    el(
      'section',
      { class: 'card', id: 'periods', 'aria-labelledby': 'periods-heading' },
      el('h2', { id: 'periods-heading' }, '各期报送'),
      item.periods.length === 0
        ? el('p', { class: 'muted' }, '该事项尚未启动报送。')
        : item.periods.map((p) =>
          el(
            'details',
            { class: 'plain', open: p === item.periods[0], dataset: { period: p.label } },
            el('summary', {}, `${p.labelZh}${p.acceptedAt ? '（已审核通过）' : ''}`),
            el(
              'div',
              { class: 'table-wrap' },
              el(
                'table',
                { class: 'responsive' },
                el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, '部门'), el('th', { scope: 'col' }, '亮灯'), el('th', { scope: 'col' }, '办理期限'), el('th', { scope: 'col' }, '报送内容'))),
                el(
                  'tbody',
                  {},
                  p.steps.map((s) =>
                    el(
                      'tr',
                      { dataset: { stepId: s.stepId } },
                      el('td', { 'data-label': '部门' }, el('a', { href: `/step?id=${encodeURIComponent(s.stepId)}` }, `${s.departmentNameZh}（${s.roleZh}${s.attempt > 1 ? `，第${s.attempt}次` : ''}）`)),
                      el('td', { 'data-label': '亮灯' }, lightBadge(s.light), ' ', stepStateBadge(s.state)),
                      el('td', { 'data-label': '办理期限', class: 'nowrap' }, fmtDeadline(s.deadlineAt)),
                      el(
                        'td',
                        { 'data-label': '报送内容' },
                        s.findings ? el('p', {}, s.findings) : el('span', { class: 'muted' }, '尚未报送'),
                        s.evidence && s.evidence.length ? el('ul', { class: 'small' }, s.evidence.map((e) => el('li', {}, `${e.name}：${e.ref}`))) : null,
                        (s.feedback || []).map((f) => el('p', { class: 'small' }, `督查室${f.decision === 'accept' ? '审核通过' : '退回重办'}（${fmtDateTime(f.at)}）${f.feedback ? `：${f.feedback}` : ''}`)),
                        (s.urges || []).map((u) => el('p', { class: 'small' }, `催办 ${u.number}：${u.message}${u.reply ? `；回复：${u.reply}` : '（待回复）'}`)),
                      ),
                    ),
                  ),
                ),
              ),
            ),
          ),
        ),
    ),
    el(
      'section',
      { class: 'card', id: 'timeline', 'aria-labelledby': 'timeline-heading' },
      el('h2', { id: 'timeline-heading' }, '办理留痕'),
      item.timeline.length === 0
        ? el('p', { class: 'muted' }, '暂无记录。')
        : el('ol', { class: 'timeline' }, item.timeline.slice(-100).reverse().map((t) => el('li', { dataset: { stream: t.stream } }, el('time', { datetime: t.at }, fmtDateTime(t.at)), ` ${t.actorName}：${mergedTimelineText(t, stepIds, ITEM_ACTION_NAMES, '报送事项')}`))),
    ),
  );
}

void start();
