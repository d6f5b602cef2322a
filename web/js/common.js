// The one shared module of the pages: the API client (token in localStorage), the page layout (header, navigation,
// notification bell, role guard), formatting (dates in Asia/Shanghai, lights, working days) and error display that
// names the field. Everything a page shows is put into the DOM as text (el() never parses HTML), so nothing typed
// by anyone can run as script on another person's page.

const TOKEN_KEY = 'enrollment.token';
const USER_KEY = 'enrollment.user';

// ---------------------------------------------------------------------------------------------------------------
// Vocabulary shown to people
// ---------------------------------------------------------------------------------------------------------------

export const ROLE_NAMES = {
  applicant: '家长',
  officer: '部门经办人',
  school: '学校',
  supervisor: '督查室',
  leader: '领导小组',
  admin: '系统管理员',
};

export const LIGHT_NAMES = {
  green: '绿灯（已办结）',
  blue: '蓝灯（待审核）',
  red: '红灯（逾期或退回重办）',
  yellow: '黄灯（即将到期）',
  white: '白灯（正常办理）',
  grey: '灰灯（暂停或已终止）',
};

export const STEP_STATE_NAMES = {
  open: '待签收',
  signed: '办理中',
  awaiting_review: '待审核',
  sent_back: '退回重办',
  done: '已办结',
  accepted: '审核通过',
  returned: '已退件',
  cancelled: '已撤销',
};
export const WORKING_STATES = ['open', 'signed', 'sent_back'];

export const DEPARTMENT_NAMES = {
  education: '教育局',
  police: '公安局',
  hrss: '人力资源和社会保障局',
  housing: '住房和城乡建设局',
  natural_resources: '自然资源局',
  market: '市场监督管理局',
  finance: '财政局',
  development_reform: '发展和改革委员会',
  civil_affairs: '民政局',
  health: '卫生健康委员会',
  federation_trade_unions: '总工会',
  supervision_office: '政府督查室',
};
export const departmentName = (code) => (code ? DEPARTMENT_NAMES[code] || code : '');

/** What the audit trail's step actions are called. */
export const STEP_ACTION_NAMES = {
  assigned: '分派', sign: '签收', completed: '办结', return: '退回', request_extension: '申请延期', decide_extension: '延期审批',
  urge: '催办', reply_urge: '回复催办', reassign: '改派', comment: '评论', change_deadline: '调整期限', review: '审核',
  pause: '暂停计时', resume: '恢复计时', reminder_sent: '到期提醒', overdue: '逾期', escalated: '升级督办',
  deadline_changed: '期限变更', cancelled: '撤销',
};

/**
 * One entry of a timeline that merges a record's own audit trail with its steps' (an item, a problem): the record's
 * acts by its own names, a step's acts as step acts after `stepLabel`, so a step's 分派 never reads as the record's 交办.
 */
export function mergedTimelineText(t, stepIds, ownNames, stepLabel) {
  return stepIds.has(t.stream) ? `${stepLabel}${STEP_ACTION_NAMES[t.action] || t.action}` : ownNames[t.action] || t.action;
}

export const ESCALATION_NAMES = { 1: '部门负责人', 2: '督查室', 3: '领导小组' };

/** Where each role starts. */
export function landingFor(role) {
  return { applicant: '/my-applications', officer: '/inbox', supervisor: '/overdue', leader: '/overdue', admin: '/calendar', school: '/school' }[role] || '/';
}

/** Each role's pages, in the header. The education bureau's officers also run enrollment (pool, rounds, schools). */
const NAV = {
  applicant: [['/my-applications', '我的申请'], ['/apply', '提交入学申请']],
  officer: [['/inbox', '部门待办'], ['/problems', '问题台账']],
  supervisor: [['/board', '挂图作战'], ['/overdue', '逾期与督办'], ['/problems', '问题台账'], ['/reports', '工作报告'], ['/allocation', '入学统筹'], ['/inbox', '各部门待办']],
  leader: [['/board', '挂图作战'], ['/overdue', '逾期与督办'], ['/problems', '问题台账'], ['/reports', '工作报告'], ['/allocation', '入学统筹'], ['/inbox', '各部门待办']],
  admin: [['/users', '用户与部门'], ['/policies', '入学条件与积分'], ['/schools', '学校与学位'], ['/calendar', '工作日日历'], ['/board', '挂图作战'], ['/reports', '工作报告'], ['/inbox', '各部门待办']],
  school: [['/school', '报到登记']],
};
const EDUCATION_NAV = [['/inbox', '部门待办'], ['/allocation', '入学统筹'], ['/schools', '学校与学位'], ['/problems', '问题台账']];

/** The navigation of a user: their role's pages (the education bureau's officers have more). */
export function navFor(user) {
  if (user.role === 'officer' && user.departmentCode === 'education') return EDUCATION_NAV;
  return NAV[user.role] || [];
}

// ---------------------------------------------------------------------------------------------------------------
// DOM
// ---------------------------------------------------------------------------------------------------------------

/**
 * el('a', { href: '/x', class: 'button' }, '文字', otherNode): attributes are set as attributes (or as properties for
 * on* handlers and a few form properties); children are nodes or text, never HTML. null / false children are skipped.
 */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'value' || key === 'checked' || key === 'selected') node[key] = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof window.Node ? child : String(child));
  }
}

/** Replace a node's content. */
export function render(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

// ---------------------------------------------------------------------------------------------------------------
// Session and API client
// ---------------------------------------------------------------------------------------------------------------

export function getToken() {
  return localStorage.getItem(TOKEN_KEY);
}

export function saveSession(token, user) {
  localStorage.setItem(TOKEN_KEY, token);
  localStorage.setItem(USER_KEY, JSON.stringify(user));
}

export function clearSession() {
  localStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(USER_KEY);
}

/** An error answer of the API: { error: { code, message, fields? } }, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = e.code || (status === 0 ? 'network' : 'error');
    this.fields = Array.isArray(e.fields) ? e.fields : [];
  }
}

function parseJson(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

function loginUrl() {
  return `/?next=${encodeURIComponent(location.pathname + location.search)}`;
}

/** A key for acts the API deduplicates (Idempotency-Key), so a double click or a retry acts once. */
export function newKey() {
  return window.crypto && window.crypto.randomUUID ? window.crypto.randomUUID() : `k-${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

async function request(method, path, body, opts = {}) {
  const token = getToken();
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.idempotencyKey) headers['idempotency-key'] = opts.idempotencyKey;
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, { error: { code: 'network', message: '网络连接失败，请检查网络后重试' } });
  }
  const data = parseJson(await res.text());
  if (res.status === 401 && token && !path.startsWith('/api/auth/')) {
    // The login has expired or was ended elsewhere: log in again and come back here.
    clearSession();
    location.assign(loginUrl());
    throw new ApiError(401, data);
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

export const api = {
  get: (path) => request('GET', path),
  post: (path, body = {}, opts) => request('POST', path, body, opts),
  put: (path, body = {}, opts) => request('PUT', path, body, opts),
  /** Fetch a file the API serves behind the login (a material) as a Blob. */
  async blob(path) {
    const res = await fetch(path, { headers: { authorization: `Bearer ${getToken()}` } });
    if (!res.ok) throw new ApiError(res.status, parseJson(await res.text()));
    return res.blob();
  },
};

export const MATERIAL_TYPES = { 'application/pdf': 'PDF', 'image/jpeg': 'JPG', 'image/png': 'PNG' };
export const MAX_MATERIAL_BYTES = 10 * 1024 * 1024;

/** The media type to upload a file as, from its declared type or its name; undefined when not accepted. */
export function materialType(file) {
  if (MATERIAL_TYPES[file.type]) return file.type;
  const ext = (file.name.split('.').pop() || '').toLowerCase();
  return { pdf: 'application/pdf', jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png' }[ext];
}

/** A problem with a file before uploading it, in Chinese; null when it may be uploaded. */
export function checkMaterialFile(file) {
  if (!materialType(file)) return `“${file.name}”不是PDF、JPG或PNG格式的文件，请重新选择`;
  if (file.size === 0) return `“${file.name}”是空文件，请重新选择`;
  if (file.size > MAX_MATERIAL_BYTES) return `“${file.name}”超过10MB，请压缩后重新上传`;
  return null;
}

/**
 * Send a file as the raw body of a POST to `url` with `contentType`, reporting progress: onProgress(fraction 0..1).
 * Resolves with the JSON answer; rejects with an ApiError (whose fields name the problems). fetch cannot report
 * upload progress, XMLHttpRequest can.
 */
export function uploadFile(url, file, contentType, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('authorization', `Bearer ${getToken()}`);
    xhr.setRequestHeader('content-type', contentType);
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener('load', () => {
      const data = parseJson(xhr.responseText);
      if (xhr.status === 401) {
        clearSession();
        location.assign(loginUrl());
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        if (onProgress) onProgress(1);
        resolve(data);
      } else reject(new ApiError(xhr.status, data));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, { error: { code: 'network', message: '网络连接失败，上传未完成，请重试' } })));
    xhr.send(file);
  });
}

/** Upload a parent's material (POST /api/materials, the raw bytes) with progress; resolves with { fileId, size, mediaType }. */
export function uploadMaterial(file, onProgress) {
  return uploadFile('/api/materials', file, materialType(file), onProgress);
}

// ---------------------------------------------------------------------------------------------------------------
// Formatting: Asia/Shanghai is UTC+8 all year (no daylight saving), so the arithmetic is exact and needs no tz data.
// ---------------------------------------------------------------------------------------------------------------

const pad = (n) => String(n).padStart(2, '0');

function shanghai(iso) {
  const ms = typeof iso === 'number' ? iso : Date.parse(iso);
  if (Number.isNaN(ms)) return null;
  return new Date(ms + 8 * 3600 * 1000);
}

/** 2026-10-09 14:05 (Asia/Shanghai). */
export function fmtDateTime(iso) {
  const t = shanghai(iso);
  if (!t) return '—';
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}`;
}

/** 2026-10-09 (Asia/Shanghai). */
export function fmtDate(iso) {
  const t = shanghai(iso);
  if (!t) return '—';
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** A deadline is the end of its last day: midnight is shown as 24:00 of the day before, as the notices say it. */
export function fmtDeadline(iso) {
  const t = shanghai(iso);
  if (!t) return '—';
  if (t.getUTCHours() === 0 && t.getUTCMinutes() === 0) {
    const prev = new Date(t.getTime() - 86400000);
    return `${prev.getUTCFullYear()}-${pad(prev.getUTCMonth() + 1)}-${pad(prev.getUTCDate())} 24:00`;
  }
  return fmtDateTime(iso);
}

/** Today in Asia/Shanghai, 'YYYY-MM-DD'. */
export function todayShanghai() {
  return fmtDate(Date.now());
}

/** "剩余 2 个工作日" / "今天到期" / "已逾期 3 个工作日", as an element coloured by urgency. */
export function workingDaysBadge(n, { paused = false } = {}) {
  if (paused) return el('span', { class: 'days-left muted' }, '暂停计时');
  if (n === null || n === undefined) return el('span', { class: 'days-left muted' }, '—');
  if (n > 0) return el('span', { class: 'days-left' }, `剩余 ${n} 个工作日`);
  if (n === 0) return el('span', { class: 'days-left today' }, '今天到期');
  return el('span', { class: 'days-left overdue' }, `已逾期 ${-n} 个工作日`);
}

/** A light as a coloured badge that also says it in words (colour is never the only signal). */
export function lightBadge(light) {
  return el('span', { class: `badge light-${light}`, title: '状态灯' }, el('span', { class: 'dot', 'aria-hidden': 'true' }), LIGHT_NAMES[light] || light);
}

export function stepStateBadge(state) {
  const tone = { open: 'info', signed: 'info', awaiting_review: 'info', sent_back: 'bad', done: 'ok', accepted: 'ok', returned: 'grey', cancelled: 'grey' }[state] || 'grey';
  return el('span', { class: `badge tone-${tone}` }, STEP_STATE_NAMES[state] || state);
}

const APPLICATION_TONES = {
  pre_review: 'info', awaiting_supplement: 'warn', verifying: 'info', assessing: 'info', in_pool: 'info',
  placed: 'ok', enrolled: 'ok', no_show: 'bad', rejected: 'bad', lapsed: 'bad', withdrawn: 'grey',
};
export const FINAL_APPLICATION_STATES = ['enrolled', 'no_show', 'rejected', 'lapsed', 'withdrawn'];

export function applicationStateBadge(state, stateZh) {
  return el('span', { class: `badge tone-${APPLICATION_TONES[state] || 'info'}` }, stateZh || state);
}

// ---------------------------------------------------------------------------------------------------------------
// Errors: in Chinese, naming the field
// ---------------------------------------------------------------------------------------------------------------

const hasChinese = (s) => /[\u4e00-\u9fff]/.test(s || '');

/** The Chinese part of a bilingual server message "中文 (english)", or null when it has none. */
function chinesePart(message) {
  if (!hasChinese(message)) return null;
  const cut = message.indexOf(' (');
  return cut > 0 && hasChinese(message.slice(0, cut)) ? message.slice(0, cut) : message;
}

/** The step workflow's refusals are in English; people read them in Chinese. */
const REFUSALS = [
  [/is paused; resume it before completing/, '事项已暂停计时，请先恢复计时再办结'],
  [/cannot \w+ a step that is \w+ \((.+)\)/, (m) => `事项当前为“${m[1]}”，不能办理此操作`],
  [/extension request is already waiting/, '已有延期申请等待审批'],
  [/no extension request to decide/, '没有待审批的延期申请'],
  [/only a step that is due soon or overdue can be urged/, '只有即将到期、已逾期或退回重办的事项可以催办'],
  [/has already been answered/, '该催办通知已经回复'],
  [/does not belong to this step/, '该催办通知不属于本事项'],
  [/already with that department/, '该事项已由该部门承办'],
  [/step is already paused/, '事项已暂停计时'],
  [/step is not paused/, '事项未暂停计时'],
  [/only officers of/, '只有承办部门的经办人可以办理此事项'],
  [/only the supervision office/, '只有督查室可以办理此操作'],
  [/only the education bureau/, '只有教育局可以要求补正材料'],
  [/can be asked for only during pre-review/, '只有在预审阶段才能要求补正材料'],
  [/belongs to another department/, '该事项属于其他部门'],
  [/working days from 1 to/, '工作日数应为1至250的整数'],
];

/** A sentence in Chinese for an ApiError (or any error) that is not about one field. */
export function errorText(err) {
  if (!(err instanceof ApiError)) return `出现错误：${err && err.message ? err.message : err}`;
  const zh = chinesePart(err.message);
  for (const [pattern, text] of REFUSALS) {
    const m = pattern.exec(err.message);
    if (m) return typeof text === 'function' ? text(m) : text;
  }
  switch (err.status) {
    case 0: return zh || '网络连接失败，请检查网络后重试';
    case 400: return zh || '填写的内容有误，请检查后重试';
    case 401: return zh || '登录已过期，请重新登录';
    case 403: return '无权进行此操作';
    case 404: return '未找到要办理的内容，可能已被删除，或您无权查看';
    case 409: return zh ? `不能办理：${zh}` : '当前状态下不能办理此操作，请刷新页面查看最新状态';
    case 413: return zh || '文件过大，不能超过10MB';
    case 415: return zh || '只能上传PDF、JPG或PNG格式的文件';
    case 422: return zh || '填写的内容不符合要求，请检查后重试';
    case 429: return zh || '操作过于频繁，请稍后再试';
    case 503: return zh || '服务暂时不可用，请稍后重试';
    default: return zh || '系统出错，请稍后重试';
  }
}

/** The message of a field problem in Chinese, prefixed with the field's label when the API's message is not Chinese. */
function fieldText(label, message) {
  if (hasChinese(message)) return message;
  if (/required/.test(message)) return `请填写${label || '此项'}`;
  return `${label || '此项'}填写有误（${message}）`;
}

/** The element that shows a field's errors: [data-field="child.idNumber"], trying parents and ".type" children. */
function fieldBox(form, path) {
  if (!form) return null;
  const parts = path.split('.');
  const candidates = [path, `${path}.type`];
  for (let i = parts.length - 1; i > 0; i--) candidates.push(parts.slice(0, i).join('.'));
  for (const c of candidates) {
    const box = form.querySelector(`[data-field="${window.CSS.escape(c)}"]`);
    if (box) return box;
  }
  return null;
}

function boxLabel(box) {
  const label = box && box.querySelector('label, legend, .label');
  return label ? label.textContent.replace(/[*＊]/g, '').replace(/（.*?）/g, '').trim() : '';
}

/** Remove every field error and the summary of a form. */
export function clearErrors(form, summary) {
  for (const box of $$('[data-field].invalid', form)) box.classList.remove('invalid');
  for (const p of $$('.field-error', form)) p.textContent = '';
  for (const input of $$('[aria-invalid]', form)) input.removeAttribute('aria-invalid');
  if (summary) {
    summary.replaceChildren();
    summary.hidden = true;
  }
}

/**
 * Show field problems [{ field: 'child.idNumber' | 'body.child.idNumber', message }] next to their fields, and a
 * summary naming each field in the alert region; focus the first bad field. Problems with no field on the form
 * appear in the summary only.
 */
export function showFieldErrors(form, summary, problems, heading = '请修改以下内容后再提交：') {
  clearErrors(form, summary);
  const items = [];
  let first = null;
  for (const p of problems) {
    const path = p.field.replace(/^body\./, '');
    const box = fieldBox(form, path);
    const label = boxLabel(box);
    const text = fieldText(label, p.message);
    if (box) {
      box.classList.add('invalid');
      let err = box.querySelector(':scope > .field-error');
      if (!err) {
        err = el('p', { class: 'field-error', id: `err-${path.replace(/[^\w-]/g, '-')}` });
        box.append(err);
      }
      err.textContent = err.textContent ? `${err.textContent}；${text}` : text;
      const input = box.querySelector('input:not([type="hidden"]), select, textarea');
      for (const i of $$('input:not([type="hidden"]), select, textarea', box)) {
        i.setAttribute('aria-invalid', 'true');
        const described = new Set((i.getAttribute('aria-describedby') || '').split(' ').filter(Boolean));
        described.add(err.id);
        i.setAttribute('aria-describedby', [...described].join(' '));
      }
      if (!first && input) first = input;
      const target = input && input.id ? `#${input.id}` : null;
      items.push(el('li', {}, target ? el('a', { href: target }, label ? `${label}：${text}` : text) : label ? `${label}：${text}` : text));
    } else {
      items.push(el('li', {}, text));
    }
  }
  if (summary) {
    render(summary, el('strong', {}, heading), el('ul', {}, items));
    summary.hidden = false;
  }
  if (first) first.focus();
  else if (summary) summary.focus();
}

/** Show an error from the API: its field problems by their fields when there are any, else one sentence. */
export function showApiError(err, { form, summary } = {}) {
  if (err instanceof ApiError && err.fields.length && form) {
    showFieldErrors(form, summary, err.fields);
    return;
  }
  const region = summary || $('#page-error');
  if (form) clearErrors(form, summary);
  render(region, errorText(err));
  region.hidden = false;
  if (typeof region.focus === 'function') region.focus();
}

/** A short-lived success message in the page's polite live region. */
export function announce(text, tone = 'ok') {
  const region = $('#page-status');
  if (!region) return;
  render(region, el('div', { class: `alert ${tone}` }, text));
}

/** Disable a form's buttons while `work` runs; returns its result. */
export async function busy(form, work) {
  const buttons = $$('button', form);
  buttons.forEach((b) => (b.disabled = true));
  form.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    buttons.forEach((b) => (b.disabled = false));
    form.removeAttribute('aria-busy');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Layout: header, navigation, notification bell; the role guard
// ---------------------------------------------------------------------------------------------------------------

let currentUser = null;
export const me = () => currentUser;

/**
 * Start a page that needs a login: checks the token (GET /api/me), draws the header and, when the page is not for
 * this role, says so instead of the page. Resolves with the user, or null when the page must not be shown.
 */
export async function initPage({ roles } = {}) {
  if (!getToken()) {
    location.replace(loginUrl());
    return new Promise(() => undefined);
  }
  let user;
  try {
    user = await api.get('/api/me');
  } catch (err) {
    if (err.status === 401) return new Promise(() => undefined);
    renderHeader(null);
    showApiError(err);
    return null;
  }
  currentUser = user;
  localStorage.setItem(USER_KEY, JSON.stringify(user));
  try {
    // The names the service knows (a department added later appears without a change here).
    for (const d of await api.get('/api/departments')) DEPARTMENT_NAMES[d.code] = d.nameZh;
  } catch {
    // The built-in names serve.
  }
  renderHeader(user);
  if (roles && !roles.includes(user.role)) {
    pageMessage('此页面不适用于您的账号', `您以“${ROLE_NAMES[user.role]}”身份登录，无权查看此页面。`, 'warn');
    return null;
  }
  return user;
}

/** Replace the page's content with a message (not found, no access). */
/** Previous / next for a paged list ("第 2 / 5 页"); nothing when everything fits on one page. */
export function pager({ page, pages, onPage }) {
  if (pages <= 1) return null;
  return el(
    'nav',
    { class: 'pager', 'aria-label': '翻页' },
    el('button', { type: 'button', class: 'secondary', disabled: page <= 1, onclick: () => onPage(page - 1) }, '上一页'),
    el('span', {}, `第 ${page} / ${pages} 页`),
    el('button', { type: 'button', class: 'secondary', disabled: page >= pages, onclick: () => onPage(page + 1) }, '下一页'),
  );
}

export function pageMessage(title, text, tone = 'error') {
  const content = $('#content') || $('main');
  const user = me();
  render(
    content,
    el('div', { class: `alert ${tone}`, role: 'alert' }, el('h2', {}, title), el('p', {}, text)),
    user ? el('p', {}, el('a', { href: landingFor(user.role), class: 'button secondary' }, '返回我的首页')) : null,
  );
}

function renderHeader(user) {
  const header = $('#site-header');
  if (!header) return;
  header.className = 'site-header';
  const bar = el('div', { class: 'bar' }, el('a', { class: 'site-title', href: user ? landingFor(user.role) : '/' }, '随迁子女入学与部门协同督办'));
  if (user) {
    const here = location.pathname.replace(/\.html$/, '');
    const nav = el(
      'nav',
      { class: 'site-nav', 'aria-label': '主导航' },
      navFor(user).map(([href, text]) => el('a', { href, 'aria-current': here === href ? 'page' : null }, text)),
    );
    const bell = bellWidget();
    const logout = el('button', { type: 'button', class: 'header-button', onclick: logoutNow }, '退出');
    bar.append(
      nav,
      el('div', { class: 'user-box' }, bell, el('span', { class: 'user-name' }, userLabel(user)), logout),
    );
  }
  render(header, bar);
}

/** 公安局经办人（公安局）would say it twice: the unit is added only when the name does not already say it. */
function userLabel(user) {
  const unit = user.role === 'officer' ? departmentName(user.departmentCode) : ROLE_NAMES[user.role];
  return unit && !user.displayName.includes(unit) ? `${user.displayName}（${unit}）` : user.displayName;
}

async function logoutNow() {
  try {
    await api.post('/api/auth/logout');
  } catch {
    // The session is dropped locally either way.
  }
  clearSession();
  location.assign('/');
}

let bellRefresh = null;

/** A bell drawn as SVG (an emoji bell depends on the device having an emoji font). */
function bellIcon() {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'bell-icon');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(NS, 'path');
  path.setAttribute('d', 'M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2z');
  svg.append(path);
  return svg;
}

function bellWidget() {
  const count = el('span', { class: 'bell-count', hidden: true });
  const label = el('span', {}, '消息');
  const button = el('button', { type: 'button', class: 'header-button', id: 'bell', 'aria-expanded': 'false', 'aria-controls': 'bell-panel' }, bellIcon(), label, count);
  const list = el('ul', { class: 'notice-list' });
  const panel = el(
    'div',
    { class: 'bell-panel', id: 'bell-panel', hidden: true, role: 'region', 'aria-label': '最新消息' },
    el('h2', {}, '最新消息'),
    list,
    el('div', { class: 'panel-foot' }, el('a', { href: '/notifications' }, '查看全部消息')),
  );
  const wrap = el('div', { class: 'bell-wrap' }, button, panel);

  const refresh = async () => {
    try {
      const { items } = await api.get('/api/notifications?limit=20');
      const unread = items.filter((n) => !n.read).length;
      count.textContent = String(unread);
      count.hidden = unread === 0;
      button.setAttribute('aria-label', unread ? `消息，${unread} 条未读` : '消息，没有未读');
      render(list, items.length ? items.slice(0, 10).map((n) => noticeItem(n, refresh)) : el('li', { class: 'muted' }, '暂无消息'));
    } catch {
      // The bell is secondary: a failed refresh leaves the last count.
    }
  };
  bellRefresh = refresh;
  button.addEventListener('click', () => {
    const open = panel.hidden;
    panel.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    if (open) refresh();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !panel.hidden) {
      panel.hidden = true;
      button.setAttribute('aria-expanded', 'false');
      button.focus();
    }
  });
  document.addEventListener('click', (e) => {
    if (!panel.hidden && !wrap.contains(e.target)) {
      panel.hidden = true;
      button.setAttribute('aria-expanded', 'false');
    }
  });
  refresh();
  window.setInterval(refresh, 60000);
  return wrap;
}

/** Refresh the bell's count (after marking notifications read elsewhere on the page). */
export function refreshBell() {
  if (bellRefresh) bellRefresh();
}

export const NOTIFICATION_KINDS = {
  assigned: '新分派',
  reminder: '到期提醒',
  urged: '催办',
  escalated: '升级督办',
  decision: '审批结果',
  extension_requested: '延期申请',
  submitted: '待审核',
  reassigned: '改派',
};

/** The application number a parent's notification names (e.g. "请补正材料（申请编号 2027-DEMO-000001）"). */
const applicationNumberIn = (text) => (/\b(\d{4}-[A-Z0-9_]{1,32}-\d{6,})\b/.exec(text || '') || [])[1];

/** One notification as a list item, with "mark read" and, for office roles, a link to its step. */
export function noticeItem(n, onChange) {
  const user = me();
  const office = user && ['officer', 'supervisor', 'leader', 'admin'].includes(user.role);
  const markRead = n.read
    ? null
    : el('button', {
      type: 'button',
      class: 'link',
      onclick: async (e) => {
        e.stopPropagation();
        try {
          await api.post(`/api/notifications/${n.id}/read`);
          n.read = true;
          if (onChange) onChange();
          refreshBell();
        } catch (err) {
          showApiError(err);
        }
      },
    }, '标为已读');
  return el(
    'li',
    { class: n.read ? 'read' : 'unread', dataset: { notificationId: String(n.id) } },
    el('div', { class: 'notice-title' }, n.title),
    n.body ? el('div', { class: 'notice-body' }, n.body.replace(/^([a-z_]+)(?=办理期限)/, (code) => departmentName(code))) : null,
    el(
      'div',
      { class: 'notice-meta' },
      NOTIFICATION_KINDS[n.kind] ? el('span', {}, NOTIFICATION_KINDS[n.kind]) : null,
      el('time', { datetime: n.createdAt }, fmtDateTime(n.createdAt)),
      n.read ? el('span', {}, '已读') : el('span', { class: 'visually-hidden' }, '未读'),
      office && n.stepId ? el('a', { href: `/step?id=${encodeURIComponent(n.stepId)}` }, '查看事项') : null,
      !office && applicationNumberIn(n.title) ? el('a', { href: `/application?no=${encodeURIComponent(applicationNumberIn(n.title))}` }, '查看申请') : null,
      markRead,
    ),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Materials viewer: files are served behind the login, so they are fetched with the token and shown from a blob.
// ---------------------------------------------------------------------------------------------------------------

let viewer = null;

/** Open a file in the viewer; `source` is where it is served (a parent's material by default, or a step's evidence). */
export async function viewMaterial(fileId, title, source = `/api/materials/${encodeURIComponent(fileId)}`) {
  if (!viewer) {
    viewer = el('dialog', { id: 'material-viewer', 'aria-labelledby': 'material-viewer-title' });
    document.body.append(viewer);
    viewer.addEventListener('close', () => {
      const url = viewer.dataset.url;
      if (url) URL.revokeObjectURL(url);
      delete viewer.dataset.url;
    });
  }
  const body = el('div', { class: 'dialog-body viewer' }, el('h2', { id: 'material-viewer-title' }, title || '材料'), el('p', { class: 'loading', role: 'status' }, '正在打开…'));
  render(viewer, body);
  if (!viewer.open) viewer.showModal();
  try {
    const blob = await api.blob(source);
    const url = URL.createObjectURL(blob);
    viewer.dataset.url = url;
    const shown = blob.type === 'application/pdf' ? el('iframe', { src: url, title: title || '材料' }) : el('img', { src: url, alt: title || '材料' });
    render(
      body,
      el('h2', { id: 'material-viewer-title' }, title || '材料'),
      shown,
      el(
        'div',
        { class: 'actions' },
        el('a', { class: 'button secondary', href: url, target: '_blank', rel: 'noopener' }, '在新窗口打开'),
        el('a', { class: 'button secondary', href: url, download: `${title || 'material'}.${(MATERIAL_TYPES[blob.type] || 'bin').toLowerCase()}` }, '下载'),
        el('button', { type: 'button', onclick: () => viewer.close() }, '关闭'),
      ),
    );
  } catch (err) {
    render(body, el('h2', { id: 'material-viewer-title' }, title || '材料'), el('p', { class: 'alert error', role: 'alert' }, errorText(err)), el('button', { type: 'button', onclick: () => viewer.close() }, '关闭'));
  }
}

/** A button that opens a material in the viewer. */
export function materialButton(fileId, text, url) {
  return el('button', { type: 'button', class: 'link', dataset: { fileId }, 'aria-label': `查看${text}`, onclick: () => viewMaterial(fileId, text, url) }, text);
}

/** Read a query parameter of the page's URL. */
export const param = (name) => new URLSearchParams(location.search).get(name);

/** An SVG element (charts are drawn in the page; like el(), nothing is parsed as markup). */
export function svg(tag, attrs, ...children) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(key, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof window.Node ? child : String(child));
  }
  return node;
}
