import type { Express } from 'express';
import type { ApiDeps } from '../deps';

const CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);
}

async function probe(fn: () => Promise<unknown>): Promise<{ up: boolean; error?: string }> {
  try {
    await withTimeout(fn(), CHECK_TIMEOUT_MS);
    return { up: true };
  } catch (err) {
    return { up: false, error: (err as Error).message };
  }
}

/** GET /health: 200 only when both PostgreSQL and Temporal answer; 503 otherwise, naming which is down. */
export function mountHealth(app: Express, deps: ApiDeps): void {
  app.get('/health', async (_req, res) => {
    const [postgres, temporal] = await Promise.all([
      probe(() => deps.pool.query('SELECT 1')),
      probe(() => deps.temporal.workflowService.getSystemInfo({})),
    ]);
    const ok = postgres.up && temporal.up;
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', postgres, temporal, temporalUi: deps.temporalUiUrl });
  });
}
