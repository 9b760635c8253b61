/**
 * Availability over the REST API with a real server and PostgreSQL (docs/scheduling.md §3
 * Availability): never-set users, normalisation, overrides, revisions (ETag, If-Match),
 * Idempotency-Key, X-Position, the people read model, and every refusal as problem+json.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPeople } from '../../src/projections/scheduling/people.js';
import { register, type Account } from '../identity/helpers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

const NINE_TO_FIVE = [
  { day: 'mon', start: '09:00', end: '17:00' },
  { day: 'tue', start: '09:00', end: '17:00' },
];

const expectProblem = (res: { status: number; body: any; headers: Headers }, status: number, code: string) => {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(res.body.code).toBe(code);
};

/** The people read model once it has reached `position` (X-Min-Position on a read that waits for it). */
async function personAfter(account: Account, position: string) {
  const waited = await account.http.get('/v1/me/availability', { 'X-Min-Position': position });
  expect(waited.status).toBe(200);
  return (await loadPeople(app.tessera.knex, [account.id])).get(account.id);
}

describe('GET /v1/me/availability', () => {
  it('answers a user who never set hours with no intervals, in their profile zone, without a revision', async () => {
    const account = await register(app.url, { timezone: 'Asia/Kolkata', name: 'Priya' });
    const res = await account.http.get('/v1/me/availability');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ userId: account.id, timezone: 'Asia/Kolkata', intervals: [], overrides: {}, revision: null });
    expect(res.headers.get('etag')).toBeNull();
    // The profile zone is followed until hours are set.
    const patched = await account.http.patch('/v1/me', { timezone: 'Australia/Lord_Howe' });
    expect(patched.status).toBe(200);
    expect((await account.http.get('/v1/me/availability')).body.timezone).toBe('Australia/Lord_Howe');
    const person = await personAfter(account, patched.headers.get('x-position')!);
    expect(person).toEqual({ userId: account.id, name: 'Priya', profileTimezone: 'Australia/Lord_Howe', hours: null, availabilityRevision: null });
  });

  it('needs a signed-in user', async () => {
    expectProblem(await client(app.url).get('/v1/me/availability'), 401, 'unauthorized');
  });
});

describe('PUT /v1/me/availability', () => {
  it('stores normalised weekly hours with a revision, a weak ETag and X-Position, and the read model follows', async () => {
    const account = await register(app.url, { timezone: 'Europe/Berlin' });
    const res = await account.http.put('/v1/me/availability', {
      timezone: 'america/new_york',
      intervals: [
        { day: 'tue', start: '13:00', end: '17:00' },
        { day: 'mon', start: '12:00', end: '17:00' },
        { day: 'tue', start: '09:00', end: '13:00' },
        { day: 'mon', start: '09:00', end: '12:30' },
        { day: 'sun', start: '20:00', end: '24:00' },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({
      userId: account.id,
      timezone: 'America/New_York',
      intervals: [...NINE_TO_FIVE, { day: 'sun', start: '20:00', end: '24:00' }],
      overrides: {},
      revision: '0',
      position: res.headers.get('x-position'),
    });
    expect(res.headers.get('etag')).toBe('W/"0"');
    expect(BigInt(res.body.position)).toBeGreaterThan(0n);

    const read = await account.http.get('/v1/me/availability');
    expect(read.body).toEqual({ ...res.body, position: undefined });
    expect(read.headers.get('etag')).toBe('W/"0"');
    expect(read.headers.get('x-position')).toBe(res.body.position);

    const person = await personAfter(account, res.body.position);
    expect(person).toEqual({
      userId: account.id,
      name: 'Test User',
      profileTimezone: 'Europe/Berlin',
      hours: { zone: 'America/New_York', intervals: res.body.intervals, overrides: {} },
      availabilityRevision: 0n,
    });
  });

  it('records nothing when the hours are unchanged (same revision)', async () => {
    const account = await register(app.url);
    const first = await account.http.put('/v1/me/availability', { timezone: 'UTC', intervals: NINE_TO_FIVE });
    const again = await account.http.put('/v1/me/availability', { timezone: 'UTC', intervals: [...NINE_TO_FIVE].reverse() });
    expect(again.status).toBe(200);
    expect(again.body.revision).toBe(first.body.revision);
    expect(again.headers.get('x-position')).toBeNull();
  });

  it('honours If-Match: a stale revision is 412 with the current one, the current one passes', async () => {
    const account = await register(app.url);
    await account.http.put('/v1/me/availability', { timezone: 'UTC', intervals: [] });
    await account.http.put('/v1/me/availability', { timezone: 'UTC', intervals: NINE_TO_FIVE });
    const stale = await account.http.put('/v1/me/availability', { timezone: 'Europe/Berlin', intervals: [] }, { 'If-Match': 'W/"0"' });
    expectProblem(stale, 412, 'revision-mismatch');
    expect(stale.body.currentRevision).toBe('1');
    const current = await account.http.put('/v1/me/availability', { timezone: 'Europe/Berlin', intervals: [] }, { 'If-Match': 'W/"1"' });
    expect(current.status).toBe(200);
    expect(current.body.revision).toBe('2');
  });

  it('replays a retry with the same Idempotency-Key and refuses the key with another body', async () => {
    const account = await register(app.url);
    const headers = { 'Idempotency-Key': 'hours-1' };
    const first = await account.http.put('/v1/me/availability', { timezone: 'UTC', intervals: NINE_TO_FIVE }, headers);
    const retry = await account.http.put('/v1/me/availability', { timezone: 'UTC', intervals: NINE_TO_FIVE }, headers);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);
    expect((await account.http.get('/v1/me/availability')).body.revision).toBe('0');
    expectProblem(await account.http.put('/v1/me/availability', { timezone: 'UTC', intervals: [] }, headers), 422, 'idempotency-key-reused');
  });

  it('refuses bad input with problem+json and changes nothing', async () => {
    const account = await register(app.url);
    const put = (body: unknown) => account.http.put('/v1/me/availability', body);
    const interval = (start: string, end: string, day = 'wed') => ({ timezone: 'UTC', intervals: [{ day, start, end }] });
    for (const body of [
      { timezone: 'Mars/Olympus', intervals: [] },
      { timezone: '+02:00', intervals: [] },
      { timezone: 'UTC' },
      interval('25:00', '26:00'),
      interval('09:60', '10:00'),
      interval('9:00', '10:00'),
      interval('24:00', '24:00'),
      interval('10:00', '24:30'),
      interval('09:00', '10:00', 'monday'),
      { ...interval('09:00', '10:00'), extra: true },
      { timezone: 'UTC', intervals: Array.from({ length: 101 }, () => ({ day: 'mon', start: '09:00', end: '10:00' })) },
    ]) {
      expectProblem(await put(body), 400, 'validation-failed');
    }
    expectProblem(await put(interval('17:00', '09:00')), 422, 'invalid-availability-interval');
    expectProblem(await put(interval('09:00', '09:00')), 422, 'invalid-availability-interval');
    const thirteen = Array.from({ length: 13 }, (_, i) => ({ day: 'thu', start: `${String(i).padStart(2, '0')}:00`, end: `${String(i).padStart(2, '0')}:30` }));
    const tooMany = await put({ timezone: 'UTC', intervals: thirteen });
    expectProblem(tooMany, 422, 'too-many-intervals');
    expect(tooMany.body.detail).toContain('thu');
    expect((await account.http.get('/v1/me/availability')).body.revision).toBeNull();
  });
});

describe('overrides', () => {
  it('replaces one local date’s hours, lists overrides by date, and removes them again', async () => {
    const account = await register(app.url);
    const needsHours = await account.http.put('/v1/me/availability/overrides/2026-12-24', { intervals: [] });
    expectProblem(needsHours, 409, 'availability-not-set');
    await account.http.put('/v1/me/availability', { timezone: 'Europe/Berlin', intervals: NINE_TO_FIVE });

    const christmas = await account.http.put('/v1/me/availability/overrides/2026-12-24', { intervals: [] });
    expect(christmas.status, JSON.stringify(christmas.body)).toBe(200);
    const sunday = await account.http.put('/v1/me/availability/overrides/2026-12-20', {
      intervals: [
        { start: '14:00', end: '16:00' },
        { start: '10:00', end: '12:00' },
        { start: '11:00', end: '14:00' },
      ],
    });
    expect(sunday.body.overrides).toEqual({ '2026-12-20': [{ start: '10:00', end: '16:00' }], '2026-12-24': [] });
    expect(Object.keys(sunday.body.overrides)).toEqual(['2026-12-20', '2026-12-24']);
    expect(sunday.body.revision).toBe('2');
    expect(sunday.headers.get('etag')).toBe('W/"2"');

    const removed = await account.http.delete('/v1/me/availability/overrides/2026-12-24', { 'If-Match': 'W/"2"' });
    expect(removed.status).toBe(200);
    expect(removed.body.overrides).toEqual({ '2026-12-20': [{ start: '10:00', end: '16:00' }] });
    expect(removed.body.revision).toBe('3');
    expectProblem(await account.http.delete('/v1/me/availability/overrides/2026-12-24'), 404, 'availability-override-not-found');
    expectProblem(await account.http.delete('/v1/me/availability/overrides/2026-12-20', { 'If-Match': 'W/"2"' }), 412, 'revision-mismatch');

    const person = await personAfter(account, removed.body.position);
    expect(person?.hours?.overrides).toEqual({ '2026-12-20': [{ start: '10:00', end: '16:00' }] });
    expect(person?.availabilityRevision).toBe(3n);
  });

  it('refuses dates that are not dates or out of range (years 0000 and 10000) and bad intervals', async () => {
    const account = await register(app.url);
    await account.http.put('/v1/me/availability', { timezone: 'UTC', intervals: NINE_TO_FIVE });
    for (const date of ['0000-01-01', '10000-01-01', '2026-02-30', '2026-13-01', '26-01-01', 'today', '1969-12-31', '2200-01-01']) {
      expectProblem(await account.http.put(`/v1/me/availability/overrides/${date}`, { intervals: [] }), 400, 'validation-failed');
      expectProblem(await account.http.delete(`/v1/me/availability/overrides/${date}`), 400, 'validation-failed');
    }
    const put = (body: unknown) => account.http.put('/v1/me/availability/overrides/2026-07-01', body);
    expectProblem(await put({ intervals: [{ start: '10:00', end: '24:01' }] }), 400, 'validation-failed');
    expectProblem(await put({ intervals: [{ day: 'mon', start: '10:00', end: '11:00' }] }), 400, 'validation-failed');
    expectProblem(await put({}), 400, 'validation-failed');
    expectProblem(await put({ intervals: [{ start: '11:00', end: '10:00' }] }), 422, 'invalid-availability-interval');
    expect((await account.http.get('/v1/me/availability')).body.overrides).toEqual({});
  });
});
