/**
 * Personal API keys (issue 8, item 15) over real HTTP and real sockets: created with
 * the secret shown once and stored hashed, listed without secrets, scoped (read = GET,
 * write = everything else), never admin, never for session-only routes, rate-limited
 * per key, and revoked at once — on open live sockets too, on another API process.
 */
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startChildApp, startTestApp, testEnv, type ChildApp, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';
import { Clients } from '../live/support.js';
import { expectProblem, register, uniqueEmail } from './helpers.js';

const ADMIN_EMAIL = uniqueEmail('keys-admin');
const PER_MINUTE = 25;
let a: TestApp;
let b: ChildApp;
const clients = new Clients();

const wsUrl = (httpUrl: string, token: string) => `${httpUrl.replace(/^http/, 'ws')}/v1/live?access_token=${encodeURIComponent(token)}`;
const future = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
const eventBody = () => ({ title: 'Keyed', startsAt: future(4), endsAt: future(4.1), timezone: 'UTC', capacity: 5, publish: true });

beforeAll(async () => {
  a = await startTestApp({ env: { ADMIN_EMAILS: ADMIN_EMAIL, RATE_LIMIT_USER_PER_MIN: String(PER_MINUTE) } });
  b = await startChildApp(testEnv(a.db.url, { PROCESS_ROLES: 'api' }));
});
afterEach(async () => {
  await clients.closeAll();
});
afterAll(async () => {
  await clients.closeAll();
  await b?.stop();
  await a?.stop();
});

async function createKey(token: string, body: Record<string, unknown>) {
  const res = await client(a.url, token).post('/v1/me/api-keys', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; name: string; scopes: string[]; secret: string; createdAt: string; expiresAt: string | null };
}

describe('the lifecycle', () => {
  it('creates a key whose secret is shown once and stored hashed, lists it without secrets, and deletes it', async () => {
    const user = await register(a.url);
    const expiresAt = future(30);
    const key = await createKey(user.accessToken, { name: 'CI', scopes: ['read'], expiresAt });
    expect(key).toMatchObject({ name: 'CI', scopes: ['read'], expiresAt: new Date(expiresAt).toISOString() });
    expect(key.secret).toMatch(/^tsk_[A-Za-z0-9_-]{43}$/);

    const stored = await a.tessera.knex('api_keys').where({ id: key.id }).first();
    expect(JSON.stringify(stored)).not.toContain(key.secret);
    expect(stored.secret_hash).toBe(createHash('sha256').update(key.secret).digest('hex'));

    const listed = await user.http.get('/v1/me/api-keys');
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: key.id, name: 'CI', scopes: ['read'], createdAt: key.createdAt, expiresAt: key.expiresAt })]);
    expect(JSON.stringify(listed.body)).not.toContain('tsk_');

    // someone else's key is not found, and the list is per user
    const other = await register(a.url);
    expectProblem(await other.http.delete(`/v1/me/api-keys/${key.id}`), 404, 'api-key-not-found');
    expect((await other.http.get('/v1/me/api-keys')).body.items).toEqual([]);

    expect((await client(a.url, key.secret).get('/v1/me')).status).toBe(200);
    expect((await user.http.delete(`/v1/me/api-keys/${key.id}`)).status).toBe(204);
    expectProblem(await client(a.url, key.secret).get('/v1/me'), 401);
    expect((await user.http.get('/v1/me/api-keys')).body.items).toEqual([]);
    expectProblem(await user.http.delete(`/v1/me/api-keys/${key.id}`), 404, 'api-key-not-found');
  });

  it('refuses bad input: no name, unknown scopes, an expiry in the past; an expired key is 401', async () => {
    const user = await register(a.url);
    expectProblem(await user.http.post('/v1/me/api-keys', { scopes: ['read'] }), 400, 'validation-failed');
    expectProblem(await user.http.post('/v1/me/api-keys', { name: 'x', scopes: ['admin'] }), 400, 'validation-failed');
    expectProblem(await user.http.post('/v1/me/api-keys', { name: 'x', scopes: [] }), 400, 'validation-failed');
    expectProblem(await user.http.post('/v1/me/api-keys', { name: 'x', scopes: ['read'], expiresAt: future(-1) }), 400, 'validation-failed');
    expectProblem(await client(a.url, 'tsk_not-a-real-key').get('/v1/me'), 401);

    const expiresAtMs = Date.now() + 3000;
    const soon = await createKey(user.accessToken, { name: 'soon', scopes: ['read'], expiresAt: new Date(expiresAtMs).toISOString() });
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAtMs - Date.now() + 200)));
    expectProblem(await client(a.url, soon.secret).get('/v1/me'), 401);
  });
});

describe('scopes and what keys may not do', () => {
  it('read allows GET only; write allows changes; neither reaches admin or session-only routes', async () => {
    const user = await register(a.url);
    const reader = (await createKey(user.accessToken, { name: 'reader', scopes: ['read'] })).secret;
    const writer = (await createKey(user.accessToken, { name: 'writer', scopes: ['write'] })).secret;

    expect((await client(a.url, reader).get('/v1/me')).status).toBe(200);
    expect((await client(a.url, reader).get('/v1/events')).status).toBe(200);
    expectProblem(await client(a.url, reader).post('/v1/events', eventBody()), 403, 'insufficient-scope');
    const created = await client(a.url, writer).post('/v1/events', eventBody());
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.organizerId).toBe(user.id);
    expect((await client(a.url, writer).get(`/v1/events/${created.body.id}`)).status).toBe(200); // write includes read

    for (const secret of [reader, writer]) {
      const as = client(a.url, secret);
      expectProblem(await as.post('/v1/me/api-keys', { name: 'child', scopes: ['read'] }), 403, 'api-key-not-allowed');
      expectProblem(await as.get('/v1/me/api-keys'), 403, 'api-key-not-allowed');
      expectProblem(await as.post('/v1/me/password', { currentPassword: user.password, newPassword: 'another long passphrase' }), 403, 'api-key-not-allowed');
    }
  });

  it('an admin’s key is no admin: admin endpoints refuse it', async () => {
    const admin = await register(a.url, { email: ADMIN_EMAIL });
    expect((await admin.http.get('/v1/admin/projections')).status).toBe(200);
    const key = (await createKey(admin.accessToken, { name: 'ops', scopes: ['read', 'write'] })).secret;
    expectProblem(await client(a.url, key).get('/v1/admin/projections'), 403, 'api-key-not-allowed');
    expectProblem(await client(a.url, key).get('/v1/analytics/overview'), 403, 'api-key-not-allowed');
  });
});

describe('rate limits', () => {
  it('each key has its own per-minute budget, apart from its user’s session', async () => {
    const user = await register(a.url);
    const first = (await createKey(user.accessToken, { name: 'one', scopes: ['read'] })).secret;
    const second = (await createKey(user.accessToken, { name: 'two', scopes: ['read'] })).secret;
    const statuses: number[] = [];
    for (let i = 0; i < PER_MINUTE + 1; i++) statuses.push((await client(a.url, first).get('/v1/events')).status);
    expect(statuses.slice(0, PER_MINUTE).every((s) => s === 200)).toBe(true);
    const refused = await client(a.url, first).get('/v1/events');
    expectProblem(refused, 429, 'rate-limited');
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await client(a.url, second).get('/v1/events')).status).toBe(200);
    expect((await user.http.get('/v1/events')).status).toBe(200);
  });
});

describe('live sockets', () => {
  it('a key authenticates a live socket; revoking it on api A closes the socket on api B (4401)', async () => {
    const user = await register(a.url);
    const key = await createKey(user.accessToken, { name: 'socket', scopes: ['read'] });
    const keep = await createKey(user.accessToken, { name: 'kept', scopes: ['read'] });
    const socket = await clients.connect(wsUrl(b.url, key.secret));
    const other = await clients.connect(wsUrl(b.url, keep.secret));
    const session = await clients.connect(wsUrl(b.url, user.accessToken));
    for (const s of [socket, other, session]) expect(await s.subscribe('user:me')).toMatchObject({ type: 'subscribed' });

    expect((await user.http.delete(`/v1/me/api-keys/${key.id}`)).status).toBe(204);
    expect((await socket.closed).code).toBe(4401);
    expect(socket.messages.at(-1)).toMatchObject({ type: 'error', code: 'unauthorized' });
    for (const s of [other, session]) expect(await s.request({ type: 'ping' })).toEqual({ type: 'pong' });
  });
});
