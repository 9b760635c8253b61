/**
 * The documented API is the API (issue 9, item 16): a real server is driven through a
 * scenario that answers every route of the route table at least once with success, and
 * each body is validated against the route's `response` schema — the same schema the
 * OpenAPI document shows. A body field the schema does not list fails too (zod strips
 * unknown keys, so the parsed body must equal the raw one). A route of the table the
 * scenario did not reach fails the last test, so a new route without a schema or a
 * scenario step is visible at once. Problems met on the way must be among the codes the
 * route documents.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_CODES, problemsOf, type ProblemCode } from '../../src/api/problemCodes.js';
import type { RouteDefinition } from '../../src/api/routes.js';
import { loadPeople } from '../../src/projections/scheduling/people.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/processes.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtpServer.js';

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

describe('every route answers what its documented response schema says', () => {
  let app: TestApp;
  const covered = new Set<string>();
  const keyOf = (r: Pick<RouteDefinition, 'method' | 'path'>) => `${r.method.toUpperCase()} ${r.path}`;
  const routeFor = (key: string) => {
    const found = app.tessera.routes.find((r) => keyOf(r) === key);
    if (!found) throw new Error(`no route ${key} in the route table`);
    return found;
  };

  // e-mail routes (verification, unsubscribe) need mail actually sent: a real SMTP server
  let smtp: TestSmtpServer;
  beforeAll(async () => {
    smtp = await startSmtpServer();
    app = await startTestApp({
      env: { REDIS_URL: 'redis://127.0.0.1:6379', JOBS_QUEUE: `test-${randomUUID()}`, SWEEPER_INTERVAL_MS: '200', SMTP_URL: smtp.url, MAIL_DISPATCH_INTERVAL_MS: '100' },
    });
  });
  afterAll(async () => {
    await app?.stop();
    await smtp?.close();
  });

  /** One request to `key` ("POST /v1/events/:id/publish"), path parameters filled from `params`. */
  async function send(
    key: string,
    opts: { token?: string; params?: Record<string, string>; query?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const [method, template] = key.split(' ') as [string, string];
    const path = template.replace(/:(\w+)/g, (_, name: string) => {
      const value = opts.params?.[name];
      if (value === undefined) throw new Error(`${key}: no value for :${name}`);
      return encodeURIComponent(value);
    });
    const res = await fetch(`${app.url}${path}${opts.query ? `?${opts.query}` : ''}`, {
      method,
      headers: {
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...opts.headers,
      },
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    });
    const text = await res.text();
    // a route with a mediaType (text/calendar) answers its text as it is
    const json = /json/.test(res.headers.get('content-type') ?? 'application/json');
    return { status: res.status, body: text ? (json ? JSON.parse(text) : text) : undefined, headers: res.headers };
  }

  /** A successful call: the documented status, and a body that is exactly what the schema documents. */
  async function ok(key: string, opts: Parameters<typeof send>[1] = {}): Promise<Answer> {
    const route = routeFor(key);
    const answer = await send(key, opts);
    expect(answer.status, `${key}: ${JSON.stringify(answer.body)}`).toBe(route.successStatus ?? 200);
    if (route.response) {
      const parsed = route.response.safeParse(answer.body);
      expect(parsed.success ? [] : parsed.error.issues, `${key} body against its schema`).toEqual([]);
      expect(parsed.data, `${key}: every field of the body is documented`).toEqual(answer.body);
    } else {
      expect(route.successStatus, `${key} has no response schema, so it must be 204`).toBe(204);
      expect(answer.body).toBeUndefined();
    }
    covered.add(key);
    return answer;
  }

  /** A failing call: its code is one the route documents, with the documented status. */
  async function problem(key: string, code: ProblemCode, opts: Parameters<typeof send>[1] = {}): Promise<void> {
    const answer = await send(key, opts);
    expect(answer.body?.code, `${key}: ${JSON.stringify(answer.body)}`).toBe(code);
    expect(answer.status).toBe(PROBLEM_CODES[code].status);
    expect(problemsOf(routeFor(key)), `${key} documents ${code}`).toContain(code);
  }

  it('identity, account and admin routes', async () => {
    const email = `ada-${randomUUID()}@example.com`;
    const registered = await ok('POST /v1/auth/register', { body: { email, password: 'correct horse battery', name: 'Ada', timezone: 'Europe/London' } });
    const userId = registered.body.user.id as string;
    await problem('POST /v1/auth/login', 'invalid-credentials', { body: { email, password: 'wrong password!' } });
    const login = await ok('POST /v1/auth/login', { body: { email, password: 'correct horse battery' } });
    const refreshed = await ok('POST /v1/auth/refresh', { body: { refreshToken: login.body.refreshToken } });
    const token = refreshed.body.accessToken as string;
    await ok('GET /v1/me', { token, headers: { 'X-Min-Position': registered.body.position } });
    await ok('PATCH /v1/me', { token, body: { name: 'Ada Lovelace' } });

    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const key = await ok('POST /v1/me/api-keys', { token, body: { name: 'contract reader', scopes: ['read'], expiresAt } });
    const listed = await ok('GET /v1/me/api-keys', { token });
    expect(listed.body.items.map((k: { id: string }) => k.id)).toEqual([key.body.id]);
    await ok('GET /v1/me', { token: key.body.secret });
    await problem('PATCH /v1/me', 'insufficient-scope', { token: key.body.secret, body: { name: 'Not with a read key' } });
    await problem('GET /v1/me/api-keys', 'api-key-not-allowed', { token: key.body.secret });
    await problem('GET /v1/admin/projections', 'api-key-not-allowed', { token: key.body.secret });
    await ok('DELETE /v1/me/api-keys/:id', { token, params: { id: key.body.id } });
    await problem('DELETE /v1/me/api-keys/:id', 'api-key-not-found', { token, params: { id: key.body.id } });
    const changed = await ok('POST /v1/me/password', { token, body: { currentPassword: 'correct horse battery', newPassword: 'staple battery horse' } });
    await ok('POST /v1/auth/logout', { body: { refreshToken: changed.body.refreshToken } });

    const admin = await app.tokenFor(randomUUID(), ['admin']);
    await ok('POST /v1/admin/users/:id/roles', { token: admin, params: { id: userId }, body: { role: 'admin', action: 'grant' } });
    await ok('GET /v1/admin/projections', { token: admin });
  });

  it('events, reservations, the waiting list, analytics and notifications', async () => {
    // Collaborators must be registered users (404 user-not-found otherwise).
    const viewer = await send('POST /v1/auth/register', {
      body: { email: `viewer-${randomUUID()}@example.com`, password: 'correct horse battery', name: 'Viewer', timezone: 'Europe/Berlin' },
    });
    expect(viewer.status, JSON.stringify(viewer.body)).toBe(201);
    const ids = { organizer: randomUUID(), buyer: randomUUID(), fan: randomUUID(), fan2: randomUUID(), viewer: viewer.body.user.id as string };
    const organizer = await app.tokenFor(ids.organizer);
    const buyer = await app.tokenFor(ids.buyer);
    const fan = await app.tokenFor(ids.fan);
    const fan2 = await app.tokenFor(ids.fan2);
    const admin = await app.tokenFor(randomUUID(), ['admin']);
    const start = new Date(Date.now() + 30 * 86_400_000);
    const created = await ok('POST /v1/events', {
      token: organizer,
      body: {
        title: 'Contract night',
        startsAt: start.toISOString(),
        endsAt: new Date(start.getTime() + 7_200_000).toISOString(),
        timezone: 'Europe/Berlin',
        capacity: 2,
        maxPerReservation: 2,
        holdMinutes: 15,
        pricing: { currency: 'EUR', basePrice: 2500, demandTiers: [{ minSoldRatio: 0.5, multiplier: 1.5 }], earlyBird: { until: start.toISOString(), multiplier: 0.8 } },
        waitlist: { enabled: true, mode: 'offer', offerMinutes: 60 },
      },
    });
    const id = created.body.id as string;
    const p = { id };
    await ok('PATCH /v1/events/:id', { token: organizer, params: p, body: { title: 'Contract night!' } });
    const published = await ok('POST /v1/events/:id/publish', { token: organizer, params: p });
    const seen = { 'X-Min-Position': published.body.position as string };
    await ok('GET /v1/events', { token: organizer, headers: seen });
    await ok('GET /v1/events/:id', { token: organizer, params: p, headers: seen });
    await ok('GET /v1/events/:id', { token: organizer, params: p, query: 'asOfRevision=0' });
    await problem('GET /v1/events/:id', 'revision-not-found', { token: organizer, params: p, query: 'asOfRevision=999' });
    await problem('POST /v1/events/:id/collaborators', 'user-not-found', { token: organizer, params: p, body: { userId: randomUUID(), role: 'viewer' } });
    await ok('POST /v1/events/:id/collaborators', { token: organizer, params: p, body: { userId: ids.viewer, role: 'viewer' } });
    await ok('DELETE /v1/events/:id/collaborators/:userId', { token: organizer, params: { id, userId: ids.viewer } });

    await problem('POST /v1/events/:id/waitlist', 'seats-available', { token: fan, params: p, body: { quantity: 1 } });
    const held = await ok('POST /v1/events/:id/reservations', { token: buyer, params: p, body: { quantity: 2 } });
    expect(held.body).toMatchObject({ status: 'held' });
    const rid = held.body.id as string;
    await ok('POST /v1/events/:id/reservations/:rid/confirm', { token: buyer, params: { id, rid } });
    await problem('POST /v1/events/:id/reservations', 'sold-out', { token: fan, params: p, body: { quantity: 1 } });
    await ok('POST /v1/events/:id/waitlist', { token: fan, params: p, body: { quantity: 1 } });
    const joined = await ok('POST /v1/events/:id/waitlist', { token: fan2, params: p, body: { quantity: 1 } });
    await ok('GET /v1/events/:id/waitlist/me', { token: fan, params: p });
    await ok('GET /v1/events/:id/waitlist', { token: organizer, params: p, headers: { 'X-Min-Position': joined.body.position } });

    const freed = await ok('DELETE /v1/events/:id/reservations/:rid', { token: buyer, params: { id, rid } });
    await ok('GET /v1/me/reservations', { token: buyer, headers: { 'X-Min-Position': freed.body.position } });
    await ok('GET /v1/events/:id/reservations', { token: organizer, params: p, headers: { 'X-Min-Position': freed.body.position } });
    const offerOf = async (token: string) => (await send('GET /v1/events/:id/waitlist/me', { token, params: p })).body;
    await eventually('both waiters offered', async () => (await offerOf(fan)).status === 'offered' && (await offerOf(fan2)).status === 'offered');
    await ok('GET /v1/events/:id/waitlist/me', { token: fan, params: p });
    const accepted = await ok('POST /v1/events/:id/waitlist/offers/:offerId/accept', { token: fan, params: { id, offerId: (await offerOf(fan)).offerId } });
    const left = await ok('DELETE /v1/events/:id/waitlist/me', { token: fan2, params: p });

    const latest = { 'X-Min-Position': left.body.position as string };
    await ok('GET /v1/events/:id/history', { token: organizer, params: p });
    await ok('GET /v1/events/:id/analytics', { token: organizer, params: p, headers: latest });
    await ok('GET /v1/analytics/overview', { token: admin, headers: latest });

    const notes = await ok('GET /v1/me/notifications', { token: fan, headers: { 'X-Min-Position': accepted.body.position } });
    expect(notes.body.items.length).toBeGreaterThan(0);
    await ok('POST /v1/me/notifications/:id/read', { token: fan, params: { id: notes.body.items[0].id } });
    await ok('POST /v1/me/notifications/read-all', { token: fan });
    await ok('POST /v1/events/:id/cancel', { token: organizer, params: p, body: { reason: 'Contract tested' } });
  });

  it('scheduling: availability', async () => {
    const registered = await send('POST /v1/auth/register', {
      body: { email: `hours-${randomUUID()}@example.com`, password: 'correct horse battery', name: 'Hours', timezone: 'Asia/Kolkata' },
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const token = registered.body.accessToken as string;
    const never = await ok('GET /v1/me/availability', { token });
    expect(never.body).toMatchObject({ timezone: 'Asia/Kolkata', intervals: [], revision: null });
    await problem('PUT /v1/me/availability/overrides/:date', 'availability-not-set', { token, params: { date: '2026-12-24' }, body: { intervals: [] } });
    await ok('PUT /v1/me/availability', { token, body: { timezone: 'Europe/Berlin', intervals: [{ day: 'mon', start: '09:00', end: '17:00' }] } });
    await problem('PUT /v1/me/availability', 'invalid-availability-interval', { token, body: { timezone: 'UTC', intervals: [{ day: 'mon', start: '17:00', end: '09:00' }] } });
    await ok('PUT /v1/me/availability/overrides/:date', { token, params: { date: '2026-12-24' }, body: { intervals: [{ start: '10:00', end: '12:00' }] } });
    await ok('GET /v1/me/availability', { token });
    await ok('DELETE /v1/me/availability/overrides/:date', { token, params: { date: '2026-12-24' } });
    await problem('DELETE /v1/me/availability/overrides/:date', 'availability-override-not-found', { token, params: { date: '2026-12-24' } });
  });

  it('scheduling: groups', async () => {
    const members = [];
    for (const name of ['Owner', 'Member']) {
      const registered = await send('POST /v1/auth/register', { body: { email: `group-${randomUUID()}@example.com`, password: 'correct horse battery', name } });
      expect(registered.status, JSON.stringify(registered.body)).toBe(201);
      members.push({ id: registered.body.user.id as string, token: registered.body.accessToken as string });
    }
    const [owner, member] = members as [{ id: string; token: string }, { id: string; token: string }];
    const group = await ok('POST /v1/groups', { token: owner.token, body: { name: 'Contract team', color: '#1A7F5A' } });
    const p = { id: group.body.id as string };
    await ok('GET /v1/groups/:id', { token: owner.token, params: p });
    await ok('PATCH /v1/groups/:id', { token: owner.token, params: p, body: { description: 'Checked against the schema' } });
    await problem('POST /v1/groups/:id/members', 'user-not-found', { token: owner.token, params: p, body: { userId: randomUUID() } });
    await ok('POST /v1/groups/:id/members', { token: owner.token, params: p, body: { userId: member.id } });
    await ok('PATCH /v1/groups/:id/members/:userId', { token: owner.token, params: { ...p, userId: member.id }, body: { role: 'admin' } });
    await problem('DELETE /v1/groups/:id/members/:userId', 'owner-must-transfer', { token: owner.token, params: { ...p, userId: owner.id } });
    const transferred = await ok('POST /v1/groups/:id/transfer', { token: owner.token, params: p, body: { userId: member.id } });
    await ok('GET /v1/me/groups', { token: owner.token, headers: { 'X-Min-Position': transferred.body.position } });
    await ok('DELETE /v1/groups/:id/members/:userId', { token: owner.token, params: { ...p, userId: owner.id } });
  });

  it('notification settings, one-click unsubscribe and e-mail verification', async () => {
    const email = `mail-${randomUUID()}@example.com`;
    const registered = await send('POST /v1/auth/register', { body: { email, password: 'correct horse battery', name: 'Mia', timezone: 'Europe/Berlin' } });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const token = registered.body.accessToken as string;
    const mailOf = async (kind: string) => {
      await eventually(`the ${kind} mail`, () => smtp.received.some((m) => m.envelopeTo.includes(email) && m.header('X-Tessera-Kind') === kind));
      return smtp.received.find((m) => m.envelopeTo.includes(email) && m.header('X-Tessera-Kind') === kind)!;
    };
    const tokenIn = (url: string) => new URL(url).searchParams.get('token')!;

    await ok('GET /v1/me/notification-settings', { token });
    await ok('PATCH /v1/me/notification-settings', { token, body: { emailKinds: { 'event-changed': false } } });
    const unsubscribe = tokenIn(/^<(.+)>$/.exec((await mailOf('welcome')).header('List-Unsubscribe')!)![1]!);
    await ok('GET /v1/unsubscribe', { query: `token=${encodeURIComponent(unsubscribe)}` });
    await ok('POST /v1/unsubscribe', { query: `token=${encodeURIComponent(unsubscribe)}` });

    await ok('POST /v1/auth/verify-email', { token });
    const link = /Confirm my address: (\S+)/.exec((await mailOf('verify-email')).parsed.text ?? '')![1]!;
    await ok('POST /v1/auth/verify-email/confirm', { body: { token: tokenIn(link) } });
  });

  it('meetings: propose, read, submit, schedule, answer, participants, history, cancel', async () => {
    // participants must be people the scheduling context knows (registered users)
    const register = async (name: string) => {
      const res = await send('POST /v1/auth/register', { body: { email: `${name.replace(/\W/g, '-')}-${randomUUID()}@example.com`, password: 'correct horse battery', name, timezone: 'Europe/Berlin' } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return { id: res.body.user.id as string, token: res.body.accessToken as string };
    };
    const org = await register('Meeting organizer');
    const ann = await register('Meeting participant');
    await eventually('participants known to scheduling', async () => (await loadPeople(app.tessera.knex, [ann.id])).size === 1);
    const day = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
    const window = { start: `${day}T09:00:00.000Z`, end: `${day}T12:00:00.000Z` };
    const poll = { title: 'Contract sync', durationMinutes: 60, timezone: 'Europe/Berlin', proposedWindows: [window], participantIds: [ann.id] };
    await problem('POST /v1/meetings', 'unknown-users', { token: org.token, body: { ...poll, participantIds: [randomUUID()] } });
    await problem('POST /v1/meetings', 'window-shorter-than-duration', { token: org.token, body: { ...poll, durationMinutes: 240 } });
    const fixed = await ok('POST /v1/meetings', { token: org.token, body: { title: 'Contract kick-off', durationMinutes: 30, timezone: 'Europe/Berlin', start: window.start, participantIds: [ann.id] } });
    expect(fixed.body.availabilityCheck).toEqual([{ userId: ann.id, status: 'unknown', conflicts: [] }]);
    const created = await ok('POST /v1/meetings', { token: org.token, body: poll });
    const p = { id: created.body.id as string };
    await ok('GET /v1/meetings/:id', { token: ann.token, params: p });
    await ok('GET /v1/meetings/:id', { token: org.token, params: p, query: 'asOfRevision=0' });
    await problem('GET /v1/meetings/:id', 'revision-not-found', { token: org.token, params: p, query: 'asOfRevision=99' });
    await problem('POST /v1/meetings/:id/rsvp', 'meeting-not-scheduled', { token: ann.token, params: p, body: { response: 'accepted' } });
    await problem('POST /v1/meetings/:id/availability', 'outside-proposed-windows', { token: ann.token, params: p, body: { slots: [{ start: window.start, end: `${day}T13:00:00.000Z` }] } });
    await ok('POST /v1/meetings/:id/availability', { token: ann.token, params: p, body: { slots: [{ ...window, preference: 'yes' }] } });
    await ok('GET /v1/meetings/:id/availability', { token: ann.token, params: p });
    await ok('POST /v1/meetings/:id/participants', { token: org.token, params: p, body: { optionalParticipantIds: [ann.id] } });
    const scheduled = await ok('POST /v1/meetings/:id/schedule', { token: org.token, params: p, body: { start: window.start } });
    expect(scheduled.body.participants[0].response).toBe('accepted');
    await problem('POST /v1/meetings/:id/schedule', 'meeting-not-polling', { token: org.token, params: p, body: { start: window.start } });
    await ok('POST /v1/meetings/:id/rsvp', { token: ann.token, params: p, body: { response: 'tentative' } });
    const moved = await ok('POST /v1/meetings/:id/reschedule', { token: org.token, params: p, body: { start: `${day}T10:00:00.000Z` } });
    await ok('GET /v1/me/meetings', { token: ann.token, query: 'role=participant', headers: { 'X-Min-Position': moved.body.position } });
    await ok('GET /v1/meetings/:id/history', { token: ann.token, params: p });
    await ok('DELETE /v1/meetings/:id/participants/:userId', { token: ann.token, params: { id: p.id, userId: ann.id } });
    await ok('POST /v1/meetings/:id/cancel', { token: org.token, params: p, body: { reason: 'Contract tested' } });
  });

  it('meetings: recommendations', async () => {
    const register = async (name: string) => {
      const res = await send('POST /v1/auth/register', { body: { email: `${name}-${randomUUID()}@example.com`, password: 'correct horse battery', name, timezone: 'Europe/Berlin' } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return { id: res.body.user.id as string, token: res.body.accessToken as string };
    };
    const [org, ann] = [await register('Recommender'), await register('Recommended')];
    await eventually('participants known to scheduling', async () => (await loadPeople(app.tessera.knex, [ann.id])).size === 1);
    const day = new Date(Date.now() + 21 * 86_400_000).toISOString().slice(0, 10);
    const window = { start: `${day}T09:00:00.000Z`, end: `${day}T12:00:00.000Z` };
    const poll = { title: 'Contract recommendations', durationMinutes: 60, timezone: 'Europe/Berlin', proposedWindows: [window], participantIds: [ann.id] };
    const open = await ok('POST /v1/meetings', { token: org.token, body: poll });
    const submitted = await ok('POST /v1/meetings/:id/availability', { token: ann.token, params: { id: open.body.id }, body: { slots: [{ start: window.start, end: `${day}T10:30:00.000Z`, preference: 'if-need-be' }] } });
    const seen = { 'X-Min-Position': submitted.body.position as string };
    const answer = await ok('GET /v1/meetings/:id/recommendations', { token: ann.token, params: { id: open.body.id }, query: 'limit=3&step=30', headers: seen });
    expect(answer.body.items[0]).toMatchObject({ start: window.start, ifNeedBe: [ann.id], availableCount: 1, participantCount: 1 });
    const hidden = await ok('POST /v1/meetings', { token: org.token, body: { ...poll, resultsVisibility: 'organizer' } });
    await problem('GET /v1/meetings/:id/recommendations', 'results-hidden', { token: ann.token, params: { id: hidden.body.id }, headers: { 'X-Min-Position': hidden.body.position } });
    await problem('GET /v1/meetings/:id/recommendations', 'not-found', { token: ann.token, params: { id: randomUUID() } });
  });

  it('scheduling: free/busy and suggestions', async () => {
    const registered = await send('POST /v1/auth/register', {
      body: { email: `busy-${randomUUID()}@example.com`, password: 'correct horse battery', name: 'Busy', timezone: 'Europe/Berlin' },
    });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const token = registered.body.accessToken as string;
    const userId = registered.body.user.id as string;
    const hours = await send('PUT /v1/me/availability', { token, body: { timezone: 'Europe/Berlin', intervals: [{ day: 'mon', start: '09:00', end: '17:00' }] } });
    const seen = { 'X-Min-Position': hours.body.position as string };
    const range = 'from=2026-12-14T00:00:00Z&to=2026-12-15T00:00:00Z';
    await ok('GET /v1/users/:id/free-busy', { token, params: { id: userId }, query: range, headers: seen });
    await problem('GET /v1/users/:id/free-busy', 'range-too-long', { token, params: { id: userId }, query: 'from=2026-12-14T00:00:00Z&to=2027-02-15T00:00:00Z' });
    await problem('GET /v1/users/:id/free-busy', 'not-found', { token, params: { id: randomUUID() }, query: range });
    const suggestion = { userIds: [userId], durationMinutes: 60, from: '2026-12-14T00:00:00Z', to: '2026-12-21T00:00:00Z' };
    const suggested = await ok('POST /v1/scheduling/suggestions', { token, body: suggestion });
    expect(suggested.body.items.length).toBeGreaterThan(0);
    await problem('POST /v1/scheduling/suggestions', 'not-shareable', { token, body: { ...suggestion, userIds: [randomUUID()] } });
    await problem('POST /v1/scheduling/suggestions', 'invalid-range', { token, body: { ...suggestion, to: suggestion.from } });
  });

  it('calendar feed: token, feed, 304 while unchanged, the replaced token refused', async () => {
    const userId = randomUUID();
    const token = await app.tokenFor(userId);
    const first = await ok('POST /v1/me/calendar-token', { token });
    const feedToken = first.body.token as string;
    const feed = await ok('GET /v1/me/calendar.ics', { query: `token=${encodeURIComponent(feedToken)}` });
    expect(feed.headers.get('content-type')).toMatch(/^text\/calendar/);
    const unchanged = await send('GET /v1/me/calendar.ics', { query: `token=${encodeURIComponent(feedToken)}`, headers: { 'If-None-Match': feed.headers.get('etag')! } });
    expect(unchanged.status).toBe(304);
    await ok('POST /v1/me/calendar-token', { token });
    await problem('GET /v1/me/calendar.ics', 'calendar-feed-not-found', { query: `token=${encodeURIComponent(feedToken)}` });
  });

  it('the scenario reached every route of the route table', () => {
    const missing = app.tessera.routes.map(keyOf).filter((key) => !covered.has(key));
    expect(missing, 'routes without a successful, schema-checked call in this scenario').toEqual([]);
  });

  it('every route documents a response schema, or answers 204', () => {
    const undocumented = app.tessera.routes.filter((r) => !r.response && r.successStatus !== 204).map(keyOf);
    expect(undocumented).toEqual([]);
  });
});
