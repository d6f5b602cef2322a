/**
 * Builds the Temporal worker from its dependencies. The workflow bundle is built once per process (webpack takes
 * seconds) and can be passed in prebuilt, which the tests do.
 */
import path from 'node:path';
import v8 from 'node:v8';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type pg from 'pg';
import { createActivities } from '../activities';
import type { TimeScale } from '../activities/time-scale';
import { retryReporting } from './retry-reporting';

export const WORKFLOWS_PATH = path.join(__dirname, '..', 'workflows', 'index');

export function buildWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: require.resolve(WORKFLOWS_PATH), logger: quietBundlerLogger });
}

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  pool: pg.Pool;
  /** Built code, or the path of a bundle file written earlier. */
  workflowBundle: NonNullable<WorkerOptions['workflowBundle']>;
  timeScale?: TimeScale;
  personalDataKey: string;
  retentionDays?: number;
  /** Encrypts payloads (platform/payload-codec.ts); the same as the clients'. */
  dataConverter: WorkerOptions['dataConverter'];
  /** Workflows kept in memory between tasks; default: defaultMaxCachedWorkflows(). */
  maxCachedWorkflows?: number;
}

/**
 * Memory to allow per cached workflow: bench/worker-memory.ts measured about 275 KiB per cached application workflow
 * (10,000 open, 6,731 cached, RSS 2,048 MiB; a bare workflow 170 KiB); 600 KiB leaves room for longer histories.
 */
const CACHED_WORKFLOW_BYTES = 600 * 1024;

/**
 * The SDK sizes the cache for about 1.7 MB per workflow (2,310 on this machine's 4 GB heap). A season has thousands
 * of open applications, and a workflow that has left the cache replays its whole history the next time it has work
 * (for instance when the allocation round publishes every placement at once). So the cache takes the heap minus
 * 200 MB for the rest of the worker, at 600 KiB per workflow: about 6,600 on a 4 GB heap.
 */
export function defaultMaxCachedWorkflows(heapLimitBytes = v8.getHeapStatistics().heap_size_limit): number {
  return Math.max(10, Math.floor(Math.max(heapLimitBytes - 200 * 1024 * 1024, 0) / CACHED_WORKFLOW_BYTES));
}

export function createWorker(deps: WorkerDeps): Promise<Worker> {
  const cached = deps.maxCachedWorkflows ?? defaultMaxCachedWorkflows();
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    workflowBundle: deps.workflowBundle,
    dataConverter: deps.dataConverter,
    maxCachedWorkflows: cached,
    // Without a cache the SDK's core keeps room for one run only, and a second workflow task taken while the first
    // waits on its local activity evicts the first and drops that activity (core warns "local activities when using
    // max_cached_workflows=0 are likely to be dropped or retried"): the task then fails, is retried, and drops the
    // next one, so acts time out. One workflow task at a time lets each finish its local activities first.
    ...(cached === 0 ? { maxConcurrentWorkflowTaskExecutions: 1, maxConcurrentWorkflowTaskPolls: 1 } : {}),
    interceptors: { activity: [retryReporting(deps.pool)] },
    activities: createActivities({ pool: deps.pool, timeScale: deps.timeScale, personalDataKey: deps.personalDataKey, retentionDays: deps.retentionDays }),
  });
}

// The bundler reports every module at debug level; only warnings and errors matter here.
const quietBundlerLogger = {
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  log: () => undefined,
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
};
