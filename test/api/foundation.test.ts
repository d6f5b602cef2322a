import { hashToken } from '../../api/auth/passwords';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

describe('health', () => {
  it('is 200 when PostgreSQL and Temporal both answer', async () => {
    const r = await h.anonymous.get('/health');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ok', postgres: { up: true }, temporal: { up: true } });
  });
});

describe('the end-to-end round trip', () => {
  it('starts a workflow from the API, whose activity writes to PostgreSQL, and reads the row back', async () => {
    const admin = await h.as('admin');
    const r = await admin.post('/api/diagnostics/round-trips', { message: '管道测试' });
    expect(r.status).toBe(201);
    expect(r.body.message).toBe('管道测试');

    const row = await h.pool.query('SELECT message, workflow_id FROM diagnostics_round_trips WHERE id = $1', [r.body.id]);
    expect(row.rows[0]).toEqual({ message: '管道测试', workflow_id: r.body.workflowId });
    const described = await h.client.workflow.getHandle(r.body.workflowId).describe();
    expect(described.status.name).toBe('COMPLETED');
    expect(described.taskQueue).toBe(h.taskQueue);

    const again = await admin.get(`/api/diagnostics/round-trips/${r.body.id}`);
    expect(again).toEqual({ status: 200, body: r.body });
  });
});

describe('authentication and roles', () => {
  it('answers 401 without a token, with an unknown token and with an expired one', async () => {
    expect((await h.anonymous.get('/api/me')).status).toBe(401);
    const unknown = await h.anonymous.request('GET', '/api/me', undefined, { authorization: 'Bearer ' + 'x'.repeat(43) });
    expect(unknown.status).toBe(401);

    const officer = await h.as('police');
    expect((await officer.get('/api/me')).status).toBe(200);
    // Only this session: other test files use the demo users at the same time.
    await h.pool.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [hashToken(officer.token!)]);
    const expired = await officer.get('/api/me');
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('unauthorized');
  });

  it('refuses a wrong password with 401 and the same message as an unknown user', async () => {
    const wrong = await h.anonymous.post('/api/auth/login', { username: 'admin', password: 'wrong-password' });
    const unknown = await h.anonymous.post('/api/auth/login', { username: 'nobody-here', password: 'wrong-password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
  });

  it('answers 403 to a known user whose role may not call the route', async () => {
    for (const username of ['parent', 'police', 'school', 'supervisor', 'leader']) {
      const api = await h.as(username);
      const r = await api.post('/api/diagnostics/round-trips', { message: 'x' });
      expect({ username, status: r.status }).toEqual({ username, status: 403 });
    }
  });

  it('tells a user who they are, with role and department', async () => {
    const api = await h.as('hrss');
    const me = await api.get('/api/me');
    expect(me.body).toMatchObject({ username: 'hrss', role: 'officer', departmentCode: 'hrss', schoolId: null });
  });

  it('ends a session on logout', async () => {
    const api = await h.as('leader');
    expect((await api.post('/api/auth/logout')).status).toBe(204);
    expect((await api.get('/api/me')).status).toBe(401);
  });
});

describe('bad input', () => {
  it('answers 400 naming the field, and writes nothing', async () => {
    const admin = await h.as('admin');
    const before = await h.pool.query('SELECT count(*)::int AS n FROM diagnostics_round_trips');
    const missing = await admin.post('/api/diagnostics/round-trips', { mesage: 'typo' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.fields).toEqual([expect.objectContaining({ field: 'body.message' })]);
    const wrongType = await admin.post('/api/diagnostics/round-trips', { message: 42 });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.fields[0].field).toBe('body.message');
    const notJson = await admin.request('POST', '/api/diagnostics/round-trips', '{"message":', { 'content-type': 'application/json' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('malformed_json');
    const badParam = await admin.get('/api/diagnostics/round-trips/not-a-uuid');
    expect(badParam.status).toBe(400);
    expect(badParam.body.error.fields[0].field).toBe('params.id');
    const after = await h.pool.query('SELECT count(*)::int AS n FROM diagnostics_round_trips');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('answers 413 to a body over the limit', async () => {
    const admin = await h.as('admin');
    const r = await admin.post('/api/diagnostics/round-trips', { message: 'x'.repeat(2 * 1024 * 1024) });
    expect(r.status).toBe(413);
  });

  it('answers 404 with a JSON error for an unknown API route', async () => {
    const r = await h.anonymous.get('/api/no-such-thing');
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('not_found');
  });
});
