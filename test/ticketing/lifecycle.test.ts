import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';

let app: TestApp;
let organizer: ReturnType<typeof client>;
let alice: ReturnType<typeof client>;
let bob: ReturnType<typeof client>;
const organizerId = randomUUID();
const aliceId = randomUUID();
let bobId: string;

beforeAll(async () => {
  app = await startTestApp();
  organizer = client(app.url, await app.tokenFor(organizerId));
  alice = client(app.url, await app.tokenFor(aliceId));
  // a registered user: only users who exist can become collaborators
  const registered = await client(app.url).post('/v1/auth/register', { email: `bob-${randomUUID()}@example.com`, password: 'a long password', name: 'Bob' });
  bobId = registered.body.user.id;
  bob = client(app.url, registered.body.accessToken);
});
afterAll(async () => {
  await app?.stop();
});

const future = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
const eventBody = (extra: object = {}) => ({
  title: 'Jazz night',
  startsAt: future(10),
  endsAt: future(10.2),
  timezone: 'Europe/Berlin',
  capacity: 10,
  pricing: { currency: 'EUR', basePrice: 2500, demandTiers: [{ minSoldRatio: 0.5, multiplier: 1.2 }] },
  ...extra,
});

describe('ticketed event lifecycle over HTTP', () => {
  it('create as draft, hidden from others, publish, then visible with live counts and price', async () => {
    const created = await organizer.post('/v1/events', eventBody());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'draft', capacity: 10, available: 10, currentPrice: 2500, currency: 'EUR', organizerId });
    expect(created.headers.get('etag')).toBe('W/"0"');
    expect(created.headers.get('x-position')).toMatch(/^\d+$/);
    const id = created.body.id as string;

    expect((await alice.get(`/v1/events/${id}`)).status).toBe(404);
    expect((await alice.post(`/v1/events/${id}/publish`)).status).toBe(404);
    const published = await organizer.post(`/v1/events/${id}/publish`);
    expect(published.status).toBe(200);
    expect(published.body.status).toBe('published');

    const seen = await alice.get(`/v1/events/${id}`, { 'X-Min-Position': published.headers.get('x-position')! });
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ id, status: 'published', available: 10, waitlistLength: 0 });
    expect(seen.headers.get('etag')).toBe('W/"1"');
  });

  it('reserve, price follows demand, read-your-writes on lists, cancel frees seats; bad input is a 4xx problem', async () => {
    const { body: event } = await organizer.post('/v1/events', eventBody({ publish: true }));
    const first = await alice.post(`/v1/events/${event.id}/reservations`, { quantity: 5 });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'confirmed', quantity: 5, unitPrice: 2500, totalPrice: 12500, currency: 'EUR' });
    const second = await bob.post(`/v1/events/${event.id}/reservations`, { quantity: 2 });
    expect(second.body.unitPrice).toBe(3000); // sold ratio 0.5 → ×1.2

    const mine = await alice.get('/v1/me/reservations', { 'X-Min-Position': second.headers.get('x-position')! });
    expect(mine.body.items.map((r: { id: string }) => r.id)).toEqual([first.body.id]);
    const detail = await alice.get(`/v1/events/${event.id}`, { 'X-Min-Position': second.headers.get('x-position')! });
    expect(detail.body).toMatchObject({ confirmed: 7, available: 3, currentPrice: 3000 });

    expect((await bob.delete(`/v1/events/${event.id}/reservations/${first.body.id}`)).status).toBe(404); // someone else's: not there for bob
    const cancelled = await alice.delete(`/v1/events/${event.id}/reservations/${first.body.id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');

    for (const bad of [{ quantity: 0 }, { quantity: 'two' }, { quantity: 1, extra: true }, {}]) {
      const res = await alice.post(`/v1/events/${event.id}/reservations`, bad);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    }
    const tooMany = await alice.post(`/v1/events/${event.id}/reservations`, { quantity: 11 });
    expect(tooMany.status).toBeGreaterThanOrEqual(400);
    expect(tooMany.status).toBeLessThan(500);
    const soldOut = await alice.post(`/v1/events/${event.id}/reservations`, { quantity: 9 });
    expect(soldOut.status).toBe(409);
    expect(soldOut.body.code).toBe('sold-out');
    expect((await alice.post(`/v1/events/${randomUUID()}/reservations`, { quantity: 1 })).status).toBe(404);
    expect((await alice.post(`/v1/events/not-a-uuid/reservations`, { quantity: 1 })).status).toBe(400);
  });

  it('PATCH with If-Match: a stale revision is 412, the current one applies; capacity cannot go below sold seats', async () => {
    const { body: event, headers } = await organizer.post('/v1/events', eventBody({ publish: true }));
    const reserved = await alice.post(`/v1/events/${event.id}/reservations`, { quantity: 4 });
    const stale = await organizer.patch(`/v1/events/${event.id}`, { title: 'Renamed' }, { 'If-Match': headers.get('etag')! });
    expect(stale.status).toBe(412);
    const current = await organizer.get(`/v1/events/${event.id}`, { 'X-Min-Position': reserved.body.position });
    expect(current.headers.get('etag')).toBe('W/"2"');
    const renamed = await organizer.patch(`/v1/events/${event.id}`, { title: 'Renamed' }, { 'If-Match': 'W/"2"' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.title).toBe('Renamed');
    const below = await organizer.patch(`/v1/events/${event.id}`, { capacity: 3 });
    expect(below.status).toBe(409);
    expect(below.body.code).toBe('capacity-below-reserved');
    expect((await alice.patch(`/v1/events/${event.id}`, { title: 'Mine now' })).status).toBe(403);
  });

  it('time travel, history with actors, analytics and collaborators', async () => {
    const { body: event } = await organizer.post('/v1/events', eventBody({ publish: true }));
    const r = await alice.post(`/v1/events/${event.id}/reservations`, { quantity: 2 }, { 'X-Request-Id': 'corr-42' });
    const past = await alice.get(`/v1/events/${event.id}?asOfRevision=1`);
    expect(past.body).toMatchObject({ confirmed: 0, status: 'published' });
    expect((await alice.get(`/v1/events/${event.id}/history`)).status).toBe(403);
    const history = await organizer.get(`/v1/events/${event.id}/history`);
    expect(history.body.items.map((i: { type: string }) => i.type)).toEqual(['TicketedEventScheduled', 'TicketedEventPublished', 'SeatsReserved']);
    expect(history.body.items[2]).toMatchObject({ actorId: aliceId, correlationId: 'corr-42', revision: '2' });

    const added = await organizer.post(`/v1/events/${event.id}/collaborators`, { userId: bobId, role: 'viewer' });
    expect(added.status).toBe(201);
    const analytics = await bob.get(`/v1/events/${event.id}/analytics`, { 'X-Min-Position': added.headers.get('x-position')! });
    expect(analytics.status).toBe(200);
    expect(analytics.body).toMatchObject({ seats: { confirmed: 2 }, reservations: { confirmed: 1 }, revenue: { amount: 5000, currency: 'EUR' } });
    expect(analytics.body.reservationsPerDay).toHaveLength(1);
    expect((await bob.patch(`/v1/events/${event.id}`, { title: 'x' })).status).toBe(403);
    expect(r.status).toBe(201);
  });

  it('an idempotent retry of a reservation makes one reservation and replays the response', async () => {
    const { body: event } = await organizer.post('/v1/events', eventBody({ publish: true }));
    const key = `reserve-${randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 20 }, () => alice.post(`/v1/events/${event.id}/reservations`, { quantity: 1 }, { 'Idempotency-Key': key })),
    );
    const completed = results.filter((r) => r.status === 201);
    expect(completed.length).toBeGreaterThan(0);
    expect(results.every((r) => r.status === 201 || (r.status === 409 && r.body.code === 'idempotency-key-in-flight'))).toBe(true);
    expect(new Set(completed.map((r) => r.body.id)).size).toBe(1);
    const again = await alice.post(`/v1/events/${event.id}/reservations`, { quantity: 1 }, { 'Idempotency-Key': key });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(completed[0]!.body.id);
    const reused = await alice.post(`/v1/events/${event.id}/reservations`, { quantity: 2 }, { 'Idempotency-Key': key });
    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('idempotency-key-reused');
    const detail = await organizer.get(`/v1/events/${event.id}/reservations`, { 'X-Min-Position': again.body.position });
    expect(detail.body.items).toHaveLength(1);
  });

  it('cancelling the event releases every seat and notifies holders', async () => {
    const { body: event } = await organizer.post('/v1/events', eventBody({ publish: true }));
    await alice.post(`/v1/events/${event.id}/reservations`, { quantity: 3 });
    const cancelled = await organizer.post(`/v1/events/${event.id}/cancel`, { reason: 'storm' });
    expect(cancelled.body).toMatchObject({ status: 'cancelled', held: 0, confirmed: 0, available: 0 });
    const notes = await alice.get('/v1/me/notifications?unread=true', { 'X-Min-Position': cancelled.headers.get('x-position')! });
    expect(notes.body.items.some((n: { kind: string; eventId: string }) => n.kind === 'event-cancelled' && n.eventId === event.id)).toBe(true);
    expect((await alice.post('/v1/me/notifications/read-all')).status).toBe(200);
    expect((await alice.get('/v1/me/notifications?unread=true')).body.items).toHaveLength(0);
    expect((await alice.post(`/v1/events/${event.id}/reservations`, { quantity: 1 })).body.code).toBe('event-not-open');
  });
});
