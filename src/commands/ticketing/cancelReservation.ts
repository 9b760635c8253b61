/** CancelReservation by its holder or by an organizer. */
import type { ReservationHolderRole } from '../../domain/ticketing/index.js';
import type { RequestMeta } from '../meta.js';
import { runOnEvent, type TicketingDeps, type TicketingResult } from './ticketedEventStream.js';

export function cancelReservation(
  deps: TicketingDeps,
  eventId: string,
  reservationId: string,
  byRole: ReservationHolderRole,
  reason: string | undefined,
  meta: RequestMeta,
): Promise<TicketingResult> {
  return runOnEvent(deps, eventId, { type: 'CancelReservation', data: { reservationId, byRole, reason } }, meta);
}
