/**
 * Live hub protocol (DESIGN §9) over real sockets and a real PostgreSQL changefeed:
 * authentication, channel validation and authorisation, bad messages, resync,
 * `since` ahead of the hub, slow consumers, heartbeats, LISTEN recovery, shutdown.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { AccessTokens } from '../../src/api/auth/accessTokens.js';
import { LIVE_APPLICATION_NAME, type LiveHubDependencies } from '../../src/api/live/index.js';
import { createKnex, migrateToLatest } from '../../src/database.js';
import { createMetrics } from '../../src/metrics.js';
import { TEST_JWT_SECRET } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eventually } from '../support/processes.js';
import { Clients, feedHead, feedIds, feedRows, startHub, testAuthorizer, writeRows, type TestHub } from './support.js';

let db: TestDatabase;
let knex: Knex;
let live: TestHub;
const metrics = createMetrics({ defaultMetrics: false });
const tokens = new AccessTokens(TEST_JWT_SECRET, 3600);
const clients = new Clients();
const hubs: TestHub[] = [];
const userId = randomUUID();
let token: string;
const DENIED_EVENT = `event:${randomUUID()}`;

function deps(overrides: Partial<LiveHubDependencies> = {}): LiveHubDependencies {
  return {
    knex,
    databaseUrl: db.url,
    tokens,
    authorizeChannel: testAuthorizer([DENIED_EVENT]),
    ...overrides,
    options: { pruneIntervalMs: 0, ...overrides.options },
  };
}

async function extraHub(overrides: Partial<LiveHubDependencies> = {}): Promise<TestHub> {
  const hub = await startHub(deps(overrides));
  hubs.push(hub);
  return hub;
}

async function liveBackends(): Promise<Array<{ pid: number; query: string }>> {
  const { rows } = await knex.raw<{ rows: Array<{ pid: number; query: string }> }>(
    'SELECT pid, query FROM pg_stat_activity WHERE application_name = ? AND datname = current_database()',
    [LIVE_APPLICATION_NAME],
  );
  return rows;
}

async function gauge(): Promise<number> {
  return (await metrics.liveConnections.get()).values[0]?.value ?? 0;
}

beforeAll(async () => {
  db = await createTestDatabase('live_hub');
  knex = createKnex(db.url, { max: 10 });
  await migrateToLatest(knex);
  live = await startHub(deps({ metrics, options: { maxSubscriptionsPerSocket: 3, maxMessageBytes: 4096 } }));
  token = await tokens.issue({ userId, roles: [] }, new Date());
});
afterEach(async () => {
  await clients.closeAll();
});
afterAll(async () => {
  await clients.closeAll();
  for (const hub of hubs.splice(0)) await hub.close();
  await live?.close();
  await knex?.destroy();
  await db?.drop();
});

describe('authentication', () => {
  it('accepts ?access_token= or a first auth message; refuses subscriptions before auth; ping works before auth', async () => {
    const byQuery = await clients.connect(live.urlWithToken(token));
    expect(await byQuery.subscribe('user:me')).toMatchObject({ type: 'subscribed', channel: 'user:me' });

    const byMessage = await clients.connect(live.url);
    expect(await byMessage.subscribe('user:me')).toMatchObject({ type: 'error', code: 'unauthorized', channel: 'user:me' });
    expect(await byMessage.request({ type: 'ping' })).toEqual({ type: 'pong' });
    byMessage.send({ type: 'auth', token });
    expect(await byMessage.subscribe('user:me')).toMatchObject({ type: 'subscribed' });
    // Another auth on an authenticated socket re-authenticates it (a fresh token before expiry); nothing is answered.
    byMessage.send({ type: 'auth', token });
    expect(await byMessage.subscribe('counter:after-second-auth')).toMatchObject({ type: 'subscribed' });
    expect(byMessage.closeInfo).toBeUndefined();
  });

  it.each([
    ['garbage', 'not-a-token'],
    ['a token signed with another secret', 'other'],
    ['an expired token', 'expired'],
  ])('closes with 4401 after an unauthorized error for %s, by query or by message', async (_name, kind) => {
    const bad =
      kind === 'other'
        ? await new AccessTokens('another-secret-another-secret-another-secret', 3600).issue({ userId, roles: [] }, new Date())
        : kind === 'expired'
          ? await new AccessTokens(TEST_JWT_SECRET, 60).issue({ userId, roles: [] }, new Date(Date.now() - 3_600_000))
          : kind;
    const byQuery = await clients.connect(live.urlWithToken(bad));
    expect((await byQuery.closed).code).toBe(4401);
    expect(byQuery.messages).toEqual([expect.objectContaining({ type: 'error', code: 'unauthorized' })]);

    const byMessage = await clients.connect(live.url);
    byMessage.send({ type: 'auth', token: bad });
    expect((await byMessage.closed).code).toBe(4401);
    expect(byMessage.messages).toEqual([expect.objectContaining({ type: 'error', code: 'unauthorized' })]);
  });

  it('closes a socket that does not authenticate in time (4401)', async () => {
    const hub = await extraHub({ options: { authTimeoutMs: 200 } });
    const silent = await clients.connect(hub.url);
    expect((await silent.closed).code).toBe(4401);
    expect(silent.messages).toEqual([expect.objectContaining({ type: 'error', code: 'unauthorized' })]);
  });

  it('answers other paths with 404 and leaves plain HTTP alone', async () => {
    const url = live.url.replace('/v1/live', '/v1/elsewhere');
    await expect(clients.connect(url)).rejects.toThrow(/404/);
  });
});

describe('channels', () => {
  it('validates names, applies the authorisation hook, refuses duplicates and too many subscriptions', async () => {
    const client = await clients.connect(live.urlWithToken(token));
    for (const bad of ['event:not-a-uuid', `user:${userId}`, 'nonsense', '', 'a b:c']) {
      const answer = await client.request({ type: 'subscribe', channel: bad });
      expect(answer, bad).toMatchObject({ type: 'error', code: bad === '' ? 'bad-message' : 'invalid-channel' });
    }
    expect(await client.subscribe(DENIED_EVENT)).toMatchObject({ type: 'error', code: 'forbidden', channel: DENIED_EVENT });
    expect(await client.subscribe('secret:thing')).toMatchObject({ type: 'error', code: 'forbidden' }); // unknown kinds: up to the hook

    const event = `event:${randomUUID()}`;
    expect(await client.subscribe(event)).toMatchObject({ type: 'subscribed', channel: event });
    expect(await client.subscribe(event)).toMatchObject({ type: 'error', code: 'already-subscribed', channel: event });
    expect(await client.subscribe(`meeting:${randomUUID()}`)).toMatchObject({ type: 'subscribed' });
    expect(await client.subscribe('user:me')).toMatchObject({ type: 'subscribed' });
    expect(await client.subscribe(`event:${randomUUID()}`)).toMatchObject({ type: 'error', code: 'too-many-subscriptions' });
    expect(await client.request({ type: 'unsubscribe', channel: 'counter:never' })).toMatchObject({ type: 'error', code: 'not-subscribed' });
    // a freed slot can be used again
    client.send({ type: 'unsubscribe', channel: event });
    expect(await client.subscribe(`event:${randomUUID()}`)).toMatchObject({ type: 'subscribed' });
    expect(client.closeInfo).toBeUndefined();
  });

  it('answers 100 pipelined subscribes, in order, up to the default per-socket limit', async () => {
    // 101 messages at once: one more than the default message burst (test/live/socketLimits.test.ts).
    const hub = await extraHub({ options: { messageBurst: 101 } });
    const client = await clients.connect(hub.urlWithToken(token));
    const channels = Array.from({ length: 101 }, (_, i) => `counter:pipelined-${i}`);
    for (const channel of channels) client.send({ type: 'subscribe', channel });
    await client.waitFor((m) => m.channel === channels[100], 'answer to the last subscribe');
    expect(client.messages.map((m) => [m.type, m.channel])).toEqual([
      ...channels.slice(0, 100).map((c) => ['subscribed', c]),
      ['error', channels[100]],
    ]);
    expect(client.messages.at(-1)).toMatchObject({ code: 'too-many-subscriptions' });
  });

  it('user:me carries only the caller’s own feed, under the name user:me', async () => {
    const other = randomUUID();
    const mine = await clients.connect(live.urlWithToken(token));
    const theirs = await clients.connect(live.urlWithToken(await tokens.issue({ userId: other, roles: [] }, new Date())));
    await mine.subscribe('user:me');
    await theirs.subscribe('user:me');
    await writeRows(knex, `user:${userId}`, [{ n: 1 }, { n: 2 }]);
    await writeRows(knex, `user:${other}`, [{ n: 3 }]);
    await eventually('updates delivered', () => mine.updates().length === 2 && theirs.updates().length === 1);
    expect(mine.updates().map((m) => [m.channel, m.data])).toEqual([
      ['user:me', { n: 1 }],
      ['user:me', { n: 2 }],
    ]);
    expect(theirs.updates().map((m) => [m.channel, m.data])).toEqual([['user:me', { n: 3 }]]);
  });

  it('unsubscribe stops updates for that channel only; an upper-case id is the same channel', async () => {
    const id = randomUUID();
    const client = await clients.connect(live.urlWithToken(token));
    await client.subscribe(`event:${id.toUpperCase()}`);
    await client.subscribe('counter:keep');
    await writeRows(knex, `event:${id}`, [{ a: 1 }]);
    await client.waitFor((m) => m.type === 'update' && m.channel === `event:${id.toUpperCase()}`, 'first event update');
    client.send({ type: 'unsubscribe', channel: `event:${id}` });
    await client.request({ type: 'ping' }); // the unsubscribe has been handled
    await writeRows(knex, `event:${id}`, [{ a: 2 }]);
    await writeRows(knex, 'counter:keep', [{ k: 1 }]);
    await client.waitFor((m) => m.type === 'update' && m.channel === 'counter:keep', 'update on the channel still followed');
    expect(client.updates().map((m) => m.data)).toEqual([{ a: 1 }, { k: 1 }]);
  });
});

describe('bad input', () => {
  it('answers bad messages with bad-message and keeps the socket usable', async () => {
    const client = await clients.connect(live.urlWithToken(token));
    for (const text of ['not json', '[]', '{"type":"dance"}', '{"type":"subscribe"}', '{"type":"subscribe","channel":"user:me","since":"-3"}', '{"type":"unsubscribe","channel":5}']) {
      expect(await client.request(text), text).toMatchObject({ type: 'error', code: 'bad-message' });
    }
    const from = client.messages.length;
    client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await client.waitFor(() => true, 'answer to a binary frame', from)).toMatchObject({ type: 'error', code: 'bad-message' });
    expect(await client.request({ type: 'ping' })).toEqual({ type: 'pong' });
    expect(await client.subscribe('counter:after-bad-input')).toMatchObject({ type: 'subscribed' });
  });

  it('a frame over the size limit closes that socket (1009), and the hub keeps serving others', async () => {
    const other = await clients.connect(live.urlWithToken(token));
    await other.subscribe('counter:still-served');
    const big = await clients.connect(live.urlWithToken(token));
    big.send({ type: 'auth', token: 'x'.repeat(10_000) });
    expect((await big.closed).code).toBe(1009);
    await writeRows(knex, 'counter:still-served', [{ ok: true }]);
    await other.waitFor((m) => m.type === 'update', 'update after the oversized frame');
    expect(await other.request({ type: 'ping' })).toEqual({ type: 'pong' });
  });
});

describe('since', () => {
  it('replays from a since that is ahead of this hub (the client came from an instance further along), and treats a since beyond the head as the head', async () => {
    // Poll-only with a long interval: this hub lags until a subscription makes it catch up.
    const lagging = await extraHub({ options: { listen: false, pollIntervalMs: 3_600_000 } });
    await eventually('lagging hub idle at the head', async () => lagging.hub.position === (await feedHead(knex)));
    const channel = 'counter:ahead';
    await writeRows(knex, channel, Array.from({ length: 10 }, (_, i) => ({ i })));
    const ids = await feedIds(knex, channel);
    expect(lagging.hub.position).toBeLessThan(ids[0]!);

    const client = await clients.connect(lagging.urlWithToken(token));
    const answer = await client.subscribe(channel, ids[4]!);
    expect(answer).toMatchObject({ type: 'subscribed', position: ids[9]!.toString() });
    expect(client.positions(channel)).toEqual(ids.slice(5));

    const future = await clients.connect(lagging.urlWithToken(token));
    const head = await feedHead(knex);
    expect(await future.subscribe('counter:future', head + 1_000n)).toMatchObject({ type: 'subscribed', position: head.toString() });
  });

  it('a since older than the retained changefeed gets resync and no subscription; a retained one replays', async () => {
    const hub = await extraHub({ options: { retention: { keepRows: 5, maxAgeHours: 0 } } });
    const channel = 'counter:pruned';
    await writeRows(knex, channel, Array.from({ length: 20 }, (_, i) => ({ i })));
    const before = await feedIds(knex, channel);
    expect(await hub.hub.pruneOnce()).toBeGreaterThan(0);
    const retained = await feedIds(knex, channel);
    expect(retained).toEqual(before.slice(-5));

    const client = await clients.connect(hub.urlWithToken(token));
    expect(await client.subscribe(channel, before[0]!)).toEqual({ type: 'resync', channel });
    expect(client.updates()).toEqual([]);
    // not subscribed: unsubscribing says so, and subscribing again works
    expect(await client.request({ type: 'unsubscribe', channel })).toMatchObject({ code: 'not-subscribed' });
    const again = await client.subscribe(channel, retained[0]! - 1n);
    expect(again.type).toBe('subscribed');
    expect(client.positions(channel)).toEqual(retained);
  });
});

describe('slow consumers and heartbeats', () => {
  it('disconnects a client that stops reading once its send buffer passes the bound; others on the channel are unaffected', async () => {
    const logs: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
    const bound = 64 * 1024;
    const hub = await extraHub({ logger, options: { maxBufferedBytes: bound } });
    const channel = 'counter:firehose';
    const slow = await clients.connect(hub.urlWithToken(token));
    const fast = await clients.connect(hub.urlWithToken(token));
    await slow.subscribe(channel);
    await fast.subscribe(channel);
    slow.ws.pause(); // stops reading: the kernel buffers fill, then the server's

    const blob = 'x'.repeat(16 * 1024);
    let rows = 0;
    const slowLog = () => logs.find((l) => l.msg === 'live hub: slow consumer disconnected');
    while (!slowLog()) {
      if (rows > 8_000) throw new Error('slow consumer never disconnected');
      await writeRows(knex, channel, Array.from({ length: 20 }, (_, i) => ({ i: rows + i, blob })));
      rows += 20;
      await fast.waitFor((m) => m.type === 'update' && (m.data as { i: number }).i === rows - 1, 'fast client keeps up');
    }
    // Server memory for that socket stayed at the bound plus at most one message.
    const entry = slowLog()!;
    expect(entry.bufferedAmount as number).toBeGreaterThan(bound);
    expect(entry.bufferedAmount as number).toBeLessThan(bound + blob.length + 1024);
    expect(rows * blob.length).toBeGreaterThan(4 * bound);

    slow.ws.resume();
    const closed = await slow.closed;
    expect([4008, 1006]).toContain(closed.code); // 1006 if the grace period ran out before the close frame got through
    await eventually('slow socket gone on the server', () => hub.hub.connectionCount === 1);
    expect(fast.closeInfo).toBeUndefined();
    expect(fast.updates().length).toBe(rows);
  });

  it('answers ping with pong; terminates a socket that stops answering protocol pings and keeps one that answers', async () => {
    const hub = await extraHub({ options: { heartbeatMs: 1000 } });
    const mute = await clients.connect(hub.urlWithToken(token), { autoPong: false });
    const healthy = await clients.connect(hub.urlWithToken(token));
    expect(await mute.request({ type: 'ping' })).toEqual({ type: 'pong' });
    expect((await mute.closed).code).toBe(1006);
    expect(healthy.closeInfo).toBeUndefined();
    expect(await healthy.request({ type: 'ping' })).toEqual({ type: 'pong' });
  });
});

describe('tailing and lifecycle', () => {
  it('re-establishes LISTEN after its connection drops, and delivers by notification again', async () => {
    const hub = await extraHub({ options: { pollIntervalMs: 3_600_000 } });
    const client = await clients.connect(hub.urlWithToken(token));
    const channel = 'counter:relisten';
    await client.subscribe(channel);
    const old = (await liveBackends()).map((b) => b.pid);
    await knex.raw('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ? AND datname = current_database()', [
      LIVE_APPLICATION_NAME,
    ]);
    await eventually('LISTEN re-established', async () => {
      const now = await liveBackends();
      return now.length === old.length && now.every((b) => !old.includes(b.pid) && /^LISTEN/.test(b.query));
    });
    await writeRows(knex, channel, [{ after: 'reconnect' }]);
    await client.waitFor((m) => m.type === 'update' && m.channel === channel, 'update by notification');
    expect(client.positions(channel)).toEqual(await feedIds(knex, channel));
  });

  it('close: clients get 1001, the LISTEN connection is released, the gauge returns to where it was', async () => {
    const before = await gauge();
    const hub = await startHub(deps({ metrics }));
    hubs.push(hub);
    const a = await clients.connect(hub.urlWithToken(token));
    const b = await clients.connect(hub.url);
    await a.subscribe('user:me');
    expect(await gauge()).toBe(before + 2);
    const backends = (await liveBackends()).length;
    await hub.close();
    expect((await a.closed).code).toBe(1001);
    expect((await b.closed).code).toBe(1001);
    expect(await gauge()).toBe(before);
    await eventually('LISTEN connection released', async () => (await liveBackends()).length === backends - 1);
    await expect(clients.connect(hub.url)).rejects.toThrow();
  });

  it('delivers rows committed by writers in feed order across channels it follows', async () => {
    const client = await clients.connect(live.urlWithToken(token));
    await client.subscribe('counter:order-1');
    await client.subscribe('counter:order-2');
    await Promise.all(Array.from({ length: 10 }, (_, i) => writeRows(knex, `counter:order-${(i % 2) + 1}`, [{ i }, { i }])));
    const rows = [...(await feedRows(knex, 'counter:order-1')), ...(await feedRows(knex, 'counter:order-2'))].sort((x, y) => (x.feedId < y.feedId ? -1 : 1));
    await client.waitForPosition(rows.at(-1)!.channel, rows.at(-1)!.feedId);
    expect(client.updates().map((m) => BigInt(m.position!))).toEqual(rows.map((r) => r.feedId));
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
  });
});
