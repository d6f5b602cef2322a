/**
 * `npm run sweep`: list the running workflows that are not making progress (operations/stalled-workflows.ts), for an
 * operator. Reads the same configuration as the service (TEMPORAL_ADDRESS, DATABASE_URL; unset: the embedded servers
 * that `npm start` runs on this machine). Changes nothing.
 *
 *   npm run sweep            one line per stalled workflow, then a summary
 *   npm run sweep -- --json  the same as JSON
 *
 * Exit status: 0 nothing stalled, 2 something stalled, 1 the sweep could not run (a server unreachable).
 */
import { Client, Connection } from '@temporalio/client';
import { loadConfigOrExit } from '../platform/config';
import { embeddedPostgresUrl } from '../platform/postgres-server';
import { createPool } from '../db/pool';
import { STALL_KIND_NAMES_ZH, findStalledWorkflows } from '../operations/stalled-workflows';

async function main(): Promise<number> {
  const config = loadConfigOrExit();
  const json = process.argv.includes('--json');
  const temporalAddress = config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`;
  const databaseUrl = config.DATABASE_URL ?? embeddedPostgresUrl(config.POSTGRES_PORT);
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: temporalAddress, connectTimeout: 5000 });
  } catch (err) {
    process.stderr.write(`无法连接 Temporal（${temporalAddress}）：${(err as Error).message}\n`);
    return 1;
  }
  const pool = createPool(databaseUrl, 2);
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    process.stderr.write(`无法连接数据库（${new URL(databaseUrl).host}）：${(err as Error).message}\n`);
    await pool.end();
    await connection.close();
    return 1;
  }
  try {
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    const result = await findStalledWorkflows({ client, pool });
    if (json) {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } else {
      for (const s of result.stalls) {
        const parts = [
          STALL_KIND_NAMES_ZH[s.kind],
          `${s.workflowId}${s.runId ? ` (${s.runId})` : ''}`,
          s.workflowType ?? '',
          s.subject,
          s.attempt !== null ? `第 ${s.attempt} 次` : '',
          s.since ? `自 ${s.since}` : '',
          s.lastError ? `最近错误：${s.lastError}` : '',
        ];
        process.stdout.write(`${parts.filter(Boolean).join('  ')}\n`);
      }
      process.stdout.write(`检查了 ${result.described} 个运行中的工作流，停滞 ${result.stalls.length} 项\n`);
    }
    return result.stalls.length ? 2 : 0;
  } catch (err) {
    process.stderr.write(`巡检未能完成：${(err as Error).message}\n`);
    return 1;
  } finally {
    await pool.end();
    await connection.close();
  }
}

main().then((code) => process.exit(code), (err) => {
  console.error(err);
  process.exit(1);
});
