/**
 * Response bodies of the ticketing routes (and their live payloads): each resource's
 * schema is defined once here; the route table documents it and its handler's body is
 * type-checked against it, so the documentation and the behaviour cannot drift.
 */
import { z } from 'zod';
import { EXAMPLE, field, instantField, pageOf, positionField, revisionField } from '../dtoFields.js';

const minorUnits = (description: string, example: number) => field(z.number().int(), `${description} (integer minor units of \`currency\`).`, example);
const currencyField = field(z.string(), 'ISO 4217 currency code.', 'EUR');
const seats = (description: string, example: number) => field(z.number().int().min(0), description, example);

export const pricingSchema = z
  .object({
    currency: currencyField,
    basePrice: minorUnits('Price of one seat before tiers and early bird', 2500),
    demandTiers: field(
      z.array(
        z.object({
          minSoldRatio: field(z.number(), 'Applies once (held + confirmed) / capacity reaches this ratio (0..1).', 0.8),
          multiplier: field(z.number(), 'Factor on the base price.', 1.5),
        }),
      ),
      'Demand tiers; the highest one reached applies.',
      [{ minSoldRatio: 0.8, multiplier: 1.5 }],
    ),
    earlyBird: field(
      z.object({
        until: instantField('The discount applies while now is before this'),
        multiplier: field(z.number(), 'Factor on the price (≤ 1).', 0.8),
      }),
      'Early-bird discount, if any.',
      { until: EXAMPLE.instant, multiplier: 0.8 },
    ).optional(),
  })
  .meta({ id: 'Pricing', description: 'How the seat price is computed.' });

export const waitlistSettingsSchema = z
  .object({
    enabled: field(z.boolean(), 'Whether people may join the waiting list when sold out.', true),
    mode: field(z.enum(['auto', 'offer']), '`auto`: freed seats become reservations at once; `offer`: the next entry gets an offer to accept.', 'offer'),
    offerMinutes: field(z.number().int(), 'How long an offer holds its seats (mode `offer`).', 720),
  })
  .meta({ id: 'WaitlistSettings', description: 'The event’s waiting-list rules.' });

export const eventSchema = z
  .object({
    id: field(z.uuid(), 'The event id.', EXAMPLE.eventId),
    title: field(z.string(), 'Title.', 'Rust Meetup Berlin'),
    description: field(z.string(), 'Description (may be empty).', 'Talks and pizza.'),
    venue: field(z.string(), 'Venue (may be empty).', 'c-base, Berlin'),
    startsAt: instantField('Start'),
    endsAt: instantField('End'),
    timezone: field(z.string(), 'IANA time zone the event happens in.', 'Europe/Berlin'),
    status: field(z.enum(['draft', 'published', 'cancelled']), '`draft` (only its team sees it), `published` or `cancelled`.', 'published'),
    capacity: seats('Seats in total.', 120),
    held: seats('Seats in held reservations (not yet confirmed).', 4),
    confirmed: seats('Seats in confirmed reservations.', 100),
    offered: seats('Seats held by open waiting-list offers.', 2),
    available: seats('Seats for sale now (the waiting list has first claim on freed seats).', 14),
    waitlistLength: seats('Entries waiting.', 3),
    currentPrice: minorUnits('Price of one seat if reserved now', 3000),
    currency: currencyField,
    pricing: pricingSchema,
    maxPerReservation: field(z.number().int(), 'Most seats one reservation may take.', 10),
    holdMinutes: field(z.number().int(), 'Minutes a reservation is held before it must be confirmed; 0 = confirmed at once.', 15),
    waitlist: waitlistSettingsSchema,
    organizerId: field(z.string(), 'The organizer’s user id.', EXAMPLE.userId),
    cancelReason: field(z.string(), 'Why the event was cancelled (cancelled events only).', 'Venue flooded').optional(),
    revision: revisionField.nullable(),
    position: positionField.optional(),
  })
  .meta({ id: 'Event', description: 'A ticketed event with its live seat counts.' });

const reservationStatus = z.enum(['held', 'confirmed', 'cancelled', 'expired']);

export const reservationSchema = z
  .object({
    id: field(z.uuid(), 'The reservation id.', EXAMPLE.reservationId),
    eventId: field(z.uuid(), 'The event it belongs to.', EXAMPLE.eventId),
    userId: field(z.string(), 'The holder’s user id.', EXAMPLE.userId),
    quantity: field(z.number().int().min(1), 'Seats.', 2),
    status: field(reservationStatus, '`held` (confirm before expiresAt), `confirmed`, `cancelled` or `expired`.', 'confirmed'),
    expiresAt: instantField('When a held reservation expires (held only)').optional(),
    unitPrice: minorUnits('Price of one seat, fixed when reserved', 2500),
    totalPrice: minorUnits('unitPrice × quantity', 5000),
    currency: currencyField,
    createdAt: instantField('When the seats were reserved'),
    waitlistEntryId: field(z.uuid(), 'The waiting-list entry it came from, if it was a promotion.', EXAMPLE.entryId).optional(),
    position: positionField.optional(),
  })
  .meta({ id: 'Reservation', description: 'Seats reserved by one user in one event.' });

export const waitlistEntrySchema = z
  .object({
    entryId: field(z.uuid(), 'The waiting-list entry id.', EXAMPLE.entryId),
    eventId: field(z.uuid(), 'The event it waits for.', EXAMPLE.eventId),
    quantity: field(z.number().int().min(1), 'Seats wanted.', 2),
    place: field(z.number().int().min(1), 'Place in the queue, 1-based among waiting entries (waiting entries only).', 3).optional(),
    status: field(
      z.enum(['waiting', 'offered', 'promoted', 'left', 'expired']),
      '`waiting`, `offered` (accept before offerExpiresAt), `promoted` (see reservationId), `left` or `expired`.',
      'waiting',
    ),
    joinedAt: instantField('When the entry joined (lists and live updates)').optional(),
    offerId: field(z.uuid(), 'The open or last offer made to this entry.', EXAMPLE.offerId).optional(),
    offerExpiresAt: instantField('When the offer lapses').optional(),
    reservationId: field(z.uuid(), 'The reservation it became (promoted entries).', EXAMPLE.reservationId).optional(),
    position: positionField.optional(),
  })
  .meta({ id: 'WaitlistEntry', description: 'One place on an event’s waiting list.' });

export const eventPageSchema = pageOf(eventSchema, 'events');
export const reservationPageSchema = pageOf(reservationSchema, 'reservations');

export const waitlistPageSchema = z.object({
  freeSeats: seats('Seats free now (not held, confirmed or offered).', 2),
  offeredSeats: seats('Seats held by open offers.', 1),
  items: field(
    z.array(
      waitlistEntrySchema.extend({
        userId: field(z.string(), 'Who is waiting.', EXAMPLE.userId),
        promotableNow: field(z.boolean(), 'Whether the next promotion would promote this entry (waiting entries).', false).optional(),
        seatsShort: field(z.number().int().min(0), 'Seats missing before this entry fits (waiting entries).', 1).optional(),
      }),
    ),
    'Entries in join order.',
    [],
  ),
  nextCursor: field(z.string().nullable(), 'Pass as ?cursor= for the next page; null on the last page.', 'eyJzZXEiOiI0MiJ9'),
});

export const historySchema = z.object({
  items: field(
    z.array(
      z.object({
        revision: field(z.string(), 'The event’s revision after this change.', '3'),
        position: field(z.string(), 'Event-store position of this change.', '63504385'),
        type: field(z.string(), 'The domain event type.', 'SeatsReserved'),
        data: field(z.record(z.string(), z.unknown()), 'The domain event’s data, as stored.', { reservationId: EXAMPLE.reservationId, quantity: 2 }),
        recordedAt: instantField('When it was stored'),
        actorId: field(z.string().nullable(), 'Who caused it (null for the system).', EXAMPLE.userId),
        correlationId: field(z.string().nullable(), 'The request id (X-Request-Id) that caused it.', 'b2f0c1e4-3a5d-4c6b-8e7f-9a0b1c2d3e4f'),
        causationId: field(z.string().nullable(), 'The event or command that caused it.', null),
      }),
    ),
    'Changes in revision order.',
    [],
  ),
  nextFromRevision: field(z.string().nullable(), 'Pass as ?fromRevision= for the next page; null on the last page.', '50'),
});

const count = (description: string, example: number) => field(z.number().int().min(0), description, example);

export const eventAnalyticsSchema = z.object({
  eventId: field(z.uuid(), 'The event.', EXAMPLE.eventId),
  capacity: count('Seats in total.', 120),
  seats: field(
    z.object({
      confirmed: count('Confirmed seats.', 100),
      held: count('Held seats.', 4),
      offered: count('Seats held by offers.', 2),
      available: count('Seats for sale.', 14),
    }),
    'Seats by state.',
    { confirmed: 100, held: 4, offered: 2, available: 14 },
  ),
  reservations: field(
    z.object({
      confirmed: count('Confirmed reservations.', 50),
      held: count('Held reservations.', 2),
      cancelled: count('Cancelled reservations.', 5),
      expired: count('Expired holds.', 3),
      cancelledSeats: count('Seats in cancelled reservations.', 7),
    }),
    'Reservations by status.',
    { confirmed: 50, held: 2, cancelled: 5, expired: 3, cancelledSeats: 7 },
  ),
  utilisation: field(z.number().min(0), 'confirmed / capacity.', 0.83),
  revenue: field(
    z.object({ amount: minorUnits('Revenue of confirmed reservations', 250000), currency: currencyField }),
    'Revenue of confirmed reservations.',
    { amount: 250000, currency: 'EUR' },
  ),
  waitlist: field(
    z.object({
      joined: count('Entries ever joined.', 12),
      waiting: count('Waiting now.', 3),
      offered: count('With an open offer.', 1),
      promoted: count('Promoted to a reservation.', 6),
      expired: count('Offers that lapsed.', 1),
      left: count('Left the list.', 1),
      conversion: field(z.number().min(0), 'promoted / joined.', 0.5),
    }),
    'Waiting-list funnel.',
    { joined: 12, waiting: 3, offered: 1, promoted: 6, expired: 1, left: 1, conversion: 0.5 },
  ),
  reservationsPerDay: field(
    z.array(
      z.object({
        day: field(z.string(), 'Day in the event’s time zone (YYYY-MM-DD).', '2026-11-20'),
        reservations: count('Reservations made that day.', 8),
        seats: count('Seats reserved that day.', 13),
      }),
    ),
    'Reservations per day, oldest first.',
    [{ day: '2026-11-20', reservations: 8, seats: 13 }],
  ),
});

export const analyticsOverviewSchema = z.object({
  events: field(z.record(z.string(), z.number().int()), 'Events per status.', { draft: 2, published: 10, cancelled: 1 }),
  confirmedSeats: count('Confirmed seats across all events.', 1200),
  revenue: field(
    z.array(z.object({ currency: currencyField, amount: minorUnits('Revenue of confirmed reservations', 3000000) })),
    'Revenue per currency.',
    [{ currency: 'EUR', amount: 3000000 }],
  ),
  topEvents: field(
    z.array(
      z.object({
        id: field(z.uuid(), 'The event id.', EXAMPLE.eventId),
        title: field(z.string(), 'Title.', 'Rust Meetup Berlin'),
        confirmed: count('Confirmed seats.', 100),
        capacity: count('Seats in total.', 120),
        utilisation: field(z.number().min(0), 'confirmed / capacity.', 0.83),
      }),
    ),
    'The ten events with the most confirmed seats.',
    [],
  ),
});

export type EventDto = z.input<typeof eventSchema>;
export type ReservationDto = z.input<typeof reservationSchema>;
export type WaitlistEntryDto = z.input<typeof waitlistEntrySchema>;
