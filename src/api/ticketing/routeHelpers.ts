/** What the ticketing route modules share: their parts, path params, problem lists and answer shapes. */
import type { Knex } from 'knex';
import { z } from 'zod';
import type { RequestMeta } from '../../commands/meta.js';
import type { TicketingCommands } from '../../commands/ticketing/ticketingCommands.js';
import { quotePrice, roleOf, type Pricing, type TicketedEventState } from '../../domain/ticketing/index.js';
import type { EventStore } from '../../eventstore/eventStore.js';
import { readAtCheckpoint } from '../../projections/runtime.js';
import { TICKETING_PROJECTION } from '../../projections/ticketing/ticketingProjection.js';
import { resourceRolesOf, type ResourceAccess } from '../access.js';
import { notFoundHttp } from '../problem.js';
import type { ProblemCode } from '../problemCodes.js';
import type { RouteContext } from '../routes.js';
import { reservationDtoOfState } from './dtoBuilders.js';

export interface TicketingRouteDeps {
  knex: Knex;
  store: EventStore;
  ticketing: TicketingCommands;
  resources: ResourceAccess;
}

type AnyContext = RouteContext<unknown, unknown, unknown>;

export const eventParams = z.object({ id: z.uuid() });
export const readsTicketing = [TICKETING_PROJECTION];

/** Every ticketing command can lose a race (If-Match, contention) or find no event. */
export const COMMAND: ProblemCode[] = ['event-not-found', 'revision-mismatch', 'contention'];

/** Who may do what on an event (the decider checks again on every command). */
export function eventAccess(resources: ResourceAccess) {
  return {
    managers: resources.event(['organizer', 'co-organizer']),
    team: resources.event(['organizer', 'co-organizer', 'viewer']),
    organizerOnly: resources.event(['organizer']),
    /** Anyone while the event is published or cancelled; drafts only their team. */
    visible: resources.event(['organizer', 'co-organizer', 'viewer'], { allowPublic: true }),
  };
}

/** Read-model queries in one snapshot with the ticketing checkpoint (X-Position of the answer). */
export const readTicketing = <T>(knex: Knex, read: (db: Knex) => Promise<T>) => readAtCheckpoint(knex, TICKETING_PROJECTION, read);

export const isAdmin = (ctx: AnyContext) => ctx.principal?.roles.includes('admin') ?? false;

/** Organizer, co-organizer or admin, on the fresh state (as the decider decides). */
export function canManageEvent(state: TicketedEventState, ctx: AnyContext): boolean {
  const role = roleOf(state, ctx.principal!.userId);
  return isAdmin(ctx) || role === 'organizer' || role === 'co-organizer';
}

/** On the event's team (organizer, co-organizers, viewers) or an admin: sees its draft-time past. */
export function inTeam(ctx: AnyContext): boolean {
  return resourceRolesOf(ctx).roles.length > 0 || isAdmin(ctx);
}

export function meta(ctx: AnyContext): RequestMeta {
  return {
    actor: { userId: ctx.principal!.userId, isAdmin: isAdmin(ctx) },
    correlationId: ctx.correlationId,
    now: ctx.now,
    ...(ctx.idempotencyKey ? { idempotencyKey: ctx.idempotencyKey, idempotencyKeyIsNew: ctx.idempotencyKeyIsNew } : {}),
    ...(ctx.ifMatch !== undefined ? { expectedRevision: ctx.ifMatch } : {}),
  };
}

/**
 * X-Position of a GET answer: the newest event it reflects (domain state: the last folded
 * event; read model: its checkpoint). Omitted when unknown.
 */
/** A command's answer: the body, its stream revision (ETag) and store position (X-Position). */
export function commandResult<Body>(body: Body, result: { revision: bigint | undefined; position: bigint | undefined }) {
  return {
    body,
    ...(result.revision !== undefined ? { revision: result.revision } : {}),
    ...(result.position !== undefined ? { position: result.position } : {}),
  };
}

/** A command's answer about one reservation (reserve, confirm, cancel, accept an offer). */
export function reservationResult(
  eventId: string,
  result: { state: TicketedEventState; revision: bigint | undefined; position: bigint | undefined; reservationId: string },
) {
  const reservation = result.state.reservations.get(result.reservationId);
  if (!reservation) throw notFoundHttp('Reservation');
  return commandResult(reservationDtoOfState(eventId, reservation), result);
}

/** The price of one seat now, from a read-model row. */
export function priceOf(row: { pricing: Pricing; held: number; confirmed: number; capacity: number }, now: string): number {
  return quotePrice(row.pricing, row.held + row.confirmed, row.capacity, now).unitPrice;
}
