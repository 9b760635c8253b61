/**
 * Issue 8 item 14: a retry after a crash gets the answer of the write it made.
 *
 * Deterministic reproduction: this test holds the event stream's row lock (the lock
 * `eventstore.append_to_stream` takes), sends a keyed write to API process A, waits
 * until A's append is waiting inside PostgreSQL, SIGKILLs A, and releases the lock: the
 * append commits, but no answer was ever sent or stored. The retry with the same key and
 * body goes to API process B (this process) and must answer what the write did.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../src/eventstore/eventStore.js';
import { ticketedEventStreamName } from '../../src/domain/ticketing/index.js';
import { startChildApp, startTestApp, testEnv, type TestApp } from '../support/app.js';
import { client, type Response } from '../support/http.js';
import { eventually, exited } from '../support/processes.js';

type Api = ReturnType<typeof client>;

let app: TestApp;
let organizer: Api;
let admin: pg.Client;

beforeAll(async () => {
  app = await startTestApp();
  organizer = client(app.url, await app.tokenFor(randomUUID()));
  admin = new pg.Client({ connectionString: app.db.url });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await app?.stop();
});

const inAWeek = () => new Date(Date.now() + 7 * 86_400_000);

async function publishedEvent(opts: { capacity: number; holdMinutes?: number; waitlist?: boolean }): Promise<string> {
  const start = inAWeek();
  const res = await organizer.post('/v1/events', {
    title: 'Crash test',
    startsAt: start.toISOString(),
    endsAt: new Date(start.getTime() + 3_600_000).toISOString(),
    timezone: 'Europe/Berlin',
    capacity: opts.capacity,
    ...(opts.holdMinutes ? { holdMinutes: opts.holdMinutes } : {}),
    ...(opts.waitlist ? { waitlist: { enabled: true } } : {}),
    publish: true,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

async function person(): Promise<{ token: string; on(url: string): Api }> {
  const token = await app.tokenFor(randomUUID());
  return { token, on: (url: string) => client(url, token) };
}

const eventsWithKey = async (stream: string, key: string): Promise<RecordedEvent[]> =>
  (await app.tessera.store.readStream(stream)).filter((e) => e.metadata.idempotencyKey === key);

/** Backends of this database whose append_to_stream waits for a lock. */
async function waitingAppends(): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%append_to_stream%'`,
  );
  return rows.map((r) => r.pid);
}

/** Holds the stream row lock of `stream` until the returned function is called. */
async function lockStream(stream: string): Promise<() => Promise<void>> {
  const locker = new pg.Client({ connectionString: app.db.url });
  await locker.connect();
  await locker.query('BEGIN');
  const { rowCount } = await locker.query('SELECT revision FROM eventstore.streams WHERE stream_name = $1 FOR UPDATE', [stream]);
  expect(rowCount).toBe(1);
  return async () => {
    await locker.query('COMMIT');
    await locker.end();
  };
}

/**
 * Sends `write` to a fresh API process A while the stream is locked, kills A once its
 * append waits in PostgreSQL, releases the lock and waits until the append committed.
 * Returns the events the write committed.
 */
async function crashDuringAppend(stream: string, key: string, write: (url: string) => Promise<Response>): Promise<RecordedEvent[]> {
  const a = await startChildApp(testEnv(app.db.url, { PROCESS_ROLES: 'api' }));
  const release = await lockStream(stream);
  try {
    const answer = write(a.url).then(
      (res) => `answered ${res.status}`,
      () => 'no answer',
    );
    await eventually('A appends and waits for the stream lock', async () => (await waitingAppends()).length > 0);
    a.process.kill('SIGKILL');
    await exited(a.process);
    expect(await answer).toBe('no answer');
  } finally {
    await release();
  }
  let committed: RecordedEvent[] = [];
  await eventually('the dead process’s append commits', async () => (committed = await eventsWithKey(stream, key)).length > 0);
  return committed;
}

const keyed = (key: string) => ({ 'Idempotency-Key': key });

function expectAnswered(res: Response, status: number): void {
  expect(res.body?.code, JSON.stringify(res.body)).not.toBe('idempotency-key-in-flight');
  expect(res.status, JSON.stringify(res.body)).toBe(status);
}

describe('a keyed write whose process died after its append committed', () => {
  it('reserve: the retry answers 201 with the reservation it made, although the event is now sold out', async () => {
    const eventId = await publishedEvent({ capacity: 2 });
    const stream = ticketedEventStreamName(eventId);
    const alice = await person();
    const key = `reserve-${randomUUID()}`;

    const committed = await crashDuringAppend(stream, key, (url) => alice.on(url).post(`/v1/events/${eventId}/reservations`, { quantity: 2 }, keyed(key)));
    expect(committed.map((e) => e.type)).toEqual(['SeatsReserved']);
    const reservationId = (committed[0]!.data as { reservationId: string }).reservationId;

    const retry = await alice.on(app.url).post(`/v1/events/${eventId}/reservations`, { quantity: 2 }, keyed(key));
    expectAnswered(retry, 201);
    expect(retry.body).toMatchObject({ id: reservationId, eventId, quantity: 2, status: 'confirmed' });
    expect(retry.headers.get('x-position')).toBe(committed[0]!.position.toString());
    expect(retry.headers.get('etag')).toBe(`W/"${committed[0]!.revision}"`);

    // Nothing was written twice, and the event really is sold out for others.
    expect(await eventsWithKey(stream, key)).toHaveLength(1);
    const bob = await person();
    expect((await bob.on(app.url).post(`/v1/events/${eventId}/reservations`, { quantity: 1 })).body.code).toBe('sold-out');
    // A second retry is the stored answer.
    const replay = await alice.on(app.url).post(`/v1/events/${eventId}/reservations`, { quantity: 2 }, keyed(key));
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(retry.body);
    // and a different body with the key is still refused
    expect((await alice.on(app.url).post(`/v1/events/${eventId}/reservations`, { quantity: 1 }, keyed(key))).status).toBe(422);

    // cancel the reservation, crashing again
    const cancelKey = `cancel-${randomUUID()}`;
    const cancelled = await crashDuringAppend(stream, cancelKey, (url) => alice.on(url).delete(`/v1/events/${eventId}/reservations/${reservationId}`, keyed(cancelKey)));
    expect(cancelled.map((e) => e.type)).toEqual(['ReservationCancelled']);
    const cancelRetry = await alice.on(app.url).delete(`/v1/events/${eventId}/reservations/${reservationId}`, keyed(cancelKey));
    expectAnswered(cancelRetry, 200);
    expect(cancelRetry.body).toMatchObject({ id: reservationId, status: 'cancelled', quantity: 2 });
    expect(await eventsWithKey(stream, cancelKey)).toHaveLength(1);
  });

  it('join and leave the waiting list: each retry answers the entry its write made', async () => {
    const eventId = await publishedEvent({ capacity: 1, waitlist: true });
    const stream = ticketedEventStreamName(eventId);
    const holder = await person();
    expect((await holder.on(app.url).post(`/v1/events/${eventId}/reservations`, { quantity: 1 })).status).toBe(201);
    const carol = await person();

    const joinKey = `join-${randomUUID()}`;
    const joined = await crashDuringAppend(stream, joinKey, (url) => carol.on(url).post(`/v1/events/${eventId}/waitlist`, { quantity: 1 }, keyed(joinKey)));
    expect(joined.map((e) => e.type)).toEqual(['WaitlistJoined']);
    const entryId = (joined[0]!.data as { entryId: string }).entryId;
    const joinRetry = await carol.on(app.url).post(`/v1/events/${eventId}/waitlist`, { quantity: 1 }, keyed(joinKey));
    expectAnswered(joinRetry, 201);
    expect(joinRetry.body).toMatchObject({ entryId, eventId, quantity: 1, place: 1, status: 'waiting' });

    const leaveKey = `leave-${randomUUID()}`;
    const left = await crashDuringAppend(stream, leaveKey, (url) => carol.on(url).delete(`/v1/events/${eventId}/waitlist/me`, keyed(leaveKey)));
    expect(left.map((e) => e.type)).toEqual(['WaitlistLeft']);
    // Carol, not knowing, joins again before retrying the leave.
    const rejoined = await carol.on(app.url).post(`/v1/events/${eventId}/waitlist`, { quantity: 1 }, keyed(`rejoin-${randomUUID()}`));
    expect(rejoined.status, JSON.stringify(rejoined.body)).toBe(201);
    const leaveRetry = await carol.on(app.url).delete(`/v1/events/${eventId}/waitlist/me`, keyed(leaveKey));
    expectAnswered(leaveRetry, 200);
    expect(leaveRetry.body).toMatchObject({ entryId, status: 'left' });
    expect(await eventsWithKey(stream, leaveKey)).toHaveLength(1);
    // The retry left nothing else: the new entry still waits.
    expect((await carol.on(app.url).get(`/v1/events/${eventId}/waitlist/me`)).body).toMatchObject({ entryId: rejoined.body.entryId, status: 'waiting' });
  });

  it('confirm a held reservation: the retry answers the confirmed reservation', async () => {
    const eventId = await publishedEvent({ capacity: 5, holdMinutes: 10 });
    const stream = ticketedEventStreamName(eventId);
    const dave = await person();
    const held = await dave.on(app.url).post(`/v1/events/${eventId}/reservations`, { quantity: 1 });
    expect(held.body.status).toBe('held');

    const key = `confirm-${randomUUID()}`;
    const confirmed = await crashDuringAppend(stream, key, (url) => dave.on(url).post(`/v1/events/${eventId}/reservations/${held.body.id}/confirm`, {}, keyed(key)));
    expect(confirmed.map((e) => e.type)).toEqual(['ReservationConfirmed']);
    const retry = await dave.on(app.url).post(`/v1/events/${eventId}/reservations/${held.body.id}/confirm`, {}, keyed(key));
    expectAnswered(retry, 200);
    expect(retry.body).toMatchObject({ id: held.body.id, status: 'confirmed', quantity: 1 });
    expect(await eventsWithKey(stream, key)).toHaveLength(1);
  });
});

describe('a database connection lost in the middle of a request', () => {
  it('answers 503 with Retry-After (not 500), and the retry with the same key then succeeds', async () => {
    const eventId = await publishedEvent({ capacity: 3 });
    const stream = ticketedEventStreamName(eventId);
    const erin = await person();
    const key = `terminated-${randomUUID()}`;

    const release = await lockStream(stream);
    let settled = false;
    const pending = erin
      .on(app.url)
      .post(`/v1/events/${eventId}/reservations`, { quantity: 1 }, keyed(key))
      .finally(() => (settled = true));
    try {
      // The store retries a lost connection once, so terminate every waiting append until the request gives up.
      await eventually('the request fails', async () => {
        for (const pid of await waitingAppends()) await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        return settled;
      });
    } finally {
      await release();
    }
    const res = await pending;
    expect(res.status, JSON.stringify(res.body)).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('database-unavailable');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await eventsWithKey(stream, key)).toEqual([]);

    const retry = await erin.on(app.url).post(`/v1/events/${eventId}/reservations`, { quantity: 1 }, keyed(key));
    expectAnswered(retry, 201);
    expect(await eventsWithKey(stream, key)).toHaveLength(1);
  });
});
