/**
 * Builds the Temporal worker from its dependencies. The workflow bundle is built once per process (webpack takes
 * seconds) and can be passed in prebuilt, which the tests do.
 */
import path from 'node:path';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type pg from 'pg';
import { createActivities } from '../activities';
import type { TimeScale } from '../activities/time-scale';

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
}

export function createWorker(deps: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    workflowBundle: deps.workflowBundle,
    dataConverter: deps.dataConverter,
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
