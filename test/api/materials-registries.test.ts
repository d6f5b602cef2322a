/**
 * Materials and registry imports over HTTP. The app is assembled here from a RouteTable with just these routes, the
 * same body parser, authentication and error middleware as api/app.ts, on the suite's real PostgreSQL.
 */
import crypto from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import express from 'express';
import type pg from 'pg';
import { BODY_LIMIT } from '../../api/app';
import { newToken, hashToken } from '../../api/auth/passwords';
import { errorMiddleware, notFound } from '../../api/http/errors';
import { RouteTable, type Authenticate } from '../../api/http/routes';
import { registerMaterialRoutes } from '../../api/routes/materials';
import { registerRegistryRoutes } from '../../api/routes/registries';
import { createPool } from '../../db/pool';
import { findRegistryRecord, hmac } from '../../db/repositories/registries';
import { createSession, ensureUser, findSessionUser, findUserByUsername, toActor } from '../../db/repositories/users';
import { MAX_MATERIAL_BYTES } from '../../domain/application';
import { findFullIdNumbers } from '../../domain/personal-data';
import { matchKeyForRow, parseRegistryCsv, type ParsedRow } from '../../domain/registries';
import { createLogger } from '../../platform/logger';

const ID_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
function makeId(region: string, yyyymmdd: string, seq: string): string {
  const first17 = region + yyyymmdd + seq;
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * ID_W[i]!, 0);
  return first17 + '10X98765432'[sum % 11];
}
const freshId = () => makeId(`43${crypto.randomInt(1000, 9999)}`, '19880808', String(crypto.randomInt(100, 999)));
const unique = () => crypto.randomUUID().slice(0, 8);

const KEY = 'api-test-personal-data-key-0123456789abcdef';
const HRSS_HEADER = 'id_number,employer_credit_code,insurance_months,employed';

let pool: pg.Pool;
let server: Server;
let baseUrl: string;
let routes: RouteTable;

beforeAll(async () => {
  pool = createPool(process.env.TEST_DATABASE_URL!, 3);
  routes = new RouteTable();
  registerMaterialRoutes(routes, { pool });
  registerRegistryRoutes(routes, { pool, personalDataKey: KEY });
  const app = express();
  app.use((req, _res, next) => {
    (req as express.Request & { id: string }).id = crypto.randomUUID();
    next();
  });
  app.use(express.json({ limit: BODY_LIMIT }));
  const authenticate: Authenticate = async (req) => {
    const m = req.header('authorization')?.match(/^Bearer\s+([A-Za-z0-9_-]{20,200})$/i);
    if (!m) return undefined;
    const user = await findSessionUser(pool, hashToken(m[1]!));
    return user && toActor(user);
  };
  routes.mount(app, authenticate);
  app.use('/api', (req, _res, next) => next(notFound(`route ${req.method} ${req.originalUrl}`)));
  app.use(errorMiddleware(createLogger('materials-registries-test', 'silent')));
  server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await pool.end();
});

interface Reply {
  status: number;
  headers: Headers;
  bytes: Buffer;
  body: any;
}

/** A logged-in client: a session made directly in the database, as login would. */
async function as(username: string) {
  const user = (await findUserByUsername(pool, username))!.user;
  const { token, tokenHash } = newToken();
  await createSession(pool, user.id, tokenHash, 1);
  return client(token, user.id);
}

function client(token?: string, userId?: string) {
  const send = async (method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> => {
    const res = await fetch(baseUrl + path, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers }, body });
    const bytes = Buffer.from(await res.arrayBuffer());
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    return { status: res.status, headers: res.headers, bytes, body: parsed };
  };
  return {
    userId: userId!,
    upload: (content: Buffer, contentType?: string) => send('POST', '/api/materials', content, contentType ? { 'content-type': contentType } : {}),
    get: (path: string) => send('GET', path),
    postJson: (path: string, body: unknown) => send('POST', path, JSON.stringify(body), { 'content-type': 'application/json' }),
    send,
  };
}

async function newParent() {
  const username = `parent-${unique()}`;
  await ensureUser(pool, { username, displayName: '另一位家长', passwordHash: 'not-used', role: 'applicant' });
  return as(username);
}

/** Small files that start as each type does; a random tail makes each one new to the store. */
const pdf = () => Buffer.concat([Buffer.from('%PDF-1.7\n'), crypto.randomBytes(200), Buffer.from('\n%%EOF\n')]);
const jpeg = () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), crypto.randomBytes(300), Buffer.from([0xff, 0xd9])]);
const png = () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), crypto.randomBytes(100)]);
const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

describe('uploading materials', () => {
  it('stores a PDF, a JPG and a PNG under their SHA-256, and gives each back to its uploader as it was', async () => {
    const parent = await as('parent');
    for (const [content, type] of [
      [pdf(), 'application/pdf'],
      [jpeg(), 'image/jpeg'],
      [png(), 'image/png'],
    ] as const) {
      const up = await parent.upload(content, type);
      expect(up.status).toBe(201);
      expect(up.body).toEqual({ fileId: sha256(content), size: content.length, mediaType: type });
      const down = await parent.get(`/api/materials/${up.body.fileId}`);
      expect(down.status).toBe(200);
      expect(down.headers.get('content-type')).toBe(type);
      expect(down.headers.get('x-content-type-options')).toBe('nosniff');
      expect(down.bytes.equals(content)).toBe(true);
    }
  });

  it('refuses bytes that do not match the declared type with 415 naming content-type', async () => {
    const parent = await as('parent');
    const lie = await parent.upload(pdf(), 'image/png');
    expect(lie.status).toBe(415);
    expect(lie.body.error.code).toBe('unsupported_media_type');
    expect(lie.body.error.fields).toEqual([{ field: 'content-type', message: expect.stringContaining('content-type') }]);
    expect(lie.body.error.message).toMatch(/文件内容与声明的类型/);
    expect(lie.body.error.message).toMatch(/does not match its content-type/);

    const html = await parent.upload(Buffer.from('<html><script>alert(1)</script></html>'), 'application/pdf');
    expect(html.status).toBe(415);

    for (const type of ['text/plain', 'image/gif', 'application/json']) {
      const r = await parent.upload(type === 'application/json' ? Buffer.from('{"a":1}') : png(), type);
      expect({ type, status: r.status, field: r.body.error.fields?.[0]?.field }).toEqual({ type, status: 415, field: 'content-type' });
      expect(r.body.error.message).toMatch(/不支持的内容类型.*unsupported content-type/);
    }
    const undeclared = await parent.upload(png());
    expect(undeclared.status).toBe(415);
  });

  it('refuses a file over 10 MB with 413 and an empty one with 400', async () => {
    const parent = await as('parent');
    const big = Buffer.alloc(MAX_MATERIAL_BYTES + 1);
    Buffer.from('%PDF-').copy(big);
    const r = await parent.upload(big, 'application/pdf');
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('payload_too_large');
    expect(r.body.error.message).toContain('10MB');

    const atLimit = Buffer.alloc(MAX_MATERIAL_BYTES);
    Buffer.from('%PDF-').copy(atLimit);
    crypto.randomBytes(16).copy(atLimit, 100);
    expect((await parent.upload(atLimit, 'application/pdf')).status).toBe(201);

    const empty = await parent.upload(Buffer.alloc(0), 'application/pdf');
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('empty_file');
    expect((await parent.send('POST', '/api/materials')).status).toBe(400);
  });

  it('stores the same bytes once, however often and by whomever they are uploaded', async () => {
    const parent = await as('parent');
    const other = await newParent();
    const content = jpeg();
    const a = await parent.upload(content, 'image/jpeg');
    const b = await parent.upload(content, 'image/jpeg');
    const c = await other.upload(content, 'image/jpeg');
    expect([a.status, b.status, c.status]).toEqual([201, 201, 201]);
    expect(b.body).toEqual(a.body);
    expect(c.body).toEqual(a.body);
    const rows = await pool.query('SELECT count(*)::int AS n FROM materials WHERE file_id = $1', [a.body.fileId]);
    expect(rows.rows[0].n).toBe(1);
    const owners = await pool.query('SELECT user_id FROM material_owners WHERE file_id = $1 ORDER BY user_id', [a.body.fileId]);
    expect(owners.rows.map((r) => r.user_id).sort()).toEqual([parent.userId, other.userId].sort());
  });

  it('hides a file from a parent who did not upload it and from departments with no step on it (404, as for no file at all); the supervision office and administrators may read it', async () => {
    const parent = await as('parent');
    const content = png();
    const up = await parent.upload(content, 'image/png');
    const path = `/api/materials/${up.body.fileId}`;

    const other = await newParent();
    const hidden = await other.get(path);
    const missing = await other.get(`/api/materials/${'0'.repeat(64)}`);
    expect(hidden.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(hidden.body.error.code).toBe(missing.body.error.code);

    // On no application, so no department has a step on it (test/workflows/application.test.ts covers those who do).
    const police = await (await as('police')).get(path);
    expect(police.status).toBe(404);
    expect(police.body.error.code).toBe(missing.body.error.code);
    for (const username of ['supervisor', 'admin']) {
      const r = await (await as(username)).get(path);
      expect({ username, status: r.status }).toEqual({ username, status: 200 });
      expect(r.bytes.equals(content)).toBe(true);
    }
    expect((await (await as('school')).get(path)).status).toBe(403);
    expect((await (await as('police')).upload(png(), 'image/png')).status).toBe(403);
    expect((await client().get(path)).status).toBe(401);
    expect((await client().upload(png(), 'image/png')).status).toBe(401);
    expect((await parent.get('/api/materials/not-a-hash')).status).toBe(400);
  });
});

describe('importing registry exports', () => {
  const keyed = hmac(KEY);
  const hrssKey = (id: string) => matchKeyForRow(parseRegistryCsv('hrss', `${HRSS_HEADER}\n${id},,1,是`).rows[0]! as ParsedRow, keyed);

  it("refuses an officer of another department with 403, and lets the department's officer and an admin load", async () => {
    const id = freshId();
    const csv = `${HRSS_HEADER}\n${id},,24,是`;
    const police = await as('police');
    const refused = await police.postJson('/api/registries/hrss/imports', { fileName: `wrong-${unique()}.csv`, csv });
    expect(refused.status).toBe(403);
    expect(await findRegistryRecord(pool, 'hrss', [hrssKey(id)])).toBeUndefined();
    expect((await (await as('parent')).postJson('/api/registries/hrss/imports', { fileName: 'x.csv', csv })).status).toBe(403);
    expect((await (await as('supervisor')).postJson('/api/registries/hrss/imports', { fileName: 'x.csv', csv })).status).toBe(403);

    const fileName = `社保-${unique()}.csv`;
    const hrss = await as('hrss');
    const ok = await hrss.postJson('/api/registries/hrss/imports', { fileName, csv });
    expect(ok.status).toBe(201);
    expect(ok.body).toEqual({ importId: expect.any(Number), department: 'hrss', fileName, rowsTotal: 1, rowsLoaded: 1, inserted: 1, replaced: 0 });
    expect(await findRegistryRecord(pool, 'hrss', [hrssKey(id)])).toMatchObject({ importId: ok.body.importId, record: { insuranceMonths: 24 } });

    const admin = await as('admin');
    const again = await admin.postJson('/api/registries/hrss/imports', { fileName: `admin-${unique()}.csv`, csv: `${HRSS_HEADER}\n${id},,25,是` });
    expect(again.body).toMatchObject({ inserted: 0, replaced: 1 });

    const history = await hrss.get('/api/registries/hrss/imports');
    expect(history.status).toBe(200);
    expect(history.body.items[0]).toMatchObject({ id: again.body.importId, rowsLoaded: 1, importedBy: { displayName: '系统管理员' } });
    expect(history.body.items.map((i: { id: number }) => i.id)).toContain(ok.body.importId);
    expect((await police.get('/api/registries/hrss/imports')).status).toBe(403);
    expect((await (await as('supervisor')).get('/api/registries/hrss/imports')).status).toBe(200);
    expect((await hrss.get('/api/registries/education/imports')).status).toBe(400);
  });

  it('answers a malformed file with 422 listing every bad row, and writes nothing', async () => {
    const good = freshId();
    const bad = freshId();
    const fileName = `坏文件-${unique()}.csv`;
    const csv = [HRSS_HEADER, `${good},,24,是`, `${bad.slice(0, 17)}${bad[17] === '0' ? '1' : '0'},,24,是`, `${freshId()},,24,可能`, ''].join('\n');
    const r = await (await as('hrss')).postJson('/api/registries/hrss/imports', { fileName, csv });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('invalid_rows');
    expect(r.body.error.fields).toEqual([
      { field: 'row 3.id_number', message: '身份证号有误：身份证号校验位错误' },
      { field: 'row 4.employed', message: '是否在职只能填写“是”或“否”（或true/false），实际为“可能”' },
    ]);
    expect(r.body.error.message).toContain('未导入任何记录');
    expect(findFullIdNumbers(JSON.stringify(r.body))).toEqual([]);
    expect((await pool.query('SELECT count(*)::int AS n FROM registry_imports WHERE file_name = $1', [fileName])).rows[0].n).toBe(0);
    expect(await findRegistryRecord(pool, 'hrss', [hrssKey(good)])).toBeUndefined();
  });

  it('takes a large file as text/csv (GBK from Excel or UTF-8), with the file name in the query', async () => {
    const hrss = await as('hrss');
    const ids = Array.from({ length: 30_000 }, (_, i) => makeId('4401' + String(10 + (i % 90)), '19870707', String(100 + Math.floor(i / 90))));
    const csv = [HRSS_HEADER, ...ids.map((id) => `${id},91350100M000100Y43,36,是`)].join('\r\n');
    expect(Buffer.byteLength(csv)).toBeGreaterThan(1024 * 1024);
    const big = await hrss.send('POST', `/api/registries/hrss/imports?fileName=${encodeURIComponent('社保全量.csv')}`, csv, { 'content-type': 'text/csv' });
    expect(big.status).toBe(201);
    expect(big.body).toMatchObject({ fileName: '社保全量.csv', rowsLoaded: 30_000 });

    // "是" in GBK is C A C7; as UTF-8 those bytes are invalid, so the file is read as GB18030.
    const id = freshId();
    const gbk = Buffer.concat([Buffer.from(`${HRSS_HEADER}\r\n${id},,7,`), Buffer.from([0xca, 0xc7]), Buffer.from('\r\n')]);
    const g = await hrss.send('POST', '/api/registries/hrss/imports?fileName=gbk.csv', gbk, { 'content-type': 'text/csv' });
    expect(g.status).toBe(201);
    expect(await findRegistryRecord(pool, 'hrss', [hrssKey(id)])).toMatchObject({ record: { employed: true, insuranceMonths: 7 } });

    const noName = await hrss.send('POST', '/api/registries/hrss/imports', csv.slice(0, 200), { 'content-type': 'text/csv' });
    expect(noName.status).toBe(400);
    expect(noName.body.error.fields[0].field).toBe('query.fileName');
    const tooBig = await hrss.send('POST', '/api/registries/hrss/imports?fileName=x.csv', Buffer.alloc(5 * 1024 * 1024 + 1, 0x41), { 'content-type': 'text/csv' });
    expect(tooBig.status).toBe(413);
    const wrongType = await hrss.send('POST', '/api/registries/hrss/imports?fileName=x.csv', csv.slice(0, 200), { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.error.fields[0].field).toBe('content-type');
    const missingFields = await hrss.postJson('/api/registries/hrss/imports', {});
    expect(missingFields.status).toBe(400);
    expect(missingFields.body.error.fields.map((f: { field: string }) => f.field)).toEqual(['body.fileName', 'body.csv']);
  });
});

it('documents the upload body as binary and the import body as JSON or CSV', () => {
  const doc = new OpenApiGeneratorV31(routes.registry.definitions).generateDocument({ openapi: '3.1.0', info: { title: 't', version: '0' } });
  const upload = doc.paths!['/api/materials']!.post!;
  const content = (upload.requestBody as { content: Record<string, { schema: unknown }> }).content;
  expect(Object.keys(content)).toEqual(['application/pdf', 'image/jpeg', 'image/png']);
  expect(content['image/png']!.schema).toEqual({ type: 'string', format: 'binary' });
  expect(Object.keys(upload.responses ?? {})).toEqual(expect.arrayContaining(['201', '413', '415']));
  const imp = doc.paths!['/api/registries/{department}/imports']!.post!;
  expect(Object.keys((imp.requestBody as { content: object }).content)).toEqual(['application/json', 'text/csv']);
});
