/**
 * Entry point: the Temporal worker alone, against external servers (TEMPORAL_ADDRESS, DATABASE_URL).
 * The one-command start (scripts/start.ts) runs this same file as a child process with those variables set.
 * SIGTERM / SIGINT: the SDK's runtime stops polling, lets running tasks finish, then run() resolves.
 */
import { Client, Connection } from '@temporalio/client';
import { ensureSchedules } from '../platform/schedules';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfigOrExit, requireExternalServers } from '../platform/config';
import { createLogger } from '../platform/logger';
import { ensureSearchAttributes } from '../platform/temporal-namespace';
import { encryptedDataConverter } from '../platform/payload-codec';
import { createPool } from '../db/pool';
import { prepareDatabase } from '../db/prepare';
import { buildWorkflowBundle, createWorker } from './create-worker';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const { temporalAddress, databaseUrl, personalDataKey, payloadKeys } = requireExternalServers(config);
  const log = createLogger('worker', config.LOG_LEVEL);
  // The SDK's own logs go through the same logger, so they get the same masking of personal data.
  Runtime.install({
    logger: new DefaultLogger('INFO', (entry) => {
      const level = entry.level === 'WARN' ? 'warn' : entry.level === 'ERROR' ? 'error' : entry.level === 'DEBUG' || entry.level === 'TRACE' ? 'debug' : 'info';
      log[level](entry.meta ?? {}, entry.message);
    }),
  });

  const pool = createPool(databaseUrl, config.DATABASE_POOL_SIZE);
  await prepareDatabase(pool);

  const client = await Connection.connect({ address: temporalAddress });
  const added = await ensureSearchAttributes(client, config.TEMPORAL_NAMESPACE);
  if (added.length) log.info({ added }, 'registered search attributes');
  const schedules = await ensureSchedules(new Client({ connection: client, namespace: config.TEMPORAL_NAMESPACE, dataConverter: encryptedDataConverter(payloadKeys) }), config.TEMPORAL_TASK_QUEUE);
  if (schedules.length) log.info({ schedules }, 'created schedules');
  await client.close();

  log.info('bundling workflow code');
  const workflowBundle = await buildWorkflowBundle();
  const connection = await NativeConnection.connect({ address: temporalAddress });
  const worker = await createWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    pool,
    workflowBundle,
    personalDataKey,
    retentionDays: config.RETENTION_DAYS,
    dataConverter: encryptedDataConverter(payloadKeys),
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
  });
  log.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, temporalAddress }, 'worker running');
  try {
    await worker.run();
  } finally {
    await connection.close();
    await pool.end();
    log.info('worker stopped');
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
