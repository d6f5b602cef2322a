import crypto from 'node:crypto';
import { z } from 'zod';
import { makeRoundTripWorkflowId } from '../../contracts/diagnostics';
import { notFound } from '../http/errors';
import type { RouteTable } from '../http/routes';
import type { ApiDeps } from '../deps';

const roundTripSchema = z.object({ id: z.string(), message: z.string(), workflowId: z.string(), recordedAt: z.string() }).openapi('RoundTrip');

async function readRoundTrip(deps: ApiDeps, id: string) {
  const r = await deps.pool.query<{ id: string; message: string; workflow_id: string; recorded_at: Date }>(
    'SELECT id, message, workflow_id, recorded_at FROM diagnostics_round_trips WHERE id = $1',
    [id],
  );
  const row = r.rows[0];
  return row && { id: row.id, message: row.message, workflowId: row.workflow_id, recordedAt: row.recorded_at.toISOString() };
}

/**
 * The diagnostics round trip: proves API → Temporal → worker → activity → PostgreSQL → API in one call.
 * Administrators use it after a deployment; the test suite uses it as the plumbing test.
 */
export function registerDiagnosticsRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.add({
    method: 'post',
    path: '/api/diagnostics/round-trips',
    summary: 'Start a workflow whose activity writes a row, wait for it and read the row back',
    tag: 'diagnostics',
    auth: ['admin'],
    body: z.object({ message: z.string().min(1).max(200) }),
    response: roundTripSchema,
    successStatus: 201,
    handler: async ({ body, actor }) => {
      const id = crypto.randomUUID();
      await deps.temporal.workflow.execute('diagnosticsRoundTripWorkflow', {
        taskQueue: deps.taskQueue,
        workflowId: makeRoundTripWorkflowId(id),
        args: [{ id, message: body.message, requestedBy: actor!.userId }],
        workflowExecutionTimeout: '1 minute',
      });
      return readRoundTrip(deps, id);
    },
  });

  routes.add({
    method: 'get',
    path: '/api/diagnostics/round-trips/:id',
    summary: 'Read a recorded round trip',
    tag: 'diagnostics',
    auth: ['admin'],
    params: z.object({ id: z.uuid() }),
    response: roundTripSchema,
    handler: async ({ params }) => (await readRoundTrip(deps, params.id)) ?? Promise.reject(notFound(`round trip ${params.id}`)),
  });
}
