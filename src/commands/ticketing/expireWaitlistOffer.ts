/** ExpireWaitlistOffer (job): a no-op unless the offer is still open and has run out. */
import type { RequestMeta } from '../meta.js';
import { runOnEvent, type TicketingDeps, type TicketingResult } from './ticketedEventStream.js';

export function expireWaitlistOffer(deps: TicketingDeps, eventId: string, offerId: string, meta: RequestMeta): Promise<TicketingResult> {
  return runOnEvent(deps, eventId, { type: 'ExpireWaitlistOffer', data: { offerId } }, meta);
}
