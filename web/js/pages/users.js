// Administration of accounts and departments: every user with role, department or school and status; creating an
// account (an officer belongs to one department, a school user to one school); disabling an account (its logins end
// at once) and enabling it again; the departments and adding one. Administrators only.
import {
  api, el, render, $, initPage, showApiError, showFieldErrors, clearErrors, busy, announce, newKey,
  fmtDateTime, departmentName, ROLE_NAMES, DEPARTMENT_NAMES, me,
} from '../common.js';
import { field, toggle } from '../forms.js';

const USERNAME = /^[A-Za-z0-9_.-]{3,64}$/;

async function start() {
  const user = await initPage({ roles: ['admin'] });
  if (!user) return;
  const content = $('#content');
  content.removeAttribute('aria-busy');
  let schools = [];
  try {
    schools = (await api.get('/api/schools')).items;
  } catch {
    // Without the school list a school account cannot be created; the rest of the page works.
  }

  const list = el('section', { class: 'card', id: 'user-list', 'aria-labelledby': 'users-heading' }, el('h2', { id: 'users-heading' }, '用户'), el('p', { class: 'loading' }, '正在加载…'));
  const roleFilter = field({ name: 'role', label: '角色', options: [['', '全部角色'], ...Object.entries(ROLE_NAMES)] });
  const filters = el('form', { class: 'filters', role: 'search', 'aria-label': '按角色筛选' }, roleFilter);

  // ---- Create a user ----
  const summary = el('div', { class: 'alert error', role: 'alert', tabindex: '-1', hidden: true });
  const department = field({ name: 'departmentCode', label: '所属部门', required: true, options: [['', '请选择'], ...Object.entries(DEPARTMENT_NAMES)] });
  const school = field({ name: 'schoolId', label: '所属学校', required: true, options: [['', '请选择'], ...schools.map((s) => [s.id, `${s.nameZh}（${s.id}）`])] });
  let createKey = newKey();
  const createForm = el(
    'form',
    { class: 'card', id: 'create-user', novalidate: true, 'aria-labelledby': 'create-heading' },
    el('h2', { id: 'create-heading' }, '新建用户'),
    summary,
    field({ name: 'username', label: '用户名', required: true, hint: '3至64位字母、数字、下划线、点或横线，用于登录', attrs: { autocomplete: 'off', spellcheck: 'false' } }),
    field({ name: 'displayName', label: '姓名或单位名称', required: true }),
    field({ name: 'password', label: '初始密码', type: 'password', required: true, hint: '至少8位，请当面或电话告知本人', attrs: { autocomplete: 'new-password' } }),
    field({ name: 'role', label: '角色', required: true, options: [['', '请选择'], ...Object.entries(ROLE_NAMES)] }),
    department,
    school,
    el('div', { class: 'actions stack' }, el('button', { type: 'submit' }, '创建用户')),
  );
  const syncRole = () => {
    toggle(department, createForm.role.value === 'officer');
    toggle(school, createForm.role.value === 'school');
  };
  createForm.role.addEventListener('change', syncRole);
  syncRole();

  // ---- Departments ----
  const deptSummary = el('div', { class: 'alert error', role: 'alert', tabindex: '-1', hidden: true });
  const deptList = el('ul', { class: 'plain-list', id: 'department-list' });
  const deptForm = el(
    'form',
    { class: 'card', id: 'create-department', novalidate: true, 'aria-labelledby': 'dept-heading' },
    el('h2', { id: 'dept-heading' }, '部门'),
    deptList,
    el('h3', {}, '新增部门'),
    deptSummary,
    field({ name: 'code', label: '部门代码', required: true, hint: '小写字母开头，可含数字和下划线，如 transport' }),
    field({ name: 'nameZh', label: '部门名称', required: true }),
    el('div', { class: 'actions stack' }, el('button', { type: 'submit' }, '新增部门')),
  );

  render(content, el('p', { class: 'lead' }, '管理登录账号和部门。停用的账号立即退出登录，不能再登录。'), el('div', { class: 'grid-2' }, el('div', {}, filters, list), el('div', {}, createForm, deptForm)));

  const loadDepartments = async () => {
    try {
      const items = await api.get('/api/departments');
      for (const d of items) DEPARTMENT_NAMES[d.code] = d.nameZh;
      render(deptList, items.map((d) => el('li', { dataset: { code: d.code } }, `${d.nameZh}（${d.code}）`)));
    } catch (err) {
      showApiError(err);
    }
  };

  const loadUsers = async () => {
    try {
      const role = filters.role.value;
      const { items } = await api.get(`/api/users${role ? `?role=${encodeURIComponent(role)}` : ''}`);
      render(
        list,
        el('h2', { id: 'users-heading' }, `用户（${items.length}）`),
        el('div', { class: 'table-wrap' }, el('table', { class: 'responsive', id: 'users-table' },
          el('thead', {}, el('tr', {}, ['用户名', '姓名', '角色', '部门或学校', '状态', '操作'].map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, items.map((u) => el('tr', { dataset: { username: u.username, userId: u.id } },
            el('td', { 'data-label': '用户名' }, u.username),
            el('td', { 'data-label': '姓名' }, u.displayName),
            el('td', { 'data-label': '角色' }, ROLE_NAMES[u.role] || u.role),
            el('td', { 'data-label': '部门或学校' }, u.departmentCode ? departmentName(u.departmentCode) : u.schoolNameZh || '—'),
            el('td', { 'data-label': '状态' }, u.disabled ? el('span', { class: 'badge tone-grey' }, '已停用') : el('span', { class: 'badge tone-ok' }, '正常'), el('div', { class: 'small muted' }, `创建于 ${fmtDateTime(u.createdAt)}`)),
            el('td', { 'data-label': '操作' }, u.id === me().userId ? el('span', { class: 'muted small' }, '当前账号') : el('button', {
              type: 'button',
              class: u.disabled ? 'secondary' : 'danger',
              onclick: async (e) => {
                const b = e.currentTarget;
                b.disabled = true;
                try {
                  await api.put(`/api/users/${encodeURIComponent(u.id)}/disabled`, { disabled: !u.disabled });
                  announce(`${u.displayName}（${u.username}）已${u.disabled ? '启用' : '停用'}`);
                  await loadUsers();
                } catch (err) {
                  b.disabled = false;
                  showApiError(err);
                }
              },
            }, u.disabled ? '启用' : '停用')),
          ))))),
      );
    } catch (err) {
      showApiError(err);
    }
  };

  createForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = (n) => (createForm[n] ? createForm[n].value.trim() : '');
    const problems = [];
    if (!v('username')) problems.push({ field: 'username', message: '请填写用户名' });
    else if (!USERNAME.test(v('username'))) problems.push({ field: 'username', message: '用户名应为3至64位字母、数字、下划线、点或横线' });
    if (!v('displayName')) problems.push({ field: 'displayName', message: '请填写姓名或单位名称' });
    if (!createForm.password.value) problems.push({ field: 'password', message: '请填写初始密码' });
    else if (createForm.password.value.length < 8) problems.push({ field: 'password', message: '初始密码至少8位' });
    if (!v('role')) problems.push({ field: 'role', message: '请选择角色' });
    if (v('role') === 'officer' && !v('departmentCode')) problems.push({ field: 'departmentCode', message: '部门经办人须选择所属部门' });
    if (v('role') === 'school' && !v('schoolId')) problems.push({ field: 'schoolId', message: '学校账号须选择所属学校' });
    if (problems.length) {
      showFieldErrors(createForm, summary, problems);
      return;
    }
    clearErrors(createForm, summary);
    const body = { username: v('username'), displayName: v('displayName'), password: createForm.password.value, role: v('role') };
    if (body.role === 'officer') body.departmentCode = v('departmentCode');
    if (body.role === 'school') body.schoolId = v('schoolId');
    await busy(createForm, async () => {
      try {
        const created = await api.post('/api/users', body, { idempotencyKey: createKey });
        createKey = newKey();
        announce(`已创建用户 ${created.username}（${ROLE_NAMES[created.role]}）`);
        createForm.reset();
        syncRole();
        await loadUsers();
      } catch (err) {
        showApiError(err, { form: createForm, summary });
      }
    });
  });

  deptForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const code = deptForm.code.value.trim();
    const nameZh = deptForm.nameZh.value.trim();
    const problems = [];
    if (!code) problems.push({ field: 'code', message: '请填写部门代码' });
    else if (!/^[a-z][a-z0-9_]{1,40}$/.test(code)) problems.push({ field: 'code', message: '部门代码应为小写字母开头的2至41位小写字母、数字或下划线' });
    if (!nameZh) problems.push({ field: 'nameZh', message: '请填写部门名称' });
    if (problems.length) {
      showFieldErrors(deptForm, deptSummary, problems);
      return;
    }
    clearErrors(deptForm, deptSummary);
    await busy(deptForm, async () => {
      try {
        await api.post('/api/departments', { code, nameZh });
        announce(`已新增部门：${nameZh}`);
        deptForm.reset();
        await loadDepartments();
      } catch (err) {
        showApiError(err, { form: deptForm, summary: deptSummary });
      }
    });
  });
  filters.role.addEventListener('change', () => void loadUsers());
  filters.addEventListener('submit', (e) => {
    e.preventDefault();
    void loadUsers();
  });
  await Promise.all([loadUsers(), loadDepartments()]);
}

void start();
