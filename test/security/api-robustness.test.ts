/**
 * Bad input, wrong callers and missing servers, against every route of the real service. Each block prints its
 * counts so a CI log shows what was tried.
 */
import crypto from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import fc from 'fast-check';
import { buildRouteTable, createApp } from '../../api/app';
import { standaloneStepId } from '../../contracts/department-step';
import { CalendarSource } from '../../db/calendar-source';
import { createPool } from '../../db/pool';
import { ROLES, type Role } from '../../domain/roles';
import { createLogger } from '../../platform/logger';
import { TEST_PERSONAL_DATA_KEY, startHarness, type Api, type Harness } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

/** Every route but logout, which would end the test users' sessions half-way (it has its own test). */
const routes = () => buildRouteTable({} as never).list().filter((r) => r.path !== '/api/auth/logout');

/** Fill path parameters with plausible but guessed ids. */
function concretePath(path: string, value: (name: string) => string): string {
  return path.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(value(name)));
}

const GUESSES: Record<string, string> = {
  stepId: 'guessed-step-1',
  applicationNumber: '2027-DEMO-999999',
  id: '999999',
  year: '2026',
  code: 'police',
  department: 'police',
  fileId: 'e'.repeat(64),
};

async function usersForEveryRole(): Promise<Record<Role | 'anonymous', Api>> {
  const out: Partial<Record<Role | 'anonymous', Api>> = { anonymous: h.anonymous };
  for (const role of ROLES) {
    out[role] = await h.newUser(role, role === 'officer' ? { departmentCode: 'civil_affairs' } : role === 'school' ? { schoolId: 'demo-primary-1' } : {});
  }
  return out as Record<Role | 'anonymous', Api>;
}

async function writesBy(userIds: string[]): Promise<number> {
  const r = await h.pool.query(
    `SELECT (SELECT count(*) FROM audit_log WHERE actor_user_id = ANY($1::text[]))
          + (SELECT count(*) FROM applications WHERE applicant_user_id::text = ANY($1::text[]))
          + (SELECT count(*) FROM material_owners WHERE user_id::text = ANY($1::text[])) AS n`,
    [userIds],
  );
  return Number(r.rows[0].n);
}

describe('authorization matrix', () => {
  it('every role against every route, with guessed ids: only what is allowed succeeds', async () => {
    const users = await usersForEveryRole();
    let calls = 0;
    let unauthorizedSuccesses = 0;
    const wrong: string[] = [];
    for (const route of routes()) {
      for (const [who, api] of Object.entries(users)) {
        const allowed = route.auth === 'public' || (who !== 'anonymous' && route.auth.includes(who as Role));
        const r = await api.request(route.method.toUpperCase(), concretePath(route.path, (n) => GUESSES[n] ?? 'guess'), route.method === 'get' ? undefined : {});
        calls++;
        if (!allowed) {
          const expected = who === 'anonymous' ? 401 : 403;
          if (r.status !== expected) wrong.push(`${who} ${route.method} ${route.path} → ${r.status}, expected ${expected}`);
          if (r.status < 300) unauthorizedSuccesses++;
        }
        if (r.status >= 500) wrong.push(`${who} ${route.method} ${route.path} → ${r.status}`);
      }
    }
    process.stdout.write(`authorization matrix: ${calls} calls over ${routes().length} routes, unauthorized successes ${unauthorizedSuccesses}\n`);
    expect(wrong).toEqual([]);
    expect(unauthorizedSuccesses).toBe(0);
  });
});

describe('fuzzing every route', () => {
  it('malformed, oversized and wrong-typed bodies, params and queries: no 5xx, no state change', async () => {
    const users = await usersForEveryRole();
    const ids = await Promise.all(
      Object.entries(users)
        .filter(([who]) => who !== 'anonymous')
        .map(async ([, api]) => (await api.get('/api/me')).body.userId as string),
    );
    const before = await writesBy(ids);
    const json = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }),
      fc.dictionary(fc.constantFrom('username', 'password', 'message', 'title', 'departmentCode', 'deadline', 'workingDays', 'reason', 'items', 'materials', 'url', 'offDays', 'child', 'enrollmentYear', '__proto__', 'constructor'), fc.jsonValue({ maxDepth: 2 })),
    );
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('', '..%2F..%2Fetc', '%00', "' OR 1=1 --", 'x'.repeat(300), '2027-DEMO-000001', '-1', '1e309'));
    const query = fc.dictionary(fc.constantFrom('page', 'pageSize', 'state', 'light', 'department', 'dueBefore', 'unread', 'limit', 'year', 'district'), text, { maxKeys: 3 });
    let requests = 0;
    const serverErrors: string[] = [];
    for (const route of routes()) {
      const samples = fc.sample(fc.tuple(json, text, query, fc.constantFrom(...Object.keys(users))), { numRuns: 12, seed: 42 });
      for (const [body, param, q, who] of samples) {
        const api = users[who as keyof typeof users];
        const path = concretePath(route.path, () => param || 'x') + '?' + new URLSearchParams(q).toString();
        const r = await api.request(route.method.toUpperCase(), path, route.method === 'get' ? undefined : JSON.stringify(body), { 'content-type': 'application/json' });
        requests++;
        if (r.status >= 500) serverErrors.push(`${who} ${route.method} ${path} ${JSON.stringify(body).slice(0, 200)} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
      }
      // Not JSON at all, and a declared type that does not match.
      for (const [raw, type] of [['{"broken":', 'application/json'], ['<xml/>', 'application/xml'], ['a=1&b=2', 'application/x-www-form-urlencoded']]) {
        const r = await users.admin.request(route.method.toUpperCase(), concretePath(route.path, (n) => GUESSES[n] ?? 'x'), route.method === 'get' ? undefined : raw, { 'content-type': type! });
        requests++;
        if (r.status >= 500) serverErrors.push(`admin ${route.method} ${route.path} raw ${type} → ${r.status}`);
      }
    }
    const oversized = await users.applicant.request('POST', '/api/applications', JSON.stringify({ blob: 'x'.repeat(3 * 1024 * 1024) }), { 'content-type': 'application/json' });
    requests++;
    expect(oversized.status).toBe(413);
    const after = await writesBy(ids);
    process.stdout.write(`fuzz: ${requests} requests over ${routes().length} routes, 5xx ${serverErrors.length}, state changes ${after - before}\n`);
    expect(serverErrors).toEqual([]);
    expect(after).toBe(before);
  });
});

describe('login throttling', () => {
  it('refuses further attempts after ten failures for one username, without locking out others', async () => {
    const username = `nobody-${crypto.randomUUID().slice(0, 8)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await h.anonymous.post('/api/auth/login', { username, password: 'wrong-password' })).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
    expect((await h.anonymous.post('/api/auth/login', { username: 'leader', password: 'demo12345' })).status).toBe(200);
  });
});

describe('a backing server is down', () => {
  async function appWith(opts: { temporalAddress?: string; databaseUrl?: string }) {
    const pool = createPool(opts.databaseUrl ?? process.env.TEST_DATABASE_URL!, 2);
    const connection = Connection.lazy({ address: opts.temporalAddress ?? process.env.TEST_TEMPORAL_ADDRESS!, connectTimeout: 1000 });
    const temporal = new Client({ connection });
    const app = createApp({ pool, temporal, taskQueue: h.taskQueue, sessionTtlHours: 1, log: createLogger('down-test', 'silent'), calendar: new CalendarSource(pool), personalDataKey: TEST_PERSONAL_DATA_KEY });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      base,
      async close() {
        await new Promise((r) => server.close(r));
        await pool.end().catch(() => undefined);
      },
    };
  }

  it('Temporal down: 503 with a clear message, and nothing accepted that could not be kept', async () => {
    const svc = await appWith({ temporalAddress: '127.0.0.1:1' });
    try {
      const health = await fetch(`${svc.base}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: 'unavailable', postgres: { up: true }, temporal: { up: false } });

      const login = await fetch(`${svc.base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'supervisor', password: 'demo12345' }) });
      const token = ((await login.json()) as { token: string }).token;
      const key = `down-${crypto.randomUUID().slice(0, 8)}`;
      const r = await fetch(`${svc.base}/api/steps`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ stepKey: key, departmentCode: 'police', title: '核验', deadline: { class: 'urgent' } }),
      });
      expect(r.status).toBe(503);
      expect(((await r.json()) as any).error.message).toContain('服务暂时不可用');
      expect((await h.pool.query('SELECT count(*)::int AS n FROM steps WHERE step_id = $1', [standaloneStepId(key)])).rows[0].n).toBe(0);
    } finally {
      await svc.close();
    }
  });

  it('PostgreSQL down: 503, not 500', async () => {
    const svc = await appWith({ databaseUrl: 'postgres://enrollment:x@127.0.0.1:1/enrollment' });
    try {
      const login = await fetch(`${svc.base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'supervisor', password: 'demo12345' }) });
      expect(login.status).toBe(503);
      const health = await fetch(`${svc.base}/health`);
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ postgres: { up: false } });
    } finally {
      await svc.close();
    }
  });
});

describe('notifications', () => {
  it('marking one read twice is fine; someone else\'s is not found', async () => {
    const parent = await h.newUser('applicant');
    const userId = (await parent.get('/api/me')).body.userId;
    const r = await h.pool.query(
      `INSERT INTO notifications (dedupe_key, recipient_user_id, kind, title, body) VALUES ($1, $2, 'application', '测试', '正文') RETURNING id`,
      [`test:${crypto.randomUUID()}`, userId],
    );
    const id = r.rows[0].id;
    expect((await parent.post(`/api/notifications/${id}/read`)).status).toBe(200);
    expect((await parent.post(`/api/notifications/${id}/read`)).status).toBe(200);
    const other = await h.newUser('applicant');
    expect((await other.post(`/api/notifications/${id}/read`)).status).toBe(404);
    expect((await parent.get('/api/notifications?unread=true')).body.items.map((n: any) => n.id)).not.toContain(id);
  });
});
