/**
 * Declaring a route once gives three things that cannot drift apart: the Express handler, the zod validation of
 * params / query / body (a failure is a 400 naming the field), and the route's entry in the OpenAPI document.
 * Every /api route also declares who may call it: 'public', or the roles allowed.
 */
import { OpenAPIRegistry, extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import type { Express, NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import type { Actor, Role } from '../../domain/roles';
import { forbidden, unauthorized, validationError, zodProblems, type FieldProblem } from './errors';

extendZodWithOpenApi(z);

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type AnyObject = z.ZodType<Record<string, unknown>>;

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The logged-in user; null only on public routes without a token. */
  actor: Actor | null;
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
  /** Documented response body (optional). */
  response?: z.ZodType;
  successStatus?: number;
  /** Return the JSON body; or write to ctx.res yourself and return undefined. */
  handler: (ctx: RouteContext<z.infer<P>, z.infer<Q>, z.infer<B>>) => Promise<unknown> | unknown;
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
        body: def.body ? { content: { 'application/json': { schema: def.body } }, required: true } : undefined,
      },
      responses: {
        [def.successStatus ?? 200]: {
          description: 'Success',
          content: def.response ? { 'application/json': { schema: def.response } } : undefined,
        },
        400: { description: 'Invalid request; error.fields names each bad field' },
        ...(def.auth === 'public' ? {} : { 401: { description: 'No valid login token' }, 403: { description: 'Role or department not allowed' } }),
      },
    });
  }

  list(): { method: Method; path: string; auth: 'public' | readonly Role[] }[] {
    return this.routes.map((r) => ({ method: r.method, path: r.path, auth: r.auth }));
  }

  mount(app: Express, authenticate: Authenticate): void {
    for (const def of this.routes) {
      app[def.method](def.path, async (req: Request, res: Response, next: NextFunction) => {
        try {
          const actor = (await authenticate(req)) ?? null;
          if (def.auth !== 'public') {
            if (!actor) throw unauthorized();
            if (!def.auth.includes(actor.role)) throw forbidden(`role ${actor.role} may not call ${def.method.toUpperCase()} ${def.path}`);
          }
          const problems: FieldProblem[] = [];
          const parse = <S extends z.ZodType | undefined>(schema: S, value: unknown, where: string) => {
            if (!schema) return value;
            const r = schema.safeParse(value);
            if (r.success) return r.data;
            problems.push(...zodProblems(r.error, where));
            return undefined;
          };
          const params = parse(def.params, req.params, 'params');
          const query = parse(def.query, req.query, 'query');
          const body = parse(def.body, def.body ? (req.body ?? {}) : undefined, 'body');
          if (problems.length > 0) throw validationError(problems);
          const result = await def.handler({
            params: params as never,
            query: query as never,
            body: body as never,
            actor,
            requestId: (req as { id?: string }).id ?? '',
            req,
            res,
          });
          if (!res.headersSent && result !== undefined) res.status(def.successStatus ?? 200).json(result);
          else if (!res.headersSent) res.status(def.successStatus ?? 204).end();
        } catch (err) {
          next(err);
        }
      });
    }
  }
}
