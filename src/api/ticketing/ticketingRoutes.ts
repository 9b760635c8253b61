/** Ticketing endpoints (DESIGN §8 Ticketing). */
import type { Knex } from 'knex';
import { z } from 'zod';
import {
  currentPrice,
  explainWaitlist,
  quotePrice,
  roleOf,
  seatsForSale,
  ticketedEventStreamName,
  waitlistLength,
  waitlistPosition,
  type Pricing,
  type Reservation,
  type TicketedEventState,
  type WaitlistEntry,
} from '../../domain/ticketing/index.js';
import { cancelInput, changeEventInput, collaboratorInput, createEventInput, quantityInput } from '../../commands/ticketing/index.js';
import type { RequestMeta, TicketingCommands } from '../../commands/ticketing/ticketingCommands.js';
import type { EventStore } from '../../eventstore/eventStore.js';
import { readAtCheckpoint } from '../../projections/runtime.js';
import { TICKETING_PROJECTION } from '../../projections/ticketing/ticketingProjection.js';
import {
  analyticsOverview,
  eventAnalytics,
  getEventRow,
  listEvents,
  markNotificationsRead,
  notificationsOf,
  reservationsOf,
  waitlistOf,
} from '../../projections/ticketing/queries.js';
import { eventDto, reservationDto, waitlistEntryDto } from '../../projections/ticketing/rows.js';
import { resourceRolesOf, type ResourceAccess } from '../access.js';
import { cursorKeys, decodeCursor, page } from '../pagination.js';
import { HttpError, notFoundHttp } from '../problem.js';
import type { ProblemCode } from '../problemCodes.js';
import { access, route, schemas, type RouteContext, type RouteDefinition } from '../routes.js';
import { queryInstant } from '../schemas.js';
import { userStreamName } from '../../domain/identity/index.js';
import { DomainError, notFound } from '../../domain/shared/errors.js';
import {
  analyticsOverviewSchema,
  eventAnalyticsSchema,
  eventPageSchema,
  eventSchema,
  historySchema,
  markedSchema,
  notificationPageSchema,
  reservationPageSchema,
  reservationSchema,
  waitlistEntrySchema,
  waitlistPageSchema,
  type EventDto,
  type ReservationDto,
  type WaitlistEntryDto,
} from './dtos.js';

export interface TicketingRouteDeps {
  knex: Knex;
  store: EventStore;
  ticketing: TicketingCommands;
  resources: ResourceAccess;
}

const eventParams = z.object({ id: z.uuid() });
const reservationParams = z.object({ id: z.uuid(), rid: z.uuid() });
const offerParams = z.object({ id: z.uuid(), offerId: z.uuid() });
const collaboratorParams = z.object({ id: z.uuid(), userId: z.string().min(1).max(100) });
const readsTicketing = [TICKETING_PROJECTION];

/** Every ticketing command can lose a race (If-Match, contention) or find no event. */
const COMMAND: ProblemCode[] = ['event-not-found', 'revision-mismatch', 'contention'];
const EVENT_RULES: ProblemCode[] = [
  'invalid-capacity',
  'capacity-below-reserved',
  'invalid-time-range',
  'invalid-pricing',
  'invalid-waitlist',
  'event-ended',
  'event-cancelled',
  'not-organizer',
];

const isAdmin = (ctx: RouteContext<unknown, unknown, unknown>) => ctx.principal?.roles.includes('admin') ?? false;

/** Organizer, co-organizer or admin, on the fresh state (as the decider decides). */
function canManageEvent(state: TicketedEventState, ctx: RouteContext<unknown, unknown, unknown>): boolean {
  const role = roleOf(state, ctx.principal!.userId);
  return isAdmin(ctx) || role === 'organizer' || role === 'co-organizer';
}

function meta(ctx: RouteContext<unknown, unknown, unknown>): RequestMeta {
  return {
    actor: { userId: ctx.principal!.userId, isAdmin: isAdmin(ctx) },
    correlationId: ctx.correlationId,
    now: ctx.now,
    ...(ctx.idempotencyKey ? { idempotencyKey: ctx.idempotencyKey, idempotencyKeyIsNew: ctx.idempotencyKeyIsNew } : {}),
    ...(ctx.ifMatch !== undefined ? { expectedRevision: ctx.ifMatch } : {}),
  };
}

/** The event as the domain sees it right now (fresh, not the read model). */
export function eventFromState(state: TicketedEventState, revision: bigint | undefined, now: Date): EventDto {
  if (state.status === 'unscheduled') throw notFoundHttp('Event');
  const d = state.details;
  return {
    id: state.eventId,
    title: d.title,
    description: d.description,
    venue: d.venue,
    startsAt: d.startsAt,
    endsAt: d.endsAt,
    timezone: d.timezone,
    status: state.status,
    capacity: state.capacity,
    held: state.held,
    confirmed: state.confirmed,
    offered: state.offered,
    available: state.status === 'cancelled' ? 0 : Math.max(0, seatsForSale(state)),
    waitlistLength: waitlistLength(state),
    currentPrice: currentPrice(state, now.toISOString()).unitPrice,
    currency: d.pricing.currency,
    pricing: d.pricing,
    maxPerReservation: d.maxPerReservation,
    holdMinutes: d.holdMinutes,
    waitlist: d.waitlist,
    organizerId: state.organizerId,
    revision: revision?.toString() ?? null,
  };
}

function reservationFromState(eventId: string, r: Reservation): ReservationDto {
  return {
    id: r.reservationId,
    eventId,
    userId: r.userId,
    quantity: r.quantity,
    status: r.status,
    ...(r.holdExpiresAt && r.status === 'held' ? { expiresAt: r.holdExpiresAt } : {}),
    unitPrice: r.unitPrice,
    totalPrice: r.unitPrice * r.quantity,
    currency: r.currency,
    createdAt: r.reservedAt,
  };
}

function entryFromState(state: TicketedEventState, entry: WaitlistEntry): WaitlistEntryDto {
  const place = waitlistPosition(state, entry.entryId);
  return {
    entryId: entry.entryId,
    eventId: state.eventId,
    quantity: entry.quantity,
    ...(place !== undefined ? { place } : {}),
    status: entry.status,
    ...(entry.offerId ? { offerId: entry.offerId, offerExpiresAt: entry.offerExpiresAt } : {}),
    ...(entry.reservationId ? { reservationId: entry.reservationId } : {}),
  };
}

export function ticketingRoutes(deps: TicketingRouteDeps): RouteDefinition[] {
  const { knex, ticketing } = deps;

  const { resources } = deps;
  const managers = resources.event(['organizer', 'co-organizer']);
  const team = resources.event(['organizer', 'co-organizer', 'viewer']);
  const organizerOnly = resources.event(['organizer']);
  /** Anyone while the event is published or cancelled; drafts only their team. */
  const visible = resources.event(['organizer', 'co-organizer', 'viewer'], { allowPublic: true });

  /** Read-model queries in one snapshot with the ticketing checkpoint (X-Position of the answer). */
  const readTicketing = <T>(read: (db: Knex) => Promise<T>) => readAtCheckpoint(knex, TICKETING_PROJECTION, read);

  const eventResult = (result: { state: TicketedEventState; revision: bigint | undefined; position: bigint | undefined }, now: Date) =>
    commandResult(eventFromState(result.state, result.revision, now), result);

  return [
    route({
      method: 'post',
      path: '/v1/events',
      summary: 'Create a ticketed event (draft, or published with publish: true)',
      tags: ['events'],
      response: eventSchema,
      problems: [...COMMAND, ...EVENT_RULES],
      access: access.user,
      body: createEventInput,
      successStatus: 201,
      handler: async (ctx) => {
        const result = await ticketing.schedule(ctx.body, meta(ctx));
        return { ...eventResult(result, ctx.now), headers: { Location: `/v1/events/${result.eventId}` } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/events',
      summary: 'List events (filters, cursor pagination)',
      tags: ['events'],
      response: eventPageSchema,
      problems: ['invalid-cursor'],
      access: access.user,
      readsProjections: readsTicketing,
      query: schemas.pagination.extend({
        status: z.enum(['draft', 'published', 'cancelled']).optional(),
        from: queryInstant().optional(),
        to: queryInstant().optional(),
        q: z.string().max(200).optional(),
        organizerId: z.string().max(100).optional(),
      }),
      handler: async (ctx) => {
        const after = decodeCursor(ctx.query.cursor, cursorKeys.startsAt);
        const viewer = { userId: ctx.principal!.userId, isAdmin: isAdmin(ctx) };
        const { value: rows, position } = await readTicketing((db) => listEvents(db, { ...ctx.query, after, viewer }));
        const now = ctx.now.toISOString();
        const result = page(rows, ctx.query.limit, (r) => ({ s: r.starts_at.toISOString(), id: r.id }));
        return { body: { items: result.items.map((r) => eventDto(r, priceOf(r, now))), nextCursor: result.nextCursor }, headers: positionHeader(position) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/events/:id',
      summary: 'Get an event with live counts; ?asOfRevision=N folds its history up to N',
      tags: ['events'],
      response: eventSchema,
      problems: ['event-not-found', 'revision-not-found'],
      access: visible,
      params: eventParams,
      query: z.object({ asOfRevision: schemas.revision.optional() }),
      readsProjections: readsTicketing,
      handler: async (ctx) => {
        if (ctx.query.asOfRevision !== undefined) {
          const { state, revision, position } = await ticketing.stateAt(ctx.params.id, ctx.query.asOfRevision);
          // a revision the stream has not reached is not "today's state": say so
          if (revision < ctx.query.asOfRevision) {
            throw new HttpError(404, 'revision-not-found', `The event's latest revision is ${revision}; ${ctx.query.asOfRevision} does not exist (yet)`);
          }
          // A draft's past belongs to its team: for anyone else the event begins when it went public.
          if (state.status === 'draft' && !inTeam(ctx)) {
            throw new HttpError(404, 'revision-not-found', `The event has no revision ${ctx.query.asOfRevision} you can see`);
          }
          return { body: eventFromState(state, revision, ctx.now), revision, headers: positionHeader(position) };
        }
        const { value: row, position } = await readTicketing((db) => getEventRow(db, ctx.params.id));
        if (!row) {
          // created but not projected yet: answer from the domain state
          const folded = await ticketing.load(ctx.params.id);
          return { body: eventFromState(folded.state, folded.revision, ctx.now), revision: folded.revision, headers: positionHeader(folded.position) };
        }
        return { body: eventDto(row, priceOf(row, ctx.now.toISOString())), revision: BigInt(row.revision), headers: positionHeader(position) };
      },
    }),
    route({
      method: 'patch',
      path: '/v1/events/:id',
      summary: 'Change details or capacity (If-Match: W/"<revision>" for optimistic concurrency)',
      tags: ['events'],
      response: eventSchema,
      problems: [...COMMAND, ...EVENT_RULES],
      access: managers,
      params: eventParams,
      body: changeEventInput,
      handler: async (ctx) => eventResult(await ticketing.change(ctx.params.id, ctx.body, meta(ctx)), ctx.now),
    }),
    route({
      method: 'post',
      path: '/v1/events/:id/publish',
      summary: 'Publish a draft event',
      tags: ['events'],
      response: eventSchema,
      problems: [...COMMAND, 'event-ended', 'event-cancelled', 'not-organizer'],
      access: managers,
      params: eventParams,
      handler: async (ctx) => eventResult(await ticketing.publish(ctx.params.id, meta(ctx)), ctx.now),
    }),
    route({
      method: 'post',
      path: '/v1/events/:id/cancel',
      summary: 'Cancel the event: releases every seat and notifies holders and waiters',
      tags: ['events'],
      response: eventSchema,
      problems: [...COMMAND, 'event-cancelled', 'not-organizer'],
      access: managers,
      params: eventParams,
      body: cancelInput,
      handler: async (ctx) => eventResult(await ticketing.cancel(ctx.params.id, ctx.body?.reason, meta(ctx)), ctx.now),
    }),
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
      handler: async (ctx) => {
        const result = await ticketing.reserve(ctx.params.id, ctx.body.quantity, meta(ctx));
        return reservationResult(ctx.params.id, result.reservationId, result);
      },
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
        return reservationResult(ctx.params.id, ctx.params.rid, result);
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
        return reservationResult(ctx.params.id, ctx.params.rid, result);
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
      query: schemas.pagination.extend({ status: z.enum(['held', 'confirmed', 'cancelled', 'expired']).optional() }),
      handler: async (ctx) => {
        const after = decodeCursor(ctx.query.cursor, cursorKeys.createdAt);
        const by = { userId: ctx.principal!.userId, status: ctx.query.status };
        const { value: rows, position } = await readTicketing((db) => reservationsOf(db, by, { limit: ctx.query.limit, after }));
        const result = page(rows, ctx.query.limit, (r) => ({ c: r.created_at.toISOString(), id: r.id }));
        return { body: { items: result.items.map(reservationDto), nextCursor: result.nextCursor }, headers: positionHeader(position) };
      },
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
      query: schemas.pagination.extend({ status: z.enum(['held', 'confirmed', 'cancelled', 'expired']).optional() }),
      handler: async (ctx) => {
        const after = decodeCursor(ctx.query.cursor, cursorKeys.createdAt);
        const by = { eventId: ctx.params.id, status: ctx.query.status };
        const { value: rows, position } = await readTicketing((db) => reservationsOf(db, by, { limit: ctx.query.limit, after }));
        const result = page(rows, ctx.query.limit, (r) => ({ c: r.created_at.toISOString(), id: r.id }));
        return { body: { items: result.items.map(reservationDto), nextCursor: result.nextCursor }, headers: positionHeader(position) };
      },
    }),
    route({
      method: 'post',
      path: '/v1/events/:id/waitlist',
      summary: 'Join the waiting list (only when sold out: 409 seats-available otherwise)',
      tags: ['waiting list'],
      response: waitlistEntrySchema,
      problems: [...COMMAND, 'seats-available', 'waitlist-disabled', 'already-on-waitlist', 'event-not-open', 'exceeds-max-per-reservation'],
      access: visible,
      params: eventParams,
      body: quantityInput,
      successStatus: 201,
      handler: async (ctx) => {
        const result = await ticketing.joinWaitlist(ctx.params.id, ctx.body.quantity, meta(ctx));
        return commandResult(entryFromState(result.state, result.state.waitlist.get(result.entryId)!), result);
      },
    }),
    route({
      method: 'get',
      path: '/v1/events/:id/waitlist/me',
      summary: "The caller's waiting-list entry: place in the queue, status, offer",
      tags: ['waiting list'],
      response: waitlistEntrySchema,
      problems: ['event-not-found'],
      access: visible,
      params: eventParams,
      handler: async (ctx) => {
        // answered from the domain state: the position must be exact, and right after joining
        const { state, revision, position } = await ticketing.load(ctx.params.id);
        const entry = latestEntryOf(state, ctx.principal!.userId);
        if (!entry) throw notFoundHttp('Waiting-list entry');
        return { body: entryFromState(state, entry), revision, headers: positionHeader(position) };
      },
    }),
    route({
      method: 'delete',
      path: '/v1/events/:id/waitlist/me',
      summary: 'Leave the waiting list (declines an open offer)',
      tags: ['waiting list'],
      response: waitlistEntrySchema,
      problems: [...COMMAND, 'not-found', 'waitlist-entry-not-found', 'waitlist-entry-not-active'],
      access: visible,
      params: eventParams,
      handler: async (ctx) => {
        const { state } = await ticketing.load(ctx.params.id);
        const entry = latestEntryOf(state, ctx.principal!.userId);
        if (!entry) throw notFoundHttp('Waiting-list entry');
        const result = await ticketing.leaveWaitlist(ctx.params.id, entry.entryId, meta(ctx));
        // A retry answered from its earlier write (the user may have joined again since) names the entry that write left.
        const left = result.events.find((e) => e.type === 'WaitlistLeft');
        const leftId = left?.type === 'WaitlistLeft' ? left.data.entryId : entry.entryId;
        return commandResult(entryFromState(result.state, result.state.waitlist.get(leftId)!), result);
      },
    }),
    route({
      method: 'post',
      path: '/v1/events/:id/waitlist/offers/:offerId/accept',
      summary: 'Accept a waiting-list offer: its seats become your reservation',
      tags: ['waiting list'],
      response: reservationSchema,
      problems: [...COMMAND, 'offer-not-found', 'not-offer-owner', 'offer-already-accepted', 'offer-withdrawn', 'offer-expired', 'event-not-open'],
      access: visible,
      params: offerParams,
      successStatus: 201,
      handler: async (ctx) => {
        const result = await ticketing.acceptOffer(ctx.params.id, ctx.params.offerId, meta(ctx));
        return reservationResult(ctx.params.id, result.reservationId, result);
      },
    }),
    route({
      method: 'get',
      path: '/v1/events/:id/waitlist',
      summary: 'The waiting list in join order, with why each entry is or is not promoted now (organizers)',
      tags: ['waiting list'],
      response: waitlistPageSchema,
      problems: ['event-not-found', 'invalid-cursor'],
      access: managers,
      params: eventParams,
      query: schemas.pagination,
      readsProjections: readsTicketing,
      handler: async (ctx) => {
        const { state } = await ticketing.load(ctx.params.id);
        const explanation = explainWaitlist(state);
        const afterSeq = ctx.query.cursor ? decodeCursor(ctx.query.cursor, cursorKeys.sequence)!.seq : undefined;
        const rows = await waitlistOf(knex, ctx.params.id, { limit: ctx.query.limit, afterSeq });
        const result = page(rows, ctx.query.limit, (r) => ({ seq: String(r.seq) }));
        return {
          body: {
            freeSeats: explanation.freeSeats,
            offeredSeats: explanation.offeredSeats,
            items: result.items.map((r) => {
              const why = explanation.entries.find((e) => e.entryId === r.entry_id);
              return {
                ...waitlistEntryDto(r, r.place ?? undefined),
                userId: r.user_id,
                ...(why ? { promotableNow: why.promotableNow, seatsShort: why.seatsShort } : {}),
              };
            }),
            nextCursor: result.nextCursor,
          },
        };
      },
    }),
    route({
      method: 'get',
      path: '/v1/events/:id/history',
      summary: 'Audit trail: every change with its actor, correlation id and time',
      tags: ['events'],
      response: historySchema,
      access: team,
      params: eventParams,
      query: z.object({ fromRevision: schemas.revision.optional(), limit: z.coerce.number().int().min(1).max(100).default(50) }),
      handler: async (ctx) => {
        const events = await deps.store.readStream(ticketedEventStreamName(ctx.params.id), {
          fromRevision: ctx.query.fromRevision ?? 0n,
          maxCount: ctx.query.limit + 1,
        });
        const items = events.slice(0, ctx.query.limit).map((e) => ({
          revision: e.revision.toString(),
          position: e.position.toString(),
          type: e.type,
          data: e.data as Record<string, unknown>, // domain event data is always an object
          recordedAt: e.recordedAt.toISOString(),
          actorId: e.metadata.actorId ?? null,
          correlationId: e.metadata.correlationId ?? null,
          causationId: e.metadata.causationId ?? null,
        }));
        const next = events[ctx.query.limit];
        return { body: { items, nextFromRevision: next ? next.revision.toString() : null } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/events/:id/analytics',
      summary: 'Seats, reservations, utilisation, revenue, waiting-list conversion, reservations per day',
      tags: ['analytics'],
      response: eventAnalyticsSchema,
      access: team,
      params: eventParams,
      readsProjections: readsTicketing,
      handler: async (ctx) => {
        const { value: analytics, position } = await readTicketing(async (db) => {
          const row = await getEventRow(db, ctx.params.id);
          return row && eventAnalytics(db, row);
        });
        if (!analytics) throw new HttpError(503, 'projection-behind', 'The event is not in the read model yet; retry shortly', { 'Retry-After': '1' });
        return { body: analytics, headers: positionHeader(position) };
      },
    }),
    route({
      method: 'post',
      path: '/v1/events/:id/collaborators',
      summary: 'Add a co-organizer or viewer (the organizer)',
      tags: ['events'],
      response: eventSchema,
      problems: [...COMMAND, 'not-organizer', 'collaborator-is-organizer', 'user-not-found'],
      access: organizerOnly,
      params: eventParams,
      body: collaboratorInput,
      successStatus: 201,
      handler: async (ctx) => {
        // the user stream, not the users read model: a just-registered user exists already
        const [registered] = await deps.store.readStream(userStreamName(ctx.body.userId), { maxCount: 1 });
        if (!registered) throw new HttpError(404, 'user-not-found', 'No user with this id');
        return eventResult(await ticketing.addCollaborator(ctx.params.id, ctx.body.userId, ctx.body.role, meta(ctx)), ctx.now);
      },
    }),
    route({
      method: 'delete',
      path: '/v1/events/:id/collaborators/:userId',
      summary: 'Remove a collaborator (the organizer)',
      tags: ['events'],
      response: eventSchema,
      problems: [...COMMAND, 'not-organizer', 'collaborator-not-found'],
      access: organizerOnly,
      params: collaboratorParams,
      handler: async (ctx) => eventResult(await ticketing.removeCollaborator(ctx.params.id, ctx.params.userId, meta(ctx)), ctx.now),
    }),
    route({
      method: 'get',
      path: '/v1/analytics/overview',
      summary: 'Totals and top events (administrators)',
      tags: ['analytics'],
      response: analyticsOverviewSchema,
      access: access.admin,
      readsProjections: readsTicketing,
      handler: async () => {
        const { value, position } = await readTicketing((db) => analyticsOverview(db));
        return { body: value, headers: positionHeader(position) };
      },
    }),
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
        const { value: rows, position } = await readTicketing((db) => notificationsOf(db, ctx.principal!.userId, filter));
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

/**
 * X-Position of a GET answer: the newest event it reflects (domain state: the last folded
 * event; read model: its checkpoint). Omitted when unknown.
 */
function positionHeader(position: bigint | undefined): Record<string, string> {
  return position !== undefined && position >= 0n ? { 'X-Position': position.toString() } : {};
}

/** On the event's team (organizer, co-organizers, viewers) or an admin: sees its draft-time past. */
function inTeam(ctx: RouteContext<unknown, unknown, unknown>): boolean {
  return resourceRolesOf(ctx).roles.length > 0 || isAdmin(ctx);
}

/** A command's answer: the body, its stream revision (ETag) and store position (X-Position). */
function commandResult<Body>(body: Body, result: { revision: bigint | undefined; position: bigint | undefined }) {
  return {
    body,
    ...(result.revision !== undefined ? { revision: result.revision } : {}),
    ...(result.position !== undefined ? { position: result.position } : {}),
  };
}

function reservationResult(
  eventId: string,
  reservationId: string,
  result: { state: TicketedEventState; revision: bigint | undefined; position: bigint | undefined },
) {
  const reservation = result.state.reservations.get(reservationId);
  if (!reservation) throw notFoundHttp('Reservation');
  return commandResult(reservationFromState(eventId, reservation), result);
}

/** The user's active entry, else their most recent one. */
function latestEntryOf(state: TicketedEventState, userId: string): WaitlistEntry | undefined {
  const activeId = state.activeEntryByUser.get(userId);
  if (activeId) return state.waitlist.get(activeId);
  let latest: WaitlistEntry | undefined;
  for (const [, entry] of state.waitlist) if (entry.userId === userId) latest = entry;
  return latest;
}

function priceOf(row: { pricing: Pricing; held: number; confirmed: number; capacity: number }, now: string): number {
  return quotePrice(row.pricing, row.held + row.confirmed, row.capacity, now).unitPrice;
}
