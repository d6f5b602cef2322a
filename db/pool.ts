/** One pg.Pool per process; repositories take it as a dependency. */
import pg from 'pg';

// Return DATE columns as 'YYYY-MM-DD' strings: a calendar date has no time zone, and JS Dates would add one.
pg.types.setTypeParser(1082, (v) => v);
// Return BIGINT counts as numbers; the service's counts stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export function createPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5000 });
  // An idle client losing its connection (database restart) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return pool;
}

/** Run fn in one transaction; roll back on any error. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A checked-out client has no error listener of the pool's. A connection the server ends between two queries of the
  // transaction (a database restart) would otherwise be an uncaught 'error' event that ends the process; the next
  // query would fail with "not queryable", which names no cause. Keep the cause, throw it, and drop the client.
  let lost: Error | undefined;
  const onError = (err: Error) => {
    lost = err;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw lost ?? err;
  } finally {
    client.removeListener('error', onError);
    client.release(lost);
  }
}
