/** Checks shared by the ticketed-event decisions: the event's state and who may act on it. */
import { conflict, forbidden, notFound } from '../shared/errors.js';
import type { CommandMeta } from './commands.js';
import type { CollaboratorRole } from './events.js';
import { roleOf, type TicketedEventState } from './state.js';
import { isAtOrAfter } from '../shared/time.js';

export function requireScheduled(state: TicketedEventState) {
  if (state.status === 'unscheduled') throw notFound('event-not-found', 'No such event.');
}

export function requireNotCancelled(state: TicketedEventState) {
  if (state.status === 'cancelled') throw conflict('event-cancelled', 'The event was cancelled.');
}

export function requireOpenForSales(state: TicketedEventState, now: string) {
  if (state.status === 'draft') throw conflict('event-not-open', 'The event is not published yet.');
  if (state.status === 'cancelled') throw conflict('event-not-open', 'The event was cancelled.');
  if (isAtOrAfter(now, state.details.endsAt)) throw conflict('event-not-open', 'The event has ended.');
}

/** Nobody reserves or queues on someone else's behalf. */
export function requireSelf(userId: string, meta: CommandMeta) {
  if (userId !== meta.actorId) throw forbidden('actor-mismatch', 'You can only act for yourself.');
}

export const canManage = (state: TicketedEventState, meta: CommandMeta) => {
  const role = roleOf(state, meta.actorId);
  return meta.actorIsAdmin === true || role === 'organizer' || role === 'co-organizer';
};

/** Organizer, co-organizer or admin: runs the event. */
export function requireManager(state: TicketedEventState, meta: CommandMeta) {
  if (!canManage(state, meta)) throw forbidden('not-organizer', 'Only the organizers can do this.');
}

/** Organizer or admin: manages who else runs the event. */
export function requireOrganizer(state: TicketedEventState, meta: CommandMeta) {
  if (meta.actorIsAdmin !== true && meta.actorId !== state.organizerId) {
    throw forbidden('not-organizer', 'Only the organizer can manage collaborators.');
  }
}

export const isPositiveInteger = (value: number) => Number.isSafeInteger(value) && value > 0;
export const isPositiveFinite = (value: number) => Number.isFinite(value) && value > 0;
export const isCollaboratorRole = (role: string): role is CollaboratorRole => role === 'co-organizer' || role === 'viewer';
