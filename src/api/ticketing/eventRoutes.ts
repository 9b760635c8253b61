/** Ticketed events: create, list, read (also as of a revision), change, publish, cancel, history, collaborators. */
import { z } from 'zod';
import { cancelInput, changeEventInput, collaboratorInput, createEventInput } from '../../commands/ticketing/index.js';
import { userStreamName } from '../../domain/identity/index.js';
import { ticketedEventStreamName, type TicketedEventState } from '../../domain/ticketing/index.js';
import { getEventRow, listEvents } from '../../projections/ticketing/queries.js';
import { cursorKeys, decodeCursor, page } from '../pagination.js';
import { HttpError } from '../problem.js';
import type { ProblemCode } from '../problemCodes.js';
import { access, route, schemas, type RouteDefinition, positionHeader } from '../routes.js';
import { queryInstant } from '../schemas.js';
import { historyQuery, streamHistory } from '../streamHistory.js';
import { eventDto, eventDtoOfState } from './dtoBuilders.js';
import { eventPageSchema, eventSchema, historySchema } from './dtos.js';
import {
  COMMAND,
  commandResult,
  eventAccess,
  eventParams,
  inTeam,
  isAdmin,
  meta,
  priceOf,
  readsTicketing,
  readTicketing,
  type TicketingRouteDeps,
} from './routeHelpers.js';

const collaboratorParams = z.object({ id: z.uuid(), userId: z.string().min(1).max(100) });

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

const eventResult = (result: { state: TicketedEventState; revision: bigint | undefined; position: bigint | undefined }, now: Date) =>
  commandResult(eventDtoOfState(result.state, result.revision, now), result);

/** The event's own routes, in three groups that take their places in the route table (see ticketingRoutes.ts). */
export function eventRoutes(deps: TicketingRouteDeps): { lifecycle: RouteDefinition[]; history: RouteDefinition; collaborators: RouteDefinition[] } {
  const { knex, ticketing } = deps;
  const { managers, team, organizerOnly, visible } = eventAccess(deps.resources);

  const lifecycle = [
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
        const { value: rows, position } = await readTicketing(knex, (db) => listEvents(db, { ...ctx.query, after, viewer }));
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
          return { body: eventDtoOfState(state, revision, ctx.now), revision, headers: positionHeader(position) };
        }
        const { value: row, position } = await readTicketing(knex, (db) => getEventRow(db, ctx.params.id));
        if (!row) {
          // created but not projected yet: answer from the domain state
          const folded = await ticketing.load(ctx.params.id);
          return { body: eventDtoOfState(folded.state, folded.revision, ctx.now), revision: folded.revision, headers: positionHeader(folded.position) };
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
  ];

  const history = route({
    method: 'get',
    path: '/v1/events/:id/history',
    summary: 'Audit trail: every change with its actor, correlation id and time',
    tags: ['events'],
    response: historySchema,
    access: team,
    params: eventParams,
    query: historyQuery,
    handler: (ctx) => streamHistory(deps.store, ticketedEventStreamName(ctx.params.id), ctx.query),
  });

  const collaborators = [
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
  ];

  return { lifecycle, history, collaborators };
}
