import { assertNever } from '../shared/decider.js';
import type { EventRole } from '../shared/messages.js';
import type { CollaboratorRole, TicketedEventDetails, TicketedEventEvent } from './events.js';
import { PersistentMap } from './persistentMap.js';

export type TicketedEventStatus = 'unscheduled' | 'draft' | 'published' | 'cancelled';
export type ReservationStatus = 'held' | 'confirmed' | 'expired' | 'cancelled';
export type WaitlistEntryStatus = 'waiting' | 'offered' | 'promoted' | 'left' | 'expired';
/** 'withdrawn': the entry left, or the event was cancelled, while the offer was open. */
export type WaitlistOfferStatus = 'open' | 'accepted' | 'expired' | 'withdrawn';

export interface Reservation {
  readonly reservationId: string;
  readonly userId: string;
  readonly quantity: number;
  readonly status: ReservationStatus;
  readonly unitPrice: number;
  readonly currency: string;
  readonly holdExpiresAt?: string;
  readonly reservedAt: string;
  readonly waitlistEntryId?: string;
}

export interface WaitlistEntry {
  readonly entryId: string;
  readonly userId: string;
  readonly quantity: number;
  readonly status: WaitlistEntryStatus;
  readonly offerId?: string;
  readonly offerExpiresAt?: string;
  readonly reservationId?: string;
}

export interface WaitlistOffer {
  readonly offerId: string;
  readonly entryId: string;
  readonly userId: string;
  readonly quantity: number;
  readonly expiresAt: string;
  readonly status: WaitlistOfferStatus;
}

/**
 * Immutable: `evolve` returns a new state and never changes the one it was given, so a
 * caller may keep any earlier state (the command runtime retries batches from one).
 * The growing collections are PersistentMaps so that each event costs far less than
 * copying them.
 */
export interface TicketedEventState {
  readonly eventId: string;
  readonly status: TicketedEventStatus;
  readonly organizerId: string;
  readonly details: TicketedEventDetails;
  readonly capacity: number;
  /** Seat counters, kept equal to the sums over reservations and open offers. */
  readonly held: number;
  readonly confirmed: number;
  /** Seats held by open waitlist offers. */
  readonly offered: number;
  /** Every reservation ever made, by id. */
  readonly reservations: PersistentMap<string, Reservation>;
  /** Every waitlist entry ever made, by id. */
  readonly waitlist: PersistentMap<string, WaitlistEntry>;
  /** Ids of entries with status 'waiting', in join order: the FIFO queue. */
  readonly waitingQueue: readonly string[];
  /** userId → the user's entry while it is waiting or offered (one active entry per user). */
  readonly activeEntryByUser: PersistentMap<string, string>;
  readonly offers: PersistentMap<string, WaitlistOffer>;
  readonly collaborators: PersistentMap<string, CollaboratorRole>;
}

export function initialTicketedEventState(): TicketedEventState {
  return {
    eventId: '',
    status: 'unscheduled',
    organizerId: '',
    details: {
      title: '',
      description: '',
      venue: '',
      startsAt: '',
      endsAt: '',
      timezone: 'UTC',
      maxPerReservation: 0,
      pricing: { currency: '', basePrice: 0, demandTiers: [] },
      holdMinutes: 0,
      waitlist: { enabled: false, mode: 'auto', offerMinutes: 0 },
    },
    capacity: 0,
    held: 0,
    confirmed: 0,
    offered: 0,
    reservations: PersistentMap.empty(),
    waitlist: PersistentMap.empty(),
    waitingQueue: [],
    activeEntryByUser: PersistentMap.empty(),
    offers: PersistentMap.empty(),
    collaborators: PersistentMap.empty(),
  };
}

/**
 * Applies one event. Pure: returns a new state. Events that refer to unknown
 * reservations, entries or offers change nothing (tolerant reader); `decide` never
 * produces them.
 */
export function evolveTicketedEvent(state: TicketedEventState, event: TicketedEventEvent): TicketedEventState {
  switch (event.type) {
    case 'TicketedEventScheduled': {
      const { eventId, capacity, organizerId, ...details } = event.data;
      return { ...state, eventId, status: 'draft', organizerId, capacity, details };
    }
    case 'TicketedEventPublished':
      return { ...state, status: 'published' };
    case 'TicketedEventDetailsChanged':
      return { ...state, details: { ...state.details, ...event.data } };
    case 'CapacityChanged':
      return { ...state, capacity: event.data.to };
    case 'TicketedEventCancelled':
      return releaseEverything(state);

    case 'SeatsReserved': {
      const { data } = event;
      const reservation: Reservation = {
        reservationId: data.reservationId,
        userId: data.userId,
        quantity: data.quantity,
        status: data.status,
        unitPrice: data.unitPrice,
        currency: data.currency,
        reservedAt: data.reservedAt,
        ...(data.holdExpiresAt === undefined ? {} : { holdExpiresAt: data.holdExpiresAt }),
        ...(data.waitlistEntryId === undefined ? {} : { waitlistEntryId: data.waitlistEntryId }),
      };
      let next: TicketedEventState = {
        ...state,
        reservations: state.reservations.set(reservation.reservationId, reservation),
        held: state.held + (data.status === 'held' ? data.quantity : 0),
        confirmed: state.confirmed + (data.status === 'confirmed' ? data.quantity : 0),
      };
      // Seats held by an accepted offer move to the reservation, and the entry is promoted,
      // in this same step, so every revision is consistent on its own (WaitlistPromoted,
      // which follows, then changes nothing here; it tells projections and reactors).
      if (data.offerId !== undefined) next = closeOffer(next, data.offerId, 'accepted');
      if (data.waitlistEntryId !== undefined) {
        next = closeEntry(next, data.waitlistEntryId, 'promoted', data.reservationId);
      }
      return next;
    }
    case 'ReservationConfirmed':
      return moveReservation(state, event.data.reservationId, 'held', 'confirmed');
    case 'HoldExpired':
      return moveReservation(state, event.data.reservationId, 'held', 'expired');
    case 'ReservationCancelled': {
      const from = state.reservations.get(event.data.reservationId)?.status;
      if (from !== 'held' && from !== 'confirmed') return state;
      return moveReservation(state, event.data.reservationId, from, 'cancelled');
    }

    case 'WaitlistJoined': {
      const { entryId, userId, quantity } = event.data;
      return {
        ...state,
        waitlist: state.waitlist.set(entryId, { entryId, userId, quantity, status: 'waiting' }),
        waitingQueue: [...state.waitingQueue, entryId],
        activeEntryByUser: state.activeEntryByUser.set(userId, entryId),
      };
    }
    case 'WaitlistLeft': {
      const offerId = state.waitlist.get(event.data.entryId)?.offerId;
      const next = offerId === undefined ? state : closeOffer(state, offerId, 'withdrawn');
      return closeEntry(next, event.data.entryId, 'left');
    }
    case 'WaitlistOfferMade': {
      const { entryId, offerId, userId, quantity, expiresAt } = event.data;
      const entry = state.waitlist.get(entryId);
      return {
        ...state,
        offers: state.offers.set(offerId, { offerId, entryId, userId, quantity, expiresAt, status: 'open' }),
        offered: state.offered + quantity,
        waitlist:
          entry === undefined
            ? state.waitlist
            : state.waitlist.set(entryId, { ...entry, status: 'offered', offerId, offerExpiresAt: expiresAt }),
        waitingQueue: state.waitingQueue.filter((id) => id !== entryId),
      };
    }
    case 'WaitlistOfferExpired': {
      const offer = state.offers.get(event.data.offerId);
      if (offer?.status !== 'open') return state;
      return closeEntry(closeOffer(state, offer.offerId, 'expired'), offer.entryId, 'expired');
    }
    case 'WaitlistPromoted':
      return closeEntry(state, event.data.entryId, 'promoted', event.data.reservationId);

    case 'CollaboratorAdded':
      return { ...state, collaborators: state.collaborators.set(event.data.userId, event.data.role) };
    case 'CollaboratorRemoved':
      return { ...state, collaborators: state.collaborators.delete(event.data.userId) };
    default:
      return assertNever(event);
  }
}

/** Moves a reservation between statuses and keeps the seat counters in step. */
function moveReservation(
  state: TicketedEventState,
  reservationId: string,
  from: 'held' | 'confirmed',
  to: ReservationStatus,
): TicketedEventState {
  const reservation = state.reservations.get(reservationId);
  if (reservation?.status !== from) return state;
  const { quantity } = reservation;
  const delta = (status: ReservationStatus) => (to === status ? quantity : 0) - (from === status ? quantity : 0);
  return {
    ...state,
    reservations: state.reservations.set(reservationId, { ...reservation, status: to }),
    held: state.held + delta('held'),
    confirmed: state.confirmed + delta('confirmed'),
  };
}

/** Ends an open offer; its seats are released (or, when accepted, moved to a reservation). */
function closeOffer(
  state: TicketedEventState,
  offerId: string,
  status: Exclude<WaitlistOfferStatus, 'open'>,
): TicketedEventState {
  const offer = state.offers.get(offerId);
  if (offer?.status !== 'open') return state;
  return {
    ...state,
    offers: state.offers.set(offerId, { ...offer, status }),
    offered: state.offered - offer.quantity,
  };
}

/** Ends a waiting or offered entry: it leaves the queue and the user may join again. */
function closeEntry(
  state: TicketedEventState,
  entryId: string,
  status: 'promoted' | 'left' | 'expired',
  reservationId?: string,
): TicketedEventState {
  const entry = state.waitlist.get(entryId);
  if (entry === undefined || (entry.status !== 'waiting' && entry.status !== 'offered')) return state;
  const closed: WaitlistEntry = { ...entry, status, ...(reservationId === undefined ? {} : { reservationId }) };
  return {
    ...state,
    waitlist: state.waitlist.set(entryId, closed),
    waitingQueue: entry.status === 'waiting' ? state.waitingQueue.filter((id) => id !== entryId) : state.waitingQueue,
    activeEntryByUser:
      state.activeEntryByUser.get(entry.userId) === entryId
        ? state.activeEntryByUser.delete(entry.userId)
        : state.activeEntryByUser,
  };
}

/** A cancelled event holds no seats and has no active waitlist. */
function releaseEverything(state: TicketedEventState): TicketedEventState {
  return {
    ...state,
    status: 'cancelled',
    reservations: state.reservations.mapValues((r) =>
      r.status === 'held' || r.status === 'confirmed' ? { ...r, status: 'cancelled' } : r,
    ),
    offers: state.offers.mapValues((o) => (o.status === 'open' ? { ...o, status: 'withdrawn' } : o)),
    waitlist: state.waitlist.mapValues((e) =>
      e.status === 'waiting' || e.status === 'offered' ? { ...e, status: 'expired' } : e,
    ),
    held: 0,
    confirmed: 0,
    offered: 0,
    waitingQueue: [],
    activeEntryByUser: PersistentMap.empty(),
  };
}

// ---- Read helpers (pure; shared by decide, read models and `tessera verify`) ----

/** Seats neither held, confirmed nor held by an open offer. */
export const freeSeats = (state: TicketedEventState): number =>
  state.capacity - state.held - state.confirmed - state.offered;

/** The number of entries waiting to be served (offered entries already hold seats). */
export const waitlistLength = (state: TicketedEventState): number => state.waitingQueue.length;

export type { EventRole };

export const roleOf = (state: TicketedEventState, userId: string): EventRole | undefined =>
  userId === state.organizerId && state.status !== 'unscheduled' ? 'organizer' : state.collaborators.get(userId);

/** The user's waiting or offered entry, if any. */
export const activeWaitlistEntryOf = (state: TicketedEventState, userId: string): WaitlistEntry | undefined => {
  const entryId = state.activeEntryByUser.get(userId);
  return entryId === undefined ? undefined : state.waitlist.get(entryId);
};
