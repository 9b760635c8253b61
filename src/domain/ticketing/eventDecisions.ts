/** Decisions on the event itself: schedule, publish, change, cancel, and its collaborators. */
import { isIsoCurrency } from '../shared/currency.js';
import { conflict, invalid, notFound } from '../shared/errors.js';
import {
  ticketedEventDefaults,
  type AddCollaborator,
  type CancelTicketedEvent,
  type CommandMeta,
  type ChangeTicketedEventDetails,
  type PricingInput,
  type PublishTicketedEvent,
  type RemoveCollaborator,
  type ScheduleTicketedEvent,
} from './commands.js';
import type { Pricing, TicketedEventDetails, TicketedEventEvent, WaitlistSettings } from './events.js';
import {
  isCollaboratorRole,
  isPositiveFinite,
  isPositiveInteger,
  requireManager,
  requireNotCancelled,
  requireOrganizer,
  requireScheduled,
} from './guards.js';
import type { TicketedEventState } from './state.js';
import { instantProblem, isAtOrAfter, isValidTimeZone, toUtcIso } from '../shared/time.js';

export function scheduleTicketedEvent(command: ScheduleTicketedEvent, state: TicketedEventState): TicketedEventEvent[] {
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

export function publishTicketedEvent(command: PublishTicketedEvent, state: TicketedEventState): TicketedEventEvent[] {
  const { meta } = command;
  requireManagerOfLiveEvent(state, meta);
  if (state.status === 'published') return [];
  if (isAtOrAfter(meta.now, state.details.endsAt)) throw conflict('event-ended', 'The event has already ended.');
  return [{ type: 'TicketedEventPublished', data: {} }];
}

export function changeTicketedEventDetails(command: ChangeTicketedEventDetails, state: TicketedEventState): TicketedEventEvent[] {
  requireManagerOfLiveEvent(state, command.meta);
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

export function cancelTicketedEvent(command: CancelTicketedEvent, state: TicketedEventState): TicketedEventEvent[] {
  const { meta } = command;
  requireManagerOfLiveEvent(state, meta);
  return [{ type: 'TicketedEventCancelled', data: { reason: command.data.reason ?? null, by: meta.actorId } }];
}

export function addCollaborator(command: AddCollaborator, state: TicketedEventState): TicketedEventEvent[] {
  const { userId, role } = command.data;
  requireScheduled(state);
  requireOrganizer(state, command.meta);
  requireNotCancelled(state);
  if (!isCollaboratorRole(role)) throw invalid('invalid-role', `Unknown collaborator role "${String(role)}".`);
  if (userId === state.organizerId) {
    throw invalid('collaborator-is-organizer', 'The organizer cannot also be a collaborator.');
  }
  if (state.collaborators.get(userId) === role) return [];
  return [{ type: 'CollaboratorAdded', data: { userId, role } }];
}

export function removeCollaborator(command: RemoveCollaborator, state: TicketedEventState): TicketedEventEvent[] {
  requireScheduled(state);
  requireOrganizer(state, command.meta);
  requireNotCancelled(state);
  if (!state.collaborators.has(command.data.userId)) {
    throw notFound('collaborator-not-found', 'That user is not a collaborator.');
  }
  return [{ type: 'CollaboratorRemoved', data: { userId: command.data.userId } }];
}

/** The event exists, is not cancelled, and the actor runs it (checked in this order). */
function requireManagerOfLiveEvent(state: TicketedEventState, meta: CommandMeta) {
  requireScheduled(state);
  requireManager(state, meta);
  requireNotCancelled(state);
}

// ---- Validation ----

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
