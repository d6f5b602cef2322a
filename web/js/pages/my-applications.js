// A parent's applications: each child's application with its status and who holds it; a way to apply.
import { api, el, render, $, initPage, fmtDateTime, applicationStateBadge, showApiError } from '../common.js';

async function start() {
  const user = await initPage({ roles: ['applicant'] });
  if (!user) return;
  const content = $('#content');
  try {
    const { items } = await api.get('/api/applications?pageSize=100');
    const applyButton = el('a', { class: 'button', href: '/apply' }, '提交入学申请');
    if (items.length === 0) {
      render(content, el('div', { class: 'card' }, el('p', {}, '您还没有提交入学申请。一个孩子每年只需提交一次申请，材料一次上传，各部门在线核验。'), applyButton));
    } else {
      render(
        content,
        el('p', { class: 'actions' }, applyButton),
        el(
          'div',
          { class: 'app-cards' },
          items.map((a) =>
            el(
              'article',
              { class: 'card app-card', dataset: { applicationNumber: a.applicationNumber } },
              el('h2', {}, el('span', {}, `${a.childName} · ${a.year}年${a.stageZh}`), applicationStateBadge(a.state, a.stateZh)),
              el(
                'dl',
                { class: 'facts' },
                el('dt', {}, '申请编号'), el('dd', {}, a.applicationNumber),
                el('dt', {}, '提交时间'), el('dd', {}, fmtDateTime(a.submittedAt)),
                a.placement ? [el('dt', {}, '安排学校'), el('dd', {}, a.placement.schoolNameZh)] : null,
                a.pointsTotal !== null && a.pointsTotal !== undefined ? [el('dt', {}, '积分'), el('dd', {}, `${a.pointsTotal} 分`)] : null,
              ),
              el('p', { class: 'actions' }, el('a', { class: 'button secondary', href: `/application?no=${encodeURIComponent(a.applicationNumber)}` }, '查看进度')),
            ),
          ),
        ),
      );
    }
  } catch (err) {
    render(content);
    showApiError(err);
  } finally {
    content.removeAttribute('aria-busy');
  }
}

start();
