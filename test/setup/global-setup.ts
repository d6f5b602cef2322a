/**
 * Starts the real servers once for the whole suite: a Temporal dev server (the same binary and launcher the service
 * uses) and an embedded PostgreSQL in a temporary folder, unless TEMPORAL_ADDRESS / DATABASE_URL point at running
 * ones. Builds the workflow bundle once. Test files find all of it through TEST_* environment variables.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../platform/postgres-server';
import { startTemporalDevServer } from '../../platform/temporal-server';
import { createPool } from '../../db/pool';
import { prepareDatabase } from '../../db/prepare';
import { seedDemoData } from '../../db/seed-demo';
import { buildWorkflowBundle } from '../../worker/create-worker';
import { freePort } from '../support/ports';

const ROOT = path.join(__dirname, '..', '..');

/** A port found free can be taken by another process before the server binds it; try again with new ones. */
async function withRetries<T>(times: number, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= times) throw err;
      process.stdout.write(`[test setup] retrying after: ${(err as Error).message.split('\n')[0]}\n`);
    }
  }
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  // A clean log folder: the personal-data scan at the end reads this run's logs only.
  fs.rmSync(path.join(ROOT, 'test-results', 'logs'), { recursive: true, force: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'enrollment-test-'));
  const stops: (() => Promise<void>)[] = [];
  const log = (l: string) => process.stdout.write(`[test setup] ${l}\n`);

  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({ dataDir: tmp, port: await freePort(), database: 'enrollment_test' });
    stops.push(pg.stop);
    databaseUrl = pg.url;
  }
  let temporalAddress = process.env.TEMPORAL_ADDRESS;
  if (!temporalAddress) {
    const t = await withRetries(3, async () =>
      startTemporalDevServer({
        stateDir: path.join(tmp, 'temporal'),
        port: await freePort(),
        uiPort: await freePort(),
        namespace: 'default',
        cliPath: process.env.TEMPORAL_CLI_PATH,
        toolsDir: path.join(ROOT, '.tools'),
        log,
      }),
    );
    stops.push(t.stop);
    temporalAddress = t.address;
  }

  const pool = createPool(databaseUrl, 2);
  await prepareDatabase(pool);
  await seedDemoData(pool);
  await pool.end();

  const bundle = await buildWorkflowBundle();
  const bundlePath = path.join(tmp, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, bundle.code);

  process.env.TEST_DATABASE_URL = databaseUrl;
  process.env.TEST_TEMPORAL_ADDRESS = temporalAddress;
  process.env.TEST_WORKFLOW_BUNDLE = bundlePath;
  process.env.TEST_TMP_DIR = tmp;
  (globalThis as { __testStops?: typeof stops }).__testStops = stops;
  log(`servers ready in ${((Date.now() - started) / 1000).toFixed(1)} s (PostgreSQL ${databaseUrl.replace(/:[^:@]*@/, ':***@')}, Temporal ${temporalAddress})`);
}
