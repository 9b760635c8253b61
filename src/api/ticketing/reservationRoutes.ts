/** Reservations: reserve, confirm, cancel, and the lists of a user's and of an event's reservations. */
import type { Knex } from 'knex';
import { z } from 'zod';
import { quantityInput } from '../../commands/ticketing/index.js';
import { DomainError, notFound } from '../../domain/shared/errors.js';
import { reservationsOf } from '../../projections/ticketing/queries.js';
import { cursorKeys, decodeCursor, page } from '../pagination.js';
import { notFoundHttp } from '../problem.js';
import { access, route, schemas, type RouteDefinition, positionHeader } from '../routes.js';
import { reservationDto } from './dtoBuilders.js';
import { reservationPageSchema, reservationSchema } from './dtos.js';
import {
  canManageEvent,
  COMMAND,
  eventAccess,
  eventParams,
  meta,
  readsTicketing,
  readTicketing,
  reservationResult,
  type TicketingRouteDeps,
} from './routeHelpers.js';

const reservationParams = z.object({ id: z.uuid(), rid: z.uuid() });
const listQuery = schemas.pagination.extend({ status: z.enum(['held', 'confirmed', 'cancelled', 'expired']).optional() });

/** One page of the reservations `by` selects, newest first. */
async function reservationPage(knex: Knex, by: Parameters<typeof reservationsOf>[1], query: z.output<typeof listQuery>) {
  const after = decodeCursor(query.cursor, cursorKeys.createdAt);
  const { value: rows, position } = await readTicketing(knex, (db) => reservationsOf(db, by, { limit: query.limit, after }));
  const result = page(rows, query.limit, (r) => ({ c: r.created_at.toISOString(), id: r.id }));
  return { body: { items: result.items.map(reservationDto), nextCursor: result.nextCursor }, headers: positionHeader(position) };
}

export function reservationRoutes(deps: TicketingRouteDeps): RouteDefinition[] {
  const { knex, ticketing } = deps;
  const { managers, visible } = eventAccess(deps.resources);

  return [
    route({
      method: 'post',
      path: '/v1/events/:id/reservations',
      summary: 'Reserve seats (confirmed at once, or held until expiresAt when the event has holdMinutes)',
      tags: ['reservations'],
      response: reservationSchema,
      problems: [...COMMAND, 'sold-out', 'event-not-open', 'exceeds-max-per-reservation'],
      access: visible,
      params: eventParams,
      body: quantityInput,
      successStatus: 201,
      handler: async (ctx) => reservationResult(ctx.params.id, await ticketing.reserve(ctx.params.id, ctx.body.quantity, meta(ctx))),
    }),
    route({
      method: 'post',
      path: '/v1/events/:id/reservations/:rid/confirm',
      summary: 'Confirm a held reservation before it expires',
      tags: ['reservations'],
      response: reservationSchema,
      problems: [...COMMAND, 'reservation-not-found', 'not-reservation-owner', 'hold-expired', 'invalid-reservation-state', 'event-not-open'],
      access: visible,
      params: reservationParams,
      handler: async (ctx) => {
        const result = await ticketing.confirm(ctx.params.id, ctx.params.rid, meta(ctx)).catch((error: unknown) => {
          // someone else's reservation does not exist for you (as for cancelling and reading)
          if (error instanceof DomainError && error.code === 'not-reservation-owner') throw notFound('reservation-not-found', 'No such reservation for this event.');
          throw error;
        });
        return reservationResult(ctx.params.id, { ...result, reservationId: ctx.params.rid });
      },
    }),
    route({
      method: 'delete',
      path: '/v1/events/:id/reservations/:rid',
      summary: 'Cancel a reservation (its holder, or an organizer)',
      tags: ['reservations'],
      response: reservationSchema,
      problems: [...COMMAND, 'not-found', 'reservation-not-found', 'not-reservation-owner', 'invalid-reservation-state'],
      access: visible,
      params: reservationParams,
      query: z.object({ reason: z.string().optional() }),
      handler: async (ctx) => {
        const { state } = await ticketing.load(ctx.params.id);
        const reservation = state.reservations.get(ctx.params.rid);
        const isHolder = reservation?.userId === ctx.principal!.userId;
        // Someone else's reservation does not exist for you unless you run the event (as for reads).
        if (!reservation || (!isHolder && !canManageEvent(state, ctx))) throw notFoundHttp('Reservation');
        const byRole = isHolder ? 'holder' : 'organizer';
        const reason = ctx.query.reason?.slice(0, 1000);
        const result = await ticketing.cancelReservation(ctx.params.id, ctx.params.rid, byRole, reason, meta(ctx));
        return reservationResult(ctx.params.id, { ...result, reservationId: ctx.params.rid });
      },
    }),
    route({
      method: 'get',
      path: '/v1/me/reservations',
      summary: "The caller's reservations, newest first",
      tags: ['reservations'],
      response: reservationPageSchema,
      problems: ['invalid-cursor'],
      access: access.user,
      readsProjections: readsTicketing,
      query: listQuery,
      handler: async (ctx) => reservationPage(knex, { userId: ctx.principal!.userId, status: ctx.query.status }, ctx.query),
    }),
    route({
      method: 'get',
      path: '/v1/events/:id/reservations',
      summary: "The event's reservations (organizers)",
      tags: ['reservations'],
      response: reservationPageSchema,
      problems: ['invalid-cursor'],
      access: managers,
      params: eventParams,
      readsProjections: readsTicketing,
      query: listQuery,
      handler: async (ctx) => reservationPage(knex, { eventId: ctx.params.id, status: ctx.query.status }, ctx.query),
    }),
  ];
}
