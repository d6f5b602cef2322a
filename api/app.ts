/**
 * createApp(deps) builds the Express application without listening, so tests run it in-process on port 0.
 * Request flow: request id → JSON body (size-limited) → route table (auth, roles, zod validation, handler) →
 * central error middleware.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import express, { type Express, type Request } from 'express';
import swaggerUi from 'swagger-ui-express';
import { findSessionUser, toActor } from '../db/repositories/users';
import { hashToken } from './auth/passwords';
import type { ApiDeps } from './deps';
import { errorMiddleware, notFound } from './http/errors';
import { RouteTable, type Authenticate } from './http/routes';
import { registerAdministrationRoutes } from './routes/administration';
import { registerAuthRoutes } from './routes/auth';
import { registerAllocationRoutes } from './routes/allocation';
import { registerApplicationRoutes } from './routes/applications';
import { registerCalendarRoutes } from './routes/calendar';
import { registerDiagnosticsRoutes } from './routes/diagnostics';
import { registerMaterialRoutes } from './routes/materials';
import { registerNotificationRoutes } from './routes/notifications';
import { registerRegistryRoutes } from './routes/registries';
import { registerReportRoutes } from './routes/reports';
import { webPagesRouter } from './web/pages';
import { registerSchoolRoutes } from './routes/schools';
import { registerStepEvidenceRoutes } from './routes/step-evidence';
import { registerStepRoutes } from './routes/steps';
import { registerSupervisionRoutes } from './routes/supervision';
import { mountHealth } from './routes/health';

export const BODY_LIMIT = '1mb';
const WEB_DIR = path.join(__dirname, '..', 'web');

/** Every route of the service, registered in one place so the OpenAPI document lists them all. */
export function buildRouteTable(deps: ApiDeps): RouteTable {
  const routes = new RouteTable();
  registerAuthRoutes(routes, deps);
  registerDiagnosticsRoutes(routes, deps);
  registerStepRoutes(routes, deps);
  registerStepEvidenceRoutes(routes, deps);
  registerNotificationRoutes(routes, deps);
  registerCalendarRoutes(routes, deps);
  registerApplicationRoutes(routes, deps);
  registerMaterialRoutes(routes, deps);
  registerRegistryRoutes(routes, deps);
  registerSupervisionRoutes(routes, deps);
  registerSchoolRoutes(routes, deps);
  registerAllocationRoutes(routes, deps);
  registerReportRoutes(routes, deps);
  registerAdministrationRoutes(routes, deps);
  return routes;
}

export function createApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.use((req, res, next) => {
    const incoming = req.header('x-request-id');
    const id = incoming && /^[\w.-]{1,100}$/.test(incoming) ? incoming : crypto.randomUUID();
    (req as Request & { id: string }).id = id;
    res.setHeader('x-request-id', id);
    next();
  });
  // One access-log line per request: method, path, status, time. Paths carry application numbers, never ID numbers.
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      deps.log.info({ requestId: (req as Request & { id: string }).id, method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms) }, 'request');
    });
    next();
  });
  app.use(express.json({ limit: BODY_LIMIT }));

  mountHealth(app, deps);

  const routes = buildRouteTable(deps);
  const openapi = new OpenApiGeneratorV31(routes.registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: '随迁子女入学与部门协同督办服务 API',
      version: '0.1.0',
      description: 'Enrollment of migrant workers\' children and supervision of the departments involved.',
    },
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(openapi, { customSiteTitle: 'API 文档' }));

  const authenticate: Authenticate = async (req) => {
    const header = req.header('authorization');
    const match = header?.match(/^Bearer\s+([A-Za-z0-9_-]{20,200})$/i);
    if (!match) return undefined;
    const user = await findSessionUser(deps.pool, hashToken(match[1]!));
    return user && toActor(user);
  };
  routes.mount(app, authenticate);

  app.use('/api', (req, _res, next) => next(notFound(`route ${req.method} ${req.originalUrl}`)));
  // Pages are addressed without their .html (/inbox, /step?id=…); assets by their own names.
  app.use(webPagesRouter());
  app.use(express.static(WEB_DIR, { index: 'index.html', extensions: ['html'] }));
  app.use(errorMiddleware(deps.log));
  return app;
}
