// Schools and their seats, for the education bureau, the supervision office, leaders and administrators; an
// administrator loads the bureau's spreadsheets here (XLSX or CSV: schools, seats, catchments, distances, or a whole
// workbook) with upload progress, and a refused file is reported row by row: the sheet, the row as the spreadsheet
// shows it, the column by its Chinese header, and what is wrong. A refused file loads nothing.
import { api, el, render, $, initPage, showApiError, showFieldErrors, clearErrors, announce, errorText, uploadFile, ApiError } from '../common.js';
import { field } from '../forms.js';

const KINDS = [['workbook', '整本工作簿（学校、学位、划片、距离，仅限.xlsx）'], ['schools', '学校名单'], ['seats', '学位（招生计划）'], ['catchments', '划片'], ['distances', '学校间距离']];
const STAGES = { kindergarten: '幼儿园', primary_1: '小学一年级', junior_7: '初中一年级', transfer: '插班' };
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const MAX_BYTES = 10 * 1024 * 1024;

/** The media type to send a spreadsheet as, from its name; undefined for anything else. */
function sheetType(file) {
  const ext = (file.name.split('.').pop() || '').toLowerCase();
  return { xlsx: XLSX, csv: 'text/csv' }[ext];
}

async function start() {
  const user = await initPage({ roles: ['officer', 'supervisor', 'leader', 'admin'] });
  if (!user) return;
  const content = $('#content');
  content.removeAttribute('aria-busy');
  if (user.role === 'officer' && user.departmentCode !== 'education') {
    render(content, el('div', { class: 'alert warn', role: 'alert' }, el('h2', {}, '无权查看'), el('p', {}, '学校与学位由教育局管理，本部门无权查看。')));
    return;
  }
  const q = new URLSearchParams(location.search);
  const district = field({ name: 'district', label: '区县代码', value: q.get('district') || '', hint: '如 demo；不填为全部' });
  const year = field({ name: 'year', label: '年度', type: 'number', value: q.get('year') || '', attrs: { min: '2000', max: '2100' } });
  const filters = el('form', { class: 'card filters', role: 'search', 'aria-label': '筛选学校', novalidate: true }, district, year, el('div', { class: 'actions' }, el('button', { type: 'submit' }, '查看')));
  const list = el('section', { class: 'card', id: 'school-list', 'aria-labelledby': 'list-heading' }, el('h2', { id: 'list-heading' }, '学校'), el('p', { class: 'loading' }, '正在加载…'));

  let importForm = null;
  if (user.role === 'admin') {
    const summary = el('div', { class: 'alert error', role: 'alert', tabindex: '-1', hidden: true });
    const progress = el('div', { id: 'import-progress', 'aria-live': 'polite' });
    const report = el('div', { id: 'import-report' });
    const chosen = el('span', { class: 'chosen-file', id: 'chosen-file' }, '未选择文件');
    importForm = el(
      'form',
      { class: 'card', id: 'import-form', novalidate: true, 'aria-labelledby': 'import-heading' },
      el('h2', { id: 'import-heading' }, '导入学校和学位'),
      el('p', { class: 'muted' }, '上传教育局的Excel（.xlsx）或CSV文件。文件中任何一行有误，整份文件都不导入，并逐行列出问题。'),
      summary,
      field({ name: 'kind', label: '文件内容', options: KINDS, value: 'workbook' }),
      el(
        'div',
        { class: 'field', dataset: { field: 'file' } },
        el('label', { for: 'school-file' }, '选择文件', el('span', { class: 'required-mark', 'aria-hidden': 'true' }, '*')),
        el('span', { class: 'hint', id: 'school-file-hint' }, 'Excel（.xlsx）或CSV（.csv），不超过10MB'),
        // The browser's own "choose file" button speaks the browser's language; this one says it in Chinese.
        el('div', { class: 'upload' }, el('input', { type: 'file', id: 'school-file', name: 'file', class: 'visually-hidden', accept: '.xlsx,.csv,text/csv', 'aria-describedby': 'school-file-hint' }), el('label', { for: 'school-file', class: 'button secondary file-button', 'aria-hidden': 'true' }, '选择文件'), chosen),
        el('p', { class: 'field-error' }),
      ),
      el('div', { class: 'actions stack' }, el('button', { type: 'submit' }, '上传并导入')),
      progress,
      report,
    );
    importForm.file.addEventListener('change', () => {
      chosen.textContent = importForm.file.files[0] ? importForm.file.files[0].name : '未选择文件';
    });
    importForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      const file = importForm.file.files[0];
      const kind = importForm.kind.value;
      const problems = [];
      if (!file) problems.push({ field: 'file', message: '请选择要导入的文件' });
      else if (!sheetType(file)) problems.push({ field: 'file', message: `“${file.name}”不是Excel（.xlsx）或CSV文件` });
      else if (file.size === 0) problems.push({ field: 'file', message: `“${file.name}”是空文件` });
      else if (file.size > MAX_BYTES) problems.push({ field: 'file', message: `“${file.name}”超过10MB` });
      else if (kind === 'workbook' && sheetType(file) !== XLSX) problems.push({ field: 'file', message: '整本工作簿只能是Excel（.xlsx）文件；CSV文件请选择对应的文件内容分别上传' });
      if (problems.length) {
        showFieldErrors(importForm, summary, problems);
        return;
      }
      clearErrors(importForm, summary);
      render(report);
      const bar = el('progress', { max: '100', value: '0', 'aria-label': `${file.name} 上传进度` });
      const status = el('span', { class: 'status' }, '正在上传 0%');
      render(progress, el('p', {}, file.name, ' ', bar, ' ', status));
      const buttons = [...importForm.querySelectorAll('button')];
      buttons.forEach((b) => (b.disabled = true));
      try {
        const r = await uploadFile(`/api/school-data/${kind}/imports?fileName=${encodeURIComponent(file.name)}`, file, sheetType(file), (f) => {
          const n = Math.round(f * 100);
          bar.value = n;
          // The bytes are all sent before the server has read and checked every row.
          status.textContent = n < 100 ? `正在上传 ${n}%` : '已上传，正在逐行核对…';
        });
        bar.value = 100;
        status.textContent = '导入完成';
        const loaded = Object.entries(r.rowsLoaded || {}).filter(([, n]) => n > 0).map(([k, n]) => `${(KINDS.find(([x]) => x === k) || [k, k])[1]} ${n} 行`).join('，');
        render(report, el('div', { class: 'alert ok', id: 'import-result' }, `已导入“${r.fileName}”：${loaded || '0 行'}`));
        announce('导入完成');
        importForm.file.value = '';
        chosen.textContent = '未选择文件';
        await load();
      } catch (err) {
        status.textContent = '未导入';
        if (err instanceof ApiError && err.fields.length) {
          render(
            report,
            el('div', { class: 'alert error', id: 'import-result', role: 'alert' },
              el('p', {}, errorText(err)),
              el('table', { id: 'import-problems' },
                el('caption', {}, '逐行问题'),
                el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, '位置'), el('th', { scope: 'col' }, '问题'))),
                el('tbody', {}, err.fields.map((f) => el('tr', {}, el('td', { class: 'nowrap' }, f.field.replace(/\.row (\d+)\./, ' 第$1行 ').replace(/\.file$/, '').replace(/^body$/, '文件')), el('td', {}, f.message)))))),
          );
        } else render(report, el('div', { class: 'alert error', id: 'import-result', role: 'alert' }, errorText(err)));
      } finally {
        buttons.forEach((b) => (b.disabled = false));
      }
    });
  }

  render(content, el('p', { class: 'lead' }, '各学校的学段、办学性质和每年的招生学位，统筹安排按此计算。'), filters, importForm, list);

  async function load() {
    const p = new URLSearchParams();
    const d = filters.district.value.trim();
    const y = filters.year.value.trim();
    if (d) p.set('district', d);
    if (y) p.set('year', y);
    history.replaceState(null, '', `${location.pathname}${p.toString() ? `?${p}` : ''}`);
    try {
      const { items } = await api.get(`/api/schools?${p}`);
      render(
        list,
        el('h2', { id: 'list-heading' }, `学校（${items.length} 所）`),
        items.length === 0
          ? el('p', { class: 'muted' }, '没有学校。')
          : el('div', { class: 'table-wrap' }, el('table', { class: 'responsive', id: 'schools-table' },
            el('thead', {}, el('tr', {}, ['学校', '区县', '性质', '学段', '招生学位'].map((h) => el('th', { scope: 'col' }, h)))),
            el('tbody', {}, items.map((s) => el('tr', { dataset: { schoolId: s.id } },
              el('td', { 'data-label': '学校' }, s.nameZh, el('div', { class: 'small muted' }, s.id)),
              el('td', { 'data-label': '区县' }, s.district),
              el('td', { 'data-label': '性质' }, s.kind === 'public' ? '公办' : '民办'),
              el('td', { 'data-label': '学段' }, s.stages.map((x) => STAGES[x] || x).join('、') || '—'),
              el('td', { 'data-label': '招生学位' }, s.seats.length ? el('ul', { class: 'small' }, s.seats.map((x) => el('li', {}, `${x.year}年${STAGES[x.stage] || x.stage}：${x.seats} 个${x.purchasableSeats ? `（政府购买 ${x.purchasableSeats} 个，${x.seatPrice ?? '—'} 元/生·年）` : ''}`))) : '—'),
            ))))),
      );
    } catch (err) {
      if (err.status === 400 && err.fields.length) showFieldErrors(filters, null, err.fields.map((f) => ({ ...f, field: f.field.replace(/^query\./, '') })));
      else showApiError(err);
    }
  }
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    const problems = [];
    const d = filters.district.value.trim();
    const y = filters.year.value.trim();
    if (d && !/^[a-z0-9_]{1,32}$/.test(d)) problems.push({ field: 'district', message: '区县代码为小写字母、数字或下划线' });
    if (y && !/^\d{4}$/.test(y)) problems.push({ field: 'year', message: '年度应为四位数字' });
    if (problems.length) {
      showFieldErrors(filters, null, problems);
      return;
    }
    clearErrors(filters);
    void load();
  });
  await load();
}

void start();
