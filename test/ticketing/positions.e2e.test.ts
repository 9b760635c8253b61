/**
 * Issue 9 item 17: one position across REST and live. A command's `position` is the
 * `eventPosition` of the live updates it caused; answers folded from the domain state
 * carry `X-Position` of the newest event they reflect, usable as `X-Min-Position` on
 * a read-model query; read-model answers carry the checkpoint they were read at.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Clients, type ServerMessage } from '../live/support.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { client, type Response } from '../support/http.js';
import { eventually } from '../support/processes.js';

let app: TestApp;
const clients = new Clients();
beforeAll(async () => {
  app = await startTestApp({ env: { SWEEPER_INTERVAL_MS: '200' } });
});
afterEach(async () => {
  await clients.closeAll();
});
afterAll(async () => {
  await app?.stop();
});

const wsUrl = (token: string) => `${app.url.replace('http', 'ws')}/v1/live?access_token=${token}`;
const xPosition = (res: { headers: Headers }) => {
  const header = res.headers.get('x-position');
  expect(header, 'X-Position header').toMatch(/^\d+$/);
  return BigInt(header!);
};

async function person() {
  const id = randomUUID();
  const token = await app.tokenFor(id);
  return { id, token, api: client(app.url, token) };
}

async function publishedEvent(organizer: ReturnType<typeof client>, capacity: number) {
  const start = new Date(Date.now() + 10 * 86_400_000);
  const res = await organizer.post('/v1/events', {
    title: 'Positions',
    startsAt: start.toISOString(),
    endsAt: new Date(start.getTime() + 3_600_000).toISOString(),
    timezone: 'Europe/Lisbon',
    capacity,
    waitlist: { enabled: true, mode: 'auto' },
    publish: true,
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

describe('positions a client can match across commands, live updates and reads', () => {
  it("a command's position is the eventPosition of the live updates it caused", async () => {
    const organizer = await person();
    const alice = await person();
    const eventId = await publishedEvent(organizer.api, 5);
    const watcher = await clients.connect(wsUrl(organizer.token));
    const mine = await clients.connect(wsUrl(alice.token));
    const answer = await watcher.subscribe(`event:${eventId}`);
    expect(answer.type, JSON.stringify(answer)).toBe('subscribed');
    expect((await mine.subscribe('user:me')).type).toBe('subscribed');

    const reserved = await alice.api.post(`/v1/events/${eventId}/reservations`, { quantity: 2 });
    expect(reserved.status).toBe(201);
    const position = reserved.body.position as string;
    expect(xPosition(reserved)).toBe(BigInt(position));

    const isSeatUpdate = (m: ServerMessage) => m.type === 'update' && (m.data as { event?: { confirmed: number } }).event?.confirmed === 2;
    const eventUpdate = await watcher.waitFor(isSeatUpdate, 'the event update for the reservation');
    const reservationUpdate = await mine.waitFor(
      (m) => m.type === 'update' && (m.data as { reservation?: { id: string } }).reservation?.id === reserved.body.id,
      'the reservation on user:me',
    );
    for (const update of [eventUpdate, reservationUpdate]) {
      expect(update.eventPosition).toBe(position);
      // the feed id stays the live position (a valid `since`)
      expect(update.position).toMatch(/^\d+$/);
    }

    // a replay carries the same eventPosition
    const replay = await clients.connect(wsUrl(organizer.token));
    expect((await replay.subscribe(`event:${eventId}`, 0n)).type).toBe('subscribed');
    expect(replay.updates().find(isSeatUpdate)?.eventPosition).toBe(position);
  });

  it('a domain-state GET carries X-Position of the newest event it reflects, usable as X-Min-Position', async () => {
    const organizer = await person();
    const holder = await person();
    const alice = await person();
    const eventId = await publishedEvent(organizer.api, 1);
    const held = await holder.api.post(`/v1/events/${eventId}/reservations`, { quantity: 1 });
    expect(held.status).toBe(201);
    const joined = await alice.api.post(`/v1/events/${eventId}/waitlist`, { quantity: 1 });
    expect(joined.status).toBe(201);

    const waiting = await alice.api.get(`/v1/events/${eventId}/waitlist/me`);
    expect(waiting.body.status).toBe('waiting');
    expect(xPosition(waiting)).toBe(xPosition(joined));

    // the holder lets go: the worker promotes alice (a reservation made for her)
    const cancelled = await holder.api.delete(`/v1/events/${eventId}/reservations/${held.body.id}`);
    expect(cancelled.status).toBe(200);
    let promoted: Response | undefined;
    await eventually('alice promoted', async () => {
      promoted = await alice.api.get(`/v1/events/${eventId}/waitlist/me`);
      return promoted.body.status === 'promoted';
    });
    const seen = xPosition(promoted!);
    expect(seen).toBeGreaterThan(xPosition(cancelled));

    // the read model, asked for at least that position, has the reservation "promoted" speaks of
    const reservations = await alice.api.get('/v1/me/reservations', { 'X-Min-Position': seen.toString() });
    expect(reservations.status).toBe(200);
    expect(reservations.body.items.map((r: { id: string }) => r.id)).toContain(promoted!.body.reservationId);
    expect(xPosition(reservations)).toBeGreaterThanOrEqual(seen);

    // time travel: the position of the event at that revision
    const history = await organizer.api.get(`/v1/events/${eventId}/history`);
    const second = history.body.items[1] as { revision: string; position: string };
    // the history is answered from the stream: its X-Position is the newest event on the page
    expect(xPosition(history)).toBe(BigInt(history.body.items.at(-1).position));
    const past = await organizer.api.get(`/v1/events/${eventId}?asOfRevision=${second.revision}`);
    expect(past.status).toBe(200);
    expect(xPosition(past)).toBe(BigInt(second.position));
  });

  it('read-model GETs carry the checkpoint of the projection they read', async () => {
    const organizer = await person();
    const eventId = await publishedEvent(organizer.api, 3);
    const changed = await organizer.api.patch(`/v1/events/${eventId}`, { title: 'Renamed' });
    const at = changed.body.position as string;
    for (const path of [`/v1/events/${eventId}`, '/v1/events?limit=5', '/v1/me/notifications']) {
      const res = await organizer.api.get(path, { 'X-Min-Position': at });
      expect(res.status, path).toBe(200);
      expect(xPosition(res), path).toBeGreaterThanOrEqual(BigInt(at));
    }
    expect((await organizer.api.get(`/v1/events/${eventId}`, { 'X-Min-Position': at })).body.title).toBe('Renamed');
  });
});
