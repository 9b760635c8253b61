/**
 * Every route in the real route table, fed random input (fast-check): path parameters
 * that exist, that do not, and that are not ids at all; random query strings; random JSON
 * bodies shaped like the route's schema or not; broken JSON. The caller is an admin who
 * also organises the fixture event, so the access rules let the input through to the
 * validation and the handlers. The answer is never a 5xx, and every refusal is
 * problem+json (DESIGN §8). A route added later is fuzzed without touching this file.
 * It found the two refusals that were not problems: a 500 on U+0000 in any text (PostgreSQL
 * cannot store it) and Node's bare 431 on an oversized URL. Issue 8 added years 0000/10000,
 * lone surrogates, deep nesting and case-changed paths; on the code before it, the first
 * failure was a 500 for a 40,000-deep body on POST /V1/… with an Idempotency-Key.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RouteDefinition } from '../../src/api/routes.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';

let app: TestApp;
let token: string;
/** Real ids for each path parameter name, so some requests reach existing resources. */
const known = new Map<string, string[]>();

beforeAll(async () => {
  const email = `fuzz-${randomUUID().slice(0, 8)}@example.com`;
  app = await startTestApp({ env: { ADMIN_EMAILS: email } });
  const registered = await client(app.url).post('/v1/auth/register', { email, password: 'a long password', name: 'Fuzz' });
  expect(registered.status).toBe(201);
  const userId: string = registered.body.user.id;
  token = registered.body.accessToken;
  expect(registered.body.user.roles).toEqual(['admin']);
  const api = client(app.url, token);
  const created = await api.post('/v1/events', { ...eventBody(), timezone: 'Europe/Berlin', capacity: 1000, waitlist: { enabled: true, mode: 'offer', offerMinutes: 5 } });
  expect(created.status).toBe(201);
  const reservation = await api.post(`/v1/events/${created.body.id}/reservations`, { quantity: 1 });
  expect(reservation.status).toBe(201);
  const group = await api.post('/v1/groups', { name: 'Fuzz group' });
  expect(group.status).toBe(201);
  const meeting = await api.post('/v1/meetings', meetingBody());
  expect(meeting.status).toBe(201);
  known.set('id', [created.body.id, userId, group.body.id, meeting.body.id]);
  known.set('rid', [reservation.body.id]);
  known.set('userId', [userId]);
  known.set('date', ['2026-12-24', '2026-03-29']);
});
afterAll(async () => {
  await app?.stop();
});

/** The keys of a zod object schema (unwrapping effects/optionals), or none. */
function keysOf(schema: z.ZodType | undefined): string[] {
  let current: unknown = schema;
  for (let i = 0; i < 5 && current; i++) {
    if (current instanceof z.ZodObject) return Object.keys(current.shape);
    const def = (current as { def?: { innerType?: unknown; in?: unknown; schema?: unknown } }).def;
    current = def?.innerType ?? def?.in ?? def?.schema;
  }
  return [];
}

const oddString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '0', '-1', '1e309', 'NaN', 'null', 'true', '2026-02-30T25:00:00Z', 'x'.repeat(5000), '../..', '%', '\u0000', '\ud800'),
  // issue 8: instants PostgreSQL cannot hold, lone surrogates (only bodies carry them: URLs are UTF-8)
  fc.constantFrom('0000-01-01T00:00:00Z', '10000-01-01T00:00:00Z', '+010000-01-01T00:00:00Z', '2200-01-01T00:00:00Z', '2030-01-01T00:00:00', 'T\ud800x', '\udfff', 'a\udc00\ud800b'),
);
/** Objects and arrays nested 30–60 levels deep (around the 32-level limit). */
const deepValue: fc.Arbitrary<unknown> = fc
  .tuple(fc.integer({ min: 30, max: 60 }), fc.boolean())
  .map(([depth, arrays]) => {
    let value: unknown = 'leaf';
    for (let i = 0; i < depth; i++) value = arrays ? [value] : { a: value };
    return value;
  });
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  oddString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -0, 1e308),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);

/** Percent-encodes the UTF-8 bytes (a lone surrogate becomes U+FFFD, as a client would send it). */
const encode = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
/** Raw, malformed escapes that no encoder produces. */
const brokenEscapes = fc.constantFrom('', '', '&%', '&limit=%zz', '&cursor=%E0%A4%A', '&%00=%00');

function paramValue(name: string): fc.Arbitrary<string> {
  return fc.oneof(fc.constantFrom(...(known.get(name) ?? [randomUUID()])), fc.uuid(), oddString.filter((s) => s.length > 0));
}

/** A published event starting tomorrow. */
function eventBody(): Record<string, unknown> {
  const start = Date.now() + 86_400_000;
  return {
    title: 'Fuzz',
    startsAt: new Date(start).toISOString(),
    endsAt: new Date(start + 3_600_000).toISOString(),
    timezone: 'UTC',
    capacity: 2,
    holdMinutes: 5,
    publish: true,
    pricing: { currency: 'EUR', basePrice: 10 },
    waitlist: { enabled: true, mode: 'auto' },
  };
}

const meetingWindow = { start: '2030-01-07T09:00:00Z', end: '2030-01-07T12:00:00+01:00' };
function meetingBody() {
  return { title: 'Fuzz poll', durationMinutes: 60, timezone: 'Europe/Berlin', proposedWindows: [meetingWindow], deadline: '2029-12-31T00:00:00Z', resultsVisibility: 'organizer' };
}

/** A valid body per route: mutating one field reaches the handlers, not only the schema. */
function validBody(route: RouteDefinition): Record<string, unknown> | undefined {
  const bodies: Record<string, Record<string, unknown>> = {
    'post /v1/events': eventBody(),
    'patch /v1/events/:id': { title: 'Renamed', description: 'Moved' },
    'post /v1/events/:id/reservations': { quantity: 1 },
    'post /v1/events/:id/waitlist': { quantity: 1 },
    'post /v1/events/:id/collaborators': { userId: known.get('userId')![0], role: 'viewer' },
    'patch /v1/me': { name: 'Fuzz', timezone: 'Asia/Kolkata' },
    'post /v1/admin/users/:id/roles': { role: 'admin', action: 'grant' },
    'put /v1/me/availability': { timezone: 'Europe/Berlin', intervals: [{ day: 'mon', start: '09:00', end: '17:00' }] },
    'put /v1/me/availability/overrides/:date': { intervals: [{ start: '10:00', end: '12:00' }] },
    'post /v1/groups': { name: 'Fuzz team', description: 'Fuzzed', color: '#00aaff' },
    'patch /v1/groups/:id': { name: 'Renamed team', color: null },
    'post /v1/groups/:id/members': { userId: known.get('userId')![0], role: 'admin' },
    'patch /v1/groups/:id/members/:userId': { role: 'admin' },
    'post /v1/groups/:id/transfer': { userId: known.get('userId')![0] },
    'post /v1/meetings': meetingBody(),
    'post /v1/meetings/:id/availability': { slots: [{ ...meetingWindow, preference: 'if-need-be' }] },
    'post /v1/meetings/:id/schedule': { start: meetingWindow.start },
    'post /v1/meetings/:id/reschedule': { start: '2030-01-07T10:00:00Z' },
    'post /v1/meetings/:id/rsvp': { response: 'tentative' },
    'post /v1/meetings/:id/participants': { participantIds: [known.get('userId')![0]], groupIds: known.get('id')!.slice(2, 3) },
    'post /v1/scheduling/suggestions': { userIds: known.get('userId'), durationMinutes: 60, from: '2026-12-14T00:00:00Z', to: '2026-12-21T00:00:00Z', coreHours: { start: '10:00', end: '16:00' } },
  };
  return bodies[`${route.method} ${route.path}`];
}

const edgeValue: fc.Arbitrary<unknown> = fc.oneof(
  oddValue,
  fc.constantFrom(0, -1, 1, 3, 2 ** 31, 2 ** 53, 0.5, '', 'UTC', 'Etc/GMT+14', 'America/St_Johns', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '2026-03-29T02:30:00+01:00'),
  fc.constantFrom('0000-01-01T00:00:00Z', '10000-01-01T00:00:00Z', 'US/Pacific-New', 'europe/berlin', 'ABC', 'JPY', 'T\ud800x'),
  deepValue,
  fc.constant(undefined),
);

function bodyFor(route: RouteDefinition): fc.Arbitrary<string> {
  const valid = validBody(route);
  const keys = keysOf(route.body);
  const nearValid = valid
    ? fc.tuple(fc.constantFrom(...new Set([...Object.keys(valid), ...keys])), edgeValue).map(([key, value]) => JSON.stringify({ ...valid, [key]: value }))
    : undefined;
  const shaped = keys.length
    ? fc.record(Object.fromEntries(keys.map((k) => [k, oddValue])), { requiredKeys: [] }).chain((base) =>
        fc.record({ base: fc.constant(base), extra: fc.dictionary(fc.string({ maxLength: 8 }), oddValue, { maxKeys: 2 }) }).map(({ base, extra }) => ({ ...extra, ...base })),
      )
    : fc.constant({});
  return fc.oneof(
    ...(nearValid ? [nearValid, nearValid] : []),
    shaped.map((b) => JSON.stringify(b)),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc.constantFrom('{', '{"a":', '[1,2', 'null', '"x"', '', '\u0000'),
    // 40,000 levels deep (the stack overflow in idempotency hashing), within the body limit
    fc.constantFrom(`${'['.repeat(40_000)}${']'.repeat(40_000)}`, `{"title":"T\\ud800x"}`),
  );
}

function queryFor(route: RouteDefinition): fc.Arbitrary<string> {
  const keys = [...keysOf(route.query), 'limit', 'cursor'];
  return fc
    .tuple(fc.array(fc.tuple(fc.constantFrom(...keys), oddString), { maxLength: 4 }), brokenEscapes)
    .map(([pairs, broken]) => `?${pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}${broken}`);
}

function pathFor(route: RouteDefinition): fc.Arbitrary<string> {
  const names = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const filled =
    names.length === 0
      ? fc.constant(route.path)
      : fc.tuple(...names.map((n) => paramValue(n))).map((values) => {
          let path = route.path;
          names.forEach((name, i) => {
            path = path.replace(`:${name}`, encode(values[i]!));
          });
          return path;
        });
  // issue 8: another spelling of the route ('/V1/…', '/v1/Events') is another path (404), never a bypass
  return fc.tuple(filled, fc.nat({ max: 9 })).map(([path, n]) => (n === 0 ? path.replace(/[a-z]/, (c) => c.toUpperCase()) : n === 1 ? path.toUpperCase() : path));
}

/** The fixture's own ids in the path, no query, the valid body (or none). */
function validRequest(route: RouteDefinition, hasBody: boolean): { path: string; query: string; body: string | undefined } {
  const path = route.path.replace(/:(\w+)/g, (_, name: string) => known.get(name)?.[0] ?? randomUUID());
  return { path, query: '', body: hasBody ? JSON.stringify(validBody(route) ?? {}) : undefined };
}

/** Either everything random, or a valid request with one part (path, query or body) made odd. */
function requestFor(route: RouteDefinition, hasBody: boolean): fc.Arbitrary<{ path: string; query: string; body: string | undefined }> {
  const valid = validRequest(route, hasBody);
  return fc
    .tuple(pathFor(route), queryFor(route), hasBody ? bodyFor(route) : fc.constant(undefined), fc.constantFrom('all', 'path', 'query', 'body'))
    .map(([path, query, body, odd]) => ({
      path: odd === 'all' || odd === 'path' ? path : valid.path,
      query: odd === 'all' || odd === 'query' ? query : valid.query,
      body: odd === 'all' || odd === 'body' ? body : valid.body,
    }));
}

/**
 * If-Match and X-Min-Position, sane or not. Positions stay below what the store has
 * reached: a higher one waits 5 s and answers 503 by design (tested elsewhere).
 */
const oddHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'if-match': fc.constantFrom('W/"0"', 'W/"1"', 'W/"-1"', '"1"', '*', 'W/"99999999999999999999999"', 'garbage', ''),
    'x-min-position': fc.constantFrom('0', '1', '-1', 'abc', '1.5', '', '0x10'),
  },
  { requiredKeys: [] },
);

describe('fuzzing every route', () => {
  it('random params, queries and bodies never give a 5xx; refusals are problem+json', async () => {
    // /v1/live is the WebSocket upgrade, fuzzed by the live tests; auth routes by test/identity/fuzz.
    const ending = (r: RouteDefinition) => (r.path.endsWith('/cancel') || r.method === 'delete' ? 1 : 0);
    const routes = app.tessera.routes
      .filter((r) => r.path !== '/v1/live' && !r.path.startsWith('/v1/auth/'))
      // Cancelling and deleting last, so the fixture event stays open for the other routes.
      .sort((a, b) => ending(a) - ending(b));
    expect(routes.length).toBeGreaterThan(20);
    for (const route of routes) {
      const hasBody = route.method !== 'get' && route.method !== 'delete';
      await fc.assert(
        fc.asyncProperty(requestFor(route, hasBody), fc.boolean(), oddHeaders, async ({ path, query, body }, withKey, extraHeaders) => {
          const res = await fetch(`${app.url}${path}${query}`, {
            method: route.method.toUpperCase(),
            headers: {
              authorization: `Bearer ${token}`,
              ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
              ...(withKey && hasBody ? { 'idempotency-key': randomUUID() } : {}),
              ...extraHeaders,
            },
            body,
          });
          const text = await res.text();
          const where = `${route.method.toUpperCase()} ${path}${query} ${body?.slice(0, 120) ?? ''} → ${res.status} ${text.slice(0, 200)}`;
          expect(res.status, where).toBeLessThan(500);
          if (res.status >= 400) expect(res.headers.get('content-type'), where).toMatch(/^application\/problem\+json/);
        }),
        {
          // CI runs a fixed seed (reproducible); FUZZ_SEED=<n> FUZZ_RUNS=<n> explore further.
          seed: Number(process.env.FUZZ_SEED ?? 20261122),
          numRuns: Number(process.env.FUZZ_RUNS ?? 40),
          // Counterexamples can be kilobytes long: the assertion message already names the request, shortened.
          reporter: (details) => {
            if (!details.failed) return;
            const message = details.errorInstance instanceof Error ? details.errorInstance.message.slice(0, 1500) : 'failed';
            throw new Error(`${message} (seed ${details.seed})`);
          },
        },
      );
    }
  }, 120_000);
});
