/**
 * Live hub: resuming with `since` and subscribing while updates are written, against
 * real PostgreSQL and real sockets. Updates come from the counter projection run by a
 * real ProjectionRunner (Taken events → `counter:<stream>` rows) and from concurrent
 * writers using writeChangefeed as projections do.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AccessTokens } from '../../src/api/auth/accessTokens.js';
import { createKnex, migrateToLatest } from '../../src/database.js';
import { createPostgresEventStore, type PostgresEventStore } from '../../src/eventstore/postgres/postgresEventStore.js';
import { writeChangefeed } from '../../src/projections/changefeed.js';
import { ProjectionRunner } from '../../src/projections/runtime.js';
import { TEST_JWT_SECRET } from '../support/app.js';
import { counterProjection } from '../support/counterProjection.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eventually } from '../support/processes.js';
import { Clients, feedHead, feedIds, feedRows, startHub, testAuthorizer, type LiveClient, type ServerMessage, type TestHub } from './support.js';

let db: TestDatabase;
let knex: Knex;
let store: PostgresEventStore;
let runner: ProjectionRunner;
let live: TestHub;
let token: string;
const tokens = new AccessTokens(TEST_JWT_SECRET, 3600);
const clients = new Clients();

beforeAll(async () => {
  db = await createTestDatabase('live_replay');
  knex = createKnex(db.url, { max: 20 });
  await migrateToLatest(knex);
  store = createPostgresEventStore(db.url, { pollIntervalMs: 100 });
  runner = new ProjectionRunner(knex, db.url, store, counterProjection(), { batchSize: 20, standbyRetryMs: 100 });
  runner.start();
  // Small pages so replays and tailing cross many page boundaries; one user holds every socket here, so no per-user cap.
  live = await startHub({ knex, databaseUrl: db.url, tokens, authorizeChannel: testAuthorizer(), options: { pageSize: 7, pruneIntervalMs: 0, maxSocketsPerUser: 10_000 } });
  token = await tokens.issue({ userId: randomUUID(), roles: [] }, new Date());
});
afterEach(async () => {
  await clients.closeAll();
});
afterAll(async () => {
  await clients.closeAll();
  await live?.close();
  await runner?.stop();
  await store?.close();
  await knex?.destroy();
  await db?.drop();
});

/** Appends `count` Taken events to `stream`, `perAppend` at a time. */
async function take(stream: string, count: number, perAppend = 10): Promise<void> {
  for (let done = 0; done < count; done += perAppend) {
    const n = Math.min(perAppend, count - done);
    const events = Array.from({ length: n }, (_, i) => ({ id: randomUUID(), type: 'Taken', data: { by: `u${done + i}`, amount: done + i + 1 } }));
    await store.appendToStream(stream, events, { expectedRevision: 'any' });
  }
}

const isUpdate = (m: ServerMessage) => m.type === 'update';

describe('live hub: resuming with since', () => {
  it('a subscriber that disconnects, misses 100 updates and reconnects with since gets exactly those 100 in order, then live ones, no duplicates', async () => {
    const stream = `counter-${randomUUID()}`;
    const channel = `counter:${stream}`;

    const first = await clients.connect(live.urlWithToken(token));
    expect(await first.subscribe(channel)).toMatchObject({ type: 'subscribed', channel });
    await take(stream, 5);
    await eventually('first sees 5 updates', () => first.updates(channel).length === 5);
    expect(first.positions(channel)).toEqual(await feedIds(knex, channel));
    const last = first.positions(channel).at(-1)!;
    await first.close();

    await take(stream, 100);
    await eventually('100 more rows in the changefeed', async () => (await feedIds(knex, channel, last)).length === 100);
    const missed = await feedRows(knex, channel, last);

    // The same user comes back, authenticating by message this time.
    const second = await clients.connect(live.url);
    second.send({ type: 'auth', token });
    const answer = await second.subscribe(channel, last);
    expect(answer.type).toBe('subscribed');
    const beforeSubscribed = second.messages.slice(0, second.messages.indexOf(answer)).filter(isUpdate);
    expect(beforeSubscribed.map((m) => BigInt(m.position!))).toEqual(missed.map((r) => r.feedId));
    expect(beforeSubscribed.map((m) => m.data)).toEqual(missed.map((r) => r.payload));
    expect(beforeSubscribed.every((m) => typeof m.position === 'string' && m.channel === channel)).toBe(true);
    // subscribed.position is where live updates continue from (a valid since)
    expect(BigInt(answer.position!)).toBeGreaterThanOrEqual(missed.at(-1)!.feedId);

    await take(stream, 20);
    await eventually('20 live updates', () => second.updates(channel).length === 120);
    const expected = await feedIds(knex, channel, last);
    expect(expected).toHaveLength(120);
    expect(second.positions(channel)).toEqual(expected);
    const afterSubscribed = second.messages.slice(second.messages.indexOf(answer) + 1).filter(isUpdate);
    expect(afterSubscribed).toHaveLength(20);
    expect(afterSubscribed.every((m) => BigInt(m.position!) > BigInt(answer.position!))).toBe(true);
  });

  it('resuming from a subscribed.position with nothing missed replays nothing and continues live', async () => {
    const stream = `counter-${randomUUID()}`;
    const channel = `counter:${stream}`;
    const a = await clients.connect(live.urlWithToken(token));
    const subscribed = await a.subscribe(channel);
    await a.close();
    const b = await clients.connect(live.urlWithToken(token));
    const again = await b.subscribe(channel, subscribed.position);
    expect(again.type).toBe('subscribed');
    expect(b.updates()).toEqual([]);
    await take(stream, 3);
    await eventually('3 live updates', () => b.updates(channel).length === 3);
    expect(b.positions(channel)).toEqual(await feedIds(knex, channel));
  });
});

describe('live hub: subscribing while updates are written', () => {
  it('every subscriber, with or without since, gets a gap-free, duplicate-free sequence equal to the changefeed for its channel', async () => {
    const channels = ['counter:direct-a', 'counter:direct-b', 'counter:direct-c'];
    const projected = `counter-${randomUUID()}`;
    const allChannels = [...channels, `counter:${projected}`];
    // Some history first, so early `since` values have something to replay.
    for (const channel of channels) {
      await knex.transaction((trx) => writeChangefeed(trx, Array.from({ length: 30 }, (_, i) => ({ channel, eventPosition: 0n, payload: { seed: i } }))));
    }

    let writing = true;
    let written = 0;
    // Four writers, like projection runners committing independently (with a pause while holding the feed lock).
    const writers = Array.from({ length: 4 }, (_, w) =>
      (async () => {
        for (let i = 0; writing; i++) {
          await knex.transaction(async (trx) => {
            const entries = Array.from({ length: 1 + ((i + w) % 4) }, (_, k) => ({
              channel: channels[(i + k + w) % channels.length]!,
              eventPosition: BigInt(i),
              payload: { w, i, k },
            }));
            await writeChangefeed(trx, entries);
            if (i % 3 === 0) await trx.raw('SELECT pg_sleep(0.002)');
          });
          written++;
        }
      })(),
    );
    // …and the projection runner route.
    const projector = (async () => {
      while (writing) await take(projected, 5, 5);
    })();

    interface Follower {
      client: LiveClient;
      channel: string;
      since: bigint | undefined;
      answer: Promise<ServerMessage>;
    }
    const followers: Follower[] = [];
    try {
      for (let i = 0; i < 16; i++) {
        // wait for progress, not for time
        const target = written + 5;
        await eventually('writers progress', () => written >= target);
        const channel = allChannels[i % allChannels.length]!;
        const head = await feedHead(knex);
        const ids = await feedIds(knex, channel);
        const since =
          i % 4 === 0 ? undefined // live only
          : i % 4 === 1 ? ids[Math.floor(ids.length / 2)] // an update it saw
          : i % 4 === 2 ? head - BigInt(5 + i) // any feed position (e.g. a subscribed.position)
          : ids[0]; // far back: long replay
        const client = await clients.connect(live.urlWithToken(token));
        followers.push({ client, channel, since, answer: client.subscribe(channel, since) });
        // one socket following a second channel at once
        if (i % 5 === 0) {
          const other = allChannels[(i + 1) % allChannels.length]!;
          followers.push({ client, channel: other, since: head - 3n, answer: client.subscribe(other, head - 3n) });
        }
      }
      await Promise.all(followers.map((f) => f.answer));
    } finally {
      writing = false;
      await Promise.all([...writers, projector]);
    }
    await eventually('projection caught up', async () => {
      const row = await knex('projection_checkpoints').where({ name: 'testCounter' }).first<{ position: string } | undefined>();
      return row !== undefined && BigInt(row.position) === (await store.headPosition());
    });

    expect(written).toBeGreaterThan(80);
    for (const follower of followers) {
      const answer = await follower.answer;
      expect(answer.type, JSON.stringify(answer)).toBe('subscribed');
      const from = follower.since ?? BigInt(answer.position!);
      const expected = await feedIds(knex, follower.channel, from);
      if (expected.length > 0) await follower.client.waitForPosition(follower.channel, expected.at(-1)!);
      const received = follower.client.positions(follower.channel);
      expect(received, `${follower.channel} since ${String(follower.since)}`).toEqual(expected);
      // replay strictly before `subscribed`, live strictly after
      const at = follower.client.messages.indexOf(answer);
      const mine = (m: ServerMessage) => isUpdate(m) && m.channel === follower.channel;
      expect(follower.client.messages.slice(0, at).filter(mine).every((m) => BigInt(m.position!) <= BigInt(answer.position!))).toBe(true);
      expect(follower.client.messages.slice(at + 1).filter(mine).every((m) => BigInt(m.position!) > BigInt(answer.position!))).toBe(true);
    }
  });
});
