/**
 * Issue 8, the trust-boundary rules: what a hostile client can send and what it gets
 * back. Every refusal is a 4xx problem+json naming the field; nothing is written that a
 * read model cannot hold. A real server, database and HTTP client throughout.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ticketedEventDecider } from '../../src/domain/ticketing/index.js';
import { startTestApp, testClock, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';
import { eventually } from '../support/processes.js';

let app: TestApp;
// Reservations are made at a fixed instant, so the analytics day bucket is known.
const clock = testClock(Date.parse('2030-06-01T03:00:00Z'));
beforeAll(async () => {
  app = await startTestApp({ clock: clock.now });
});
afterAll(async () => {
  await app?.stop();
});

const cursor = (key: object) => Buffer.from(JSON.stringify(key)).toString('base64url');
const event = (overrides: Record<string, unknown> = {}) => ({
  title: 'Boundary',
  startsAt: '2030-07-01T18:00:00Z',
  endsAt: '2030-07-01T20:00:00Z',
  timezone: 'UTC',
  capacity: 10,
  publish: true,
  ...overrides,
});
const userApi = async () => client(app.url, await app.tokenFor(randomUUID()));

async function registered(name: string) {
  const res = await client(app.url).post('/v1/auth/register', { email: `${name}-${randomUUID().slice(0, 8)}@example.com`, password: 'a long password', name });
  expect(res.status).toBe(201);
  return { id: res.body.user.id as string, api: client(app.url, res.body.accessToken as string) };
}

function expectFieldRefused(res: { status: number; body: any; headers: Headers }, path: string, code?: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body.code).toBe('validation-failed');
  expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  if (code) expect(res.body.errors.find((e: { path: string }) => e.path === path).code).toBe(code);
}

describe('item 1: instants', () => {
  it('event instants outside 1970-01-01 ≤ t < 2200-01-01, without an offset, or not on the calendar are 400', async () => {
    const api = await userApi();
    const refused: Array<[string, Record<string, unknown>]> = [
      ['startsAt', { startsAt: '0000-01-01T00:00:00Z' }],
      ['startsAt', { startsAt: '1969-12-31T23:59:59Z' }],
      ['endsAt', { endsAt: '2200-01-01T00:00:00Z' }],
      ['endsAt', { endsAt: '10000-01-01T00:00:00Z' }],
      ['endsAt', { endsAt: '+010000-01-01T00:00:00Z' }],
      ['startsAt', { startsAt: '2030-07-01T18:00:00' }], // no offset
      ['startsAt', { startsAt: '2030-07-01t18:00:00z' }],
      ['startsAt', { startsAt: '2030-02-30T18:00:00Z' }], // not a day
      ['startsAt', { startsAt: '2030-07-01T24:00:00Z' }],
      ['pricing.earlyBird.until', { pricing: { currency: 'EUR', basePrice: 100, earlyBird: { until: '0000-01-01T00:00:00Z', multiplier: 0.5 } } }],
    ];
    for (const [field, overrides] of refused) expectFieldRefused(await api.post('/v1/events', event(overrides)), field);

    // the edges of the range are accepted, and offsets are normalised to UTC
    const early = await api.post('/v1/events', event({ startsAt: '1970-01-01T00:00:00Z', endsAt: '1970-01-01T02:00:00+01:00', publish: false }));
    expect(early.status, JSON.stringify(early.body)).toBe(201);
    expect(early.body).toMatchObject({ startsAt: '1970-01-01T00:00:00.000Z', endsAt: '1970-01-01T01:00:00.000Z' });
    const late = await api.post('/v1/events', event({ startsAt: '2199-12-31T22:00:00Z', endsAt: '2199-12-31T23:59:59.999Z' }));
    expect(late.status, JSON.stringify(late.body)).toBe(201);

    const patched = await api.patch(`/v1/events/${late.body.id}`, { startsAt: '0000-01-01T00:00:00Z' });
    expectFieldRefused(patched, 'startsAt');

    // the projection kept up: both accepted events are listed
    await eventually('events listed', async () => (await api.get('/v1/events?limit=100')).body.items.length >= 2);
  });

  it('the decider refuses out-of-range instants that did not come through HTTP', () => {
    const decide = (startsAt: string) =>
      ticketedEventDecider.decide(
        {
          type: 'ScheduleTicketedEvent',
          data: { eventId: randomUUID(), title: 'x', startsAt, endsAt: '2030-01-01T00:00:00Z', timezone: 'UTC', capacity: 1 },
          meta: { actorId: 'u', now: '2029-01-01T00:00:00Z' },
        },
        ticketedEventDecider.initialState(),
      );
    expect(() => decide('0000-01-01T00:00:00Z')).toThrow(/1970/);
    expect(() => decide('2029-02-30T00:00:00Z')).toThrow(/ISO-8601/);
    expect(decide('2029-06-01T00:00:00Z')).toHaveLength(1);
  });

  it('instants in query parameters and cursors are checked too (400, never 500)', async () => {
    const api = await userApi();
    const id = randomUUID();
    const paths = [
      '/v1/events?from=0000-01-01T00:00:00Z',
      '/v1/events?to=10000-01-01T00:00:00Z',
      '/v1/events?from=2030-01-01T00:00:00',
      `/v1/events?cursor=${cursor({ s: '0000-01-01T00:00:00Z', id })}`,
      `/v1/events?cursor=${cursor({ s: '2030-02-30T00:00:00Z', id })}`,
      `/v1/me/reservations?cursor=${cursor({ c: '0000-01-01T00:00:00Z', id })}`,
      `/v1/me/notifications?cursor=${cursor({ c: '0000-12-31T23:59:59+01:00', id })}`,
    ];
    for (const path of paths) {
      const res = await api.get(path);
      expect(res.status, `${path} ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect((await api.get('/v1/events?from=1900-01-01T00:00:00Z&to=2300-01-01T00:00:00%2B02:00')).status).toBe(200);
  });
});

describe('item 2: lone surrogates', () => {
  it('are refused in any text like U+0000: 400 validation-failed naming the field', async () => {
    const api = await userApi();
    expectFieldRefused(await api.post('/v1/events', event({ title: 'T\ud800x' })), 'title', 'invalid-characters');
    expectFieldRefused(await api.post('/v1/events', event({ venue: 'Hall \udfff' })), 'venue', 'invalid-characters');
    expectFieldRefused(await api.post('/v1/events', event({ ['k\ud800']: 1 })), 'k\ud800', 'invalid-characters');
    const { body: created } = await api.post('/v1/events', event());
    expectFieldRefused(await api.post(`/v1/events/${created.id}/cancel`, { reason: '\udc00' }), 'reason', 'invalid-characters');
    // a pair is a character, not a lone surrogate
    const emoji = await api.post('/v1/events', event({ title: 'Party \ud83c\udf89' }));
    expect(emoji.status).toBe(201);
    expect(emoji.body.title).toBe('Party 🎉');
  });

  it('passwords of lone surrogates are refused (12 × U+D800 and 12 × U+DFFF would hash the same)', async () => {
    const anonymous = client(app.url);
    for (const password of ['\ud800'.repeat(12), '\udfff'.repeat(12), `long enough ${'\ud800'}`]) {
      const res = await anonymous.post('/v1/auth/register', { email: `s-${randomUUID().slice(0, 8)}@example.com`, password, name: 'S' });
      expectFieldRefused(res, 'password', 'invalid-characters');
    }
  });
});

describe('item 3: deep nesting', () => {
  it('a body nested 40,000 levels deep is a 400 problem, with or without an Idempotency-Key', async () => {
    const token = await app.tokenFor(randomUUID());
    // within the 100 kB body limit
    const deep = `${'{"a":'.repeat(15_000)}1${'}'.repeat(15_000)}`;
    const deepArray = `${'['.repeat(40_000)}${']'.repeat(40_000)}`;
    for (const [path, body, key] of [
      ['/v1/events', deep, randomUUID()],
      ['/v1/events', deepArray, randomUUID()],
      ['/v1/events', deep, undefined],
      [`/v1/events/${randomUUID()}/publish`, deep, randomUUID()],
    ] as const) {
      const res = await fetch(`${app.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
        body,
      });
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await res.json()).toMatchObject({ code: 'too-deeply-nested' });
    }
  });
});

describe('item 4: cursors and time zones', () => {
  it('a waitlist cursor whose seq does not fit a bigint is 400 invalid-cursor', async () => {
    const api = await userApi();
    const { body: created } = await api.post('/v1/events', event());
    for (const seq of ['9999999999999999999', '9223372036854775808', '-1', '1.5', 1]) {
      const res = await api.get(`/v1/events/${created.id}/waitlist?cursor=${cursor({ seq })}`);
      expect(res.status, String(seq)).toBe(400);
      expect(res.body.code).toBe('invalid-cursor');
    }
    expect((await api.get(`/v1/events/${created.id}/waitlist?cursor=${cursor({ seq: '9223372036854775807' })}`)).status).toBe(200);
  });

  it('analytics of an event in a zone Node knows and PostgreSQL does not buckets days in that zone', async () => {
    const api = await userApi();
    const created = await api.post('/v1/events', event({ timezone: 'US/Pacific-New' }));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const reserved = await api.post(`/v1/events/${created.body.id}/reservations`, { quantity: 2 });
    expect(reserved.status).toBe(201);
    const analytics = await api.get(`/v1/events/${created.body.id}/analytics`, { 'X-Min-Position': reserved.body.position });
    expect(analytics.status, JSON.stringify(analytics.body)).toBe(200);
    // 2030-06-01T03:00Z is the evening of 31 May in Los Angeles (UTC-7 in summer)
    expect(analytics.body.reservationsPerDay).toEqual([{ day: '2030-05-31', reservations: 1, seats: 2 }]);
  });

  it('ticketing spells time zones the one canonical way and refuses what Node does not know', async () => {
    const api = await userApi();
    const lower = await api.post('/v1/events', event({ timezone: 'europe/berlin' }));
    expect(lower.status).toBe(201);
    expect(lower.body.timezone).toBe('Europe/Berlin');
    for (const timezone of ['Mars/Olympus_Mons', '+05:00', 'UTC+5', '']) {
      expectFieldRefused(await api.post('/v1/events', event({ timezone })), 'timezone');
    }
  });
});

describe('item 5: currencies', () => {
  it('only ISO 4217 codes are accepted', async () => {
    const api = await userApi();
    for (const currency of ['ABC', 'XYZ', 'eur', 'EURO']) {
      expectFieldRefused(await api.post('/v1/events', event({ pricing: { currency, basePrice: 100 } })), 'pricing.currency');
    }
    for (const currency of ['EUR', 'JPY', 'CHF']) {
      const res = await api.post('/v1/events', event({ pricing: { currency, basePrice: 100 } }));
      expect(res.status, currency).toBe(201);
      expect(res.body.currency).toBe(currency);
    }
  });
});

describe('item 6: paths are case-sensitive', () => {
  it('/V1/… and other spellings are 404 problems, so no route escapes the limiter', async () => {
    const anonymous = client(app.url);
    const email = `case-${randomUUID().slice(0, 8)}@example.com`;
    for (let i = 0; i < 7; i++) {
      const res = await anonymous.post('/V1/auth/register', { email: `${i}${email}`, password: 'a long password', name: 'Case' });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    for (const path of ['/V1/auth/login', '/v1/AUTH/login', '/v1/Auth/Login']) {
      expect((await anonymous.post(path, { email, password: 'a long password' })).status, path).toBe(404);
    }
    const api = await userApi();
    for (const path of ['/V1/events', '/v1/Events', '/HEALTH/live', '/Metrics']) expect((await api.get(path)).status, path).toBe(404);
    expect((await api.get('/v1/events')).status).toBe(200);
  });
});

describe('item 8: metrics labels', () => {
  it('requests that match no route share one route label, whatever their path', async () => {
    const routesInMetrics = async () => {
      const text = await (await fetch(`${app.url}/metrics`)).text();
      return new Set([...text.matchAll(/tessera_http_request_duration_seconds_count\{[^}]*route="([^"]*)"/g)].map((m) => m[1]!));
    };
    const before = await routesInMetrics();
    const marker = randomUUID().slice(0, 8);
    for (let i = 0; i < 50; i++) {
      await fetch(`${app.url}/x-${marker}-${i}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
      await fetch(`${app.url}/v1/y-${marker}-${i}`);
    }
    const after = await routesInMetrics();
    const added = [...after].filter((r) => !before.has(r));
    expect(added.filter((r) => r.includes(marker))).toEqual([]);
    expect(after.has('unmatched')).toBe(true);
    expect(added.length).toBeLessThanOrEqual(1);
  });
});

describe('item 12: existence does not leak', () => {
  it("cancelling or confirming someone else's reservation is 404, as reading it is; the organizer still may", async () => {
    const organizer = await userApi();
    const holder = await userApi();
    const stranger = await userApi();
    const { body: created } = await organizer.post('/v1/events', event());
    const { body: reservation } = await holder.post(`/v1/events/${created.id}/reservations`, { quantity: 1 });
    const path = `/v1/events/${created.id}/reservations/${reservation.id}`;
    const refused = await stranger.delete(path);
    expect(refused.status).toBe(404);
    expect(refused.body).toMatchObject({ code: 'not-found' });
    expect((await stranger.delete(`/v1/events/${created.id}/reservations/${randomUUID()}`)).body).toEqual(refused.body);
    const confirm = await stranger.post(`${path}/confirm`, {});
    expect(confirm.status).toBe(404);
    expect((await stranger.post(`/v1/events/${created.id}/reservations/${randomUUID()}/confirm`, {})).body).toEqual(confirm.body);
    const cancelled = await organizer.delete(path);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
  });

  it('a collaborator must be a user who exists: 404 user-not-found otherwise', async () => {
    const organizer = await registered('organizer');
    const viewer = await registered('viewer');
    const { body: created } = await organizer.api.post('/v1/events', event());
    const missing = await organizer.api.post(`/v1/events/${created.id}/collaborators`, { userId: randomUUID(), role: 'viewer' });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'user-not-found' });
    const added = await organizer.api.post(`/v1/events/${created.id}/collaborators`, { userId: viewer.id, role: 'viewer' });
    expect(added.status).toBe(201);
    const history = await organizer.api.get(`/v1/events/${created.id}/history`);
    expect(history.body.items.filter((i: { type: string }) => i.type === 'CollaboratorAdded')).toHaveLength(1);
  });
});
