/**
 * Waiting lists end to end: real server, PostgreSQL, Redis and BullMQ workers.
 * Promotions follow join order (FIFO, skipping only entries that do not fit), in both
 * modes; an expired offer passes its seats on; a worker killed mid-stream delays
 * promotions but never loses or duplicates one.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketedEventStreamName } from '../../src/domain/ticketing/index.js';
import { startChildApp, startTestApp, testClock, testEnv, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { client } from '../support/http.js';
import { eventually } from '../support/processes.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
type Api = ReturnType<typeof client>;

async function people(app: TestApp, n: number): Promise<Array<{ id: string; api: Api }>> {
  return Promise.all(Array.from({ length: n }, async () => {
    const id = randomUUID();
    return { id, api: client(app.url, await app.tokenFor(id)) };
  }));
}

async function soldOutEvent(organizer: Api, capacity: number, waitlist: object, holder: Api, reservations = 1) {
  const start = new Date(Date.now() + 30 * 86_400_000);
  const { body: event } = await organizer.post('/v1/events', {
    title: 'Popular',
    startsAt: start.toISOString(),
    endsAt: new Date(start.getTime() + 7_200_000).toISOString(),
    timezone: 'Europe/Paris',
    capacity,
    maxPerReservation: capacity,
    waitlist,
    publish: true,
  });
  const per = capacity / reservations;
  const held: string[] = [];
  for (let i = 0; i < reservations; i++) held.push((await holder.post(`/v1/events/${event.id}/reservations`, { quantity: per })).body.id);
  return { eventId: event.id as string, reservationIds: held };
}

const entryOf = async (api: Api, eventId: string) => (await api.get(`/v1/events/${eventId}/waitlist/me`)).body;

describe('waiting list (in-process worker, controllable clock)', () => {
  let app: TestApp;
  const clock = testClock();
  beforeAll(async () => {
    app = await startTestApp({
      clock: clock.now,
      env: { REDIS_URL, JOBS_QUEUE: `test-${randomUUID()}`, SWEEPER_INTERVAL_MS: '200' },
    });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('auto mode: freed seats go to waiters in join order, skipping only entries that do not fit', async () => {
    const [organizer, holder, ...waiters] = await people(app, 7);
    const { eventId, reservationIds } = await soldOutEvent(organizer!.api, 5, { enabled: true, mode: 'auto' }, holder!.api);
    const quantities = [2, 1, 3, 1, 2];
    let lastWrite = '0';
    for (const [i, w] of waiters.entries()) {
      const joined = await w.api.post(`/v1/events/${eventId}/waitlist`, { quantity: quantities[i] });
      expect(joined.status).toBe(201);
      expect(joined.body.place).toBe(i + 1);
      lastWrite = joined.headers.get('x-position')!;
    }
    // the organizer sees the queue in order (read your writes through X-Min-Position)
    const queue = await organizer!.api.get(`/v1/events/${eventId}/waitlist`, { 'X-Min-Position': lastWrite });
    expect(queue.body.items.map((e: { place: number }) => e.place)).toEqual([1, 2, 3, 4, 5]);

    await holder!.api.delete(`/v1/events/${eventId}/reservations/${reservationIds[0]}`);
    await eventually('entries 1, 2 and 4 promoted', async () => (await entryOf(waiters[3]!.api, eventId)).status === 'promoted');
    const statuses = await Promise.all(waiters.map((w) => entryOf(w.api, eventId)));
    expect(statuses.map((s) => s.status)).toEqual(['promoted', 'promoted', 'waiting', 'promoted', 'waiting']);
    expect(statuses[2].place).toBe(1);

    // entry 1 gives back its 2 seats: now 3 are free and entry 3 (3 seats) is next in line
    const promotedReservation = (await entryOf(waiters[0]!.api, eventId)).reservationId;
    await waiters[0]!.api.delete(`/v1/events/${eventId}/reservations/${promotedReservation}`);
    await eventually('entry 3 promoted', async () => (await entryOf(waiters[2]!.api, eventId)).status === 'promoted');
    expect((await entryOf(waiters[4]!.api, eventId)).status).toBe('waiting');
    const head = (await app.tessera.store.readStream(ticketedEventStreamName(eventId))).at(-1)!.revision;
    const event = (await organizer!.api.get(`/v1/events/${eventId}?asOfRevision=${head}`)).body;
    expect(event).toMatchObject({ confirmed: 5, available: 0, waitlistLength: 1 });
  });

  it('offer mode: offers hold seats; an expired offer passes them to the next entry', async () => {
    const [organizer, holder, a, b, c] = await people(app, 5);
    const { eventId, reservationIds } = await soldOutEvent(organizer!.api, 3, { enabled: true, mode: 'offer', offerMinutes: 30 }, holder!.api);
    for (const [w, q] of [[a, 2], [b, 1], [c, 1]] as const) expect((await w!.api.post(`/v1/events/${eventId}/waitlist`, { quantity: q })).status).toBe(201);

    await holder!.api.delete(`/v1/events/${eventId}/reservations/${reservationIds[0]}`);
    await eventually('a and b offered', async () => (await entryOf(b!.api, eventId)).status === 'offered');
    const offerA = await entryOf(a!.api, eventId);
    expect(offerA.status).toBe('offered');
    expect((await entryOf(c!.api, eventId)).status).toBe('waiting');
    // an offer holds its seats: nobody else can buy them
    expect((await holder!.api.post(`/v1/events/${eventId}/reservations`, { quantity: 1 })).body.code).toBe('sold-out');
    // someone else cannot take a's offer
    expect((await b!.api.post(`/v1/events/${eventId}/waitlist/offers/${offerA.offerId}/accept`)).status).toBe(403);
    const accepted = await a!.api.post(`/v1/events/${eventId}/waitlist/offers/${offerA.offerId}/accept`);
    expect(accepted.status).toBe(201);
    expect(accepted.body).toMatchObject({ quantity: 2, status: 'confirmed' });

    // b lets the offer lapse: 31 minutes later the sweeper expires it and c is offered the seat
    clock.advance(31 * 60_000);
    await eventually('c offered', async () => (await entryOf(c!.api, eventId)).status === 'offered');
    expect((await entryOf(b!.api, eventId)).status).toBe('expired');
    // notifications come from the read model, which may be a moment behind the domain
    await eventually('b notified of the offer and its expiry', async () => {
      const kinds = (await b!.api.get('/v1/me/notifications')).body.items.map((n: { kind: string }) => n.kind);
      return kinds.includes('waitlist-offer') && kinds.includes('waitlist-offer-expired');
    });
  });
});

describe('waiting list with a worker that is killed', () => {
  let db: TestDatabase;
  let app: TestApp;
  const queue = `test-${randomUUID()}`;
  beforeAll(async () => {
    db = await createTestDatabase('waitlist_kill');
    app = await startTestApp({ db, env: { REDIS_URL, JOBS_QUEUE: queue, PROCESS_ROLES: 'api,projector' } });
  });
  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  it('a SIGKILLed worker delays promotions but never loses or duplicates one', async () => {
    const workerEnv = testEnv(db.url, { REDIS_URL, JOBS_QUEUE: queue, PROCESS_ROLES: 'worker', JOBS_STALLED_MS: '1000', SWEEPER_INTERVAL_MS: '500' });
    let worker = await startChildApp(workerEnv);
    try {
      const [organizer, holder, ...waiters] = await people(app, 12);
      const { eventId, reservationIds } = await soldOutEvent(organizer!.api, 10, { enabled: true, mode: 'auto' }, holder!.api, 10);
      for (const w of waiters) expect((await w.api.post(`/v1/events/${eventId}/waitlist`, { quantity: 1 })).status).toBe(201);

      // free 6 seats and kill the worker while their promotion jobs are being taken
      await Promise.all(reservationIds.slice(0, 6).map((id) => holder!.api.delete(`/v1/events/${eventId}/reservations/${id}`)));
      worker.process.kill('SIGKILL');
      await worker.stop();
      worker = await startChildApp(workerEnv);

      await eventually('six promotions', async () => (await entryOf(waiters[5]!.api, eventId)).status === 'promoted', 40_000);
      const statuses = await Promise.all(waiters.map((w) => entryOf(w.api, eventId)));
      expect(statuses.map((s) => s.status)).toEqual([...Array(6).fill('promoted'), ...Array(4).fill('waiting')]);

      // never duplicated: one SeatsReserved per promoted entry, and the seats add up
      const history = await app.tessera.store.readStream(ticketedEventStreamName(eventId));
      const promotedReservations = history.filter((e) => e.type === 'SeatsReserved' && (e.data as { waitlistEntryId?: string }).waitlistEntryId);
      expect(promotedReservations).toHaveLength(6);
      expect(new Set(promotedReservations.map((e) => (e.data as { waitlistEntryId: string }).waitlistEntryId)).size).toBe(6);
      const event = (await organizer!.api.get(`/v1/events/${eventId}?asOfRevision=${history.at(-1)!.revision}`)).body;
      expect(event).toMatchObject({ confirmed: 10, held: 0, waitlistLength: 4 });
    } finally {
      await worker.stop();
    }
  });
});
