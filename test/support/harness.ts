/**
 * A test's view of the running service: a pool on the suite's PostgreSQL, a Temporal client, a worker on a task
 * queue of its own (so test files never steal each other's tasks), and the API listening on port 0.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type pg from 'pg';
import { createApp } from '../../api/app';
import { CalendarSource } from '../../db/calendar-source';
import { createPool } from '../../db/pool';
import { ensureUser } from '../../db/repositories/users';
import { hashPassword } from '../../api/auth/passwords';
import type { Role } from '../../domain/roles';
import { DEMO_PASSWORD, seedDemoData } from '../../db/seed-demo';
import { prepareDatabase } from '../../db/prepare';
import { createLogger } from '../../platform/logger';
import { encryptedDataConverter } from '../../platform/payload-codec';
import { createWorker } from '../../worker/create-worker';
import { ensureSearchAttributes } from '../../platform/temporal-namespace';
import { waitFor } from './wait';

let runtimeInstalled = false;
let demoPasswordHash: Promise<string> | undefined;
const demoHash = () => (demoPasswordHash ??= hashPassword(DEMO_PASSWORD));
/** Where this Jest worker's logs go: one file per process and kind under test-results/logs. */
export const TEST_LOG_DIR = path.join(__dirname, '..', '..', 'test-results', 'logs');
function testLogFile(kind: string) {
  fs.mkdirSync(TEST_LOG_DIR, { recursive: true });
  return pino.destination({ dest: path.join(TEST_LOG_DIR, `${kind}-${process.pid}.log`), sync: true });
}

/** Two keys, so every test run also exercises decryption by a key that is not the current one's id. */
export const TEST_PAYLOAD_KEYS = `test2:${Buffer.alloc(32, 2).toString('base64')},test1:${Buffer.alloc(32, 1).toString('base64')}`;

export const TEST_PERSONAL_DATA_KEY = 'test-personal-data-key-0123456789abcdef';

export interface Harness {
  pool: pg.Pool;
  client: Client;
  taskQueue: string;
  baseUrl: string;
  worker: Worker;
  /**
   * Stops the worker, awaits send while no worker polls, then starts a new worker on the same task queue. Whatever
   * send has put into the server by then (signals; updates admitted, see test/support/concurrency.ts) reaches each
   * workflow in one workflow task, as acts of several officers in the same second do. The new worker's cache is
   * empty, so each of those workflows first replays its whole history.
   */
  withWorkerStopped<T>(send: () => Promise<T>): Promise<T>;
  /** Log in as a user (the demo users share DEMO_PASSWORD) and return a request helper bound to the token. */
  as(username: string, password?: string): Promise<Api>;
  anonymous: Api;
  /** A fresh user of the role (a new family, a new officer), logged in. */
  newUser(role: Role, opts?: { departmentCode?: string; schoolId?: string }): Promise<Api & { userId: string }>;
  stop(): Promise<void>;
}

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

export interface Api {
  token?: string;
  get<T = any>(path: string): Promise<ApiResponse<T>>;
  post<T = any>(path: string, body?: unknown): Promise<ApiResponse<T>>;
  request<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse<T>>;
}

/**
 * Who may see full ID numbers in answers: a parent (their own family) and the officers who verify them. Everything
 * answered to anyone else is written to the run's log folder, which the end-of-run scan reads: a full ID number
 * there fails the run.
 */
const ENTITLED_DEPARTMENTS = new Set(['education', 'police', 'hrss', 'housing', 'market', 'finance']);
function entitledToIdNumbers(user?: { role: string; departmentCode: string | null }): boolean {
  return user !== undefined && (user.role === 'applicant' || (user.role === 'officer' && ENTITLED_DEPARTMENTS.has(user.departmentCode ?? '')));
}
let responseLog: number | undefined;
function logResponse(method: string, url: string, status: number, text: string): void {
  if (responseLog === undefined) {
    fs.mkdirSync(TEST_LOG_DIR, { recursive: true });
    responseLog = fs.openSync(path.join(TEST_LOG_DIR, `responses-${process.pid}.log`), 'a');
  }
  fs.writeSync(responseLog, `${method} ${url} ${status} ${text}\n`);
}

function apiFor(baseUrl: string, token?: string, user?: { role: string; departmentCode: string | null }): Api {
  const scanned = !entitledToIdNumbers(user);
  const request = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(baseUrl + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    if (scanned) logResponse(method, path, res.status, text);
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON; keep the text
    }
    return { status: res.status, body: parsed as any };
  };
  return {
    token,
    request,
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body ?? {}),
  };
}

export interface HarnessOptions {
  /** Compress working-day schedules: one calendar day of the schedule lasts 86400 / factor seconds. */
  timeScaleFactor?: number;
  /** A database of the test's own (already prepared) instead of the suite's shared one. */
  databaseUrl?: string;
  /**
   * A Temporal namespace of the test's own, required with a database of its own: workflow ids come from the database's
   * numbers (application and problem numbers), so a second database in the shared namespace would reuse the ids of
   * the other test files' workflows.
   */
  namespace?: string;
}

/**
 * Workflows the test worker keeps in memory between tasks. TEST_WORKER_CACHED_WORKFLOWS=0 (the replay lane of
 * `npm test`) keeps none, so every workflow task replays the whole history and nondeterminism fails where it happens.
 */
export function testWorkerCacheSize(): number | undefined {
  const v = process.env.TEST_WORKER_CACHED_WORKFLOWS;
  return v === undefined || v === '' ? undefined : Number(v);
}

/** Registers a namespace on the suite's dev server with the service's search attributes, and waits until it answers. */
async function ensureTestNamespace(connection: Connection, namespace: string): Promise<void> {
  try {
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
  } catch (err) {
    if (!/already exists/i.test(String((err as Error).message))) throw err;
  }
  await waitFor(
    async () => {
      try {
        await ensureSearchAttributes(connection, namespace);
        await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
        return true;
      } catch {
        return false;
      }
    },
    { what: `namespace ${namespace} to answer`, timeoutMs: 60_000, intervalMs: 500 },
  );
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  if (opts.databaseUrl && !opts.namespace) throw new Error('a test with a database of its own needs a Temporal namespace of its own (HarnessOptions.namespace)');
  const namespace = opts.namespace ?? 'default';
  const databaseUrl = opts.databaseUrl ?? process.env.TEST_DATABASE_URL;
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  const bundlePath = process.env.TEST_WORKFLOW_BUNDLE;
  if (!databaseUrl || !address || !bundlePath) throw new Error('the global test setup did not run');
  if (!runtimeInstalled) {
    // The SDK's logs go to the run's log folder (scanned for personal data at the end), and it never installs signal
    // handlers in a Jest worker.
    const sdkLog = createLogger('worker-test', process.env.TEST_CORE_LOG_LEVEL ? 'trace' : 'info', testLogFile('worker'));
    const write = (level: 'trace' | 'debug' | 'info' | 'warn' | 'error') => (message: string, meta?: Record<string, unknown>) => sdkLog[level](meta ?? {}, message);
    // Core's own logs (the Rust part of the SDK) are forwarded too, at WARN unless TEST_CORE_LOG_LEVEL says otherwise:
    // its warnings (a local activity dropped, a task buffered) are what explains a task that hangs.
    const coreLevel = (process.env.TEST_CORE_LOG_LEVEL ?? 'WARN') as 'WARN';
    Runtime.install({ shutdownSignals: [], telemetryOptions: { logging: { filter: { core: coreLevel, other: 'WARN' }, forward: {} } }, logger: { log: (level, message, meta) => write(level.toLowerCase() as 'info')(message, meta), trace: write('trace'), debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') } });
    runtimeInstalled = true;
  }

  const pool = createPool(databaseUrl, 5);
  const taskQueue = `test-${crypto.randomUUID()}`;
  const clientConnection = await Connection.connect({ address });
  if (namespace !== 'default') await ensureTestNamespace(clientConnection, namespace);
  const client = new Client({ connection: clientConnection, namespace, dataConverter: encryptedDataConverter(TEST_PAYLOAD_KEYS) });
  const workerConnection = await NativeConnection.connect({ address });
  const timeScale = opts.timeScaleFactor ? { factor: opts.timeScaleFactor, origin: new Date() } : undefined;
  const newWorker = () =>
    createWorker({
      connection: workerConnection,
      namespace,
      taskQueue,
      pool,
      workflowBundle: { codePath: bundlePath },
      timeScale,
      personalDataKey: TEST_PERSONAL_DATA_KEY,
      dataConverter: encryptedDataConverter(TEST_PAYLOAD_KEYS),
      maxCachedWorkflows: testWorkerCacheSize(),
    });
  let worker = await newWorker();
  let running = worker.run();

  const app = createApp({ pool, temporal: client, taskQueue, sessionTtlHours: 1, log: createLogger('api-test', process.env.TEST_LOG_LEVEL ?? 'info', testLogFile('api')), calendar: new CalendarSource(pool), personalDataKey: TEST_PERSONAL_DATA_KEY });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const anonymous = apiFor(baseUrl);

  const as = async (username: string, password = DEMO_PASSWORD) => {
    const r = await anonymous.post<{ token: string }>('/api/auth/login', { username, password });
    if (r.status !== 200) throw new Error(`login as ${username} failed: ${r.status} ${JSON.stringify(r.body)}`);
    return apiFor(baseUrl, r.body.token, (r.body as unknown as { user: { role: string; departmentCode: string | null } }).user);
  };

  return {
    pool,
    client,
    taskQueue,
    baseUrl,
    get worker() {
      return worker;
    },
    async withWorkerStopped(send) {
      worker.shutdown();
      await running;
      try {
        return await send();
      } finally {
        worker = await newWorker();
        running = worker.run();
      }
    },
    anonymous,
    as,
    async newUser(role, opts = {}) {
      const username = `${role}-${crypto.randomUUID().slice(0, 12)}`;
      const user = await ensureUser(pool, { username, displayName: `测试${username.slice(-4)}`, passwordHash: await demoHash(), role, departmentCode: opts.departmentCode, schoolId: opts.schoolId });
      const api = await as(username);
      return Object.assign(api, { userId: user.id });
    },
    async stop() {
      await new Promise((r) => server.close(r));
      worker.shutdown();
      await running;
      await workerConnection.close();
      await clientConnection.close();
      await pool.end();
    },
  };
}

/**
 * A harness on a database (with the demo data) and a Temporal namespace of its own, for a file whose data would
 * disturb the others' (a year's official calendar, a week's report). stop() also drops the database.
 */
export async function startHarnessOnOwnDatabase(prefix: string): Promise<Harness> {
  const name = `${prefix}_${crypto.randomBytes(4).toString('hex')}`;
  const url = new URL(process.env.TEST_DATABASE_URL!);
  const admin = createPool(url.toString(), 1);
  await admin.query(`CREATE DATABASE ${name}`);
  url.pathname = `/${name}`;
  const pool = createPool(url.toString(), 2);
  await prepareDatabase(pool);
  await seedDemoData(pool);
  await pool.end();
  const h = await startHarness({ databaseUrl: url.toString(), namespace: name });
  return {
    ...h,
    async stop() {
      await h.stop();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
    },
  };
}
