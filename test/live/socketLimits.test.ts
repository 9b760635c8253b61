/**
 * Live sockets under abuse and over time (issue 8, items 7 and 9), on a real hub,
 * real sockets and a real changefeed: the per-user socket cap, the per-socket message
 * rate, and access-token expiry with re-authentication on the open socket.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AccessTokens } from '../../src/api/auth/accessTokens.js';
import type { LiveHubDependencies } from '../../src/api/live/index.js';
import { createKnex, migrateToLatest } from '../../src/database.js';
import { TEST_JWT_SECRET } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eventually } from '../support/processes.js';
import { Clients, startHub, testAuthorizer, writeRows, type LiveClient, type TestHub } from './support.js';

let db: TestDatabase;
let knex: Knex;
const tokens = new AccessTokens(TEST_JWT_SECRET, 3600);
const clients = new Clients();
const hubs: TestHub[] = [];

async function hub(options: LiveHubDependencies['options'] = {}): Promise<TestHub> {
  const started = await startHub({ knex, databaseUrl: db.url, tokens, authorizeChannel: testAuthorizer(), options: { pruneIntervalMs: 0, ...options } });
  hubs.push(started);
  return started;
}

const tokenFor = (userId: string) => tokens.issue({ userId, roles: [] }, new Date());

/** A token that expires in two to three seconds (JWT times are whole seconds). */
const shortLived = (userId: string) => new AccessTokens(TEST_JWT_SECRET, 3).issue({ userId, roles: [] }, new Date());

/** Resolves with the close, or with undefined if the socket is still open after `ms`. */
async function closedWithin(client: LiveClient, ms: number): Promise<{ code: number } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([client.closed, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  clearTimeout(timer);
  return result;
}

beforeAll(async () => {
  db = await createTestDatabase('live_limits');
  knex = createKnex(db.url, { max: 10 });
  await migrateToLatest(knex);
});
afterEach(async () => {
  await clients.closeAll();
});
afterAll(async () => {
  await clients.closeAll();
  for (const h of hubs.splice(0)) await h.close();
  await knex?.destroy();
  await db?.drop();
});

describe('sockets per user', () => {
  it('one user opening 50 sockets keeps 10 (the default); the others get too-many-connections and 1008; other users are unaffected', async () => {
    const live = await hub();
    const token = await tokenFor(randomUUID());
    const sockets = await Promise.all(Array.from({ length: 50 }, () => clients.connect(live.urlWithToken(token))));
    // Each socket either answers a queued request or is closed by the cap.
    const outcomes = await Promise.all(
      sockets.map(async (s) => {
        s.send({ type: 'subscribe', channel: 'user:me' });
        return Promise.race([s.closed.then((c) => c.code), s.waitFor((m) => m.type === 'subscribed', 'subscribed').then(() => 'open' as const)]).catch(
          () => s.closeInfo?.code,
        );
      }),
    );
    expect(outcomes.filter((o) => o === 'open')).toHaveLength(10);
    expect(outcomes.filter((o) => o === 1008)).toHaveLength(40);
    for (const s of sockets.filter((c) => c.closeInfo)) expect(s.messages).toContainEqual(expect.objectContaining({ type: 'error', code: 'too-many-connections' }));

    const other = await clients.connect(live.urlWithToken(await tokenFor(randomUUID())));
    expect(await other.subscribe('user:me')).toMatchObject({ type: 'subscribed' });

    // A closed socket frees its slot.
    await sockets.find((s) => !s.closeInfo)!.close();
    await eventually('slot freed on the server', () => live.hub.connectionCount === 10);
    const again = await clients.connect(live.urlWithToken(token));
    expect(await again.subscribe('user:me')).toMatchObject({ type: 'subscribed' });
  });
});

describe('messages per socket', () => {
  it('a flood of 500 subscribe/unsubscribe pairs is answered rate-limited and then closed with 1008', async () => {
    const live = await hub();
    const client = await clients.connect(live.urlWithToken(await tokenFor(randomUUID())));
    for (let i = 0; i < 500; i++) {
      client.send({ type: 'subscribe', channel: `counter:flood-${i}` });
      client.send({ type: 'unsubscribe', channel: `counter:flood-${i}` });
    }
    expect((await client.closed).code).toBe(1008);
    expect(client.messages).toContainEqual(expect.objectContaining({ type: 'error', code: 'rate-limited' }));
    expect(client.messages.filter((m) => m.type === 'subscribed').length).toBeLessThan(100);
  });

  it('a short overrun is refused with rate-limited while the socket stays open, and the socket recovers', async () => {
    const live = await hub({ messagesPerSecond: 5, messageBurst: 5 });
    const client = await clients.connect(live.urlWithToken(await tokenFor(randomUUID())));
    for (let i = 0; i < 8; i++) client.send({ type: 'ping' });
    await client.waitFor((m) => m.type === 'error' && m.code === 'rate-limited', 'a rate-limited error');
    expect(client.closeInfo).toBeUndefined();
    await eventually('accepted again', async () => {
      const from = client.messages.length;
      client.send({ type: 'ping' });
      return (await client.waitFor(() => true, 'an answer', from)).type === 'pong';
    }, 10_000, 300);
    expect(client.closeInfo).toBeUndefined();
  });
});

describe('access-token expiry', () => {
  it('closes a socket with 4401 when its access token expires', async () => {
    const live = await hub();
    const byQuery = await clients.connect(live.urlWithToken(await shortLived(randomUUID())));
    expect(await byQuery.subscribe('user:me')).toMatchObject({ type: 'subscribed' });
    const byMessage = await clients.connect(live.url);
    byMessage.send({ type: 'auth', token: await shortLived(randomUUID()) });
    expect(await byMessage.subscribe('user:me')).toMatchObject({ type: 'subscribed' });
    for (const client of [byQuery, byMessage]) {
      expect((await closedWithin(client, 10_000))?.code).toBe(4401);
      expect(client.messages.at(-1)).toMatchObject({ type: 'error', code: 'unauthorized' });
    }
  });

  it('a fresh token sent as {type:"auth"} on the open socket keeps it open and subscribed; a token of another user is refused', async () => {
    const live = await hub();
    const userId = randomUUID();
    const expiring = await shortLived(userId);
    const expiresAtMs = JSON.parse(Buffer.from(expiring.split('.')[1]!, 'base64url').toString()).exp * 1000;
    const client = await clients.connect(live.urlWithToken(expiring));
    expect(await client.subscribe('user:me')).toMatchObject({ type: 'subscribed' });

    expect(await client.request({ type: 'auth', token: await tokenFor(randomUUID()) })).toMatchObject({ type: 'error', code: 'unauthorized' });
    client.send({ type: 'auth', token: await tokenFor(userId) });
    expect(await client.subscribe('counter:after-reauth')).toMatchObject({ type: 'subscribed' });

    await eventually('the first token has expired', () => Date.now() > expiresAtMs + 1500, 10_000, 100);
    expect(await closedWithin(client, 1000)).toBeUndefined();
    await writeRows(knex, `user:${userId}`, [{ still: 'here' }]);
    await client.waitFor((m) => m.type === 'update' && m.channel === 'user:me', 'update after the first token expired');
    expect(await client.request({ type: 'ping' })).toEqual({ type: 'pong' });
  });
});
