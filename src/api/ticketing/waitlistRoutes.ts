/** The waiting list: join, the caller's entry, leave, accept an offer, and the organizers' view of the queue. */
import { z } from 'zod';
import { quantityInput } from '../../commands/ticketing/index.js';
import { explainWaitlist, type TicketedEventState, type WaitlistEntry } from '../../domain/ticketing/index.js';
import { waitlistOf } from '../../projections/ticketing/queries.js';
import { cursorKeys, decodeCursor, page } from '../pagination.js';
import { notFoundHttp } from '../problem.js';
import { route, schemas, type RouteDefinition, positionHeader } from '../routes.js';
import { waitlistEntryDto, waitlistEntryDtoOfState } from './dtoBuilders.js';
import { reservationSchema, waitlistEntrySchema, waitlistPageSchema } from './dtos.js';
import {
  COMMAND,
  commandResult,
  eventAccess,
  eventParams,
  meta,
  readsTicketing,
  reservationResult,
  type TicketingRouteDeps,
} from './routeHelpers.js';

const offerParams = z.object({ id: z.uuid(), offerId: z.uuid() });

export function waitlistRoutes(deps: TicketingRouteDeps): RouteDefinition[] {
  const { knex, ticketing } = deps;
  const { managers, visible } = eventAccess(deps.resources);

  return [
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
        return commandResult(waitlistEntryDtoOfState(result.state, result.state.waitlist.get(result.entryId)!), result);
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
        return { body: waitlistEntryDtoOfState(state, entry), revision, headers: positionHeader(position) };
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
        return commandResult(waitlistEntryDtoOfState(result.state, result.state.waitlist.get(leftId)!), result);
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
      handler: async (ctx) => reservationResult(ctx.params.id, await ticketing.acceptOffer(ctx.params.id, ctx.params.offerId, meta(ctx))),
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
  ];
}

/** The user's active entry, else their most recent one. */
function latestEntryOf(state: TicketedEventState, userId: string): WaitlistEntry | undefined {
  const activeId = state.activeEntryByUser.get(userId);
  if (activeId) return state.waitlist.get(activeId);
  let latest: WaitlistEntry | undefined;
  for (const [, entry] of state.waitlist) if (entry.userId === userId) latest = entry;
  return latest;
}
