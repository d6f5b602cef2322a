/**
 * Errors a route may throw, and the one middleware that turns any error into a response. Every error body has the
 * same shape: { error: { code, message, fields? } }, where fields name the offending inputs.
 */
import type { ErrorRequestHandler } from 'express';
import { ZodError } from 'zod';
import type { Logger } from '../../platform/logger';

export interface FieldProblem {
  field: string;
  message: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldProblem[],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`);
export const forbidden = (why: string) => new HttpError(403, 'forbidden', why);
export const conflict = (why: string) => new HttpError(409, 'conflict', why);
export const unauthorized = (why = 'login required') => new HttpError(401, 'unauthorized', why);

/** Zod issues → field problems named like `body.child.idNumber` or `query.page`. */
export function zodProblems(err: ZodError, where: string): FieldProblem[] {
  return err.issues.map((issue) => ({
    field: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

export function validationError(fields: FieldProblem[]): HttpError {
  const summary = fields.map((f) => `${f.field}: ${f.message}`).join('; ');
  return new HttpError(400, 'validation_failed', `invalid request: ${summary}`, fields);
}

/** gRPC UNAVAILABLE / DEADLINE_EXCEEDED from Temporal, or a refused / dropped database connection. */
function isUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; name?: string; message?: string; cause?: unknown };
  if (!e || typeof e !== 'object') return false;
  if (e.name === 'ServiceError' || e.name === 'ConnectionError') return true;
  if (typeof e.code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', '08006', '08001'].includes(e.code)) return true;
  if (typeof e.message === 'string' && /Connection terminated|timeout exceeded when trying to connect/.test(e.message)) return true;
  return e.cause !== undefined && e.cause !== err && isUnavailable(e.cause);
}

export function errorMiddleware(log: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const requestId = (req as { id?: string }).id;
    let http: HttpError;
    if (err instanceof HttpError) http = err;
    else if (err instanceof ZodError) http = validationError(zodProblems(err, 'body'));
    else if (err?.type === 'entity.too.large') http = new HttpError(413, 'payload_too_large', `request body over the limit of ${err.limit} bytes`);
    else if (err?.type === 'entity.parse.failed') http = new HttpError(400, 'malformed_json', 'request body is not valid JSON', [{ field: 'body', message: 'not valid JSON' }]);
    else if (err?.type && typeof err.status === 'number' && err.status < 500) http = new HttpError(err.status, 'bad_request', String(err.message));
    else if (isUnavailable(err)) {
      log.warn({ requestId, err: String(err?.message ?? err) }, 'dependency unavailable');
      http = new HttpError(503, 'service_unavailable', '服务暂时不可用，请稍后重试 (a backing service is unavailable; nothing was changed)');
    } else {
      log.error({ requestId, err }, 'unhandled error');
      http = new HttpError(500, 'internal_error', 'internal error');
    }
    if (res.headersSent) return;
    res.status(http.status).json({ error: { code: http.code, message: http.message, fields: http.fields, requestId } });
  };
}
