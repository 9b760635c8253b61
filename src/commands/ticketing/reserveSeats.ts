/** ReserveSeats for the actor (nobody reserves for someone else). */
import type { RequestMeta } from '../meta.js';
import { requestId, runOnEvent, type TicketingDeps, type TicketingResult } from './ticketedEventStream.js';

export async function reserveSeats(deps: TicketingDeps, eventId: string, quantity: number, meta: RequestMeta): Promise<TicketingResult & { reservationId: string }> {
  // A retry whose first attempt committed is answered by the runtime from that write.
  const reservationId = requestId(meta, `reservation:${eventId}`);
  const result = await runOnEvent(deps, eventId, { type: 'ReserveSeats', data: { reservationId, userId: meta.actor.userId, quantity } }, meta);
  return { ...result, reservationId };
}
