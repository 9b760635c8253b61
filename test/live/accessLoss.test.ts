/**
 * Access that is lost is lost on open live sockets too (issue 8, items 7 and 9), with
 * two API processes on one database: A (this process: api, projector, worker) and B
 * (a child process: api only). What happens on A must reach sockets on B through
 * PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ResourceAccess } from '../../src/api/access.js';
import { readModelProbes, roleLoaders } from '../../src/api/ticketing/eventAccess.js';
import type { TicketingCommands } from '../../src/commands/ticketing/ticketingCommands.js';
import { ticketingContext } from '../../src/contexts/ticketing.js';
import { startChildApp, startTestApp, testEnv, type ChildApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { login, register, type Account } from '../identity/helpers.js';
import { Clients } from './support.js';

let db: TestDatabase;
let a: TestApp;
let b: ChildApp;
const clients = new Clients();

const wsUrl = (httpUrl: string, token: string) => `${httpUrl.replace(/^http/, 'ws')}/v1/live?access_token=${encodeURIComponent(token)}`;
const future = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

beforeAll(async () => {
  db = await createTestDatabase('live_access');
  a = await startTestApp({ db });
  b = await startChildApp(testEnv(db.url, { PROCESS_ROLES: 'api' }));
});
afterEach(async () => {
  await clients.closeAll();
});
afterAll(async () => {
  await clients.closeAll();
  await b?.stop();
  await a?.stop();
  await db?.drop();
});

describe('logout of all sessions', () => {
  it('POST /v1/auth/logout {allSessions: true} on api A closes the user’s sockets on api B (4401); other users keep theirs', async () => {
    const user = await register(a.url);
    const second = await login(a.url, user.email, user.password);
    const bystander = await register(a.url);
    const mine = await clients.connect(wsUrl(b.url, second.body.accessToken as string));
    const theirs = await clients.connect(wsUrl(b.url, bystander.accessToken));
    expect(await mine.subscribe('user:me')).toMatchObject({ type: 'subscribed' });
    expect(await theirs.subscribe('user:me')).toMatchObject({ type: 'subscribed' });

    const out = await user.http.post('/v1/auth/logout', { refreshToken: user.refreshToken, allSessions: true });
    expect(out.status).toBe(204);
    expect((await mine.closed).code).toBe(4401);
    expect(mine.messages.at(-1)).toMatchObject({ type: 'error', code: 'unauthorized' });
    expect(await theirs.request({ type: 'ping' })).toEqual({ type: 'pong' });
    expect(theirs.closeInfo).toBeUndefined();
  });
});

describe('logout of one session, and a password change', () => {
  it('a logout closes that session’s sockets only; a password change closes every other session’s and keeps the new one', async () => {
    const user = await register(a.url);
    const second = await login(a.url, user.email, user.password);
    const first = await clients.connect(wsUrl(b.url, user.accessToken));
    const other = await clients.connect(wsUrl(b.url, second.body.accessToken as string));
    for (const s of [first, other]) expect(await s.subscribe('user:me')).toMatchObject({ type: 'subscribed' });

    expect((await user.http.post('/v1/auth/logout', { refreshToken: second.body.refreshToken })).status).toBe(204);
    expect((await other.closed).code).toBe(4401);
    expect(await first.request({ type: 'ping' })).toEqual({ type: 'pong' });

    const changed = await user.http.post('/v1/me/password', { currentPassword: user.password, newPassword: 'a brand new passphrase' });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    const fresh = await clients.connect(wsUrl(b.url, changed.body.accessToken as string));
    expect(await fresh.subscribe('user:me')).toMatchObject({ type: 'subscribed' });
    expect((await first.closed).code).toBe(4401);
    expect(await fresh.request({ type: 'ping' })).toEqual({ type: 'pong' });
    expect(fresh.closeInfo).toBeUndefined();
  });
});

describe('a refresh token used twice', () => {
  it('revokes its login, and the sockets opened with that login’s access tokens close', async () => {
    const user = await register(a.url);
    const other = await login(a.url, user.email, user.password);
    const socket = await clients.connect(wsUrl(b.url, user.accessToken));
    const kept = await clients.connect(wsUrl(b.url, other.body.accessToken as string));
    for (const s of [socket, kept]) expect(await s.subscribe('user:me')).toMatchObject({ type: 'subscribed' });
    expect((await user.http.post('/v1/auth/refresh', { refreshToken: user.refreshToken })).status).toBe(200);
    expect((await user.http.post('/v1/auth/refresh', { refreshToken: user.refreshToken })).body.code).toBe('refresh-token-reused');
    expect((await socket.closed).code).toBe(4401);
    expect(await kept.request({ type: 'ping' })).toEqual({ type: 'pong' });
  });
});

describe('a role lost on a draft event', () => {
  it('a removed viewer’s subscription ends with error forbidden, and the draft’s new description never reaches them', async () => {
    const organizer = await register(a.url);
    const viewer = await register(a.url);
    const created = await organizer.http.post('/v1/events', { title: 'Secret draft', startsAt: future(5), endsAt: future(5.1), timezone: 'UTC', capacity: 5 });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    const added = await organizer.http.post(`/v1/events/${id}/collaborators`, { userId: viewer.id, role: 'viewer' });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    await organizer.http.get(`/v1/events/${id}`, { 'X-Min-Position': String(added.body.position) });

    const channel = `event:${id}`;
    const watching = await clients.connect(wsUrl(b.url, viewer.accessToken));
    const owner = await clients.connect(wsUrl(b.url, organizer.accessToken));
    expect(await watching.subscribe(channel)).toMatchObject({ type: 'subscribed' });
    expect(await owner.subscribe(channel)).toMatchObject({ type: 'subscribed' });

    const describe = (account: Account, description: string) => account.http.patch(`/v1/events/${id}`, { description });
    expect((await describe(organizer, 'first words')).status).toBe(200);
    const hasDescription = (text: string) => (m: { type: string; data?: unknown }) =>
      m.type === 'update' && (m.data as { event?: { description?: string } }).event?.description === text;
    await watching.waitFor(hasDescription('first words'), 'the viewer sees the first change');

    expect((await organizer.http.delete(`/v1/events/${id}/collaborators/${viewer.id}`)).status).toBe(200);
    expect(await watching.waitFor((m) => m.type === 'error', 'the subscription ends')).toMatchObject({ type: 'error', code: 'forbidden', channel });
    expect((await describe(organizer, 'the secret plan')).status).toBe(200);
    await owner.waitFor(hasDescription('the secret plan'), 'the organizer sees the second change');

    expect(await watching.request({ type: 'ping' })).toEqual({ type: 'pong' }); // everything sent before the pong has arrived
    expect(watching.messages.filter(hasDescription('the secret plan'))).toEqual([]);
    expect(await watching.subscribe(channel)).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(watching.closeInfo).toBeUndefined();
  });
});

describe('subscribing to channels that do not exist', () => {
  it('folds no stream: 300 random event ids are refused on a read-model lookup and one stream-head probe each', async () => {
    let storeReads = 0;
    let probes = 0;
    const loaders = roleLoaders({
      ticketing: {
        membershipOf: (...args: Parameters<TicketingCommands['membershipOf']>) => {
          storeReads++;
          return a.tessera.services(ticketingContext).commands.membershipOf(...args);
        },
      },
    });
    const resources = new ResourceAccess(loaders, readModelProbes({
        knex: a.tessera.knex,
        streamExists: async (id) => {
          probes++;
          return (await a.tessera.store.readStream(`ticketedEvent-${id}`, { direction: 'backwards', maxCount: 1 })).length > 0;
        },
      }),);
    const principal = { userId: randomUUID(), roles: [] };
    for (let i = 0; i < 300; i++) expect(await resources.authorizeChannel(principal, `event:${randomUUID()}`)).toBe(false);
    expect(storeReads).toBe(0);
    expect(probes).toBe(300);

    // Asked at once after creating: an event the read model may not have yet is decided on the domain state, never refused for lag.
    // Drafts are decided on the domain state (one stream read) and granted for re-checking.
    const organizer = await register(a.url);
    const body = { title: 'Live', startsAt: future(3), endsAt: future(3.1), timezone: 'UTC', capacity: 3 };
    const draft = await organizer.http.post('/v1/events', body);
    expect(await resources.channelAccess({ userId: organizer.id, roles: [] }, `event:${draft.body.id}`)).toBe('recheck');
    expect(await resources.channelAccess(principal, `event:${draft.body.id}`)).toBe(false);

    // A published event the read model has is granted for good, on the read model alone.
    const published = await organizer.http.post('/v1/events', { ...body, publish: true });
    expect((await organizer.http.get(`/v1/events/${published.body.id}`, { 'X-Min-Position': String(published.body.position) })).status).toBe(200);
    const before = storeReads;
    expect(await resources.channelAccess(principal, `event:${published.body.id}`)).toBe(true);
    expect(storeReads).toBe(before);
  });
});
