/**
 * One builder per resource for the DTOs of dtos.ts. An answer comes from the read model
 * (lists, live updates) or from the domain state (command answers, time travel, reads
 * before the projection caught up); each source is first named in the domain's terms,
 * so the representation itself is written once.
 */
import {
  currentPrice,
  seatsForSale,
  waitlistLength,
  waitlistPosition,
  type Reservation,
  type TicketedEventDetails,
  type TicketedEventState,
  type WaitlistEntry,
} from '../../domain/ticketing/index.js';
import type { EventRow, ReservationRow, WaitlistRow } from '../../projections/ticketing/rows.js';
import { notFoundHttp } from '../problem.js';
import type { EventDto, ReservationDto, WaitlistEntryDto } from './dtos.js';

const iso = (d: Date | string) => new Date(d).toISOString();
const isoOrUndefined = (d: Date | string | null | undefined) => (d === null || d === undefined ? undefined : iso(d));

// ---- Event ----

interface EventFacts {
  id: string;
  details: TicketedEventDetails;
  status: EventDto['status'];
  capacity: number;
  held: number;
  confirmed: number;
  offered: number;
  available: number;
  waitlistLength: number;
  organizerId: string;
  cancelReason?: string | null;
  revision: string | null;
}

function eventRepresentation(e: EventFacts, price: number): EventDto {
  const d = e.details;
  return {
    id: e.id,
    title: d.title,
    description: d.description,
    venue: d.venue,
    startsAt: d.startsAt,
    endsAt: d.endsAt,
    timezone: d.timezone,
    status: e.status,
    capacity: e.capacity,
    held: e.held,
    confirmed: e.confirmed,
    offered: e.offered,
    available: e.available,
    waitlistLength: e.waitlistLength,
    currentPrice: price,
    currency: d.pricing.currency,
    pricing: d.pricing,
    maxPerReservation: d.maxPerReservation,
    holdMinutes: d.holdMinutes,
    waitlist: d.waitlist,
    organizerId: e.organizerId,
    ...(e.cancelReason ? { cancelReason: e.cancelReason } : {}),
    revision: e.revision,
  };
}

/** The event as the read model has it; `currentPrice` is the price of a seat now. */
export function eventDto(row: EventRow, currentPrice: number): EventDto {
  const details: TicketedEventDetails = {
    title: row.title,
    description: row.description,
    venue: row.venue,
    startsAt: iso(row.starts_at),
    endsAt: iso(row.ends_at),
    timezone: row.timezone,
    pricing: row.pricing,
    maxPerReservation: row.max_per_reservation,
    holdMinutes: row.hold_minutes,
    waitlist: row.waitlist,
  };
  const { capacity, held, confirmed, offered, available } = row;
  const counts = { capacity, held, confirmed, offered, available, waitlistLength: row.waitlist_length };
  const facts = { id: row.id, details, status: row.status, ...counts, organizerId: row.organizer_id, cancelReason: row.cancel_reason, revision: String(row.revision) };
  return eventRepresentation(facts, currentPrice);
}

/** The event as the domain sees it right now (fresh, not the read model). */
export function eventDtoOfState(state: TicketedEventState, revision: bigint | undefined, now: Date): EventDto {
  if (state.status === 'unscheduled') throw notFoundHttp('Event');
  const { capacity, held, confirmed, offered } = state;
  const available = state.status === 'cancelled' ? 0 : Math.max(0, seatsForSale(state));
  const counts = { capacity, held, confirmed, offered, available, waitlistLength: waitlistLength(state) };
  const facts = { id: state.eventId, details: state.details, status: state.status, ...counts, organizerId: state.organizerId, revision: revision?.toString() ?? null };
  return eventRepresentation(facts, currentPrice(state, now.toISOString()).unitPrice);
}

// ---- Reservation ----

function reservationRepresentation(eventId: string, r: Reservation): ReservationDto {
  return {
    id: r.reservationId,
    eventId,
    userId: r.userId,
    quantity: r.quantity,
    status: r.status,
    // a hold's end means nothing once the reservation is no longer held
    ...(r.holdExpiresAt && r.status === 'held' ? { expiresAt: r.holdExpiresAt } : {}),
    unitPrice: r.unitPrice,
    totalPrice: r.unitPrice * r.quantity,
    currency: r.currency,
    createdAt: r.reservedAt,
    ...(r.waitlistEntryId ? { waitlistEntryId: r.waitlistEntryId } : {}),
  };
}

export function reservationDto(row: ReservationRow): ReservationDto {
  return reservationRepresentation(row.event_id, {
    reservationId: row.id,
    userId: row.user_id,
    quantity: row.quantity,
    status: row.status,
    unitPrice: Number(row.unit_price),
    currency: row.currency,
    holdExpiresAt: isoOrUndefined(row.expires_at),
    reservedAt: iso(row.created_at),
    waitlistEntryId: row.waitlist_entry_id ?? undefined,
  });
}

export const reservationDtoOfState = (eventId: string, reservation: Reservation): ReservationDto => reservationRepresentation(eventId, reservation);

// ---- Waiting-list entry ----

/** `place` is the 1-based place among waiting entries; `position` always means a store position. */
function entryRepresentation(eventId: string, entry: Omit<WaitlistEntry, 'userId'>, place: number | undefined, joinedAt?: string): WaitlistEntryDto {
  return {
    entryId: entry.entryId,
    eventId,
    quantity: entry.quantity,
    ...(place !== undefined ? { place } : {}),
    status: entry.status,
    ...(joinedAt !== undefined ? { joinedAt } : {}),
    ...(entry.offerId ? { offerId: entry.offerId, offerExpiresAt: entry.offerExpiresAt } : {}),
    ...(entry.reservationId ? { reservationId: entry.reservationId } : {}),
  };
}

export function waitlistEntryDto(row: WaitlistRow, place: number | undefined): WaitlistEntryDto {
  const entry = {
    entryId: row.entry_id,
    quantity: row.quantity,
    status: row.status,
    offerId: row.offer_id ?? undefined,
    offerExpiresAt: isoOrUndefined(row.offer_expires_at),
    reservationId: row.reservation_id ?? undefined,
  };
  return entryRepresentation(row.event_id, entry, place, iso(row.joined_at));
}

/** The entry as the domain sees it: its place is exact right after joining. */
export const waitlistEntryDtoOfState = (state: TicketedEventState, entry: WaitlistEntry): WaitlistEntryDto =>
  entryRepresentation(state.eventId, entry, waitlistPosition(state, entry.entryId));
