/** The caller's notifications (written by the ticketing projection today; issue 10 item 4 gives them their own context). */
import { z } from 'zod';
import { markNotificationsRead, notificationsOf } from '../../projections/ticketing/queries.js';
import { cursorKeys, decodeCursor, page } from '../pagination.js';
import { notFoundHttp } from '../problem.js';
import { access, route, schemas, type RouteDefinition } from '../routes.js';
import { markedSchema, notificationPageSchema } from './dtos.js';
import { eventParams, positionHeader, readsTicketing, readTicketing, type TicketingRouteDeps } from './routeHelpers.js';

export function notificationRoutes(deps: Pick<TicketingRouteDeps, 'knex'>): RouteDefinition[] {
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
      readsProjections: readsTicketing,
      query: schemas.pagination.extend({ unread: z.enum(['true', 'false']).optional() }),
      handler: async (ctx) => {
        const after = decodeCursor(ctx.query.cursor, cursorKeys.createdAt);
        const filter = { unreadOnly: ctx.query.unread === 'true', limit: ctx.query.limit, after };
        const { value: rows, position } = await readTicketing(knex, (db) => notificationsOf(db, ctx.principal!.userId, filter));
        const result = page(rows, ctx.query.limit, (r) => ({ c: r.created_at.toISOString(), id: r.id }));
        return {
          body: {
            items: result.items.map((r) => ({ id: r.id, kind: r.kind, eventId: r.event_id, data: r.data, createdAt: r.created_at.toISOString(), read: r.read_at !== null })),
            nextCursor: result.nextCursor,
          },
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
      params: eventParams,
      successStatus: 204,
      handler: async (ctx) => {
        const marked = await markNotificationsRead(knex, ctx.principal!.userId, ctx.params.id);
        if (marked === 0) {
          const exists = await notificationsOf(knex, ctx.principal!.userId, { unreadOnly: false, limit: 1000 });
          if (!exists.some((n) => n.id === ctx.params.id)) throw notFoundHttp('Notification');
        }
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
