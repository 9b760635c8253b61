/**
 * The notifications projection (issue 10 item 4), kind by kind: given ticketing events →
 * expected rows of rm_notifications and the `user:<id>` updates, on a real database.
 * It keeps its own copy of who holds what, so it never reads the ticketing tables.
 */
import { randomUUID } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import { describe, expect, it } from 'vitest';
import { ticketedEventStreamName, type TicketedEventEvent } from '../../src/domain/ticketing/index.js';
import { NOTIFICATION_ID_NAMESPACE, notificationsProjection } from '../../src/projections/notifications/notificationsProjection.js';
import { expectPublished, expectRows, projectionSpecForFile, specRecordedAt as at, type SpecEvent } from '../support/projectionSpec.js';

const spec = projectionSpecForFile(notificationsProjection(), 'notifications_spec');

const eventId = randomUUID();
const stream = ticketedEventStreamName(eventId);
const ev = <E extends TicketedEventEvent>(type: E['type'], data: E['data']): SpecEvent => ({ type, data, stream });
/** The id a notification of the event at `position` gets: the same derivation as before it had its own context. */
const idOf = (position: number, userId: string, kind: string) => uuidv5(`${position}:${userId}:${kind}`, NOTIFICATION_ID_NAMESPACE);

const scheduled = () =>
  ev('TicketedEventScheduled', {
    eventId,
    capacity: 10,
    organizerId: 'org',
    title: 'Gig',
    description: 'Loud',
    venue: 'Hall',
    startsAt: '2030-02-01T20:00:00.000Z',
    endsAt: '2030-02-01T23:00:00.000Z',
    timezone: 'Europe/Berlin',
    maxPerReservation: 6,
    pricing: { currency: 'EUR', basePrice: 1000, demandTiers: [] },
    holdMinutes: 15,
    waitlist: { enabled: true, mode: 'auto', offerMinutes: 30 },
  });
const published = () => ev('TicketedEventPublished', {});
const reserved = (reservationId: string, userId: string, extra: Partial<{ status: 'held' | 'confirmed'; waitlistEntryId: string }> = {}) =>
  ev('SeatsReserved', {
    reservationId,
    userId,
    quantity: 2,
    unitPrice: 1000,
    currency: 'EUR',
    status: extra.status ?? 'held',
    reservedAt: '2030-01-01T00:00:30.000Z',
    ...(extra.waitlistEntryId ? { waitlistEntryId: extra.waitlistEntryId } : {}),
  });
const joined = (entryId: string, userId: string) => ev('WaitlistJoined', { entryId, userId, quantity: 2 });
const offerMade = (entryId: string, offerId: string, userId: string) => ev('WaitlistOfferMade', { entryId, offerId, userId, quantity: 2, expiresAt: '2030-01-01T02:00:00.000Z' });

const columns = ['id', 'user_id', 'source', 'subject_id', 'kind', 'data', 'created_at', 'position'];
const row = (position: number, userId: string, kind: string, data: unknown) => ({
  id: idOf(position, userId, kind),
  user_id: userId,
  source: 'ticketing',
  subject_id: eventId,
  kind,
  data,
  created_at: at(position),
  position,
});
/** What a holder is told on reserving (issue 13): held (here without an expiry) or confirmed. */
const reservedRow = (position: number, userId: string, reservationId: string, kind: 'reservation-held' | 'reservation-confirmed' = 'reservation-held') =>
  row(position, userId, kind, { reservationId, quantity: 2 });
const joinedRow = (position: number, userId: string, entryId: string) => row(position, userId, 'waitlist-joined', { entryId, quantity: 2 });
const live = (position: number, userId: string, kind: string, data: unknown) => ({
  type: 'notification',
  notification: { id: idOf(position, userId, kind), kind, source: 'ticketing', eventId, data, createdAt: at(position), read: false },
});

describe('notifications projection (ticketing source)', () => {
  it('hold-expired: the holder of the expired hold', () => {
    const r = randomUUID();
    return spec.given(scheduled(), published(), reserved(r, 'alice')).when(ev('HoldExpired', { reservationId: r })).then(
      expectRows('notifications', { columns, rows: [reservedRow(2, 'alice', r), row(3, 'alice', 'hold-expired', { reservationId: r })] }),
      expectPublished('user:alice', [live(3, 'alice', 'hold-expired', { reservationId: r })]),
    );
  });

  it('reservation-cancelled: the holder, with the reason, when the organizer cancelled', () => {
    const r = randomUUID();
    return spec.given(scheduled(), published(), reserved(r, 'alice')).when(ev('ReservationCancelled', { reservationId: r, by: 'org', byRole: 'organizer', reason: 'double booking' })).then(
      expectRows('notifications', { columns, rows: [reservedRow(2, 'alice', r), row(3, 'alice', 'reservation-cancelled', { reservationId: r, reason: 'double booking' })] }),
      expectPublished('user:alice', [live(3, 'alice', 'reservation-cancelled', { reservationId: r, reason: 'double booking' })]),
    );
  });

  it('no notification when holders cancel their own reservation, or for events nobody needs to hear about', () => {
    const r = randomUUID();
    return spec
      .given(scheduled(), published(), reserved(r, 'alice', { status: 'confirmed' }))
      .when(ev('ReservationCancelled', { reservationId: r, by: 'alice', byRole: 'holder', reason: null }), ev('CapacityChanged', { from: 10, to: 4 }), ev('TicketedEventDetailsChanged', { description: 'Louder' }))
      .then(expectRows('notifications', { columns, rows: [reservedRow(2, 'alice', r, 'reservation-confirmed')] }), expectPublished('user:alice', []));
  });

  it('reservation-held with its expiry, reservation-confirmed on reserving or confirming; none for a promotion (that is waitlist-promoted)', () => {
    const [held, direct, entry] = [randomUUID(), randomUUID(), randomUUID()];
    const expiresAt = '2030-01-01T00:15:30.000Z';
    return spec
      .given(scheduled(), published(), joined(entry, 'bob'))
      .when(
        { ...reserved(held, 'alice'), data: { ...(reserved(held, 'alice').data as object), holdExpiresAt: expiresAt } },
        ev('ReservationConfirmed', { reservationId: held }),
        reserved(direct, 'carol', { status: 'confirmed' }),
        reserved(randomUUID(), 'bob', { status: 'confirmed', waitlistEntryId: entry }),
      )
      .then(
        expectRows('notifications', { columns, rows: [
          joinedRow(2, 'bob', entry),
          row(3, 'alice', 'reservation-held', { reservationId: held, quantity: 2, expiresAt }),
          row(4, 'alice', 'reservation-confirmed', { reservationId: held, quantity: 2 }),
          reservedRow(5, 'carol', direct, 'reservation-confirmed'),
        ] }),
        expectPublished('user:bob', []),
      );
  });

  it('event-changed: holders (not waiters) when the title, time or place change', () => {
    const [r, entry] = [randomUUID(), randomUUID()];
    return spec
      .given(scheduled(), published(), reserved(r, 'alice', { status: 'confirmed' }), reserved(randomUUID(), 'alice'), joined(entry, 'bob'))
      .when(ev('TicketedEventDetailsChanged', { startsAt: '2030-02-01T21:00:00.000Z', venue: 'Club' }))
      .then(
        ({ published: updates }) => expect(updates.map((u) => u.channel)).toEqual(['user:alice']),
        expectPublished('user:alice', [live(5, 'alice', 'event-changed', { changed: ['startsAt', 'venue'] })]),
      );
  });

  it('event-cancelled: every user holding seats or waiting, once each; released ones are not told', () => {
    const [r1, r2, r3, gone, entry, promotedEntry] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    return spec
      .given(
        scheduled(),
        published(),
        reserved(r1, 'alice'),
        reserved(r2, 'alice', { status: 'confirmed' }),
        reserved(r3, 'bob', { status: 'confirmed' }),
        reserved(gone, 'dave'),
        ev('HoldExpired', { reservationId: gone }),
        joined(entry, 'carol'),
        joined(promotedEntry, 'erin'),
        reserved(randomUUID(), 'erin', { status: 'confirmed', waitlistEntryId: promotedEntry }),
      )
      .when(ev('TicketedEventCancelled', { reason: 'storm', by: 'org' }))
      .then(
        expectRows('notifications', {
          columns,
          rows: [
            reservedRow(2, 'alice', r1),
            reservedRow(3, 'alice', r2, 'reservation-confirmed'),
            reservedRow(4, 'bob', r3, 'reservation-confirmed'),
            reservedRow(5, 'dave', gone),
            row(6, 'dave', 'hold-expired', { reservationId: gone }),
            joinedRow(7, 'carol', entry),
            joinedRow(8, 'erin', promotedEntry),
            ...['alice', 'bob', 'carol', 'erin'].map((user) => row(10, user, 'event-cancelled', { reason: 'storm' })),
          ],
        }),
        ({ published: updates }) => expect(updates.map((u) => u.channel).sort()).toEqual(['user:alice', 'user:bob', 'user:carol', 'user:erin']),
      );
  });

  it('waitlist-offer: the entry’s user, with the offer, its seats and expiry', () => {
    const [entry, offer] = [randomUUID(), randomUUID()];
    const data = { offerId: offer, quantity: 2, expiresAt: '2030-01-01T02:00:00.000Z' };
    return spec.given(scheduled(), published(), joined(entry, 'bob')).when(offerMade(entry, offer, 'bob')).then(
      expectRows('notifications', { columns, rows: [joinedRow(2, 'bob', entry), row(3, 'bob', 'waitlist-offer', data)] }),
      expectPublished('user:bob', [live(3, 'bob', 'waitlist-offer', data)]),
    );
  });

  it('waitlist-offer-expired: the entry’s user; the entry no longer counts as waiting', () => {
    const [entry, offer] = [randomUUID(), randomUUID()];
    return spec
      .given(scheduled(), published(), joined(entry, 'bob'), offerMade(entry, offer, 'bob'))
      .when(ev('WaitlistOfferExpired', { entryId: entry, offerId: offer }), ev('TicketedEventCancelled', { reason: null, by: 'org' }))
      .then(
        expectRows('notifications', { columns: ['user_id', 'kind', 'data'], rows: [
          { user_id: 'bob', kind: 'waitlist-joined', data: { entryId: entry, quantity: 2 } },
          { user_id: 'bob', kind: 'waitlist-offer', data: { offerId: offer, quantity: 2, expiresAt: '2030-01-01T02:00:00.000Z' } },
          { user_id: 'bob', kind: 'waitlist-offer-expired', data: { offerId: offer } },
        ] }),
        expectPublished('user:bob', [live(4, 'bob', 'waitlist-offer-expired', { offerId: offer })]),
      );
  });

  it('waitlist-promoted: the entry’s user, with the reservation and how', () => {
    const [entry, r] = [randomUUID(), randomUUID()];
    return spec.given(scheduled(), published(), joined(entry, 'bob')).when(ev('WaitlistPromoted', { entryId: entry, reservationId: r, via: 'auto' })).then(
      expectRows('notifications', { columns, rows: [joinedRow(2, 'bob', entry), row(3, 'bob', 'waitlist-promoted', { reservationId: r, via: 'auto' })] }),
      expectPublished('user:bob', [live(3, 'bob', 'waitlist-promoted', { reservationId: r, via: 'auto' })]),
    );
  });

  it('keeps its own copy of the event title (for templates), following renames', () =>
    spec.given(scheduled()).when(ev('TicketedEventDetailsChanged', { title: 'Big gig' })).then(
      expectRows('ticketing_events', { columns: ['id', 'title'], rows: [{ id: eventId, title: 'Big gig' }] }),
    ));

  it('a reservation made and expiring in one batch is found (new holders are written before other events)', () => {
    const r = randomUUID();
    return spec.given(scheduled(), published()).when(reserved(r, 'alice'), ev('HoldExpired', { reservationId: r })).then(
      expectRows('notifications', { columns: ['user_id', 'kind'], rows: [{ user_id: 'alice', kind: 'reservation-held' }, { user_id: 'alice', kind: 'hold-expired' }] }),
    );
  });
});

describe('notifications projection (identity source, issue 13)', () => {
  const userId = randomUUID();
  const userStream = `user-${userId}`;
  const identity = (type: string, data: unknown): SpecEvent => ({ type, data, stream: userStream });
  const identityRow = (position: number, kind: string, data: unknown) => ({ ...row(position, userId, kind, data), id: idOf(position, userId, kind), user_id: userId, source: 'identity', subject_id: userId });

  it('welcome on registration and password-changed, about the user; profile changes tell nothing', () =>
    spec
      .given()
      .when(
        identity('UserRegistered', { userId, email: 'ada@example.com', name: 'Ada', timezone: 'Europe/London', passwordHash: 'h', registeredAt: '2030-01-01T00:00:00.000Z' }),
        identity('UserProfileChanged', { name: 'Ada L.', changedAt: '2030-01-01T00:01:00.000Z' }),
        identity('PasswordChanged', { passwordHash: 'h2', changedAt: '2030-01-01T00:02:00.000Z' }),
      )
      .then(
        expectRows('notifications', { columns, rows: [identityRow(0, 'welcome', { name: 'Ada' }), identityRow(2, 'password-changed', { changedAt: '2030-01-01T00:02:00.000Z' })] }),
        ({ published: updates }) => expect(updates.map((u) => [u.channel, (u.payload as { notification: { kind: string } }).notification.kind])).toEqual([
          [`user:${userId}`, 'welcome'],
          [`user:${userId}`, 'password-changed'],
        ]),
      ));
});
