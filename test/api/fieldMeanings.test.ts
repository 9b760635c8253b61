/**
 * One meaning per field (issue 9, items 14 and 15): `?asOfRevision` past the stream's end
 * is refused, never answered with today's state; `position` is always the event-store
 * position, and a waiting-list entry's place in the queue is `place` (REST and live).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';
import { LiveClient } from '../live/support.js';

type Api = ReturnType<typeof client>;

describe('field meanings across the API', () => {
  let app: TestApp;
  let organizer: Api;
  beforeAll(async () => {
    app = await startTestApp();
    organizer = client(app.url, await app.tokenFor(randomUUID()));
  });
  afterAll(async () => {
    await app?.stop();
  });

  const soldOutEvent = async () => {
    const start = new Date(Date.now() + 30 * 86_400_000);
    const { body: event } = await organizer.post('/v1/events', {
      title: 'Tiny',
      startsAt: start.toISOString(),
      endsAt: new Date(start.getTime() + 3_600_000).toISOString(),
      timezone: 'Europe/Paris',
      capacity: 1,
      waitlist: { enabled: true, mode: 'offer' },
      publish: true,
    });
    expect((await organizer.post(`/v1/events/${event.id}/reservations`, { quantity: 1 })).status).toBe(201);
    return event.id as string;
  };

  it('GET /v1/events/:id?asOfRevision beyond the latest revision answers 404 revision-not-found', async () => {
    const eventId = await soldOutEvent();
    const head = BigInt((await organizer.get(`/v1/events/${eventId}/history`)).body.items.at(-1).revision);
    const atHead = await organizer.get(`/v1/events/${eventId}?asOfRevision=${head}`);
    expect(atHead.status).toBe(200);
    expect(atHead.body.revision).toBe(head.toString());
    const past = await organizer.get(`/v1/events/${eventId}?asOfRevision=${head + 5n}`);
    expect(past.status).toBe(404);
    expect(past.body).toMatchObject({ code: 'revision-not-found' });
    expect(past.body.detail).toContain(head.toString());
  });

  it('waiting-list bodies carry the queue place as `place` and the store position as `position`', async () => {
    const eventId = await soldOutEvent();
    const fanIds = [randomUUID(), randomUUID()];
    const fans = await Promise.all(fanIds.map(async (id) => client(app.url, await app.tokenFor(id))));
    const live = await LiveClient.connect(`${app.url.replace('http', 'ws')}/v1/live?access_token=${await app.tokenFor(fanIds[1]!)}`);
    expect((await live.subscribe('user:me')).type).toBe('subscribed');
    const joined = [];
    for (const fan of fans) joined.push(await fan.post(`/v1/events/${eventId}/waitlist`, { quantity: 1 }));
    for (const [i, res] of joined.entries()) {
      expect(res.status).toBe(201);
      expect(res.body.place).toBe(i + 1);
      expect(res.body.position).toBe(res.headers.get('x-position'));
    }
    const mine = await fans[1]!.get(`/v1/events/${eventId}/waitlist/me`);
    expect(mine.body.place).toBe(2);
    expect(mine.body).not.toHaveProperty('position');

    const queue = await organizer.get(`/v1/events/${eventId}/waitlist`, { 'X-Min-Position': joined[1]!.body.position });
    expect(queue.body.items.map((e: { place?: number }) => e.place)).toEqual([1, 2]);
    expect(queue.body.items.every((e: object) => !('position' in e))).toBe(true);

    const left = await fans[0]!.delete(`/v1/events/${eventId}/waitlist/me`);
    expect(left.status).toBe(200);
    expect(left.body.status).toBe('left');
    expect(left.body).not.toHaveProperty('place');
    expect(left.body.position).toBe(left.headers.get('x-position'));
    expect(BigInt(left.body.position)).toBeGreaterThan(BigInt(joined[1]!.body.position));

    // the live user:me update for the second fan's entry names the queue place `place` as well
    const update = await live.waitFor((m) => m.type === 'update' && (m.data as { type?: string }).type === 'waitlist', 'waitlist update');
    const entry = (update.data as { entry: Record<string, unknown> }).entry;
    expect(entry).toMatchObject({ status: 'waiting', place: 2 });
    expect(entry).not.toHaveProperty('position');
    await live.close();
  });
});
