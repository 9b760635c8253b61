/** Hostile input on the ticketing API: always a 4xx problem, never a 5xx, never a write. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

const cursor = (key: object) => Buffer.from(JSON.stringify(key)).toString('base64url');
const valid = { title: 'x', startsAt: '2030-01-01T00:00:00Z', endsAt: '2030-01-01T01:00:00Z', timezone: 'UTC', capacity: 5 };

describe('ticketing bad input', () => {
  it('query strings, cursors, bodies and headers that do not fit are 4xx problems', async () => {
    const api = client(app.url, await app.tokenFor(randomUUID()));
    const { body: event } = await api.post('/v1/events', { ...valid, publish: true });
    const gets = [
      `/v1/events/${event.id}/history?fromRevision=9999999999999999999`,
      `/v1/events/${event.id}/history?fromRevision=-1`,
      `/v1/events/${event.id}/history?limit=0`,
      `/v1/events/${event.id}?asOfRevision=9999999999999999999`,
      `/v1/events/${event.id}?asOfRevision=abc`,
      '/v1/events?limit=abc',
      '/v1/events?limit=1000',
      '/v1/events?cursor=%25%25',
      `/v1/events?cursor=${cursor({ x: 1 })}`,
      `/v1/events?cursor=${cursor({ s: 'yesterday', id: 'x' })}`,
      '/v1/events?from=yesterday',
      `/v1/me/reservations?cursor=${cursor({ c: 'not-a-date', id: 'x' })}`,
      `/v1/me/notifications?cursor=${cursor({ c: '2026-01-01T00:00:00Z', id: 'not-a-uuid' })}`,
      `/v1/events/${event.id}/waitlist?cursor=${cursor({ seq: 'abc' })}`,
      '/v1/events/not-a-uuid',
      '/v1/events?q=%00', // PostgreSQL text cannot hold U+0000
    ];
    for (const path of gets) {
      const res = await api.get(path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(res.headers.get('content-type'), path).toMatch(/application\/problem\+json/);
    }
    const posts: Array<[string, unknown]> = [
      ['/v1/events', { ...valid, endsAt: '2029-01-01T00:00:00Z' }],
      ['/v1/events', { ...valid, timezone: 'Mars/Olympus_Mons' }],
      ['/v1/events', { ...valid, capacity: -1 }],
      ['/v1/events', { ...valid, capacity: 1.5 }],
      ['/v1/events', { ...valid, title: '' }],
      ['/v1/events', { ...valid, title: 'x'.repeat(10_000) }],
      ['/v1/events', { ...valid, pricing: { currency: 'euro', basePrice: 1 } }],
      ['/v1/events', { ...valid, pricing: { currency: 'EUR', basePrice: -5 } }],
      ['/v1/events', { ...valid, waitlist: { enabled: true, mode: 'lottery' } }],
      ['/v1/events', { ...valid, unknownField: true }],
      ['/v1/events', [valid]],
      ['/v1/events', { ...valid, title: 'a\u0000b' }],
      ['/v1/events', { ...valid, description: '\u0000' }],
      [`/v1/events/${event.id}/reservations`, { quantity: 1e308 }],
      [`/v1/events/${event.id}/reservations`, { quantity: '1' }],
      [`/v1/events/${event.id}/reservations`, null],
      [`/v1/events/${event.id}/collaborators`, { userId: 'nope', role: 'viewer' }],
      [`/v1/events/${event.id}/collaborators`, { userId: randomUUID(), role: 'owner' }],
      [`/v1/events/${event.id}/waitlist`, { quantity: 1 }], // seats available → 409
      [`/v1/events/${event.id}/reservations`, { quantity: 1, note: '\u0000' }],
    ];
    for (const [path, body] of posts) {
      const res = await api.post(path, body);
      expect(res.status, `${path} ${JSON.stringify(body).slice(0, 60)}`).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
    }
    const nul = await api.patch(`/v1/events/${event.id}`, { description: 'x\u0000' });
    expect(nul.status).toBe(400);
    expect(nul.body).toMatchObject({ code: 'validation-failed', errors: [{ path: 'description', code: 'invalid-characters' }] });
    const stale = await api.patch(`/v1/events/${event.id}`, { capacity: 6 }, { 'If-Match': 'W/"99999999999999999999999"' });
    expect(stale.status).toBe(412);
    expect((await api.patch(`/v1/events/${event.id}`, { capacity: 6 }, { 'If-Match': 'yesterday' })).status).toBe(400);
    expect((await api.post(`/v1/events/${event.id}/reservations`, { quantity: 1 }, { 'Idempotency-Key': 'x'.repeat(300) })).status).toBe(400);

    // nothing of the above was written
    const history = await api.get(`/v1/events/${event.id}/history`);
    expect(history.body.items.map((i: { type: string }) => i.type)).toEqual(['TicketedEventScheduled', 'TicketedEventPublished']);
  });
});
