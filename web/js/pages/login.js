// Login for every role; each role lands on its own page (or on the page it was sent from, ?next=/…).
import { $, api, getToken, landingFor, saveSession, showApiError, showFieldErrors, clearErrors, busy, param } from '../common.js';

/** Only a path on this site: never another origin (//evil.example) or a scheme. */
function safeNext() {
  const next = param('next');
  return next && /^\/(?!\/)[^\\]*$/.test(next) && !next.startsWith('/api/') ? next : null;
}

async function start() {
  if (getToken()) {
    try {
      const user = await api.get('/api/me');
      location.replace(safeNext() || landingFor(user.role));
      return;
    } catch {
      // An expired token: log in again.
    }
  }
  const form = $('#login');
  const summary = $('#login-error');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const username = form.username.value.trim();
    const password = form.password.value;
    const problems = [];
    if (!username) problems.push({ field: 'username', message: '请输入用户名' });
    if (!password) problems.push({ field: 'password', message: '请输入密码' });
    if (problems.length) {
      showFieldErrors(form, summary, problems, '请填写：');
      return;
    }
    clearErrors(form, summary);
    await busy(form, async () => {
      try {
        const r = await api.post('/api/auth/login', { username, password });
        saveSession(r.token, r.user);
        location.assign(safeNext() || landingFor(r.user.role));
      } catch (err) {
        showApiError(err, { form, summary });
        form.password.value = '';
      }
    });
  });
  form.username.focus();
}

start();
