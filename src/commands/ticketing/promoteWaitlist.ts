/** PromoteWaitlist (job): serves the queue; its new ids derive from the event, so a retried job decides identical events. */
import type { RequestMeta } from '../meta.js';
import { eventDerivedId, runOnEvent, type TicketingDeps, type TicketingResult } from './ticketedEventStream.js';

export function promoteWaitlist(deps: TicketingDeps, eventId: string, meta: RequestMeta): Promise<TicketingResult> {
  const newId = (seed: string) => eventDerivedId(eventId, seed);
  return runOnEvent(deps, eventId, { type: 'PromoteWaitlist', data: { newId } }, meta);
}
