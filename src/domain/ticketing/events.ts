/**
 * Events of the `ticketedEvent-<id>` stream (DESIGN §4). Names are fixed; payloads
 * record every derived value (prices, expiry times, ids, seat sources) so that replay
 * never recomputes anything. Times are ISO-8601 UTC strings; money is integer minor
 * units plus an ISO 4217 currency code.
 */
import type { DomainEvent, EventRole } from '../shared/messages.js';

export const TICKETED_EVENT_STREAM_CATEGORY = 'ticketedEvent';
export const ticketedEventStreamName = (eventId: string) => `${TICKETED_EVENT_STREAM_CATEGORY}-${eventId}`;

export interface DemandTier {
  /** Applies once (held + confirmed) / capacity reaches this ratio, 0..1. */
  minSoldRatio: number;
  multiplier: number;
}

export interface EarlyBird {
  /** Exclusive: the discount applies while now < until. */
  until: string;
  multiplier: number;
}

export interface Pricing {
  currency: string;
  /** Integer minor units. */
  basePrice: number;
  demandTiers: DemandTier[];
  earlyBird?: EarlyBird;
}

export type WaitlistMode = 'auto' | 'offer';

export interface WaitlistSettings {
  enabled: boolean;
  mode: WaitlistMode;
  /** How long an offer holds its seats (mode 'offer'). */
  offerMinutes: number;
}

/** Everything about an event except its capacity, which changes through CapacityChanged. */
export interface TicketedEventDetails {
  title: string;
  description: string;
  venue: string;
  startsAt: string;
  endsAt: string;
  /** IANA name, for display; all stored times are UTC. */
  timezone: string;
  maxPerReservation: number;
  pricing: Pricing;
  /** 0 = reservations are confirmed at once; otherwise they are held this long. */
  holdMinutes: number;
  waitlist: WaitlistSettings;
}

export type ReservationHolderRole = 'holder' | 'organizer';
export type CollaboratorRole = Exclude<EventRole, 'organizer'>;

/** Always scheduled as a draft; publishing at creation appends TicketedEventPublished right after. */
export type TicketedEventScheduled = DomainEvent<
  'TicketedEventScheduled',
  TicketedEventDetails & { eventId: string; capacity: number; organizerId: string }
>;
export type TicketedEventPublished = DomainEvent<'TicketedEventPublished', Record<string, never>>;
/** Only the fields that changed, each with its full new value (pricing and waitlist are replaced whole). */
export type TicketedEventDetailsChanged = DomainEvent<'TicketedEventDetailsChanged', Partial<TicketedEventDetails>>;
export type CapacityChanged = DomainEvent<'CapacityChanged', { from: number; to: number }>;
/**
 * Releases everything: every held or confirmed reservation becomes cancelled, open
 * offers are withdrawn and the waitlist closes (waiting/offered entries become expired).
 * No per-reservation events are appended, so cancelling a large event stays one event.
 */
export type TicketedEventCancelled = DomainEvent<'TicketedEventCancelled', { reason: string | null; by: string }>;

export type SeatsReserved = DomainEvent<
  'SeatsReserved',
  {
    reservationId: string;
    userId: string;
    quantity: number;
    /** Integer minor units per seat, fixed at reservation time. */
    unitPrice: number;
    currency: string;
    status: 'held' | 'confirmed';
    /** Present when status is 'held'. */
    holdExpiresAt?: string;
    /** The decision time the price (early bird) and hold expiry were computed from. */
    reservedAt: string;
    /** Set when the seats came from the waitlist. */
    waitlistEntryId?: string;
    /** Set when the seats were held by this offer; they move from the offer to the reservation. */
    offerId?: string;
  }
>;
export type ReservationConfirmed = DomainEvent<'ReservationConfirmed', { reservationId: string }>;
export type HoldExpired = DomainEvent<'HoldExpired', { reservationId: string }>;
export type ReservationCancelled = DomainEvent<
  'ReservationCancelled',
  { reservationId: string; by: string; byRole: ReservationHolderRole; reason: string | null }
>;

export type WaitlistJoined = DomainEvent<'WaitlistJoined', { entryId: string; userId: string; quantity: number }>;
/** Leaving while an offer is open declines it: the offer's seats are released. */
export type WaitlistLeft = DomainEvent<'WaitlistLeft', { entryId: string }>;
export type WaitlistOfferMade = DomainEvent<
  'WaitlistOfferMade',
  { entryId: string; offerId: string; userId: string; quantity: number; expiresAt: string }
>;
export type WaitlistOfferExpired = DomainEvent<'WaitlistOfferExpired', { offerId: string; entryId: string }>;
export type WaitlistPromoted = DomainEvent<
  'WaitlistPromoted',
  {
    entryId: string;
    reservationId: string;
    /** 'auto': reserved directly by PromoteWaitlist; 'offer': the user accepted offerId. */
    via: 'auto' | 'offer';
    offerId?: string;
  }
>;

export type CollaboratorAdded = DomainEvent<'CollaboratorAdded', { userId: string; role: CollaboratorRole }>;
export type CollaboratorRemoved = DomainEvent<'CollaboratorRemoved', { userId: string }>;

export type TicketedEventEvent =
  | TicketedEventScheduled
  | TicketedEventPublished
  | TicketedEventDetailsChanged
  | CapacityChanged
  | TicketedEventCancelled
  | SeatsReserved
  | ReservationConfirmed
  | HoldExpired
  | ReservationCancelled
  | WaitlistJoined
  | WaitlistLeft
  | WaitlistOfferMade
  | WaitlistOfferExpired
  | WaitlistPromoted
  | CollaboratorAdded
  | CollaboratorRemoved;

export type TicketedEventEventType = TicketedEventEvent['type'];

// A Record keyed by the union forces this list to stay complete (e.g. for subscription filters).
const eventTypeSet: Record<TicketedEventEventType, true> = {
  TicketedEventScheduled: true,
  TicketedEventPublished: true,
  TicketedEventDetailsChanged: true,
  CapacityChanged: true,
  TicketedEventCancelled: true,
  SeatsReserved: true,
  ReservationConfirmed: true,
  HoldExpired: true,
  ReservationCancelled: true,
  WaitlistJoined: true,
  WaitlistLeft: true,
  WaitlistOfferMade: true,
  WaitlistOfferExpired: true,
  WaitlistPromoted: true,
  CollaboratorAdded: true,
  CollaboratorRemoved: true,
};
export const ticketedEventEventTypes = Object.keys(eventTypeSet) as TicketedEventEventType[];

export const isTicketedEventEventType = (type: string): type is TicketedEventEventType =>
  Object.prototype.hasOwnProperty.call(eventTypeSet, type);
