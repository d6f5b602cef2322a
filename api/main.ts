/**
 * Entry point: the HTTP API alone, against external servers (TEMPORAL_ADDRESS, DATABASE_URL).
 * The one-command start runs this same file as a child process with those variables set.
 */
import { Client, Connection } from '@temporalio/client';
import { loadConfigOrExit, requireExternalServers } from '../platform/config';
import { createLogger } from '../platform/logger';
import { encryptedDataConverter } from '../platform/payload-codec';
import { createPool } from '../db/pool';
import { prepareDatabase } from '../db/prepare';
import { CalendarSource } from '../db/calendar-source';
import { createApp } from './app';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const { temporalAddress, databaseUrl, personalDataKey, payloadKeys } = requireExternalServers(config);
  const log = createLogger('api', config.LOG_LEVEL);

  const pool = createPool(databaseUrl, config.DATABASE_POOL_SIZE);
  await prepareDatabase(pool);
  // Lazy: the API starts (and /health reports 503) even while Temporal is still coming up.
  const connection = Connection.lazy({ address: temporalAddress });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: encryptedDataConverter(payloadKeys) });

  const app = createApp({
    pool,
    temporal,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    sessionTtlHours: config.SESSION_TTL_HOURS,
    log,
    calendar: new CalendarSource(pool),
    personalDataKey,
    temporalUiUrl: config.TEMPORAL_UI_URL,
  });
  const server = app.listen(config.API_PORT, config.API_HOST, () => {
    log.info({ url: `http://${config.API_HOST}:${config.API_PORT}` }, 'API listening');
  });

  const shutdown = (signal: string) => {
    log.info({ signal }, 'API stopping');
    server.close(async () => {
      await connection.close().catch(() => undefined);
      await pool.end();
      process.exit(0);
    });
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
