import type { Command, DecisionMeta } from '../shared/messages.js';
import type { CollaboratorRole, DemandTier, EarlyBird, ReservationHolderRole, WaitlistMode } from './events.js';

/**
 * Commands for one ticketed event. Every command carries `meta`: the decision time and
 * the acting user. The decider never reads a clock or generates ids; ids of new things
 * (reservationId, entryId, offerId) come from the caller, so `decide` is deterministic.
 */
export type CommandMeta = DecisionMeta;

export interface PricingInput {
  currency: string;
  basePrice: number;
  demandTiers?: DemandTier[];
  earlyBird?: EarlyBird;
}

export interface WaitlistInput {
  enabled: boolean;
  mode?: WaitlistMode;
  offerMinutes?: number;
}

/** Defaults applied by ScheduleTicketedEvent; the resolved values are recorded in the event. */
export const ticketedEventDefaults = {
  maxPerReservation: 10,
  holdMinutes: 0,
  pricing: { currency: 'EUR', basePrice: 0, demandTiers: [] as DemandTier[] },
  waitlist: { enabled: false, mode: 'auto' as WaitlistMode, offerMinutes: 720 },
} as const;

/** The organizer is `meta.actorId`. `publish: true` publishes at once. */
export type ScheduleTicketedEvent = Command<
  'ScheduleTicketedEvent',
  {
    eventId: string;
    title: string;
    description?: string;
    venue?: string;
    startsAt: string;
    endsAt: string;
    timezone: string;
    capacity: number;
    maxPerReservation?: number;
    holdMinutes?: number;
    pricing?: PricingInput;
    waitlist?: WaitlistInput;
    publish?: boolean;
  }
>;
export type PublishTicketedEvent = Command<'PublishTicketedEvent', Record<string, never>>;
/** Absent fields stay as they are; `waitlist` is merged field by field, `pricing` replaced whole. */
export type ChangeTicketedEventDetails = Command<
  'ChangeTicketedEventDetails',
  {
    title?: string;
    description?: string;
    venue?: string;
    startsAt?: string;
    endsAt?: string;
    timezone?: string;
    capacity?: number;
    maxPerReservation?: number;
    holdMinutes?: number;
    pricing?: PricingInput;
    waitlist?: Partial<WaitlistInput>;
  }
>;
export type CancelTicketedEvent = Command<'CancelTicketedEvent', { reason?: string }>;

/** `userId` must be the actor: nobody reserves for someone else. */
export type ReserveSeats = Command<'ReserveSeats', { reservationId: string; userId: string; quantity: number }>;
export type ConfirmReservation = Command<'ConfirmReservation', { reservationId: string }>;
/** Job command: a no-op unless the reservation is still held and now ≥ holdExpiresAt. */
export type ExpireHold = Command<'ExpireHold', { reservationId: string }>;
export type CancelReservation = Command<
  'CancelReservation',
  { reservationId: string; byRole: ReservationHolderRole; reason?: string }
>;

export type JoinWaitlist = Command<'JoinWaitlist', { entryId: string; userId: string; quantity: number }>;
export type LeaveWaitlist = Command<'LeaveWaitlist', { entryId: string }>;
/**
 * Job command: serves the waitlist in FIFO order (see waitlist.ts). One run may promote
 * several entries, each needing a new id (a reservation in mode 'auto', an offer in
 * mode 'offer'). `newId` must be a pure function of its seed; seeds are
 * `reservation:<entryId>` and `offer:<entryId>` (an entry is promoted at most once).
 * The command handler implements it as uuid v5 of `<eventId>:<seed>`, so a retried
 * job produces the same ids and the same events.
 */
export type PromoteWaitlist = Command<'PromoteWaitlist', { newId: (seed: string) => string }>;
export type AcceptWaitlistOffer = Command<
  'AcceptWaitlistOffer',
  { offerId: string; userId: string; reservationId: string }
>;
/** Job command: a no-op unless the offer is still open and now ≥ expiresAt. */
export type ExpireWaitlistOffer = Command<'ExpireWaitlistOffer', { offerId: string }>;

/** Adding an existing collaborator with another role changes the role. */
export type AddCollaborator = Command<'AddCollaborator', { userId: string; role: CollaboratorRole }>;
export type RemoveCollaborator = Command<'RemoveCollaborator', { userId: string }>;

export type TicketedEventCommand =
  | ScheduleTicketedEvent
  | PublishTicketedEvent
  | ChangeTicketedEventDetails
  | CancelTicketedEvent
  | ReserveSeats
  | ConfirmReservation
  | ExpireHold
  | CancelReservation
  | JoinWaitlist
  | LeaveWaitlist
  | PromoteWaitlist
  | AcceptWaitlistOffer
  | ExpireWaitlistOffer
  | AddCollaborator
  | RemoveCollaborator;

export const promotionIdSeed = {
  reservation: (entryId: string) => `reservation:${entryId}`,
  offer: (entryId: string) => `offer:${entryId}`,
};
