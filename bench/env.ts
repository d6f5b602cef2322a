/**
 * What the service benchmarks share: the servers (a Temporal dev server with its SQLite state file and an embedded
 * PostgreSQL, both in a temporary folder, as the one-command start runs them; or running ones given with
 * --temporal-address / --database-url), the two workflow bundles (the service's, and the bench-only bare workflows
 * bundled on their own), a database per benchmark (so nothing lands in the demo database), the service processes,
 * an HTTP client, percentiles and progress lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import pg from 'pg';
import { hashPassword } from '../api/auth/passwords';
import { createPool } from '../db/pool';
import { prepareDatabase } from '../db/prepare';
import { ensureUser } from '../db/repositories/users';
import { DEMO_PASSWORD } from '../db/seed-demo';
import type { Role } from '../domain/roles';
import { encryptedDataConverter, newPayloadKeySpec } from '../platform/payload-codec';
import { startEmbeddedPostgres } from '../platform/postgres-server';
import { startTemporalDevServer } from '../platform/temporal-server';
import { buildWorkflowBundle } from '../worker/create-worker';
import { freePort } from '../test/support/ports';
import type { ServiceProcessConfig } from './service-process';

const ROOT = path.join(__dirname, '..');

export interface BenchEnvOptions {
  /** host:port of a running Temporal server; unset = start a dev server in a temporary folder. */
  temporalAddress?: string;
  /** postgres:// URL of a running PostgreSQL (any database; the benchmarks create their own); unset = embedded. */
  databaseUrl?: string;
  log?: (line: string) => void;
}

export interface BenchEnv {
  temporalAddress: string;
  tmpDir: string;
  payloadKeys: string;
  personalDataKey: string;
  serviceBundlePath: string;
  bareBundlePath: string;
  /** A client with the service's payload encryption (the same keys as the processes). */
  client: Client;
  /** Whether the servers were started by this run (then the report says "embedded defaults"). */
  embedded: boolean;
  /** A fresh database on the cluster with the service's schema and reference data; dropped at stop(). */
  createDatabase(prefix: string): Promise<{ url: string; pool: pg.Pool }>;
  spawnService(cfg: Omit<ServiceProcessConfig, 'temporalAddress' | 'payloadKeys' | 'personalDataKey' | 'logFile'> & { name: string }): Promise<ServiceProcess>;
  log(line: string): void;
  stop(): Promise<void>;
}

let current: Promise<BenchEnv> | undefined;

/** The shared environment, started on first use. */
export function benchEnv(opts: BenchEnvOptions = {}): Promise<BenchEnv> {
  current ??= startBenchEnv(opts);
  return current;
}

/** Stops the shared environment if one was started. */
export async function stopBenchEnv(): Promise<void> {
  if (!current) return;
  const env = await current.catch(() => undefined);
  current = undefined;
  await env?.stop();
}

function urlWithDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function startBenchEnv(opts: BenchEnvOptions): Promise<BenchEnv> {
  const log = opts.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'enrollment-bench-'));
  const stops: (() => Promise<void>)[] = [];
  const started = performance.now();

  let databaseUrl = opts.databaseUrl;
  if (!databaseUrl) {
    log(`[bench] starting embedded PostgreSQL in ${tmpDir}`);
    const pgServer = await startEmbeddedPostgres({ dataDir: tmpDir, port: await freePort(), database: 'bench' });
    stops.push(pgServer.stop);
    databaseUrl = pgServer.url;
  }
  let temporalAddress = opts.temporalAddress;
  if (!temporalAddress) {
    const t = await startTemporalDevServer({
      stateDir: path.join(tmpDir, 'temporal'),
      port: await freePort(),
      uiPort: await freePort(),
      namespace: 'default',
      cliPath: process.env.TEMPORAL_CLI_PATH,
      toolsDir: path.join(ROOT, '.tools'),
      log: (l) => log(`[bench] ${l}`),
    });
    stops.push(t.stop);
    temporalAddress = t.address;
  }

  log('[bench] bundling the service workflows and the bare bench workflows');
  const serviceBundlePath = path.join(tmpDir, 'service-bundle.js');
  fs.writeFileSync(serviceBundlePath, (await buildWorkflowBundle()).code);
  const bareBundlePath = path.join(tmpDir, 'bare-bundle.js');
  const quiet = { trace: () => undefined, debug: () => undefined, info: () => undefined, log: () => undefined, warn: (m: string) => log(m), error: (m: string) => log(m) };
  fs.writeFileSync(bareBundlePath, (await bundleWorkflowCode({ workflowsPath: require.resolve('./workflows/index'), logger: quiet })).code);

  const payloadKeys = newPayloadKeySpec('bench');
  const personalDataKey = crypto.randomBytes(24).toString('hex');
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, namespace: 'default', dataConverter: encryptedDataConverter(payloadKeys) });
  const admin = createPool(databaseUrl, 2);
  const databases: string[] = [];
  const children = new Set<ServiceProcess>();
  const runId = `${Date.now().toString(36)}${crypto.randomBytes(2).toString('hex')}`;
  log(`[bench] servers ready in ${((performance.now() - started) / 1000).toFixed(1)} s (Temporal ${temporalAddress})`);

  const env: BenchEnv = {
    temporalAddress,
    tmpDir,
    payloadKeys,
    personalDataKey,
    serviceBundlePath,
    bareBundlePath,
    client,
    embedded: !opts.temporalAddress && !opts.databaseUrl,
    log,
    async createDatabase(prefix) {
      const name = `bench_${prefix}_${runId}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
      await admin.query(`CREATE DATABASE ${name}`);
      databases.push(name);
      const url = urlWithDatabase(databaseUrl!, name);
      const pool = createPool(url, 4);
      await prepareDatabase(pool);
      return { url, pool };
    },
    async spawnService(cfg) {
      const logFile = path.join(tmpDir, `${cfg.name}.log`);
      const full: ServiceProcessConfig = { ...cfg, temporalAddress: temporalAddress!, payloadKeys, personalDataKey, logFile };
      const p = await spawnServiceProcess(cfg.name, full);
      children.add(p);
      p.onExit(() => children.delete(p));
      return p;
    },
    async stop() {
      for (const c of [...children]) await c.stop().catch(() => undefined);
      await connection.close().catch(() => undefined);
      for (const name of databases.reverse()) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await admin.end().catch(() => undefined);
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
      fs.rmSync(tmpDir, { recursive: true, force: true });
    },
  };
  return env;
}

// ---------------------------------------------------------------------------------------------------------------
// Service processes.

export interface ServiceProcess {
  name: string;
  pid: number;
  /** The API's port (api role). */
  port?: number;
  /** What the worker reported at start (its cache size). */
  info: { maxCachedWorkflows?: number | null };
  /** Resident set now and its high-water mark, from /proc (KiB); null where /proc is not available. */
  memory(): { rssKiB: number; hwmKiB: number } | null;
  send(message: unknown, ack: string, timeoutMs?: number): Promise<void>;
  onExit(fn: () => void): void;
  stop(): Promise<void>;
}

function spawnServiceProcess(name: string, cfg: ServiceProcessConfig): Promise<ServiceProcess> {
  // BENCH_PROFILE_DIR: write a V8 CPU profile of every service process there (for finding where the time goes).
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', '--cpu-prof-dir', path.join(process.env.BENCH_PROFILE_DIR, name)] : [];
  const child: ChildProcess = spawn(process.execPath, [...profile, '--import', 'tsx', path.join(__dirname, 'service-process.ts')], {
    cwd: ROOT,
    env: { ...process.env, BENCH_SERVICE: JSON.stringify(cfg) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (d: Buffer) => {
    stderr.push(d.toString());
    if (stderr.length > 40) stderr.shift();
  });
  let exited = false;
  const exitFns: (() => void)[] = [];
  child.once('exit', () => {
    exited = true;
    for (const f of exitFns) f();
  });
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 60 s: ${stderr.join('')}`)), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready: ${stderr.join('')}`));
    });
    child.stdout?.on('data', (d: Buffer) => {
      buffer += d.toString();
      const line = buffer.split('\n').find((l) => l.startsWith('READY'));
      if (!line) return;
      clearTimeout(timer);
      child.stdout?.removeAllListeners('data');
      child.stdout?.resume();
      const rest = line.slice('READY'.length).trim();
      const port = cfg.role === 'api' ? Number(rest) : undefined;
      const info = cfg.role === 'api' ? {} : (JSON.parse(rest || '{}') as { maxCachedWorkflows?: number | null });
      resolve({
        name,
        pid: child.pid!,
        port,
        info,
        memory: () => procMemory(child.pid!),
        send(message, ack, timeoutMs = 10_000) {
          return new Promise((res, rej) => {
            const t = setTimeout(() => rej(new Error(`${name}: no ${ack} in ${timeoutMs} ms`)), timeoutMs);
            const on = (m: { type?: string }) => {
              if (m?.type !== ack) return;
              clearTimeout(t);
              child.off('message', on);
              res();
            };
            child.on('message', on);
            child.send(message as object);
          });
        },
        onExit(fn) {
          if (exited) fn();
          else exitFns.push(fn);
        },
        stop() {
          if (exited) return Promise.resolve();
          return new Promise<void>((res) => {
            const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
            child.once('exit', () => {
              clearTimeout(kill);
              res();
            });
            child.kill('SIGTERM');
          });
        },
      });
    });
  });
}

export function procMemory(pid: number): { rssKiB: number; hwmKiB: number } | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM') };
  } catch {
    return null;
  }
}

/** Samples a process's RSS every intervalMs until stopped; returns the peak and the samples' timeline. */
export function sampleRss(p: ServiceProcess, intervalMs = 250): { stop(): { peakKiB: number; hwmKiB: number; samples: number; lastKiB: number } } {
  let peak = 0;
  let last = 0;
  let hwm = 0;
  let samples = 0;
  const take = () => {
    const m = p.memory();
    if (!m) return;
    samples += 1;
    last = m.rssKiB;
    peak = Math.max(peak, m.rssKiB);
    hwm = m.hwmKiB;
  };
  take();
  const t = setInterval(take, intervalMs);
  return {
    stop() {
      take();
      clearInterval(t);
      return { peakKiB: peak, hwmKiB: hwm, samples, lastKiB: last };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP.

export interface HttpResult<T = any> {
  status: number;
  body: T;
  ms: number;
}

export interface Http {
  token?: string;
  get<T = any>(p: string): Promise<HttpResult<T>>;
  post<T = any>(p: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult<T>>;
}

export function http(baseUrl: string, token?: string): Http {
  const request = async (method: string, p: string, body?: unknown, headers: Record<string, string> = {}) => {
    const t0 = performance.now();
    const res = await fetch(baseUrl + p, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const ms = performance.now() - t0;
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed as any, ms };
  };
  return { token, get: (p) => request('GET', p), post: (p, body, headers) => request('POST', p, body ?? {}, headers) };
}

let passwordHash: Promise<string> | undefined;

/** Creates (or finds) a user with the demo password and logs in through the API. */
export async function loginAs(pool: pg.Pool, baseUrl: string, u: { username: string; role: Role; departmentCode?: string; schoolId?: string; displayName?: string }): Promise<Http & { userId: string }> {
  passwordHash ??= hashPassword(DEMO_PASSWORD);
  const user = await ensureUser(pool, { username: u.username, displayName: u.displayName ?? u.username, passwordHash: await passwordHash, role: u.role, departmentCode: u.departmentCode, schoolId: u.schoolId });
  const r = await http(baseUrl).post<{ token: string }>('/api/auth/login', { username: u.username, password: DEMO_PASSWORD });
  if (r.status !== 200) throw new Error(`login as ${u.username}: ${r.status} ${JSON.stringify(r.body)}`);
  return Object.assign(http(baseUrl, r.body.token), { userId: user.id });
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers and progress.

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export interface Distribution {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

export function distribution(xs: readonly number[]): Distribution {
  const s = [...xs].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { n: s.length, p50: r2(percentile(s, 50)), p95: r2(percentile(s, 95)), p99: r2(percentile(s, 99)), max: r2(s[s.length - 1] ?? NaN), mean: r2(mean) };
}

export const ratioOf = (a: number, b: number): number => (b > 0 && Number.isFinite(a) ? Math.round((a / b) * 100) / 100 : NaN);

/** Runs fn over items with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** A progress line every `everyMs` while work runs: "label 340/2000 (12.3/s)". */
export function progress(label: string, total: number, log: (l: string) => void, everyMs = 3000): { tick(n?: number): void; done(): number } {
  let count = 0;
  const t0 = performance.now();
  let last = t0;
  const line = () => {
    const s = (performance.now() - t0) / 1000;
    log(`  ${label} ${count}/${total} (${(count / Math.max(s, 0.001)).toFixed(1)}/s, ${s.toFixed(0)} s)`);
  };
  return {
    tick(n = 1) {
      count += n;
      const now = performance.now();
      if (now - last >= everyMs) {
        last = now;
        line();
      }
    },
    done() {
      line();
      return (performance.now() - t0) / 1000;
    },
  };
}

export async function waitUntil<T>(fn: () => Promise<T | undefined | false | null>, what: string, timeoutMs: number, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export { machine, type Machine } from './machine';

/**
 * Resolves waits on rows appearing in the read model with one query per tick for everything awaited, instead of a
 * poll per waiter: the load generator's looking must not be what the benchmark measures.
 */
export class RowWatcher {
  private waiting = new Map<string, { resolve: () => void; since: number }>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly pool: pg.Pool,
    /** Returns which of the keys are there now. */
    private readonly present: (pool: pg.Pool, keys: string[]) => Promise<string[]>,
    private readonly intervalMs = 25,
    private readonly timeoutMs = 300_000,
  ) {}

  wait(key: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.set(key, {
        resolve,
        since: Date.now(),
      });
      (this.waiting.get(key) as { reject?: (e: Error) => void }).reject = reject;
      this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
    });
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const keys = [...this.waiting.keys()];
      if (keys.length === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
        return;
      }
      const found = new Set(await this.present(this.pool, keys));
      const now = Date.now();
      for (const k of keys) {
        const w = this.waiting.get(k) as { resolve: () => void; since: number; reject?: (e: Error) => void };
        if (found.has(k)) {
          this.waiting.delete(k);
          w.resolve();
        } else if (now - w.since > this.timeoutMs) {
          this.waiting.delete(k);
          w.reject?.(new Error(`timed out waiting for ${k}`));
        }
      }
    } finally {
      this.busy = false;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// CPU time by component, from /proc: what each part of the system spent, whatever else runs on the machine.

const CLOCK_TICKS = 100; // USER_HZ on Linux

function procStat(pid: number): { ppid: number; cpuSeconds: number; reapedChildrenSeconds: number } | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // fields after the name: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14)
    return { ppid: Number(f[1]), cpuSeconds: (Number(f[11]) + Number(f[12])) / CLOCK_TICKS, reapedChildrenSeconds: (Number(f[13]) + Number(f[14])) / CLOCK_TICKS };
  } catch {
    return null;
  }
}

function allPids(): number[] {
  try {
    return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return [];
  }
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

export type CpuSnapshot = Record<string, number>;

/**
 * CPU seconds so far of: the worker and API processes given, the Temporal dev server and the PostgreSQL cluster of
 * this run (found by their state folders under the bench's temporary folder; absent with given servers; PostgreSQL's
 * backends included, live and exited), and this process (the load generator).
 */
export function cpuSnapshot(env: BenchEnv, processes: Record<string, ServiceProcess | undefined>): CpuSnapshot {
  const out: CpuSnapshot = {};
  for (const [k, p] of Object.entries(processes)) if (p) out[k] = procStat(p.pid)?.cpuSeconds ?? NaN;
  const own = process.cpuUsage();
  out.driver = (own.user + own.system) / 1e6;
  if (env.embedded) {
    const pids = allPids();
    const temporal = pids.find((p) => cmdline(p).includes(path.join(env.tmpDir, 'temporal')));
    if (temporal) out.temporal = procStat(temporal)?.cpuSeconds ?? NaN;
    const postmaster = pids.find((p) => {
      const c = cmdline(p);
      return c.includes('postgres') && c.includes(path.join(env.tmpDir, 'postgres')) && !c.includes('initdb');
    });
    if (postmaster) {
      // The postmaster reaps its backends, so theirs is in its children's times once they exit.
      const pm = procStat(postmaster);
      let sum = (pm?.cpuSeconds ?? 0) + (pm?.reapedChildrenSeconds ?? 0);
      for (const p of pids) {
        const st = procStat(p);
        if (st && st.ppid === postmaster) sum += st.cpuSeconds;
      }
      out.postgres = sum;
    }
  }
  return out;
}

export function cpuDelta(a: CpuSnapshot, b: CpuSnapshot): CpuSnapshot {
  const out: CpuSnapshot = {};
  for (const k of Object.keys(b)) if (a[k] !== undefined) out[k] = Math.round((b[k]! - a[k]!) * 100) / 100;
  return out;
}
