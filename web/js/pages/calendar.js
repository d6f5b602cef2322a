// The working-day calendar: a year's days off and make-up workdays with its status (official / provisional), and
// loading the official one from the State Council notice. Loading moves every open deadline the changed dates touch.
import { api, el, render, $, initPage, showApiError, showFieldErrors, clearErrors, busy, announce, fmtDateTime, newKey } from '../common.js';
import { field, choices } from '../forms.js';

const DAY = 86400000;
const toMs = (d) => Date.parse(`${d}T00:00:00Z`);
const fromMs = (ms) => new Date(ms).toISOString().slice(0, 10);
const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六'];
const weekday = (d) => `周${WEEKDAYS[new Date(toMs(d)).getUTCDay()]}`;

/** Consecutive dates with the same name as ranges: [{ from, to, name, days }]. */
function ranges(days) {
  const out = [];
  for (const d of [...days].sort((a, b) => a.date.localeCompare(b.date))) {
    const last = out[out.length - 1];
    if (last && last.name === d.name && toMs(d.date) - toMs(last.to) === DAY) {
      last.to = d.date;
      last.days++;
    } else out.push({ from: d.date, to: d.date, name: d.name, days: 1 });
  }
  return out;
}

const rangeText = (r) => (r.days === 1 ? `${r.from}（${weekday(r.from)}）${r.name}` : `${r.from} 至 ${r.to} ${r.name}（${r.days} 天）`);

/** One line per date or range: "2027-10-01 国庆节" or "2027-10-01~2027-10-07 国庆节". */
export function parseDays(text, year, label) {
  const days = [];
  const problems = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const m = /^(\d{4}-\d{2}-\d{2})(?:\s*(?:~|～|至|-{1,2}|—)\s*(\d{4}-\d{2}-\d{2}))?\s+(.+)$/.exec(line);
    if (!m) {
      problems.push(`${label}第${i + 1}行格式应为“2027-10-01 国庆节”或“2027-10-01~2027-10-07 国庆节”`);
      return;
    }
    const [, from, to = m[1], name] = m;
    const a = toMs(from);
    const b = toMs(to);
    if (Number.isNaN(a) || Number.isNaN(b) || fromMs(a) !== from || fromMs(b) !== to) {
      problems.push(`${label}第${i + 1}行的日期不是真实日期`);
      return;
    }
    if (b < a || (b - a) / DAY > 30) {
      problems.push(`${label}第${i + 1}行的日期范围不正确`);
      return;
    }
    for (let t = a; t <= b; t += DAY) {
      const date = fromMs(t);
      if (Number(date.slice(0, 4)) !== year) {
        problems.push(`${label}第${i + 1}行：${date} 不在 ${year} 年`);
        return;
      }
      days.push({ date, name: name.trim().slice(0, 50) });
    }
  });
  const seen = new Set();
  for (const d of days) {
    if (seen.has(d.date)) problems.push(`${label}中 ${d.date} 重复`);
    seen.add(d.date);
  }
  return { days, problems };
}

const toLines = (days) => ranges(days).map((r) => (r.days === 1 ? `${r.from} ${r.name}` : `${r.from}~${r.to} ${r.name}`)).join('\n');

async function start() {
  const user = await initPage({ roles: ['admin', 'supervisor', 'leader'] });
  if (!user) return;
  const content = $('#content');
  content.removeAttribute('aria-busy');
  const thisYear = Number(new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 4));
  const initial = Number(new URLSearchParams(location.search).get('year')) || thisYear;
  const yearField = field({ name: 'year', label: '年份', type: 'number', value: String(initial), attrs: { min: '2000', max: '2100', inputmode: 'numeric' } });
  const picker = el('form', { class: 'card filters', id: 'year-picker', 'aria-label': '选择年份' }, yearField, el('div', { class: 'field' }, el('button', { type: 'submit' }, '查看')));
  const view = el('section', { class: 'card', id: 'calendar-view', 'aria-labelledby': 'calendar-heading' });
  const loader = el('section', { class: 'card', id: 'calendar-load', 'aria-labelledby': 'load-heading' });
  render(content, el('p', { class: 'lead' }, '办理期限按法定工作日计算：周末和法定节假日休息，调休上班日计为工作日。国务院办公厅公布次年安排后，请在此载入正式安排。'), picker, el('div', { class: 'grid-2' }, view, user.role === 'admin' ? loader : null));

  const show = async (year) => {
    history.replaceState(null, '', `${location.pathname}?year=${year}`);
    view.setAttribute('aria-busy', 'true');
    let c;
    try {
      c = await api.get(`/api/calendar/${year}`);
    } catch (err) {
      render(view);
      showApiError(err);
      return;
    } finally {
      view.setAttribute('aria-busy', 'false');
    }
    const s = c.stored;
    // The stored year is read fresh; the service's own calendar follows it within a second.
    const official = (s ? s.status : c.status) === 'official';
    render(
      view,
      el('h2', { id: 'calendar-heading' }, `${year} 年工作日安排`),
      el('p', {}, el('span', { class: `badge tone-${official ? 'ok' : 'warn'}`, id: 'calendar-status' }, official ? '正式安排' : '暂行安排（待国务院办公厅通知）')),
      s
        ? el(
          'dl',
          { class: 'facts' },
          el('dt', {}, '来源'), el('dd', {}, s.source === 'administrator' ? '管理员载入' : `内置日历数据（${s.source}）`),
          s.notice ? [el('dt', {}, '依据'), el('dd', {}, s.notice)] : null,
          el('dt', {}, '载入时间'), el('dd', {}, fmtDateTime(s.loadedAt)),
        )
        : el('p', { class: 'alert warn' }, '尚未载入该年的安排：期限暂按周末休息、法定节假日按往年规律推算。期限落在该年的事项标注“暂按预排日历”，载入正式安排后自动重新计算。'),
      s ? [
        el('h3', {}, `放假日（${s.offDays.length} 天）`),
        s.offDays.length ? el('ul', { class: 'day-list', id: 'off-days' }, ranges(s.offDays).map((r) => el('li', {}, rangeText(r)))) : el('p', { class: 'muted' }, '无'),
        el('h3', {}, `调休上班日（${s.workDays.length} 天）`),
        s.workDays.length ? el('ul', { class: 'day-list', id: 'work-days' }, ranges(s.workDays).map((r) => el('li', {}, rangeText(r)))) : el('p', { class: 'muted' }, '无'),
      ] : null,
    );
    if (user.role === 'admin') renderLoader(year, s, show);
  };

  const renderLoader = (year, stored, refresh) => {
    const summary = el('div', { class: 'alert error', role: 'alert', tabindex: '-1', hidden: true });
    const key = newKey();
    // Shown only when the server doubts the notice (a statutory holiday missing, a day listed for nothing).
    const unusual = choices({ name: 'confirmUnusual', label: '通知与常规不同', type: 'checkbox', options: [['yes', '已核对通知原文：通知确实如此（例如法定节假日另有安排），仍按以上日期载入。']] });
    unusual.hidden = true;
    const form = el(
      'form',
      { id: 'load-form', novalidate: true },
      summary,
      field({ name: 'notice', label: '通知名称与文号', required: true, hint: `如：国务院办公厅关于${year}年部分节假日安排的通知（国办发明电〔${year - 1}〕×号）`, attrs: { maxlength: '500' } }),
      field({ name: 'offDays', label: '放假日', type: 'textarea', hint: `每行一个日期或日期范围及节日名称，如：${year}-10-01~${year}-10-07 国庆节。周末放假的日子也要列入假期范围。`, attrs: { rows: '10', spellcheck: 'false' } }),
      field({ name: 'workDays', label: '调休上班日', type: 'textarea', hint: `每行一个日期及对应节日，如：${year}-09-27 国庆节`, attrs: { rows: '5', spellcheck: 'false' } }),
      choices({ name: 'confirm', label: '确认', type: 'checkbox', required: true, options: [['yes', '我已核对以上日期与通知一致。载入后，所有受影响的在办事项将按新安排重新计算期限。']] }),
      unusual,
      el('div', { class: 'actions' }, el('button', { type: 'submit' }, `载入 ${year} 年正式安排`), stored ? el('button', { type: 'button', class: 'secondary', id: 'prefill', onclick: () => {
        form.offDays.value = toLines(stored.offDays);
        form.workDays.value = toLines(stored.workDays);
      } }, '填入当前安排') : null),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const notice = form.notice.value.trim();
      const off = parseDays(form.offDays.value, year, '放假日');
      const work = parseDays(form.workDays.value, year, '调休上班日');
      const problems = [];
      if (!notice) problems.push({ field: 'notice', message: '请填写通知名称与文号' });
      for (const p of off.problems) problems.push({ field: 'offDays', message: p });
      for (const p of work.problems) problems.push({ field: 'workDays', message: p });
      const offDates = new Set(off.days.map((d) => d.date));
      for (const d of work.days) if (offDates.has(d.date)) problems.push({ field: 'workDays', message: `${d.date} 不能既是放假日又是调休上班日` });
      if (off.days.length === 0 && !off.problems.length) problems.push({ field: 'offDays', message: '请填写放假日' });
      if (!form.querySelector('[name="confirm"]').checked) problems.push({ field: 'confirm', message: '请确认日期已核对' });
      if (problems.length) {
        showFieldErrors(form, summary, problems);
        return;
      }
      clearErrors(form, summary);
      await busy(form, async () => {
        try {
          const confirmUnusual = !unusual.hidden && form.querySelector('[name="confirmUnusual"]').checked;
          const r = await api.put(`/api/calendar/${year}`, { notice, offDays: off.days, workDays: work.days, confirmUnusual }, { idempotencyKey: key });
          if (!r.finished) {
            announce(`已开始载入 ${year} 年正式安排：在办事项较多，期限正在后台逐一重新计算，完成后本页显示为“正式安排”，受影响事项的办理时间线会记录期限调整。`);
          } else {
            const supplements = r.supplementsSignalled ? `，${r.supplementsSignalled} 份待补正申请的补正期限一并重新计算` : '';
            announce(r.changed
              ? `已载入 ${year} 年正式安排：${r.movedDates.length} 个日期的工作日状态有变化，已通知 ${r.stepsSignalled} 个在办事项重新计算期限${supplements}。`
              : `已载入 ${year} 年正式安排；工作日与原安排相同，已再次核对 ${r.stepsSignalled} 个在办事项的期限${supplements}。`);
          }
          await refresh(year);
        } catch (err) {
          if (err.code === 'calendar_notice_unusual') unusual.hidden = false;
          showApiError(err, { form, summary });
        }
      });
    });
    render(loader, el('h2', { id: 'load-heading' }, `载入 ${year} 年正式安排`), form);
  };

  picker.addEventListener('submit', (e) => {
    e.preventDefault();
    const y = Number(picker.year.value);
    if (!Number.isInteger(y) || y < 2000 || y > 2100) {
      showFieldErrors(picker, null, [{ field: 'year', message: '年份应在2000至2100之间' }]);
      return;
    }
    clearErrors(picker);
    show(y);
  });
  await show(initial);
}

start();
