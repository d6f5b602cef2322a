// Login for every role; the role's own pages arrive with the web-pages work.
document.getElementById('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const message = document.getElementById('message');
  message.textContent = '';
  const response = await fetch('/api/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: form.get('username'), password: form.get('password') }),
  });
  const body = await response.json();
  if (!response.ok) {
    message.textContent = body.error && body.error.fields ? body.error.fields.map((f) => f.message).join('；') : '登录失败';
    return;
  }
  localStorage.setItem('token', body.token);
  message.textContent = '';
  document.body.insertAdjacentHTML('beforeend', '<p>欢迎，' + body.user.displayName + '</p>');
});
