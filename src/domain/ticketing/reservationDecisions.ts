/** Decisions on reservations: reserve, confirm, expire a hold, cancel. */
import { conflict, forbidden, invalid, notFound } from '../shared/errors.js';
import type { CancelReservation, CommandMeta, ConfirmReservation, ExpireHold, ReserveSeats } from './commands.js';
import type { SeatsReserved, TicketedEventEvent } from './events.js';
import { canManage, isPositiveInteger, requireManager, requireNotCancelled, requireOpenForSales, requireScheduled, requireSelf } from './guards.js';
import { quotePrice } from './pricing.js';
import type { Reservation, TicketedEventState } from './state.js';
import { addMinutes, isAtOrAfter, toUtcIso } from '../shared/time.js';
import { seatsForSale } from './waitlist.js';

export function reserveSeats(command: ReserveSeats, state: TicketedEventState): TicketedEventEvent[] {
  const { meta } = command;
  const { reservationId, userId, quantity } = command.data;
  requireSeatRequest(state, userId, quantity, meta);
  const available = seatsForSale(state);
  if (quantity > available) throw soldOut(state, available, quantity);
  requireNewReservationId(state, reservationId);
  return [
    seatsReserved(state, {
      reservationId,
      userId,
      quantity,
      soldSeats: state.held + state.confirmed,
      now: meta.now,
    }),
  ];
}

export function confirmReservation(command: ConfirmReservation, state: TicketedEventState): TicketedEventEvent[] {
  const { meta } = command;
  requireScheduled(state);
  const reservation = requireReservation(state, command.data.reservationId);
  if (reservation.userId !== meta.actorId && !canManage(state, meta)) {
    throw forbidden('not-reservation-owner', 'Only the holder or an organizer can confirm this reservation.');
  }
  requireNotCancelled(state);
  requireReservationStatus(reservation, ['held'], 'confirmed');
  if (reservation.holdExpiresAt !== undefined && isAtOrAfter(meta.now, reservation.holdExpiresAt)) {
    throw conflict('hold-expired', `The hold expired at ${reservation.holdExpiresAt}.`);
  }
  if (isAtOrAfter(meta.now, state.details.endsAt)) throw conflict('event-not-open', 'The event has ended.');
  return [{ type: 'ReservationConfirmed', data: { reservationId: reservation.reservationId } }];
}

export function expireHold(command: ExpireHold, state: TicketedEventState): TicketedEventEvent[] {
  requireScheduled(state);
  const reservation = requireReservation(state, command.data.reservationId);
  // Expiry moves only by rule: never before holdExpiresAt, and only from 'held'.
  if (reservation.status !== 'held' || reservation.holdExpiresAt === undefined) return [];
  if (!isAtOrAfter(command.meta.now, reservation.holdExpiresAt)) return [];
  return [{ type: 'HoldExpired', data: { reservationId: reservation.reservationId } }];
}

export function cancelReservation(command: CancelReservation, state: TicketedEventState): TicketedEventEvent[] {
  const { meta } = command;
  const { reservationId, byRole, reason } = command.data;
  requireScheduled(state);
  const reservation = requireReservation(state, reservationId);
  if (byRole === 'holder' && reservation.userId !== meta.actorId) {
    throw forbidden('not-reservation-owner', 'This reservation belongs to another user.');
  }
  if (byRole === 'organizer') requireManager(state, meta);
  requireNotCancelled(state);
  requireReservationStatus(reservation, ['held', 'confirmed'], 'cancelled');
  return [{ type: 'ReservationCancelled', data: { reservationId, by: meta.actorId, byRole, reason: reason ?? null } }];
}

export interface NewReservation {
  reservationId: string;
  userId: string;
  quantity: number;
  /** held + confirmed before this reservation, for the demand tier. */
  soldSeats: number;
  now: string;
  waitlistEntryId?: string;
  offerId?: string;
}

/** Prices the seats and decides held vs confirmed; everything derived is recorded. */
export function seatsReserved(state: TicketedEventState, reservation: NewReservation): SeatsReserved {
  const { details } = state;
  const quote = quotePrice(details.pricing, reservation.soldSeats, state.capacity, reservation.now);
  const data: SeatsReserved['data'] = {
    reservationId: reservation.reservationId,
    userId: reservation.userId,
    quantity: reservation.quantity,
    unitPrice: quote.unitPrice,
    currency: quote.currency,
    status: details.holdMinutes > 0 ? 'held' : 'confirmed',
    reservedAt: toUtcIso(reservation.now),
  };
  if (details.holdMinutes > 0) data.holdExpiresAt = addMinutes(reservation.now, details.holdMinutes);
  if (reservation.waitlistEntryId !== undefined) data.waitlistEntryId = reservation.waitlistEntryId;
  if (reservation.offerId !== undefined) data.offerId = reservation.offerId;
  return { type: 'SeatsReserved', data };
}

function requireReservation(state: TicketedEventState, reservationId: string): Reservation {
  const reservation = state.reservations.get(reservationId);
  if (reservation === undefined) throw notFound('reservation-not-found', 'No such reservation for this event.');
  return reservation;
}

export function requireNewReservationId(state: TicketedEventState, reservationId: string) {
  if (state.reservations.has(reservationId)) {
    throw conflict('reservation-exists', `Reservation ${reservationId} already exists.`);
  }
}

/** Allowed moves: held → confirmed | expired | cancelled, confirmed → cancelled. */
function requireReservationStatus(reservation: Reservation, from: Reservation['status'][], to: string) {
  if (!from.includes(reservation.status)) {
    throw conflict('invalid-reservation-state', `A ${reservation.status} reservation cannot become ${to}.`);
  }
}

/** The actor asks for seats for themselves, within the per-reservation limit, while the event sells. */
export function requireSeatRequest(state: TicketedEventState, userId: string, quantity: number, meta: CommandMeta) {
  requireScheduled(state);
  requireSelf(userId, meta);
  requireValidQuantity(state, quantity);
  requireOpenForSales(state, meta.now);
}

function requireValidQuantity(state: TicketedEventState, quantity: number) {
  if (!isPositiveInteger(quantity)) throw invalid('invalid-quantity', 'quantity must be a positive integer.');
  const max = state.details.maxPerReservation;
  if (quantity > max) throw invalid('exceeds-max-per-reservation', `At most ${max} seat(s) per reservation.`);
}

function soldOut(state: TicketedEventState, available: number, requested: number) {
  const waitlistHint = state.details.waitlist.enabled
    ? ' The waiting list is open: join it to be served in order.'
    : '';
  const what =
    available <= 0 ? 'The event is sold out.' : `Only ${available} seat(s) are available, ${requested} requested.`;
  return conflict('sold-out', what + waitlistHint);
}
