import { buildRouteTable } from '../../api/app';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

it('lists every route with its roles and its request schema', async () => {
  const r = await h.anonymous.get('/openapi.json');
  expect(r.status).toBe(200);
  const doc = r.body;
  expect(doc.openapi).toBe('3.1.0');

  const routes = buildRouteTable({} as never).list();
  expect(routes.length).toBeGreaterThan(0);
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const op = doc.paths[path]?.[route.method];
    expect({ route: `${route.method} ${path}`, documented: Boolean(op) }).toEqual({ route: `${route.method} ${path}`, documented: true });
    expect(op.description).toContain(route.auth === 'public' ? 'public' : route.auth.join(', '));
  }
  const login = doc.paths['/api/auth/login'].post;
  expect(login.requestBody.content['application/json'].schema.properties).toHaveProperty('username');
  expect(login.requestBody.content['application/json'].schema.required).toEqual(['username', 'password']);
  const byId = doc.paths['/api/diagnostics/round-trips/{id}'].get;
  expect(byId.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })]);
});

it('serves a browsable page beside the document', async () => {
  const res = await fetch(`${h.baseUrl}/docs/`);
  expect(res.status).toBe(200);
  expect(await res.text()).toContain('swagger-ui');
});
