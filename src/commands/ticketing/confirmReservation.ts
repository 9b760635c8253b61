/** ConfirmReservation: a held reservation becomes confirmed before its hold expires. */
import type { RequestMeta } from '../meta.js';
import { runOnEvent, type TicketingDeps, type TicketingResult } from './ticketedEventStream.js';

export function confirmReservation(deps: TicketingDeps, eventId: string, reservationId: string, meta: RequestMeta): Promise<TicketingResult> {
  return runOnEvent(deps, eventId, { type: 'ConfirmReservation', data: { reservationId } }, meta);
}
