/** ExpireHold (job): a no-op unless the reservation is still held and its hold has run out. */
import type { RequestMeta } from '../meta.js';
import { runOnEvent, type TicketingDeps, type TicketingResult } from './ticketedEventStream.js';

export function expireHold(deps: TicketingDeps, eventId: string, reservationId: string, meta: RequestMeta): Promise<TicketingResult> {
  return runOnEvent(deps, eventId, { type: 'ExpireHold', data: { reservationId } }, meta);
}
