/** Row shapes of the ticketing read model and their JSON representations (DESIGN §8). */
import type { Pricing, WaitlistSettings } from '../../domain/ticketing/index.js';

export interface EventRow {
  id: string;
  title: string;
  description: string;
  venue: string;
  starts_at: Date;
  ends_at: Date;
  timezone: string;
  status: 'draft' | 'published' | 'cancelled';
  capacity: number;
  held: number;
  confirmed: number;
  offered: number;
  available: number;
  waitlist_length: number;
  pricing: Pricing;
  currency: string;
  max_per_reservation: number;
  hold_minutes: number;
  waitlist: WaitlistSettings;
  organizer_id: string;
  cancel_reason: string | null;
  revision: string;
  created_at: Date;
  updated_at: Date;
}

export interface ReservationRow {
  id: string;
  event_id: string;
  user_id: string;
  quantity: number;
  status: 'held' | 'confirmed' | 'cancelled' | 'expired';
  unit_price: string | number;
  currency: string;
  expires_at: Date | null;
  waitlist_entry_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface WaitlistRow {
  entry_id: string;
  event_id: string;
  user_id: string;
  quantity: number;
  status: 'waiting' | 'offered' | 'promoted' | 'left' | 'expired';
  seq: string;
  joined_at: Date;
  offer_id: string | null;
  offer_expires_at: Date | null;
  reservation_id: string | null;
  updated_at: Date;
}

const iso = (d: Date | string) => new Date(d).toISOString();
const isoOrUndefined = (d: Date | string | null | undefined) => (d === null || d === undefined ? undefined : iso(d));

export function eventDto(row: EventRow, currentPrice: number) {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    venue: row.venue,
    startsAt: iso(row.starts_at),
    endsAt: iso(row.ends_at),
    timezone: row.timezone,
    status: row.status,
    capacity: row.capacity,
    held: row.held,
    confirmed: row.confirmed,
    offered: row.offered,
    available: row.available,
    waitlistLength: row.waitlist_length,
    currentPrice,
    currency: row.currency,
    pricing: row.pricing,
    maxPerReservation: row.max_per_reservation,
    holdMinutes: row.hold_minutes,
    waitlist: row.waitlist,
    organizerId: row.organizer_id,
    ...(row.cancel_reason ? { cancelReason: row.cancel_reason } : {}),
    revision: String(row.revision),
  };
}

export function reservationDto(row: ReservationRow) {
  const unitPrice = Number(row.unit_price);
  return {
    id: row.id,
    eventId: row.event_id,
    userId: row.user_id,
    quantity: row.quantity,
    status: row.status,
    ...(row.expires_at ? { expiresAt: iso(row.expires_at) } : {}),
    unitPrice,
    totalPrice: unitPrice * row.quantity,
    currency: row.currency,
    createdAt: iso(row.created_at),
    ...(row.waitlist_entry_id ? { waitlistEntryId: row.waitlist_entry_id } : {}),
  };
}

/** `place` is the 1-based place among waiting entries; `position` always means a store position. */
export function waitlistEntryDto(row: WaitlistRow, place: number | undefined) {
  return {
    entryId: row.entry_id,
    eventId: row.event_id,
    quantity: row.quantity,
    ...(place !== undefined ? { place } : {}),
    status: row.status,
    joinedAt: iso(row.joined_at),
    ...(row.offer_id ? { offerId: row.offer_id, offerExpiresAt: isoOrUndefined(row.offer_expires_at) } : {}),
    ...(row.reservation_id ? { reservationId: row.reservation_id } : {}),
  };
}
