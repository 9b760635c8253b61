/**
 * The ticketing projection, handler by handler: given events → expected rows of its
 * read model (test/support/projectionSpec.ts), on a real PostgreSQL database. Its
 * notifications are the notifications projection's (notifications.spec.test.ts).
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ticketedEventStreamName, type TicketedEventEvent } from '../../src/domain/ticketing/index.js';
import { ticketingProjection } from '../../src/projections/ticketing/ticketingProjection.js';
import { expectPublished, expectRows, projectionSpecForFile, specRecordedAt as at, type SpecEvent } from '../support/projectionSpec.js';

const spec = projectionSpecForFile(ticketingProjection(), 'ticketing_spec');

const eventId = randomUUID();
const stream = ticketedEventStreamName(eventId);
const ev = <E extends TicketedEventEvent>(type: E['type'], data: E['data']): SpecEvent => ({ type, data, stream });

const pricing = { currency: 'EUR', basePrice: 1000, demandTiers: [] };
const scheduled = (capacity = 10) =>
  ev('TicketedEventScheduled', {
    eventId,
    capacity,
    organizerId: 'org',
    title: 'Gig',
    description: 'Loud',
    venue: 'Hall',
    startsAt: '2030-02-01T20:00:00.000Z',
    endsAt: '2030-02-01T23:00:00.000Z',
    timezone: 'Europe/Berlin',
    maxPerReservation: 6,
    pricing,
    holdMinutes: 15,
    waitlist: { enabled: true, mode: 'auto', offerMinutes: 30 },
  });
const published = () => ev('TicketedEventPublished', {});
const reserved = (reservationId: string, quantity: number, extra: Partial<{ userId: string; status: 'held' | 'confirmed'; waitlistEntryId: string; offerId: string }> = {}) => {
  const status = extra.status ?? 'held';
  return ev('SeatsReserved', {
    reservationId,
    userId: extra.userId ?? 'alice',
    quantity,
    unitPrice: 1000,
    currency: 'EUR',
    status,
    ...(status === 'held' ? { holdExpiresAt: '2030-01-01T01:00:00.000Z' } : {}),
    reservedAt: '2030-01-01T00:00:30.000Z',
    ...(extra.waitlistEntryId ? { waitlistEntryId: extra.waitlistEntryId } : {}),
    ...(extra.offerId ? { offerId: extra.offerId } : {}),
  });
};
const joined = (entryId: string, userId: string, quantity: number) => ev('WaitlistJoined', { entryId, userId, quantity });
const offerMade = (entryId: string, offerId: string, userId: string, quantity: number) =>
  ev('WaitlistOfferMade', { entryId, offerId, userId, quantity, expiresAt: '2030-01-01T02:00:00.000Z' });

const counters = ['id', 'status', 'capacity', 'held', 'confirmed', 'offered', 'available', 'waitlist_length', 'revision'];
const eventRow = (row: Record<string, unknown>) => ({ id: eventId, status: 'published', capacity: 10, held: 0, confirmed: 0, offered: 0, available: 10, waitlist_length: 0, ...row });
const reservationColumns = ['id', 'user_id', 'quantity', 'status', 'expires_at', 'waitlist_entry_id'];
const waitlistColumns = ['entry_id', 'user_id', 'quantity', 'status', 'seq', 'offer_id', 'reservation_id'];

describe('ticketing projection', () => {
  it('TicketedEventScheduled inserts a draft with every seat available', () =>
    spec.given().when(scheduled()).then(
      expectRows('events', {
        columns: [...counters, 'title', 'venue', 'starts_at', 'timezone', 'currency', 'max_per_reservation', 'hold_minutes', 'organizer_id', 'created_at'],
        rows: [
          eventRow({ status: 'draft', revision: 0, title: 'Gig', venue: 'Hall', starts_at: '2030-02-01T20:00:00.000Z', timezone: 'Europe/Berlin', currency: 'EUR', max_per_reservation: 6, hold_minutes: 15, organizer_id: 'org', created_at: at(0) }),
        ],
      }),
    ));

  it('TicketedEventPublished opens the event and publishes its state to the public', () =>
    spec.given(scheduled()).when(published()).then(
      expectRows('events', { columns: counters, rows: [eventRow({ revision: 1 })] }),
      expectPublished(`event:${eventId}`, [expect.objectContaining({ type: 'event', event: expect.objectContaining({ status: 'published', available: 10, revision: '1' }) })]),
    ));

  it('TicketedEventDetailsChanged writes only the fields that changed', () =>
    spec.given(scheduled(), published()).when(ev('TicketedEventDetailsChanged', { title: 'Big gig', pricing: { ...pricing, currency: 'USD' } })).then(
      expectRows('events', { columns: ['id', 'title', 'venue', 'currency', 'revision'], rows: [{ id: eventId, title: 'Big gig', venue: 'Hall', currency: 'USD', revision: 2 }] }),
    ));

  it('CapacityChanged moves the capacity and what is available', () =>
    spec.given(scheduled(), published(), reserved('00000000-0000-4000-8000-000000000001', 3)).when(ev('CapacityChanged', { from: 10, to: 4 })).then(
      expectRows('events', { columns: counters, rows: [eventRow({ capacity: 4, held: 3, available: 1, revision: 3 })] }),
    ));

  it('SeatsReserved inserts the reservation, counts the seats and tells the user', () => {
    const r = randomUUID();
    return spec.given(scheduled(), published()).when(reserved(r, 2)).then(
      expectRows('reservations', { columns: reservationColumns, rows: [{ id: r, user_id: 'alice', quantity: 2, status: 'held', expires_at: '2030-01-01T01:00:00.000Z', waitlist_entry_id: null }] }),
      expectRows('events', { columns: counters, rows: [eventRow({ held: 2, available: 8, revision: 2 })] }),
      expectPublished('user:alice', [{ type: 'reservation', reservation: expect.objectContaining({ id: r, status: 'held', quantity: 2, totalPrice: 2000 }) }]),
    );
  });

  it('SeatsReserved from an offer moves the seats from the offer to the reservation and promotes the entry', () => {
    const [entry, offer, r] = [randomUUID(), randomUUID(), randomUUID()];
    return spec
      .given(scheduled(), published(), joined(entry, 'bob', 2), offerMade(entry, offer, 'bob', 2))
      .when(reserved(r, 2, { userId: 'bob', status: 'confirmed', waitlistEntryId: entry, offerId: offer }))
      .then(
        expectRows('events', { columns: counters, rows: [eventRow({ confirmed: 2, offered: 0, available: 8, revision: 4 })] }),
        expectRows('waitlist', { columns: waitlistColumns, rows: [{ entry_id: entry, user_id: 'bob', quantity: 2, status: 'promoted', seq: 2, offer_id: offer, reservation_id: r }] }),
      );
  });

  it('a reservation made and confirmed in one batch is confirmed (new rows are written before other events)', () => {
    const r = randomUUID();
    return spec.given(scheduled(), published()).when(reserved(r, 2), ev('ReservationConfirmed', { reservationId: r })).then(
      expectRows('reservations', { columns: reservationColumns, rows: [{ id: r, user_id: 'alice', quantity: 2, status: 'confirmed', expires_at: null, waitlist_entry_id: null }] }),
      expectRows('events', { columns: counters, rows: [eventRow({ confirmed: 2, available: 8, revision: 3 })] }),
    );
  });

  it('ReservationConfirmed moves held seats to confirmed and clears the expiry', () => {
    const r = randomUUID();
    return spec.given(scheduled(), published(), reserved(r, 3)).when(ev('ReservationConfirmed', { reservationId: r })).then(
      expectRows('reservations', { columns: reservationColumns, rows: [{ id: r, user_id: 'alice', quantity: 3, status: 'confirmed', expires_at: null, waitlist_entry_id: null }] }),
      expectRows('events', { columns: counters, rows: [eventRow({ confirmed: 3, available: 7, revision: 3 })] }),
    );
  });

  it('HoldExpired releases the seats', () => {
    const r = randomUUID();
    return spec.given(scheduled(), published(), reserved(r, 3)).when(ev('HoldExpired', { reservationId: r })).then(
      expectRows('reservations', { columns: ['id', 'status', 'expires_at'], rows: [{ id: r, status: 'expired', expires_at: null }] }),
      expectRows('events', { columns: counters, rows: [eventRow({ revision: 3 })] }),
    );
  });

  it('ReservationCancelled by the holder releases the seats', () => {
    const r = randomUUID();
    return spec.given(scheduled(), published(), reserved(r, 2, { status: 'confirmed' })).when(ev('ReservationCancelled', { reservationId: r, by: 'alice', byRole: 'holder', reason: null })).then(
      expectRows('reservations', { columns: ['id', 'status'], rows: [{ id: r, status: 'cancelled' }] }),
      expectRows('events', { columns: counters, rows: [eventRow({ revision: 3 })] }),
    );
  });

  it('ReservationCancelled by the organizer releases the seats', () => {
    const r = randomUUID();
    return spec.given(scheduled(), published(), reserved(r, 2)).when(ev('ReservationCancelled', { reservationId: r, by: 'org', byRole: 'organizer', reason: 'double booking' })).then(
      expectRows('events', { columns: counters, rows: [eventRow({ revision: 3 })] }),
    );
  });

  it('TicketedEventCancelled releases every reservation and waiting entry', () => {
    const [r1, r2, entry] = [randomUUID(), randomUUID(), randomUUID()];
    return spec
      .given(scheduled(3), published(), reserved(r1, 2), reserved(r2, 1, { userId: 'bob', status: 'confirmed' }), joined(entry, 'carol', 2))
      .when(ev('TicketedEventCancelled', { reason: 'storm', by: 'org' }))
      .then(
        expectRows('events', { columns: [...counters, 'cancel_reason'], rows: [eventRow({ status: 'cancelled', capacity: 3, available: 0, revision: 5, cancel_reason: 'storm' })] }),
        expectRows('reservations', { columns: ['id', 'status'], rows: [{ id: r1, status: 'cancelled' }, { id: r2, status: 'cancelled' }] }),
        expectRows('waitlist', { columns: ['entry_id', 'status'], rows: [{ entry_id: entry, status: 'expired' }] }),
      );
  });

  it('has no notifications table: notifications are their own context', () =>
    spec.given().when(scheduled()).then(async ({ db: knex, schema }) => {
      const { rows } = await knex.raw<{ rows: Array<{ table_name: string }> }>('SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name', [schema]);
      expect(rows.map((r) => r.table_name)).toEqual(['collaborators', 'events', 'reservations', 'waitlist']);
    }));

  it('WaitlistJoined queues the entry in join order and counts the waiting list', () => {
    const entry = randomUUID();
    return spec.given(scheduled(2), published(), reserved(randomUUID(), 2, { status: 'confirmed' })).when(joined(entry, 'bob', 1)).then(
      expectRows('waitlist', { columns: waitlistColumns, rows: [{ entry_id: entry, user_id: 'bob', quantity: 1, status: 'waiting', seq: 3, offer_id: null, reservation_id: null }] }),
      expectRows('events', { columns: counters, rows: [eventRow({ capacity: 2, confirmed: 2, available: 0, waitlist_length: 1, revision: 3 })] }),
      expectPublished('user:bob', [{ type: 'waitlist', entry: expect.objectContaining({ entryId: entry, status: 'waiting', place: 1 }) }]),
    );
  });

  it('WaitlistOfferMade holds seats for the entry', () => {
    const [entry, offer] = [randomUUID(), randomUUID()];
    return spec.given(scheduled(), published(), joined(entry, 'bob', 2)).when(offerMade(entry, offer, 'bob', 2)).then(
      expectRows('waitlist', { columns: ['entry_id', 'status', 'offer_id', 'offer_expires_at'], rows: [{ entry_id: entry, status: 'offered', offer_id: offer, offer_expires_at: '2030-01-01T02:00:00.000Z' }] }),
      expectRows('events', { columns: counters, rows: [eventRow({ offered: 2, available: 8, revision: 3 })] }),
    );
  });

  it('WaitlistOfferExpired releases the offered seats', () => {
    const [entry, offer] = [randomUUID(), randomUUID()];
    return spec.given(scheduled(), published(), joined(entry, 'bob', 2), offerMade(entry, offer, 'bob', 2)).when(ev('WaitlistOfferExpired', { entryId: entry, offerId: offer })).then(
      expectRows('waitlist', { columns: ['entry_id', 'status'], rows: [{ entry_id: entry, status: 'expired' }] }),
      expectRows('events', { columns: counters, rows: [eventRow({ revision: 4 })] }),
    );
  });

  it('WaitlistLeft with an open offer declines it: the seats are released', () => {
    const [entry, offer] = [randomUUID(), randomUUID()];
    return spec.given(scheduled(), published(), joined(entry, 'bob', 3), offerMade(entry, offer, 'bob', 3)).when(ev('WaitlistLeft', { entryId: entry })).then(
      expectRows('waitlist', { columns: ['entry_id', 'status'], rows: [{ entry_id: entry, status: 'left' }] }),
      expectRows('events', { columns: counters, rows: [eventRow({ revision: 4 })] }),
    );
  });

  it('WaitlistPromoted marks the entry promoted', () => {
    const [entry, r] = [randomUUID(), randomUUID()];
    return spec
      .given(scheduled(2), published(), reserved(randomUUID(), 2, { status: 'confirmed' }), joined(entry, 'bob', 1))
      .when(ev('WaitlistPromoted', { entryId: entry, reservationId: r, via: 'auto' }))
      .then(
        expectRows('waitlist', { columns: ['entry_id', 'status', 'reservation_id'], rows: [{ entry_id: entry, status: 'promoted', reservation_id: r }] }),
        expectRows('events', { columns: counters, rows: [eventRow({ capacity: 2, confirmed: 2, available: 0, waitlist_length: 0, revision: 4 })] }),
      );
  });

  it('CollaboratorAdded adds or changes a role; CollaboratorRemoved removes it', async () => {
    await spec.given(scheduled()).when(ev('CollaboratorAdded', { userId: 'bob', role: 'viewer' }), ev('CollaboratorAdded', { userId: 'bob', role: 'co-organizer' }), ev('CollaboratorAdded', { userId: 'carol', role: 'viewer' })).then(
      expectRows('collaborators', { columns: ['event_id', 'user_id', 'role'], rows: [{ event_id: eventId, user_id: 'bob', role: 'co-organizer' }, { event_id: eventId, user_id: 'carol', role: 'viewer' }] }),
    );
    await spec.given(scheduled(), ev('CollaboratorAdded', { userId: 'bob', role: 'viewer' })).when(ev('CollaboratorRemoved', { userId: 'bob' })).then(
      expectRows('collaborators', { columns: ['user_id'], rows: [] }),
    );
  });

  it('the batch flush keeps seats the FIFO walk gives to waiting entries out of `available`', () => {
    // 4 seats free after the cancellation; waiting in join order: 3 (fits), 2 (does not fit the 1 left), 1 (fits).
    const r = randomUUID();
    return spec
      .given(scheduled(6), published(), reserved(r, 4, { status: 'confirmed' }), reserved(randomUUID(), 2, { status: 'confirmed', userId: 'dave' }), joined(randomUUID(), 'bob', 3), joined(randomUUID(), 'carol', 2), joined(randomUUID(), 'erin', 1))
      .when(ev('ReservationCancelled', { reservationId: r, by: 'alice', byRole: 'holder', reason: null }))
      .then(
        expectRows('events', { columns: counters, rows: [eventRow({ capacity: 6, confirmed: 2, available: 0, waitlist_length: 3, revision: 7 })] }),
        expectPublished(`event:${eventId}`, [expect.objectContaining({ event: expect.objectContaining({ available: 0, waitlistLength: 3, confirmed: 2 }) })]),
      );
  });

  it('the batch flush leaves seats no waiting entry fits for sale', () =>
    spec
      .given(scheduled(6), published(), reserved(randomUUID(), 3, { status: 'confirmed' }), joined(randomUUID(), 'bob', 5))
      .when(ev('CapacityChanged', { from: 6, to: 7 }))
      .then(expectRows('events', { columns: counters, rows: [eventRow({ capacity: 7, confirmed: 3, available: 4, waitlist_length: 1, revision: 4 })] })),
  );
});
