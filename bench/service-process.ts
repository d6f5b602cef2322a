/**
 * One service process of a benchmark, as production runs them (scripts/start.ts starts the API and the worker as
 * separate processes): so the worker's RSS is its own, and the load generator never shares the API's event loop.
 *
 *   BENCH_SERVICE='{"role":"api"|"worker"|"bare-worker", …}' node --import tsx bench/service-process.ts
 *
 * - api: createApp on a pool of the service's default size, listening on a free port; prints "READY <port>".
 * - worker: createWorker (worker/create-worker.ts, the service's own options) on a prebuilt bundle; prints "READY".
 *   With a time scale, the parent may move its origin over IPC ({ type: 'timeScale', origin, factor }) before it
 *   creates the steps it measures (deadline-storm), and gets { type: 'timeScale-ok' } back.
 * - bare-worker: a worker with the bench-only bare workflows (bench/workflows) and no activities, and the service
 *   worker's cache size: workflows held in memory are what its RSS grows with, so both hold as many.
 * SIGTERM: stop polling, let running tasks finish, exit 0.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import pino from 'pino';
import { createApp } from '../api/app';
import { CalendarSource } from '../db/calendar-source';
import { createPool } from '../db/pool';
import { createLogger } from '../platform/logger';
import { encryptedDataConverter } from '../platform/payload-codec';
import { createWorker, defaultMaxCachedWorkflows } from '../worker/create-worker';
import type { TimeScale } from '../activities/time-scale';

export interface ServiceProcessConfig {
  role: 'api' | 'worker' | 'bare-worker';
  temporalAddress: string;
  databaseUrl: string;
  taskQueue: string;
  payloadKeys: string;
  personalDataKey: string;
  /** Prebuilt workflow bundle (the service's or the bare one). */
  bundlePath?: string;
  timeScale?: { factor: number; origin: number };
  /** Where this process's logs go (info level, as in production). */
  logFile: string;
  /** Pool size; the service's default (DATABASE_POOL_SIZE) is 10. */
  poolSize?: number;
}

async function main(): Promise<void> {
  const cfg = JSON.parse(process.env.BENCH_SERVICE ?? '') as ServiceProcessConfig;
  const dest = pino.destination({ dest: cfg.logFile, sync: false });
  const log = createLogger(`bench-${cfg.role}`, 'info', dest);

  if (cfg.role === 'api') {
    const pool = createPool(cfg.databaseUrl, cfg.poolSize ?? 10);
    const connection = await Connection.connect({ address: cfg.temporalAddress });
    const temporal = new Client({ connection, namespace: 'default', dataConverter: encryptedDataConverter(cfg.payloadKeys) });
    const app = createApp({ pool, temporal, taskQueue: cfg.taskQueue, sessionTtlHours: 12, log, calendar: new CalendarSource(pool), personalDataKey: cfg.personalDataKey });
    const server: Server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    // Many concurrent keep-alive clients: do not let Node drop idle sockets under them between requests.
    server.keepAliveTimeout = 60_000;
    process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`);
    process.once('SIGTERM', () => {
      server.close();
      server.closeAllConnections();
      void Promise.allSettled([connection.close(), pool.end()]).then(() => process.exit(0));
      setTimeout(() => process.exit(0), 5000).unref();
    });
    return;
  }

  Runtime.install({
    shutdownSignals: ['SIGTERM', 'SIGINT'],
    logger: {
      log: (level, message, meta) => log[level === 'WARN' ? 'warn' : level === 'ERROR' ? 'error' : 'debug'](meta ?? {}, message),
      trace: () => undefined,
      debug: () => undefined,
      info: (m, meta) => log.info(meta ?? {}, m),
      warn: (m, meta) => log.warn(meta ?? {}, m),
      error: (m, meta) => log.error(meta ?? {}, m),
    },
  });
  const connection = await NativeConnection.connect({ address: cfg.temporalAddress });
  const dataConverter = encryptedDataConverter(cfg.payloadKeys);
  let worker: Worker;
  let pool: ReturnType<typeof createPool> | undefined;
  if (cfg.role === 'bare-worker') {
    worker = await Worker.create({
      connection,
      namespace: 'default',
      taskQueue: cfg.taskQueue,
      workflowBundle: { codePath: cfg.bundlePath! },
      dataConverter,
      maxCachedWorkflows: defaultMaxCachedWorkflows(),
    });
  } else {
    pool = createPool(cfg.databaseUrl, cfg.poolSize ?? 10);
    // Mutable on purpose: the activities read origin and factor on every call.
    const timeScale: TimeScale | undefined = cfg.timeScale ? { factor: cfg.timeScale.factor, origin: new Date(cfg.timeScale.origin) } : undefined;
    worker = await createWorker({
      connection,
      namespace: 'default',
      taskQueue: cfg.taskQueue,
      pool,
      workflowBundle: { codePath: cfg.bundlePath! },
      timeScale,
      personalDataKey: cfg.personalDataKey,
      dataConverter,
    });
    process.on('message', (m: { type?: string; origin?: number; factor?: number }) => {
      if (m.type === 'timeScale' && timeScale && m.origin !== undefined && m.factor !== undefined) {
        timeScale.origin = new Date(m.origin);
        timeScale.factor = m.factor;
        process.send?.({ type: 'timeScale-ok' });
      }
    });
  }
  const options = worker.options as { maxCachedWorkflows?: number };
  process.stdout.write(`READY ${JSON.stringify({ maxCachedWorkflows: options.maxCachedWorkflows ?? null })}\n`);
  await worker.run();
  await connection.close();
  await pool?.end();
  dest.flushSync();
  process.disconnect?.();
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  fs.writeSync(2, '');
  process.exit(1);
});
