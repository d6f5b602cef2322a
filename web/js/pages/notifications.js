// Every notification addressed to this user, their department or their role; mark one or all read.
import { api, el, render, $, initPage, showApiError, noticeItem, refreshBell, announce } from '../common.js';

async function start() {
  const user = await initPage();
  if (!user) return;
  const content = $('#content');
  const load = async () => {
    try {
      const { items } = await api.get('/api/notifications?limit=200');
      const unread = items.filter((n) => !n.read);
      const markAll = el('button', {
        type: 'button',
        class: 'secondary',
        disabled: unread.length === 0,
        onclick: async () => {
          try {
            for (const n of unread) await api.post(`/api/notifications/${n.id}/read`);
            announce('已全部标为已读');
            refreshBell();
            await load();
          } catch (err) {
            showApiError(err);
          }
        },
      }, '全部标为已读');
      render(
        content,
        el('p', { class: 'actions' }, el('span', {}, `共 ${items.length} 条，未读 ${unread.length} 条`), markAll),
        items.length === 0
          ? el('p', { class: 'card muted' }, '暂无消息。')
          : el('ul', { class: 'notice-list card', id: 'notification-list', style: null }, items.map((n) => noticeItem(n, load))),
      );
    } catch (err) {
      render(content);
      showApiError(err);
    } finally {
      content.removeAttribute('aria-busy');
    }
  };
  await load();
}

start();
