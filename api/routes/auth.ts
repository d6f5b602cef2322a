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

export function registerAuthRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.add({
    method: 'post',
    path: '/api/auth/login',
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
