/** The caller's notifications (the notifications context: src/projections/notifications). */
import type { Knex } from 'knex';
import { z } from 'zod';
import { readAtCheckpoint } from '../../projections/runtime.js';
import { NOTIFICATIONS_PROJECTION } from '../../projections/notifications/notificationsProjection.js';
import { hasNotification, notificationsOf } from '../../projections/notifications/queries.js';
import { cursorKeys, decodeCursor, page } from '../pagination.js';
import { notFoundHttp } from '../problem.js';
import { access, route, schemas, type RouteDefinition, positionHeader } from '../routes.js';
// a platform helper that happens to live with the ticketing routes
import { markedSchema, notificationDto, notificationPageSchema } from './dtos.js';
import { markNotificationsRead } from './readMarks.js';

export interface NotificationRouteDeps {
  knex: Knex;
}

const idParams = z.object({ id: z.uuid() });

export function notificationRoutes(deps: NotificationRouteDeps): RouteDefinition[] {
  const { knex } = deps;
  return [
    route({
      method: 'get',
      path: '/v1/me/notifications',
      summary: "The caller's notifications, newest first (?unread=true)",
      tags: ['notifications'],
      response: notificationPageSchema,
      problems: ['invalid-cursor'],
      access: access.user,
      readsProjections: [NOTIFICATIONS_PROJECTION],
      query: schemas.pagination.extend({ unread: z.enum(['true', 'false']).optional() }),
      handler: async (ctx) => {
        const after = decodeCursor(ctx.query.cursor, cursorKeys.createdAt);
        const filter = { unreadOnly: ctx.query.unread === 'true', limit: ctx.query.limit, after };
        const { value: rows, position } = await readAtCheckpoint(knex, NOTIFICATIONS_PROJECTION, (db) => notificationsOf(db, ctx.principal!.userId, filter));
        const result = page(rows, ctx.query.limit, (r) => ({ c: r.created_at.toISOString(), id: r.id }));
        return {
          body: { items: result.items.map((r) => notificationDto(r, r.read_at !== null)), nextCursor: result.nextCursor },
          headers: positionHeader(position),
        };
      },
    }),
    route({
      method: 'post',
      path: '/v1/me/notifications/:id/read',
      summary: 'Mark one notification read',
      tags: ['notifications'],
      problems: ['not-found'],
      access: access.user,
      params: idParams,
      successStatus: 204,
      handler: async (ctx) => {
        const marked = await markNotificationsRead(knex, ctx.principal!.userId, ctx.params.id);
        if (marked === 0 && !(await hasNotification(knex, ctx.principal!.userId, ctx.params.id))) throw notFoundHttp('Notification');
        return { status: 204 };
      },
    }),
    route({
      method: 'post',
      path: '/v1/me/notifications/read-all',
      summary: 'Mark every notification read',
      tags: ['notifications'],
      response: markedSchema,
      access: access.user,
      handler: async (ctx) => ({ body: { marked: await markNotificationsRead(knex, ctx.principal!.userId) } }),
    }),
  ];
}
