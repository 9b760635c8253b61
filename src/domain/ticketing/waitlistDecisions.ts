/** Decisions on the waiting list: join, leave, promote (job), accept and expire offers. */
import { conflict, forbidden, notFound } from '../shared/errors.js';
import {
  promotionIdSeed,
  type AcceptWaitlistOffer,
  type ExpireWaitlistOffer,
  type JoinWaitlist,
  type LeaveWaitlist,
  type PromoteWaitlist,
} from './commands.js';
import type { TicketedEventEvent } from './events.js';
import { canManage, requireNotCancelled, requireScheduled, requireSelf } from './guards.js';
import { requireNewReservationId, requireSeatRequest, seatsReserved } from './reservationDecisions.js';
import type { TicketedEventState } from './state.js';
import { addMinutes, isAtOrAfter } from '../shared/time.js';
import { planPromotions, seatsForSale } from './waitlist.js';

export function joinWaitlist(command: JoinWaitlist, state: TicketedEventState): TicketedEventEvent[] {
  const { meta } = command;
  const { entryId, userId, quantity } = command.data;
  requireSeatRequest(state, userId, quantity, meta);
  if (!state.details.waitlist.enabled) throw conflict('waitlist-disabled', 'This event has no waiting list.');
  if (state.activeEntryByUser.has(userId)) {
    throw conflict('already-on-waitlist', 'You are already on the waiting list for this event.');
  }
  const available = seatsForSale(state);
  if (quantity <= available) {
    throw conflict('seats-available', `${available} seat(s) are available: reserve them instead of waiting.`);
  }
  if (state.waitlist.has(entryId)) throw conflict('waitlist-entry-exists', `Entry ${entryId} already exists.`);
  return [{ type: 'WaitlistJoined', data: { entryId, userId, quantity } }];
}

export function leaveWaitlist(command: LeaveWaitlist, state: TicketedEventState): TicketedEventEvent[] {
  const { meta } = command;
  requireScheduled(state);
  const entry = state.waitlist.get(command.data.entryId);
  if (entry === undefined) throw notFound('waitlist-entry-not-found', 'No such waiting-list entry.');
  if (entry.userId !== meta.actorId && !canManage(state, meta)) {
    throw forbidden('not-waitlist-entry-owner', 'This waiting-list entry belongs to another user.');
  }
  requireNotCancelled(state);
  if (entry.status !== 'waiting' && entry.status !== 'offered') {
    throw conflict('waitlist-entry-not-active', `The entry is already ${entry.status}.`);
  }
  return [{ type: 'WaitlistLeft', data: { entryId: entry.entryId } }];
}

export function promoteWaitlist(command: PromoteWaitlist, state: TicketedEventState): TicketedEventEvent[] {
  const { now } = command.meta;
  const { newId } = command.data;
  if (state.status !== 'published' || isAtOrAfter(now, state.details.endsAt)) return [];
  const events: TicketedEventEvent[] = [];
  const usedIds = new Set<string>();
  const freshId = (seed: string, isTaken: (id: string) => boolean) => {
    const id = newId(seed);
    if (id === '' || usedIds.has(id) || isTaken(id)) throw new Error(`newId returned an unusable id for "${seed}"`);
    usedIds.add(id);
    return id;
  };
  // Promotions made earlier in this run count as sold for the next one's price.
  let soldSeats = state.held + state.confirmed;
  for (const entry of planPromotions(state)) {
    if (state.details.waitlist.mode === 'offer') {
      const offerId = freshId(promotionIdSeed.offer(entry.entryId), (id) => state.offers.has(id));
      events.push({
        type: 'WaitlistOfferMade',
        data: {
          entryId: entry.entryId,
          offerId,
          userId: entry.userId,
          quantity: entry.quantity,
          expiresAt: addMinutes(now, state.details.waitlist.offerMinutes),
        },
      });
    } else {
      const reservationId = freshId(promotionIdSeed.reservation(entry.entryId), (id) => state.reservations.has(id));
      events.push(
        seatsReserved(state, {
          reservationId,
          userId: entry.userId,
          quantity: entry.quantity,
          soldSeats,
          now,
          waitlistEntryId: entry.entryId,
        }),
        { type: 'WaitlistPromoted', data: { entryId: entry.entryId, reservationId, via: 'auto' } },
      );
      soldSeats += entry.quantity;
    }
  }
  return events;
}

export function acceptWaitlistOffer(command: AcceptWaitlistOffer, state: TicketedEventState): TicketedEventEvent[] {
  const { meta } = command;
  const { offerId, userId, reservationId } = command.data;
  requireScheduled(state);
  requireSelf(userId, meta);
  requireNotCancelled(state);
  const offer = state.offers.get(offerId);
  if (offer === undefined) throw notFound('offer-not-found', 'No such waiting-list offer.');
  if (offer.userId !== userId) throw forbidden('not-offer-owner', 'This offer was made to another user.');
  if (offer.status === 'accepted') throw conflict('offer-already-accepted', 'The offer was already accepted.');
  if (offer.status === 'withdrawn') throw conflict('offer-withdrawn', 'The offer was withdrawn.');
  if (offer.status === 'expired' || isAtOrAfter(meta.now, offer.expiresAt)) {
    throw conflict('offer-expired', `The offer expired at ${offer.expiresAt}.`);
  }
  if (isAtOrAfter(meta.now, state.details.endsAt)) throw conflict('event-not-open', 'The event has ended.');
  requireNewReservationId(state, reservationId);
  // The offer already holds the seats: no capacity check, they move to the reservation.
  return [
    seatsReserved(state, {
      reservationId,
      userId,
      quantity: offer.quantity,
      soldSeats: state.held + state.confirmed,
      now: meta.now,
      waitlistEntryId: offer.entryId,
      offerId,
    }),
    { type: 'WaitlistPromoted', data: { entryId: offer.entryId, reservationId, via: 'offer', offerId } },
  ];
}

export function expireWaitlistOffer(command: ExpireWaitlistOffer, state: TicketedEventState): TicketedEventEvent[] {
  requireScheduled(state);
  const offer = state.offers.get(command.data.offerId);
  if (offer === undefined) throw notFound('offer-not-found', 'No such waiting-list offer.');
  if (offer.status !== 'open' || !isAtOrAfter(command.meta.now, offer.expiresAt)) return [];
  return [{ type: 'WaitlistOfferExpired', data: { offerId: offer.offerId, entryId: offer.entryId } }];
}
