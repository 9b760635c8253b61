/**
 * Ticketing over the live protocol: `event:<id>` carries availability, price and
 * status; `user:me` carries the user's own reservations, holds and notifications.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveClient } from '../live/support.js';
import { startTestApp, testClock, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';
import { eventually } from '../support/processes.js';

let app: TestApp;
const clock = testClock();
beforeAll(async () => {
  app = await startTestApp({ clock: clock.now, env: { SWEEPER_INTERVAL_MS: '200', READ_YOUR_WRITES_TIMEOUT_MS: '2000' } });
});
afterAll(async () => {
  await app?.stop();
});

const wsUrl = (token: string) => `${app.url.replace('http', 'ws')}/v1/live?access_token=${token}`;

describe('ticketing live updates and holds', () => {
  it('event:<id> pushes availability and price; user:me pushes the reservation; a hold expires by rule and frees its seats', async () => {
    const organizerToken = await app.tokenFor(randomUUID());
    const aliceId = randomUUID();
    const aliceToken = await app.tokenFor(aliceId);
    const organizer = client(app.url, organizerToken);
    const alice = client(app.url, aliceToken);
    const start = new Date(Date.now() + 5 * 86_400_000);
    const { body: event } = await organizer.post('/v1/events', {
      title: 'Held seats',
      startsAt: start.toISOString(),
      endsAt: new Date(start.getTime() + 3_600_000).toISOString(),
      timezone: 'Asia/Tokyo',
      capacity: 4,
      holdMinutes: 10,
      pricing: { currency: 'JPY', basePrice: 3000, demandTiers: [{ minSoldRatio: 0.5, multiplier: 2 }] },
      publish: true,
    });

    const watcher = await LiveClient.connect(wsUrl(organizerToken));
    const mine = await LiveClient.connect(wsUrl(aliceToken));
    try {
      watcher.send({ type: 'subscribe', channel: `event:${event.id}` });
      mine.send({ type: 'subscribe', channel: 'user:me' });
      await watcher.waitFor((m) => m.type === 'subscribed', 'subscribed to the event');
      await mine.waitFor((m) => m.type === 'subscribed', 'subscribed to user:me');

      const held = await alice.post(`/v1/events/${event.id}/reservations`, { quantity: 2 });
      expect(held.body).toMatchObject({ status: 'held', unitPrice: 3000, currency: 'JPY' });
      expect(new Date(held.body.expiresAt).getTime() - clock.now().getTime()).toBeGreaterThan(9 * 60_000);

      const update = await watcher.waitFor(
        (m) => m.type === 'update' && (m.data as { event?: { held: number } }).event?.held === 2,
        'event update with 2 held seats',
      );
      expect((update.data as { event: object }).event).toMatchObject({ available: 2, currentPrice: 6000, status: 'published' });
      const reservationUpdate = await mine.waitFor(
        (m) => m.type === 'update' && m.channel === 'user:me' && (m.data as { type: string }).type === 'reservation',
        'own reservation update',
      );
      expect((reservationUpdate.data as { reservation: object }).reservation).toMatchObject({ id: held.body.id, status: 'held', userId: aliceId });

      // confirming after the expiry is refused, and the sweeper expires the hold by rule
      clock.advance(11 * 60_000);
      const late = await alice.post(`/v1/events/${event.id}/reservations/${held.body.id}/confirm`);
      expect([409]).toContain(late.status);
      await mine.waitFor(
        (m) => m.type === 'update' && (m.data as { reservation?: { status: string } }).reservation?.status === 'expired',
        'hold expired pushed to the holder',
      );
      await watcher.waitFor(
        (m) => m.type === 'update' && (m.data as { event?: { held: number; available: number } }).event?.available === 4,
        'seats released on the event channel',
      );
      await eventually('hold-expired notification', async () =>
        (await alice.get('/v1/me/notifications')).body.items.some((n: { kind: string }) => n.kind === 'hold-expired'),
      );
    } finally {
      watcher.ws.close();
      mine.ws.close();
    }
  });

  it('X-Min-Position beyond what the read models reached answers 503 with Retry-After', async () => {
    const api = client(app.url, await app.tokenFor(randomUUID()));
    const res = await api.get('/v1/me/reservations', { 'X-Min-Position': '999999999999' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.body.code).toBe('projection-behind');
    expect((await api.get('/v1/me/reservations', { 'X-Min-Position': 'soon' })).status).toBe(400);
  });
});
