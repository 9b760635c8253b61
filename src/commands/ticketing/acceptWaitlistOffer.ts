/**
 * AcceptWaitlistOffer: the offer's seats become the actor's reservation. Its id derives
 * from the offer as a promotion's would, so accepting twice names the same reservation.
 */
import { promotionIdSeed } from '../../domain/ticketing/index.js';
import type { RequestMeta } from '../meta.js';
import { eventDerivedId, runOnEvent, type TicketingDeps, type TicketingResult } from './ticketedEventStream.js';

export async function acceptWaitlistOffer(deps: TicketingDeps, eventId: string, offerId: string, meta: RequestMeta): Promise<TicketingResult & { reservationId: string }> {
  const reservationId = eventDerivedId(eventId, promotionIdSeed.reservation(offerId));
  const result = await runOnEvent(deps, eventId, { type: 'AcceptWaitlistOffer', data: { offerId, userId: meta.actor.userId, reservationId } }, meta);
  return { ...result, reservationId };
}
