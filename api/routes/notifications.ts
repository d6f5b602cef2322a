import { z } from 'zod';
import { listNotifications, markNotificationRead, setDepartmentWebhook } from '../../db/repositories/notifications';
import { listDepartments } from '../../db/repositories/users';
import { ROLES } from '../../domain/roles';
import { notFound } from '../http/errors';
import type { RouteTable } from '../http/routes';
import type { ApiDeps } from '../deps';

export function registerNotificationRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.add({
    method: 'get',
    path: '/api/notifications',
    summary: "The user's inbox: notifications to them, their department (officers) or their role",
    tag: 'notifications',
    auth: ROLES,
    query: z.object({
      unread: z.enum(['true', 'false']).default('false'),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
    handler: async ({ query, actor }) => ({
      items: await listNotifications(deps.pool, actor!, { unreadOnly: query.unread === 'true', limit: query.limit }),
    }),
  });

  routes.add({
    method: 'post',
    path: '/api/notifications/:id/read',
    summary: 'Mark a notification read',
    tag: 'notifications',
    auth: ROLES,
    params: z.object({ id: z.coerce.number().int().positive() }),
    handler: async ({ params, actor }) => {
      if (!(await markNotificationRead(deps.pool, actor!, params.id))) throw notFound(`notification ${params.id}`);
      return { id: params.id, read: true };
    },
  });

  routes.add({
    method: 'put',
    path: '/api/departments/:code/webhook',
    summary: "Set (or clear with null) a department's chat-robot webhook; each notification is POSTed to it as JSON",
    tag: 'notifications',
    auth: ['admin'],
    params: z.object({ code: z.string().min(1).max(64) }),
    body: z.object({ url: z.url({ protocol: /^https?$/ }).max(500).nullable() }),
    handler: async ({ params, body }) => {
      if (!(await listDepartments(deps.pool)).some((d) => d.code === params.code)) throw notFound(`department ${params.code}`);
      await setDepartmentWebhook(deps.pool, params.code, body.url);
      return { departmentCode: params.code, url: body.url };
    },
  });
}
