import { assertNever, type Decider } from '../shared/decider.js';
import { conflict, forbidden, invalid, notFound } from '../shared/errors.js';
import {
  ticketedEventDefaults,
  promotionIdSeed,
  type ChangeTicketedEventDetails,
  type CommandMeta,
  type PricingInput,
  type ScheduleTicketedEvent,
  type TicketedEventCommand,
} from './commands.js';
import type {
  CollaboratorRole,
  Pricing,
  SeatsReserved,
  TicketedEventDetails,
  TicketedEventEvent,
  WaitlistSettings,
} from './events.js';
import { quotePrice } from './pricing.js';
import {
  evolveTicketedEvent,
  initialTicketedEventState,
  roleOf,
  type Reservation,
  type TicketedEventState,
} from './state.js';
import { isIsoCurrency } from '../shared/currency.js';
import { addMinutes, instantProblem, isAtOrAfter, isValidTimeZone, toUtcIso } from './time.js';
import { planPromotions, seatsForSale } from './waitlist.js';

/**
 * The ticketed-event decider (DESIGN §4). `decide` checks every invariant; both `decide`
 * and `evolve` are pure (state is immutable, see state.ts).
 *
 * Job commands (ExpireHold, ExpireWaitlistOffer, PromoteWaitlist) return [] when there
 * is nothing (left) to do, so a repeated or early job is harmless.
 */
export const ticketedEventDecider: Decider<TicketedEventState, TicketedEventCommand, TicketedEventEvent> = {
  initialState: initialTicketedEventState,
  evolve: evolveTicketedEvent,
  decide: decideTicketedEvent,
};

export function decideTicketedEvent(command: TicketedEventCommand, state: TicketedEventState): TicketedEventEvent[] {
  const { meta } = command;
  switch (command.type) {
    case 'ScheduleTicketedEvent':
      return schedule(command, state);

    case 'PublishTicketedEvent': {
      requireScheduled(state);
      requireManager(state, meta);
      requireNotCancelled(state);
      if (state.status === 'published') return [];
      if (isAtOrAfter(meta.now, state.details.endsAt)) throw conflict('event-ended', 'The event has already ended.');
      return [{ type: 'TicketedEventPublished', data: {} }];
    }

    case 'ChangeTicketedEventDetails':
      return changeDetails(command, state);

    case 'CancelTicketedEvent': {
      requireScheduled(state);
      requireManager(state, meta);
      requireNotCancelled(state);
      return [{ type: 'TicketedEventCancelled', data: { reason: command.data.reason ?? null, by: meta.actorId } }];
    }

    case 'ReserveSeats': {
      const { reservationId, userId, quantity } = command.data;
      requireScheduled(state);
      requireSelf(userId, meta);
      requireValidQuantity(state, quantity);
      requireOpenForSales(state, meta.now);
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

    case 'ConfirmReservation': {
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

    case 'ExpireHold': {
      requireScheduled(state);
      const reservation = requireReservation(state, command.data.reservationId);
      // Expiry moves only by rule: never before holdExpiresAt, and only from 'held'.
      if (reservation.status !== 'held' || reservation.holdExpiresAt === undefined) return [];
      if (!isAtOrAfter(meta.now, reservation.holdExpiresAt)) return [];
      return [{ type: 'HoldExpired', data: { reservationId: reservation.reservationId } }];
    }

    case 'CancelReservation': {
      const { reservationId, byRole, reason } = command.data;
      requireScheduled(state);
      const reservation = requireReservation(state, reservationId);
      if (byRole === 'holder' && reservation.userId !== meta.actorId) {
        throw forbidden('not-reservation-owner', 'This reservation belongs to another user.');
      }
      if (byRole === 'organizer') requireManager(state, meta);
      requireNotCancelled(state);
      requireReservationStatus(reservation, ['held', 'confirmed'], 'cancelled');
      return [
        { type: 'ReservationCancelled', data: { reservationId, by: meta.actorId, byRole, reason: reason ?? null } },
      ];
    }

    case 'JoinWaitlist': {
      const { entryId, userId, quantity } = command.data;
      requireScheduled(state);
      requireSelf(userId, meta);
      requireValidQuantity(state, quantity);
      requireOpenForSales(state, meta.now);
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

    case 'LeaveWaitlist': {
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

    case 'PromoteWaitlist':
      return promoteWaitlist(state, meta.now, command.data.newId);

    case 'AcceptWaitlistOffer': {
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

    case 'ExpireWaitlistOffer': {
      requireScheduled(state);
      const offer = state.offers.get(command.data.offerId);
      if (offer === undefined) throw notFound('offer-not-found', 'No such waiting-list offer.');
      if (offer.status !== 'open' || !isAtOrAfter(meta.now, offer.expiresAt)) return [];
      return [{ type: 'WaitlistOfferExpired', data: { offerId: offer.offerId, entryId: offer.entryId } }];
    }

    case 'AddCollaborator': {
      const { userId, role } = command.data;
      requireScheduled(state);
      requireOrganizer(state, meta);
      requireNotCancelled(state);
      if (!isCollaboratorRole(role)) throw invalid('invalid-role', `Unknown collaborator role "${String(role)}".`);
      if (userId === state.organizerId) {
        throw invalid('collaborator-is-organizer', 'The organizer cannot also be a collaborator.');
      }
      if (state.collaborators.get(userId) === role) return [];
      return [{ type: 'CollaboratorAdded', data: { userId, role } }];
    }

    case 'RemoveCollaborator': {
      requireScheduled(state);
      requireOrganizer(state, meta);
      requireNotCancelled(state);
      if (!state.collaborators.has(command.data.userId)) {
        throw notFound('collaborator-not-found', 'That user is not a collaborator.');
      }
      return [{ type: 'CollaboratorRemoved', data: { userId: command.data.userId } }];
    }

    default:
      return assertNever(command);
  }
}

// ---- Scheduling and details ----

function schedule(command: ScheduleTicketedEvent, state: TicketedEventState): TicketedEventEvent[] {
  if (state.status !== 'unscheduled') throw conflict('event-already-scheduled', 'This event already exists.');
  const input = command.data;
  const details: TicketedEventDetails = {
    title: input.title,
    description: input.description ?? '',
    venue: input.venue ?? '',
    startsAt: input.startsAt,
    endsAt: input.endsAt,
    timezone: input.timezone,
    maxPerReservation: input.maxPerReservation ?? ticketedEventDefaults.maxPerReservation,
    pricing: normalizePricing(input.pricing ?? ticketedEventDefaults.pricing),
    holdMinutes: input.holdMinutes ?? ticketedEventDefaults.holdMinutes,
    waitlist: { ...ticketedEventDefaults.waitlist, ...definedFields(input.waitlist ?? {}) },
  };
  const valid = validateDetails(details);
  requireValidCapacity(input.capacity);
  const events: TicketedEventEvent[] = [
    {
      type: 'TicketedEventScheduled',
      data: { eventId: input.eventId, ...valid, capacity: input.capacity, organizerId: command.meta.actorId },
    },
  ];
  if (input.publish === true) {
    if (isAtOrAfter(command.meta.now, valid.endsAt)) throw conflict('event-ended', 'The event has already ended.');
    events.push({ type: 'TicketedEventPublished', data: {} });
  }
  return events;
}

function changeDetails(command: ChangeTicketedEventDetails, state: TicketedEventState): TicketedEventEvent[] {
  requireScheduled(state);
  requireManager(state, command.meta);
  requireNotCancelled(state);
  const { capacity, pricing, waitlist, ...plainFields } = command.data;
  const current = state.details;
  const proposed = validateDetails({
    ...current,
    ...definedFields(plainFields),
    pricing: pricing === undefined ? current.pricing : normalizePricing(pricing),
    waitlist: { ...current.waitlist, ...definedFields(waitlist ?? {}) },
  });

  const changed: Partial<TicketedEventDetails> = {};
  for (const key of Object.keys(proposed) as (keyof TicketedEventDetails)[]) {
    if (!sameJson(proposed[key], current[key])) {
      Object.assign(changed, { [key]: proposed[key] });
    }
  }
  const events: TicketedEventEvent[] = [];
  if (Object.keys(changed).length > 0) events.push({ type: 'TicketedEventDetailsChanged', data: changed });

  if (capacity !== undefined && capacity !== state.capacity) {
    requireValidCapacity(capacity);
    const committed = state.held + state.confirmed + state.offered;
    if (capacity < committed) {
      throw conflict(
        'capacity-below-reserved',
        `Capacity cannot go below the ${committed} seat(s) held, confirmed or offered.`,
      );
    }
    events.push({ type: 'CapacityChanged', data: { from: state.capacity, to: capacity } });
  }
  return events;
}

/** Checks the full details and returns them with every time normalised to UTC. */
function validateDetails(details: TicketedEventDetails): TicketedEventDetails {
  if (details.title.trim() === '') throw invalid('invalid-title', 'The title must not be empty.');
  for (const [field, value] of [
    ['startsAt', details.startsAt],
    ['endsAt', details.endsAt],
  ] as const) {
    const problem = instantProblem(value);
    if (problem) throw invalid('invalid-time', `${field} ${problem}.`);
  }
  const startsAt = toUtcIso(details.startsAt);
  const endsAt = toUtcIso(details.endsAt);
  if (isAtOrAfter(startsAt, endsAt)) throw invalid('invalid-time-range', 'endsAt must be after startsAt.');
  if (!isValidTimeZone(details.timezone)) {
    throw invalid('invalid-timezone', `"${details.timezone}" is not an IANA time zone.`);
  }
  if (!isPositiveInteger(details.maxPerReservation)) {
    throw invalid('invalid-max-per-reservation', 'maxPerReservation must be a positive integer.');
  }
  if (!Number.isSafeInteger(details.holdMinutes) || details.holdMinutes < 0 || details.holdMinutes > MAX_HOLD_MINUTES) {
    throw invalid('invalid-hold-minutes', `holdMinutes must be an integer from 0 to ${MAX_HOLD_MINUTES}.`);
  }
  validateWaitlist(details.waitlist);
  const pricing = validatePricing(details.pricing);
  return { ...details, startsAt, endsAt, pricing };
}

/** A hold may last at most 7 days (as pretix allows for carts). */
const MAX_HOLD_MINUTES = 7 * 24 * 60;

function validatePricing(pricing: Pricing): Pricing {
  const fail = (why: string) => invalid('invalid-pricing', why);
  if (!isIsoCurrency(pricing.currency)) throw fail('currency must be an ISO 4217 code such as "EUR".');
  if (!Number.isSafeInteger(pricing.basePrice) || pricing.basePrice < 0) {
    throw fail('basePrice must be a non-negative integer in minor units.');
  }
  for (const tier of pricing.demandTiers) {
    if (!(tier.minSoldRatio >= 0 && tier.minSoldRatio <= 1)) throw fail('minSoldRatio must be between 0 and 1.');
    if (!isPositiveFinite(tier.multiplier)) throw fail('Demand multipliers must be positive.');
  }
  if (pricing.earlyBird !== undefined) {
    const { until, multiplier } = pricing.earlyBird;
    const problem = instantProblem(until);
    if (problem) throw fail(`earlyBird.until ${problem}.`);
    if (!isPositiveFinite(multiplier)) throw fail('The early-bird multiplier must be positive.');
    return { ...pricing, earlyBird: { until: toUtcIso(until), multiplier } };
  }
  return pricing;
}

function validateWaitlist(waitlist: WaitlistSettings) {
  if (waitlist.mode !== 'auto' && waitlist.mode !== 'offer') {
    throw invalid('invalid-waitlist', 'waitlist.mode must be "auto" or "offer".');
  }
  if (!isPositiveInteger(waitlist.offerMinutes)) {
    throw invalid('invalid-waitlist', 'waitlist.offerMinutes must be a positive integer.');
  }
}

function normalizePricing(input: PricingInput): Pricing {
  const pricing: Pricing = {
    currency: input.currency,
    basePrice: input.basePrice,
    // Sorted so equal tier sets compare equal and read models show them in order.
    demandTiers: [...(input.demandTiers ?? [])]
      .map(({ minSoldRatio, multiplier }) => ({ minSoldRatio, multiplier }))
      .sort((a, b) => a.minSoldRatio - b.minSoldRatio),
  };
  if (input.earlyBird !== undefined) {
    pricing.earlyBird = { until: input.earlyBird.until, multiplier: input.earlyBird.multiplier };
  }
  return pricing;
}

function requireValidCapacity(capacity: number) {
  if (!isPositiveInteger(capacity)) throw invalid('invalid-capacity', 'capacity must be a positive integer.');
}

// ---- Waitlist promotion ----

function promoteWaitlist(
  state: TicketedEventState,
  now: string,
  newId: (seed: string) => string,
): TicketedEventEvent[] {
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

// ---- Reservations ----

interface NewReservation {
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
function seatsReserved(state: TicketedEventState, reservation: NewReservation): SeatsReserved {
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

function requireNewReservationId(state: TicketedEventState, reservationId: string) {
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

// ---- Event state and permissions ----

function requireScheduled(state: TicketedEventState) {
  if (state.status === 'unscheduled') throw notFound('event-not-found', 'No such event.');
}

function requireNotCancelled(state: TicketedEventState) {
  if (state.status === 'cancelled') throw conflict('event-cancelled', 'The event was cancelled.');
}

function requireOpenForSales(state: TicketedEventState, now: string) {
  if (state.status === 'draft') throw conflict('event-not-open', 'The event is not published yet.');
  if (state.status === 'cancelled') throw conflict('event-not-open', 'The event was cancelled.');
  if (isAtOrAfter(now, state.details.endsAt)) throw conflict('event-not-open', 'The event has ended.');
}

/** Nobody reserves or queues on someone else's behalf. */
function requireSelf(userId: string, meta: CommandMeta) {
  if (userId !== meta.actorId) throw forbidden('actor-mismatch', 'You can only act for yourself.');
}

const canManage = (state: TicketedEventState, meta: CommandMeta) => {
  const role = roleOf(state, meta.actorId);
  return meta.actorIsAdmin === true || role === 'organizer' || role === 'co-organizer';
};

/** Organizer, co-organizer or admin: runs the event. */
function requireManager(state: TicketedEventState, meta: CommandMeta) {
  if (!canManage(state, meta)) throw forbidden('not-organizer', 'Only the organizers can do this.');
}

/** Organizer or admin: manages who else runs the event. */
function requireOrganizer(state: TicketedEventState, meta: CommandMeta) {
  if (meta.actorIsAdmin !== true && meta.actorId !== state.organizerId) {
    throw forbidden('not-organizer', 'Only the organizer can manage collaborators.');
  }
}

// ---- Small utilities ----

const isPositiveInteger = (value: number) => Number.isSafeInteger(value) && value > 0;
const isPositiveFinite = (value: number) => Number.isFinite(value) && value > 0;
const isCollaboratorRole = (role: string): role is CollaboratorRole => role === 'co-organizer' || role === 'viewer';

/** Deep equality of JSON values, independent of key order (stored JSON may reorder keys). */
function sameJson(a: unknown, b: unknown): boolean {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(
            Object.entries(value)
              .filter(([, v]) => v !== undefined)
              .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
              .map(([k, v]) => [k, canonical(v)]),
          )
        : value;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Drops keys whose value is undefined, so spreading partial input never erases a field. */
function definedFields<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
