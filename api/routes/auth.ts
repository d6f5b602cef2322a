import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { ROLES } from '../../domain/roles';
import { createSession, deleteSession, findUserByUsername, listDepartments, toActor } from '../../db/repositories/users';
import { hashToken, newToken, verifyPassword } from '../auth/passwords';
import { HttpError } from '../http/errors';
import type { RouteTable } from '../http/routes';
import type { ApiDeps } from '../deps';

const actorSchema = z
  .object({
    userId: z.string(),
    username: z.string(),
    displayName: z.string(),
    role: z.enum(ROLES),
    departmentCode: z.string().nullable(),
    schoolId: z.string().nullable(),
  })
  .openapi('Actor');

/**
 * Failed logins per client address and username: after LOGIN_ATTEMPTS failures in LOGIN_WINDOW_MS, 429 until the
 * window passes. Successful logins do not count, so a busy office behind one address is not locked out.
 */
export const LOGIN_ATTEMPTS = 10;
export const LOGIN_WINDOW_MS = 15 * 60 * 1000;

const createLoginLimiter = () =>
  rateLimit({
    windowMs: LOGIN_WINDOW_MS,
    limit: LOGIN_ATTEMPTS,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => `${ipKeyGenerator(req.ip ?? '')}:${String((req.body as { username?: unknown } | undefined)?.username ?? '').slice(0, 64)}`,
    handler: (_req, res) => {
      res.status(429).json({ error: { code: 'too_many_attempts', message: '登录失败次数过多，请15分钟后再试 (too many failed logins; try again later)' } });
    },
  });

export function registerAuthRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.add({
    method: 'post',
    path: '/api/auth/login',
    before: [createLoginLimiter()],
    summary: 'Log in with username and password; returns a bearer token',
    tag: 'auth',
    auth: 'public',
    body: z.object({
      username: z.string().min(1, '请输入用户名').max(64),
      password: z.string().min(1, '请输入密码').max(200),
    }),
    response: z.object({ token: z.string(), expiresAt: z.string(), user: actorSchema }),
    handler: async ({ body }) => {
      const found = await findUserByUsername(deps.pool, body.username);
      // The same answer for an unknown user and a wrong password: no probing which usernames exist.
      if (!found || found.user.disabled || !(await verifyPassword(body.password, found.passwordHash))) {
        throw new HttpError(401, 'invalid_credentials', '用户名或密码错误 (wrong username or password)');
      }
      const { token, tokenHash } = newToken();
      const expiresAt = await createSession(deps.pool, found.user.id, tokenHash, deps.sessionTtlHours);
      return { token, expiresAt: expiresAt.toISOString(), user: toActor(found.user) };
    },
  });

  routes.add({
    method: 'post',
    path: '/api/auth/logout',
    summary: 'End the current session',
    tag: 'auth',
    auth: ROLES,
    handler: async ({ req }) => {
      const token = req.header('authorization')?.replace(/^Bearer\s+/i, '') ?? '';
      await deleteSession(deps.pool, hashToken(token));
      return undefined;
    },
  });

  routes.add({
    method: 'get',
    path: '/api/me',
    summary: 'The logged-in user, role, department and school',
    tag: 'auth',
    auth: ROLES,
    response: actorSchema,
    handler: ({ actor }) => actor,
  });

  routes.add({
    method: 'get',
    path: '/api/departments',
    summary: 'All departments',
    tag: 'auth',
    auth: ROLES,
    response: z.array(z.object({ code: z.string(), nameZh: z.string() })),
    handler: () => listDepartments(deps.pool),
  });
}
