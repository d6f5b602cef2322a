/**
 * Declaring a route once gives three things that cannot drift apart: the Express handler, the zod validation of
 * params / query / body (a failure is a 400 naming the field), and the route's entry in the OpenAPI document.
 * Every /api route also declares who may call it: 'public', or the roles allowed.
 *
 * Bodies are JSON (parsed app-wide, size-limited). A route that takes a file declares `rawBody`: the bytes of the
 * listed media types reach the handler as `ctx.rawBody`, read only after the caller is authenticated and allowed,
 * up to the route's own limit (413 above it); any other declared Content-Type is a 415.
 */
import { OpenAPIRegistry, extendZodWithOpenApi, type ZodMediaTypeObject } from '@asteasolutions/zod-to-openapi';
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { Actor, Role } from '../../domain/roles';
import { textProblemsIn } from '../../domain/text';
import { HttpError, forbidden, unauthorized, validationError, zodProblems, type FieldProblem } from './errors';

extendZodWithOpenApi(z);

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type AnyObject = z.ZodType<Record<string, unknown>>;

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The logged-in user; null only on public routes without a token. */
  actor: Actor | null;
  /** The request body as bytes, on a route with `rawBody` when the request sent one of its media types. */
  rawBody?: Buffer;
  requestId: string;
  req: Request;
  res: Response;
}

export interface RouteDefinition<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  method: Method;
  /** Express-style path, e.g. /api/steps/:stepId */
  path: string;
  summary: string;
  tag: string;
  auth: 'public' | readonly Role[];
  params?: P;
  query?: Q;
  body?: B;
  /**
   * Accept the body as raw bytes of these media types (e.g. a file upload), up to `limit` bytes. May be combined with
   * `body`, in which case a JSON body is validated by `body` as usual and a raw one skips it.
   */
  rawBody?: RawBodyOptions;
  /** Runs before authentication (e.g. a rate limit on login). */
  before?: RequestHandler[];
  /** Documented response body (optional). */
  response?: z.ZodType;
  successStatus?: number;
  /** Return the JSON body; or write to ctx.res yourself and return undefined. */
  handler: (ctx: RouteContext<z.infer<P>, z.infer<Q>, z.infer<B>>) => Promise<unknown> | unknown;
}

export interface RawBodyOptions {
  types: readonly string[];
  /** Largest accepted body in bytes. */
  limit: number;
  /** What the bytes are, for the OpenAPI document. */
  description?: string;
}

/** Resolves the bearer token of a request to its user (undefined when absent, unknown or expired). */
export type Authenticate = (req: Request) => Promise<Actor | undefined>;

export class RouteTable {
  readonly registry = new OpenAPIRegistry();
  private readonly routes: RouteDefinition<AnyObject, AnyObject, z.ZodType>[] = [];

  constructor() {
    this.registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  }

  add<P extends AnyObject, Q extends AnyObject, B extends z.ZodType>(def: RouteDefinition<P, Q, B>): void {
    this.routes.push(def as unknown as RouteDefinition<AnyObject, AnyObject, z.ZodType>);
    const roles = def.auth === 'public' ? 'public' : def.auth.join(', ');
    this.registry.registerPath({
      method: def.method,
      path: def.path.replace(/:(\w+)/g, '{$1}'),
      summary: def.summary,
      description: `Allowed: ${roles}.`,
      tags: [def.tag],
      security: def.auth === 'public' ? [] : [{ bearer: [] }],
      request: {
        params: def.params as z.ZodObject | undefined,
        query: def.query as z.ZodObject | undefined,
        body: requestBody(def),
      },
      responses: {
        [def.successStatus ?? 200]: {
          description: 'Success',
          content: def.response ? { 'application/json': { schema: def.response } } : undefined,
        },
        400: { description: 'Invalid request; error.fields names each bad field' },
        ...(def.auth === 'public' ? {} : { 401: { description: 'No valid login token' }, 403: { description: 'Role or department not allowed' } }),
        ...(def.rawBody
          ? { 413: { description: `Body over ${def.rawBody.limit} bytes` }, 415: { description: 'Content-Type not accepted; error.fields names content-type' } }
          : {}),
      },
    });
  }

  list(): { method: Method; path: string; auth: 'public' | readonly Role[] }[] {
    return this.routes.map((r) => ({ method: r.method, path: r.path, auth: r.auth }));
  }

  mount(app: Express, authenticate: Authenticate): void {
    for (const def of this.routes) {
      const authorize: RequestHandler = async (req, res, next) => {
        try {
          const actor = (await authenticate(req)) ?? null;
          if (def.auth !== 'public') {
            if (!actor) throw unauthorized();
            if (!def.auth.includes(actor.role)) throw forbidden(`role ${actor.role} may not call ${def.method.toUpperCase()} ${def.path}`);
          }
          res.locals.routeActor = actor;
          next();
        } catch (err) {
          next(err);
        }
      };
      const handle: RequestHandler = async (req: Request, res: Response, next: NextFunction) => {
        try {
          const actor = (res.locals.routeActor as Actor | null | undefined) ?? null;
          const rawBody = def.rawBody && Buffer.isBuffer(req.body) ? req.body : undefined;
          if (def.rawBody && !rawBody) refuseUnacceptedBody(req, def);
          // Text that cannot be stored is refused before anything else looks at it (domain/text.ts says why).
          const problems: FieldProblem[] = [...textProblemsIn(req.params, 'params'), ...textProblemsIn(req.query, 'query'), ...(rawBody ? [] : textProblemsIn(req.body, 'body'))];
          if (problems.length > 0) throw validationError(problems);
          const parse = <S extends z.ZodType | undefined>(schema: S, value: unknown, where: string) => {
            if (!schema) return value;
            const r = schema.safeParse(value);
            if (r.success) return r.data;
            problems.push(...zodProblems(r.error, where));
            return undefined;
          };
          const params = parse(def.params, req.params, 'params');
          const query = parse(def.query, req.query, 'query');
          const body = rawBody ? undefined : parse(def.body, def.body ? (req.body ?? {}) : undefined, 'body');
          if (problems.length > 0) throw validationError(problems);
          const result = await def.handler({
            params: params as never,
            query: query as never,
            body: body as never,
            actor,
            rawBody,
            requestId: (req as { id?: string }).id ?? '',
            req,
            res,
          });
          // A handler may choose the status itself (201 created vs 200 found); otherwise the route's success status.
          const status = res.statusCode !== 200 ? res.statusCode : (def.successStatus ?? 200);
          if (!res.headersSent && result !== undefined) res.status(status).json(result);
          else if (!res.headersSent) res.status(def.successStatus ?? 204).end();
        } catch (err) {
          next(err);
        }
      };
      const chain = [...(def.before ?? []), authorize, ...(def.rawBody ? [rawBodyParser(def.rawBody)] : []), handle];
      app[def.method](def.path, ...chain);
    }
  }
}

function requestBody(def: RouteDefinition<AnyObject, AnyObject, z.ZodType>) {
  const content: Record<string, ZodMediaTypeObject> = {};
  if (def.body) content['application/json'] = { schema: def.body };
  for (const type of def.rawBody?.types ?? []) content[type] = { schema: { type: 'string', format: 'binary' } };
  if (Object.keys(content).length === 0) return undefined;
  return { content, required: true, description: def.rawBody?.description };
}

/** express.raw for the route's media types, with a 413 that says the limit in Chinese and English. */
function rawBodyParser(opts: RawBodyOptions): RequestHandler {
  const parser = express.raw({ type: [...opts.types], limit: opts.limit });
  return (req, res, next) =>
    parser(req, res, (err?: unknown) => {
      if ((err as { type?: string } | undefined)?.type === 'entity.too.large') {
        const mb = (opts.limit / 1024 / 1024).toFixed(opts.limit % (1024 * 1024) === 0 ? 0 : 1);
        next(new HttpError(413, 'payload_too_large', `文件过大，不能超过${mb}MB (request body over the limit of ${opts.limit} bytes)`));
      } else next(err);
    });
}

/**
 * On a raw-body route whose body did not arrive as raw bytes: a JSON body is fine where the route also takes JSON;
 * any other Content-Type, or a body without one, is a 415 naming content-type. No body at all is left to the handler.
 */
function refuseUnacceptedBody(req: Request, def: RouteDefinition<AnyObject, AnyObject, z.ZodType>): void {
  const declared = req.headers['content-type'];
  const length = Number(req.headers['content-length'] ?? 0);
  const hasBody = req.headers['transfer-encoding'] !== undefined || length > 0;
  if (declared === undefined && !hasBody) return;
  if (def.body && req.is('application/json')) return;
  const accepted = [...(def.rawBody?.types ?? []), ...(def.body ? ['application/json'] : [])];
  const message = `不支持的内容类型（content-type）：${declared ?? '未声明'}，只接受 ${accepted.join('、')} (unsupported content-type ${declared ? `"${declared}"` : '(none)'}; accepted: ${accepted.join(', ')})`;
  throw new HttpError(415, 'unsupported_media_type', message, [{ field: 'content-type', message }]);
}
