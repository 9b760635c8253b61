/** Reads of one ticketed event's authoritative (folded) state, through the runtime's cache. */
import { roleOf, ticketedEventDecider, ticketedEventStreamName, type EventRole, type TicketedEventState } from '../../domain/ticketing/index.js';
import { notFound } from '../../domain/shared/errors.js';
import type { TicketingDeps } from './ticketedEventStream.js';

export interface LoadedEvent {
  state: TicketedEventState;
  revision: bigint;
  position: bigint | undefined;
}

export async function loadEvent(deps: TicketingDeps, eventId: string): Promise<LoadedEvent> {
  const { state, revision, position } = await deps.commands.load(ticketedEventDecider, ticketedEventStreamName(eventId));
  if (revision === undefined || state.status === 'unscheduled') throw notFound('event-not-found', 'No such event');
  return { state, revision, position };
}

/** The event folded up to and including `revision` (time travel). */
export async function eventStateAt(deps: TicketingDeps, eventId: string, revision: bigint): Promise<LoadedEvent> {
  const folded = await deps.commands.stateAt(ticketedEventDecider, ticketedEventStreamName(eventId), revision);
  if (folded.revision === undefined) throw notFound('event-not-found', 'No such event');
  return { state: folded.state, revision: folded.revision, position: folded.position };
}

/**
 * Does the event exist, may anyone know it (not a draft), and the user's role on it.
 * Unless `fresh`, a state verified within the last second answers without a read (hot
 * events are checked on every reservation). The access rule re-asks fresh before it
 * denies, so only a role removed in the last second can still pass — and the decider
 * re-checks organizer rights on every command anyway.
 */
export async function membershipOf(
  deps: TicketingDeps,
  eventId: string,
  userId: string,
  opts: { fresh: boolean } = { fresh: true },
): Promise<{ public: boolean; roles: EventRole[] } | undefined> {
  const stream = ticketedEventStreamName(eventId);
  const { state, revision } = opts.fresh
    ? await deps.commands.load(ticketedEventDecider, stream)
    : await deps.commands.loadRecent(ticketedEventDecider, stream, 1000);
  if (revision === undefined || state.status === 'unscheduled') return undefined;
  const role = roleOf(state, userId);
  return { public: state.status !== 'draft', roles: role ? [role] : [] };
}
