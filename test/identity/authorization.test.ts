/**
 * Authorisation over the real route table:
 * - every route declares an access rule, and only /v1/auth/* is public;
 * - the matrix: for every route, anonymous → 401, a user without the role → 403 (or 404
 *   where existence must not leak), the right role → success. Every route needs a
 *   fixture in MATRIX below; a route without one fails the test (add it when you add
 *   the route);
 * - the live hub's channel rules (authorizeChannel) on real events.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResourceAccess } from '../../src/api/access.js';
import { roleLoaders } from '../../src/api/ticketing/eventAccess.js';
import type { Principal, RouteDefinition } from '../../src/api/routes.js';
import { ticketingContext } from '../../src/contexts/ticketing.js';
import { loadPeople } from '../../src/projections/scheduling/people.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/processes.js';
import { client, type Response } from '../support/http.js';
import { login, PASSWORD, register, uniqueEmail, type Account } from './helpers.js';

let app: TestApp;
let routes: RouteDefinition[];

const ADMIN_EMAIL = `admin-${randomUUID().slice(0, 8)}@example.com`;

beforeAll(async () => {
  app = await startTestApp({ env: { ADMIN_EMAILS: ADMIN_EMAIL } });
  routes = app.tessera.routes;
});
afterAll(async () => {
  await app?.stop();
});

const keyOf = (r: Pick<RouteDefinition, 'method' | 'path'>) => `${r.method.toUpperCase()} ${r.path}`;

describe('the route table', () => {
  it('every route declares a valid access rule', () => {
    expect(routes.length).toBeGreaterThan(0);
    for (const r of routes) {
      expect(r.access, keyOf(r)).toBeDefined();
      expect(['public', 'user', 'admin', 'resource'], keyOf(r)).toContain(r.access.kind);
      if (r.access.kind === 'resource') {
        expect(r.access.rule.trim().length, `${keyOf(r)} names its rule`).toBeGreaterThan(0);
        expect(typeof r.access.check, keyOf(r)).toBe('function');
      }
    }
  });

  it('only /v1/auth/* and the signed-token routes are public', () => {
    const publicRoutes = routes.filter((r) => r.access.kind === 'public').map(keyOf);
    expect(publicRoutes.sort()).toEqual(
      [
        ...['POST /v1/auth/login', 'POST /v1/auth/logout', 'POST /v1/auth/refresh', 'POST /v1/auth/register'],
        // The caller holds no session but a signed token from a mail (RFC 8058 one-click
        // unsubscribe; the verification link) or the calendar feed's own secret.
        'POST /v1/auth/verify-email/confirm',
        'GET /v1/unsubscribe',
        'POST /v1/unsubscribe',
        'GET /v1/me/calendar.ics',
      ].sort(),
    );
  });

  it('the signed-token routes refuse a missing or forged token', async () => {
    const anonymous = client(app.url);
    for (const [method, path] of [
      ['get', '/v1/unsubscribe'],
      ['post', '/v1/unsubscribe'],
      ['get', '/v1/unsubscribe?token=forged.token'],
      ['post', '/v1/unsubscribe?token=forged.token'],
      ['get', '/v1/me/calendar.ics'],
      ['get', '/v1/me/calendar.ics?token=cal_forged'],
    ] as const) {
      const res = method === 'get' ? await anonymous.get(path) : await anonymous.post(path, {});
      expect([400, 404], `${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`).toContain(res.status);
    }
    for (const body of [{}, { token: 'forged.token' }]) {
      const res = await anonymous.post('/v1/auth/verify-email/confirm', body);
      expect(res.status, JSON.stringify(res.body)).toBe(400);
    }
  });

  it('no two routes share method and path', () => {
    const keys = routes.map(keyOf);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

// ---- the world the matrix runs in ----

interface World {
  organizer: Account;
  coOrganizer: Account;
  viewer: Account;
  buyer: Account;
  fan: Account;
  outsider: Account;
  admin: Account;
  /** A draft event of the organizer (never changed by the matrix). */
  draft: EventRef;
  event(opts?: { publish?: boolean; capacity?: number; holdMinutes?: number; waitlist?: boolean }): Promise<EventRef>;
  /** A group owned by the organizer with the viewer as a member. */
  group(): Promise<EventRef>;
  /** A poll of the organizer with the buyer as participant; `scheduled`: already scheduled at `window.start`. */
  poll(opts?: { scheduled?: boolean }): Promise<EventRef & { window: { start: string; end: string } }>;
}
interface EventRef {
  id: string;
  /** Position after the last write of the set-up, for X-Min-Position. */
  position: string;
}

interface Call {
  /** undefined: anonymous. */
  as: Account | undefined;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}
interface Case {
  ok: Call;
  /**
   * 'ok': 2xx. 'passes-access': the rule lets the caller through and the handler answers
   * on the merits (e.g. 404 offer-not-found for a random offer id): anything but 401, 403
   * and the rule's own 404.
   */
  expect?: 'ok' | 'passes-access';
  /** Callers without the role (same request unless `path` is given) and the answer they get. */
  denied?: Array<{ as: Account; path?: string; status: 403 | 404 }>;
}
type Fixture = (w: World) => Promise<Case>;

const future = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
const minPos = (ref: EventRef) => ({ 'X-Min-Position': ref.position });

async function reserve(w: World, e: EventRef, who: Account): Promise<{ rid: string; position: string }> {
  const res = await who.http.post(`/v1/events/${e.id}/reservations`, { quantity: 1 });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { rid: res.body.id, position: res.body.position };
}

async function soldOutWithFan(w: World): Promise<EventRef> {
  const e = await w.event({ capacity: 1, waitlist: true });
  await reserve(w, e, w.buyer);
  const joined = await w.fan.http.post(`/v1/events/${e.id}/waitlist`, { quantity: 1 });
  expect(joined.status, JSON.stringify(joined.body)).toBe(201);
  return { id: e.id, position: joined.body.position };
}

const WEEKLY_HOURS = { timezone: 'Europe/Berlin', intervals: [{ day: 'mon', start: '09:00', end: '17:00' }] };
const RANGE = { from: '2027-03-01T00:00:00Z', to: '2027-03-08T00:00:00Z' };
/** A 3-hour proposed window `days` from now, on whole hours. */
const meetingWindow = (days: number) => {
  const start = new Date(Math.floor((Date.now() + days * 86_400_000) / 3_600_000) * 3_600_000);
  return { start: start.toISOString(), end: new Date(start.getTime() + 3 * 3_600_000).toISOString() };
};

const MATRIX: Record<string, Fixture> = {
  // ---- identity ----
  'POST /v1/auth/register': async () => ({
    ok: { as: undefined, path: '/v1/auth/register', body: { email: uniqueEmail('matrix'), password: PASSWORD, name: 'Matrix' } },
  }),
  'POST /v1/auth/login': async (w) => ({ ok: { as: undefined, path: '/v1/auth/login', body: { email: w.fan.email, password: PASSWORD } } }),
  'POST /v1/auth/refresh': async (w) => {
    const session = await login(app.url, w.fan.email, PASSWORD);
    return { ok: { as: undefined, path: '/v1/auth/refresh', body: { refreshToken: session.body.refreshToken } } };
  },
  'POST /v1/auth/logout': async (w) => {
    const session = await login(app.url, w.fan.email, PASSWORD);
    return { ok: { as: undefined, path: '/v1/auth/logout', body: { refreshToken: session.body.refreshToken } } };
  },
  'GET /v1/me': async (w) => ({ ok: { as: w.fan, path: '/v1/me' } }),
  'PATCH /v1/me': async (w) => ({ ok: { as: w.fan, path: '/v1/me', body: { name: 'Fan Renamed' } } }),
  'POST /v1/me/password': async () => {
    const own = await register(app.url);
    return { ok: { as: own, path: '/v1/me/password', body: { currentPassword: PASSWORD, newPassword: 'a different passphrase' } } };
  },
  'POST /v1/me/api-keys': async (w) => ({ ok: { as: w.fan, path: '/v1/me/api-keys', body: { name: 'matrix', scopes: ['read'] } } }),
  'GET /v1/me/api-keys': async (w) => ({ ok: { as: w.fan, path: '/v1/me/api-keys' } }),
  'DELETE /v1/me/api-keys/:id': async (w) => {
    const created = await w.fan.http.post('/v1/me/api-keys', { name: 'to delete', scopes: ['read'] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return { ok: { as: w.fan, path: `/v1/me/api-keys/${created.body.id}` }, denied: [{ as: w.outsider, status: 404 }] };
  },
  'POST /v1/admin/users/:id/roles': async (w) => ({
    ok: { as: w.admin, path: `/v1/admin/users/${w.fan.id}/roles`, body: { role: 'admin', action: 'revoke' } },
  }),
  'GET /v1/admin/projections': async (w) => ({ ok: { as: w.admin, path: '/v1/admin/projections' } }),

  // ---- ticketing ----
  'POST /v1/events': async (w) => ({
    ok: { as: w.organizer, path: '/v1/events', body: { title: 'New', startsAt: future(5), endsAt: future(5.1), timezone: 'UTC', capacity: 5 } },
  }),
  'GET /v1/events': async (w) => ({ ok: { as: w.outsider, path: '/v1/events' } }),
  'GET /v1/events/:id': async (w) => ({
    ok: { as: w.viewer, path: `/v1/events/${w.draft.id}` },
    denied: [{ as: w.outsider, status: 404 }],
  }),
  'PATCH /v1/events/:id': async (w) => {
    const e = await w.event();
    return {
      ok: { as: w.coOrganizer, path: `/v1/events/${e.id}`, body: { title: 'Renamed' } },
      denied: [
        { as: w.viewer, status: 403 },
        { as: w.outsider, status: 403 },
        { as: w.outsider, path: `/v1/events/${w.draft.id}`, status: 404 },
      ],
    };
  },
  'POST /v1/events/:id/publish': async (w) => {
    const e = await w.event({ publish: false });
    return {
      ok: { as: w.coOrganizer, path: `/v1/events/${e.id}/publish`, body: {} },
      denied: [
        { as: w.viewer, status: 403 },
        { as: w.outsider, status: 404 },
      ],
    };
  },
  'POST /v1/events/:id/cancel': async (w) => {
    const e = await w.event();
    return {
      ok: { as: w.organizer, path: `/v1/events/${e.id}/cancel`, body: { reason: 'matrix' } },
      denied: [
        { as: w.viewer, status: 403 },
        { as: w.buyer, status: 403 },
      ],
    };
  },
  'POST /v1/events/:id/reservations': async (w) => {
    const e = await w.event();
    return {
      ok: { as: w.buyer, path: `/v1/events/${e.id}/reservations`, body: { quantity: 1 } },
      denied: [{ as: w.outsider, path: `/v1/events/${w.draft.id}/reservations`, status: 404 }],
    };
  },
  'POST /v1/events/:id/reservations/:rid/confirm': async (w) => {
    const e = await w.event({ holdMinutes: 30 });
    const { rid } = await reserve(w, e, w.buyer);
    return {
      ok: { as: w.buyer, path: `/v1/events/${e.id}/reservations/${rid}/confirm`, body: {} },
      denied: [{ as: w.outsider, status: 404 }], // someone else's reservation does not exist for you (issue 8)
    };
  },
  'DELETE /v1/events/:id/reservations/:rid': async (w) => {
    const e = await w.event();
    const { rid } = await reserve(w, e, w.buyer);
    return {
      ok: { as: w.buyer, path: `/v1/events/${e.id}/reservations/${rid}` },
      denied: [{ as: w.outsider, status: 404 }], // someone else's reservation does not exist for you (issue 8)
    };
  },
  'GET /v1/me/reservations': async (w) => ({ ok: { as: w.buyer, path: '/v1/me/reservations' } }),
  'GET /v1/events/:id/reservations': async (w) => {
    const e = await w.event();
    return {
      ok: { as: w.coOrganizer, path: `/v1/events/${e.id}/reservations`, headers: minPos(e) },
      denied: [
        { as: w.viewer, status: 403 },
        { as: w.buyer, status: 403 },
      ],
    };
  },
  'POST /v1/events/:id/waitlist': async (w) => {
    const e = await w.event({ capacity: 1, waitlist: true });
    await reserve(w, e, w.buyer);
    return {
      ok: { as: w.fan, path: `/v1/events/${e.id}/waitlist`, body: { quantity: 1 } },
      denied: [{ as: w.outsider, path: `/v1/events/${w.draft.id}/waitlist`, status: 404 }],
    };
  },
  'GET /v1/events/:id/waitlist/me': async (w) => {
    const e = await soldOutWithFan(w);
    return {
      ok: { as: w.fan, path: `/v1/events/${e.id}/waitlist/me`, headers: minPos(e) },
      denied: [{ as: w.outsider, path: `/v1/events/${w.draft.id}/waitlist/me`, status: 404 }],
    };
  },
  'DELETE /v1/events/:id/waitlist/me': async (w) => {
    const e = await soldOutWithFan(w);
    return {
      ok: { as: w.fan, path: `/v1/events/${e.id}/waitlist/me` },
      denied: [{ as: w.outsider, path: `/v1/events/${w.draft.id}/waitlist/me`, status: 404 }],
    };
  },
  'POST /v1/events/:id/waitlist/offers/:offerId/accept': async (w) => {
    const e = await soldOutWithFan(w);
    return {
      ok: { as: w.fan, path: `/v1/events/${e.id}/waitlist/offers/${randomUUID()}/accept`, body: {} },
      expect: 'passes-access',
      denied: [{ as: w.outsider, path: `/v1/events/${w.draft.id}/waitlist/offers/${randomUUID()}/accept`, status: 404 }],
    };
  },
  'GET /v1/events/:id/waitlist': async (w) => {
    const e = await soldOutWithFan(w);
    return {
      ok: { as: w.organizer, path: `/v1/events/${e.id}/waitlist`, headers: minPos(e) },
      denied: [
        { as: w.viewer, status: 403 },
        { as: w.fan, status: 403 },
      ],
    };
  },
  'GET /v1/events/:id/history': async (w) => {
    const e = await w.event();
    return {
      ok: { as: w.viewer, path: `/v1/events/${e.id}/history` },
      denied: [
        { as: w.buyer, status: 403 },
        { as: w.outsider, path: `/v1/events/${w.draft.id}/history`, status: 404 },
      ],
    };
  },
  'GET /v1/events/:id/analytics': async (w) => {
    const e = await w.event();
    return {
      ok: { as: w.viewer, path: `/v1/events/${e.id}/analytics`, headers: minPos(e) },
      denied: [{ as: w.outsider, status: 403 }],
    };
  },
  'POST /v1/events/:id/collaborators': async (w) => {
    const e = await w.event();
    return {
      ok: { as: w.organizer, path: `/v1/events/${e.id}/collaborators`, body: { userId: w.fan.id, role: 'viewer' } },
      denied: [
        { as: w.coOrganizer, status: 403 },
        { as: w.outsider, path: `/v1/events/${w.draft.id}/collaborators`, status: 404 },
      ],
    };
  },
  'DELETE /v1/events/:id/collaborators/:userId': async (w) => {
    const e = await w.event();
    return {
      ok: { as: w.organizer, path: `/v1/events/${e.id}/collaborators/${w.viewer.id}` },
      denied: [
        { as: w.coOrganizer, status: 403 },
        { as: w.viewer, status: 403 },
      ],
    };
  },
  'GET /v1/analytics/overview': async (w) => ({ ok: { as: w.admin, path: '/v1/analytics/overview' } }),
  'GET /v1/me/notifications': async (w) => ({ ok: { as: w.buyer, path: '/v1/me/notifications' } }),
  'POST /v1/me/notifications/:id/read': async (w) => ({
    ok: { as: w.buyer, path: `/v1/me/notifications/${randomUUID()}/read`, body: {} },
    expect: 'passes-access',
  }),
  'POST /v1/me/notifications/read-all': async (w) => ({ ok: { as: w.buyer, path: '/v1/me/notifications/read-all', body: {} } }),

  // ---- notifications and e-mail ----
  'GET /v1/me/notification-settings': async (w) => ({ ok: { as: w.buyer, path: '/v1/me/notification-settings' } }),
  'PATCH /v1/me/notification-settings': async (w) => ({ ok: { as: w.buyer, path: '/v1/me/notification-settings', body: { emailKinds: { 'event-changed': false } } } }),
  // Signed-token routes: a forged token gets past access (there is none) to the token check.
  'GET /v1/unsubscribe': async () => ({ ok: { as: undefined, path: '/v1/unsubscribe?token=forged.token' }, expect: 'passes-access' }),
  'POST /v1/unsubscribe': async () => ({ ok: { as: undefined, path: '/v1/unsubscribe?token=forged.token' }, expect: 'passes-access' }),
  // Without SMTP_URL the request is refused on the merits (409 email-not-configured), after access.
  'POST /v1/auth/verify-email': async (w) => ({ ok: { as: w.fan, path: '/v1/auth/verify-email', body: {} }, expect: 'passes-access' }),
  'POST /v1/auth/verify-email/confirm': async () => ({ ok: { as: undefined, path: '/v1/auth/verify-email/confirm', body: { token: 'forged.token' } }, expect: 'passes-access' }),
  'POST /v1/me/calendar-token': async (w) => ({ ok: { as: w.fan, path: '/v1/me/calendar-token', body: {} } }),
  'GET /v1/me/calendar.ics': async (w) => {
    const created = await w.fan.http.post('/v1/me/calendar-token', {});
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return { ok: { as: undefined, path: `/v1/me/calendar.ics?token=${encodeURIComponent(created.body.token)}` } };
  },

  // ---- scheduling: availability ----
  'GET /v1/me/availability': async (w) => ({ ok: { as: w.fan, path: '/v1/me/availability' } }),
  'PUT /v1/me/availability': async (w) => ({ ok: { as: w.fan, path: '/v1/me/availability', body: WEEKLY_HOURS } }),
  'PUT /v1/me/availability/overrides/:date': async () => {
    const own = await register(app.url);
    expect((await own.http.put('/v1/me/availability', WEEKLY_HOURS)).status).toBe(200);
    return { ok: { as: own, path: '/v1/me/availability/overrides/2027-03-01', body: { intervals: [] } } };
  },
  'DELETE /v1/me/availability/overrides/:date': async () => {
    const own = await register(app.url);
    expect((await own.http.put('/v1/me/availability', WEEKLY_HOURS)).status).toBe(200);
    expect((await own.http.put('/v1/me/availability/overrides/2027-03-01', { intervals: [] })).status).toBe(200);
    return { ok: { as: own, path: '/v1/me/availability/overrides/2027-03-01' } };
  },

  // ---- scheduling: groups (members only; others 404) ----
  'POST /v1/groups': async (w) => ({ ok: { as: w.fan, path: '/v1/groups', body: { name: 'Matrix group' } } }),
  'GET /v1/me/groups': async (w) => ({ ok: { as: w.viewer, path: '/v1/me/groups' } }),
  'GET /v1/groups/:id': async (w) => {
    const g = await w.group();
    return { ok: { as: w.viewer, path: `/v1/groups/${g.id}` }, denied: [{ as: w.outsider, status: 404 }] };
  },
  'PATCH /v1/groups/:id': async (w) => {
    const g = await w.group();
    return {
      ok: { as: w.organizer, path: `/v1/groups/${g.id}`, body: { description: 'Renamed' } },
      denied: [
        { as: w.viewer, status: 403 },
        { as: w.outsider, status: 404 },
      ],
    };
  },
  'POST /v1/groups/:id/members': async (w) => {
    const g = await w.group();
    return {
      ok: { as: w.organizer, path: `/v1/groups/${g.id}/members`, body: { userId: w.fan.id } },
      denied: [
        { as: w.viewer, status: 403 },
        { as: w.outsider, status: 404 },
      ],
    };
  },
  'PATCH /v1/groups/:id/members/:userId': async (w) => {
    const g = await w.group();
    return {
      ok: { as: w.organizer, path: `/v1/groups/${g.id}/members/${w.viewer.id}`, body: { role: 'admin' } },
      denied: [
        { as: w.viewer, status: 403 },
        { as: w.outsider, status: 404 },
      ],
    };
  },
  'DELETE /v1/groups/:id/members/:userId': async (w) => {
    const g = await w.group();
    return { ok: { as: w.organizer, path: `/v1/groups/${g.id}/members/${w.viewer.id}` }, denied: [{ as: w.outsider, status: 404 }] };
  },
  'POST /v1/groups/:id/transfer': async (w) => {
    const g = await w.group();
    return {
      ok: { as: w.organizer, path: `/v1/groups/${g.id}/transfer`, body: { userId: w.viewer.id } },
      denied: [
        { as: w.viewer, status: 403 },
        { as: w.outsider, status: 404 },
      ],
    };
  },

  // ---- scheduling: free/busy and suggestions ----
  'GET /v1/users/:id/free-busy': async (w) => {
    const g = await w.group();
    return {
      ok: { as: w.viewer, path: `/v1/users/${w.organizer.id}/free-busy?from=${RANGE.from}&to=${RANGE.to}`, headers: minPos(g) },
      denied: [{ as: w.outsider, status: 404 }],
    };
  },
  'POST /v1/scheduling/suggestions': async (w) => ({
    ok: { as: w.organizer, path: '/v1/scheduling/suggestions', body: { userIds: [w.organizer.id], durationMinutes: 60, ...RANGE } },
  }),

  // ---- scheduling: meetings (organizer everything; participants read, submit, answer, leave; others 404) ----
  'POST /v1/meetings': async (w) => ({
    ok: { as: w.organizer, path: '/v1/meetings', body: { title: 'Matrix poll', durationMinutes: 60, timezone: 'Europe/Berlin', proposedWindows: [meetingWindow(30)], participantIds: [w.buyer.id] } },
  }),
  'GET /v1/me/meetings': async (w) => ({ ok: { as: w.buyer, path: '/v1/me/meetings' } }),
  'GET /v1/meetings/:id': async (w) => {
    const m = await w.poll();
    return { ok: { as: w.buyer, path: `/v1/meetings/${m.id}` }, denied: [{ as: w.outsider, status: 404 }] };
  },
  'GET /v1/meetings/:id/history': async (w) => {
    const m = await w.poll();
    return { ok: { as: w.buyer, path: `/v1/meetings/${m.id}/history` }, denied: [{ as: w.outsider, status: 404 }] };
  },
  'GET /v1/meetings/:id/availability': async (w) => {
    const m = await w.poll();
    return { ok: { as: w.buyer, path: `/v1/meetings/${m.id}/availability` }, denied: [{ as: w.outsider, status: 404 }] };
  },
  'GET /v1/meetings/:id/recommendations': async (w) => {
    const m = await w.poll();
    return { ok: { as: w.organizer, path: `/v1/meetings/${m.id}/recommendations`, headers: minPos(m) }, denied: [{ as: w.outsider, status: 404 }] };
  },
  'POST /v1/meetings/:id/availability': async (w) => {
    const m = await w.poll();
    return {
      ok: { as: w.buyer, path: `/v1/meetings/${m.id}/availability`, body: { slots: [{ ...m.window, preference: 'yes' }] } },
      denied: [{ as: w.outsider, status: 404 }],
    };
  },
  'POST /v1/meetings/:id/schedule': async (w) => {
    const m = await w.poll();
    return {
      ok: { as: w.organizer, path: `/v1/meetings/${m.id}/schedule`, body: { start: m.window.start } },
      denied: [
        { as: w.buyer, status: 403 },
        { as: w.outsider, status: 404 },
      ],
    };
  },
  'POST /v1/meetings/:id/reschedule': async (w) => {
    const m = await w.poll({ scheduled: true });
    const later = new Date(Date.parse(m.window.start) + 3_600_000).toISOString();
    return {
      ok: { as: w.organizer, path: `/v1/meetings/${m.id}/reschedule`, body: { start: later } },
      denied: [
        { as: w.buyer, status: 403 },
        { as: w.outsider, status: 404 },
      ],
    };
  },
  'POST /v1/meetings/:id/rsvp': async (w) => {
    const m = await w.poll({ scheduled: true });
    return { ok: { as: w.buyer, path: `/v1/meetings/${m.id}/rsvp`, body: { response: 'accepted' } }, denied: [{ as: w.outsider, status: 404 }] };
  },
  'POST /v1/meetings/:id/cancel': async (w) => {
    const m = await w.poll();
    return {
      ok: { as: w.organizer, path: `/v1/meetings/${m.id}/cancel`, body: {} },
      denied: [
        { as: w.buyer, status: 403 },
        { as: w.outsider, status: 404 },
      ],
    };
  },
  'POST /v1/meetings/:id/participants': async (w) => {
    const m = await w.poll();
    return {
      ok: { as: w.organizer, path: `/v1/meetings/${m.id}/participants`, body: { optionalParticipantIds: [w.fan.id] } },
      denied: [
        { as: w.buyer, status: 403 },
        { as: w.outsider, status: 404 },
      ],
    };
  },
  'DELETE /v1/meetings/:id/participants/:userId': async (w) => {
    const m = await w.poll();
    return { ok: { as: w.buyer, path: `/v1/meetings/${m.id}/participants/${w.buyer.id}` }, denied: [{ as: w.outsider, status: 404 }] };
  },
};

async function call(method: string, c: Omit<Call, 'as'>, as: Account | undefined): Promise<Response> {
  const http = client(app.url, as?.accessToken);
  const body = method === 'get' || method === 'delete' ? undefined : (c.body ?? {});
  switch (method) {
    case 'get':
      return http.get(c.path, c.headers);
    case 'delete':
      return http.delete(c.path, c.headers);
    case 'patch':
      return http.patch(c.path, body, c.headers);
    case 'put':
      return http.put(c.path, body, c.headers);
    default:
      return http.post(c.path, body, c.headers);
  }
}

const RULE_NOT_FOUND = /^(Event|Meeting|Group) not found$/;

describe('authorisation matrix', () => {
  let world: World;

  beforeAll(async () => {
    const [organizer, coOrganizer, viewer, buyer, fan, outsider, admin] = await Promise.all([
      register(app.url, { name: 'Organizer' }),
      register(app.url, { name: 'Co-organizer' }),
      register(app.url, { name: 'Viewer' }),
      register(app.url, { name: 'Buyer' }),
      register(app.url, { name: 'Fan' }),
      register(app.url, { name: 'Outsider' }),
      register(app.url, { email: ADMIN_EMAIL, name: 'Admin' }),
    ]);
    const event: World['event'] = async (opts = {}) => {
      const created = await organizer.http.post('/v1/events', {
        title: 'Matrix event',
        startsAt: future(20),
        endsAt: future(20.1),
        timezone: 'Europe/Berlin',
        capacity: opts.capacity ?? 10,
        holdMinutes: opts.holdMinutes ?? 0,
        ...(opts.waitlist ? { waitlist: { enabled: true, mode: 'auto' } } : {}),
        publish: opts.publish ?? true,
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const id = created.body.id as string;
      let position = created.body.position as string;
      for (const [who, role] of [
        [coOrganizer, 'co-organizer'],
        [viewer, 'viewer'],
      ] as const) {
        const added = await organizer.http.post(`/v1/events/${id}/collaborators`, { userId: who.id, role });
        expect(added.status, JSON.stringify(added.body)).toBe(201);
        position = added.body.position;
      }
      return { id, position };
    };
    const group: World['group'] = async () => {
      const created = await organizer.http.post('/v1/groups', { name: 'Matrix group' });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const added = await organizer.http.post(`/v1/groups/${created.body.id}/members`, { userId: viewer.id });
      expect(added.status, JSON.stringify(added.body)).toBe(201);
      return { id: created.body.id as string, position: added.body.position as string };
    };
    const poll: World['poll'] = async (opts = {}) => {
      const window = meetingWindow(30);
      const body = { title: 'Matrix poll', durationMinutes: 60, timezone: 'Europe/Berlin', proposedWindows: [window], participantIds: [buyer.id] };
      const created = await organizer.http.post('/v1/meetings', body);
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      let position = created.body.position as string;
      if (opts.scheduled) {
        const scheduled = await organizer.http.post(`/v1/meetings/${created.body.id}/schedule`, { start: window.start });
        expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(200);
        position = scheduled.body.position;
      }
      return { id: created.body.id as string, position, window };
    };
    // Meetings invite people the scheduling context knows.
    const everyone = [organizer, coOrganizer, viewer, buyer, fan, outsider, admin].map((a) => a.id);
    await eventually('the matrix accounts known to scheduling', async () => (await loadPeople(app.tessera.knex, everyone)).size === everyone.length);
    world = { organizer, coOrganizer, viewer, buyer, fan, outsider, admin, event, group, poll, draft: { id: '', position: '0' } };
    world.draft = await event({ publish: false });
  });

  it('has a fixture for every route (add one to MATRIX when you add a route)', () => {
    expect(routes.map(keyOf).filter((k) => !MATRIX[k])).toEqual([]);
  });

  it('anonymous → 401 on every non-public route, before anything else is looked at', async () => {
    for (const r of routes.filter((r) => r.access.kind !== 'public')) {
      const path = r.path.replace(/:(\w+)/g, () => randomUUID());
      const res = await call(r.method, { path, body: {} }, undefined);
      expect(res.status, `${keyOf(r)} → ${JSON.stringify(res.body)}`).toBe(401);
      expect(res.body.code).toBe('unauthorized');
    }
  });

  it('for every route: anonymous → 401, without the role → 403/404, with the role → success', async () => {
    const failures: string[] = [];
    for (const r of routes) {
      const key = keyOf(r);
      const fixture = MATRIX[key];
      if (!fixture) continue; // reported by the test above
      const c = await fixture(world);
      const { as, ...request } = c.ok;

      if (r.access.kind !== 'public') {
        const anonymous = await call(r.method, request, undefined);
        if (anonymous.status !== 401) failures.push(`${key}: anonymous got ${anonymous.status}, expected 401`);
      }
      const denied = [...(c.denied ?? [])];
      if (r.access.kind === 'admin') denied.push({ as: world.outsider, status: 403 });
      if (r.access.kind === 'resource' && denied.length === 0) failures.push(`${key}: a resource rule needs at least one denied case in MATRIX`);
      for (const d of denied) {
        const res = await call(r.method, { ...request, ...(d.path ? { path: d.path } : {}) }, d.as);
        if (res.status !== d.status) failures.push(`${key}: ${d.as.email} got ${res.status} ${JSON.stringify(res.body)}, expected ${d.status}`);
      }

      const res = await call(r.method, request, as);
      const passed =
        (c.expect ?? 'ok') === 'ok'
          ? res.status >= 200 && res.status < 300
          : res.status !== 401 && res.status !== 403 && !(res.status === 404 && RULE_NOT_FOUND.test(String(res.body?.detail)));
      if (!passed) failures.push(`${key}: the right role (${as?.email ?? 'anonymous'}) got ${res.status} ${JSON.stringify(res.body)}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('live channels (authorizeChannel)', () => {
  it('user:me for oneself; event channels for published events or the team; meetings refused without a loader; junk refused', async () => {
    const resources = new ResourceAccess(roleLoaders({ ticketing: app.tessera.services(ticketingContext).commands }));
    const organizer = await register(app.url);
    const other = await register(app.url);
    const eventBody = { title: 'Live', startsAt: future(3), endsAt: future(3.1), timezone: 'UTC', capacity: 3 };
    const published = await organizer.http.post('/v1/events', { ...eventBody, publish: true });
    const draft = await organizer.http.post('/v1/events', eventBody);
    // the loader reads the ticketing read model
    await organizer.http.get(`/v1/events/${draft.body.id}`, { 'X-Min-Position': draft.body.position });
    await organizer.http.get(`/v1/events/${published.body.id}`, { 'X-Min-Position': published.body.position });

    const me: Principal = { userId: organizer.id, roles: [] };
    const them: Principal = { userId: other.id, roles: [] };
    const admin: Principal = { userId: randomUUID(), roles: ['admin'] };
    const cases: Array<[Principal, string, boolean]> = [
      [me, 'user:me', true],
      [me, `user:${organizer.id}`, true],
      [me, `user:${other.id}`, false],
      [them, `event:${published.body.id}`, true],
      [them, `event:${draft.body.id}`, false],
      [me, `event:${draft.body.id}`, true],
      [admin, `event:${draft.body.id}`, true],
      [them, `event:${randomUUID()}`, false],
      [them, 'event:not-a-uuid', false],
      [me, `meeting:${randomUUID()}`, false],
      [me, `group:${randomUUID()}`, false],
      [me, 'nonsense', false],
      [me, '', false],
    ];
    for (const [principal, channel, allowed] of cases) {
      expect(await resources.authorizeChannel(principal, channel), channel).toBe(allowed);
    }
  });
});
