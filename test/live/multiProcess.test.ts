/**
 * Live updates across API processes sharing one database: process A is Tessera in
 * this test process, process B a child process, both built by the composition root
 * (main.ts) with the production channel rule. Updates are committed by a projection
 * runner here (the counter projection, publishing to `user:<by>`), so neither hub
 * sees them except through the changefeed.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKnex } from '../../src/database.js';
import { createPostgresEventStore, type PostgresEventStore } from '../../src/eventstore/postgres/postgresEventStore.js';
import { allProjections } from '../../src/projections/index.js';
import type { Projection } from '../../src/projections/projection.js';
import { ProjectionRunner } from '../../src/projections/runtime.js';
import { startChildApp, startTestApp, testEnv, type ChildApp, type TestApp } from '../support/app.js';
import { counterProjection } from '../support/counterProjection.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eventually } from '../support/processes.js';
import { Clients, feedIds, feedRows } from './support.js';

let db: TestDatabase;
let a: TestApp;
let b: ChildApp;
let knex: Knex;
let store: PostgresEventStore;
let runner: ProjectionRunner;
const clients = new Clients();

/** The counter projection, publishing each Taken event to the feed of the user who took it. */
function userFeedCounter(): Projection {
  const counter = counterProjection();
  return {
    ...counter,
    apply: (event, ctx) =>
      counter.apply(event, { ...ctx, publish: (_channel, payload) => ctx.publish(`user:${(event.data as { by: string }).by}`, payload) }),
  };
}

const wsUrl = (httpUrl: string, token?: string) =>
  `${httpUrl.replace(/^http/, 'ws')}/v1/live${token === undefined ? '' : `?access_token=${encodeURIComponent(token)}`}`;

beforeAll(async () => {
  db = await createTestDatabase('live_multi');
  // A also projects, so the read models the production channel rule reads exist.
  a = await startTestApp({ db, env: { PROCESS_ROLES: 'api,projector' } });
  b = await startChildApp(testEnv(db.url, { PROCESS_ROLES: 'api' }));
  knex = createKnex(db.url);
  store = createPostgresEventStore(db.url, { pollIntervalMs: 100 });
  runner = new ProjectionRunner(knex, db.url, store, userFeedCounter(), { batchSize: 15, standbyRetryMs: 100 });
  runner.start();
});
afterEach(async () => {
  await clients.closeAll();
});
afterAll(async () => {
  await clients.closeAll();
  await runner?.stop();
  await store?.close();
  await knex?.destroy();
  await b?.stop();
  await a?.stop();
  await db?.drop();
});

async function take(userId: string, count: number): Promise<void> {
  const stream = `counter-${randomUUID()}`;
  for (let i = 0; i < count; i += 5) {
    const events = Array.from({ length: Math.min(5, count - i) }, () => ({ id: randomUUID(), type: 'Taken', data: { by: userId, amount: 1 } }));
    await store.appendToStream(stream, events, { expectedRevision: 'any' });
  }
}

describe('live updates across API processes', () => {
  it('subscribers on either process receive every update committed by another process, in feed order, for their own user only', async () => {
    const alice = randomUUID();
    const bob = randomUUID();
    const aliceOnA = await clients.connect(wsUrl(a.url, await a.tokenFor(alice)));
    const aliceOnB = await clients.connect(wsUrl(b.url)); // authenticates by message
    aliceOnB.send({ type: 'auth', token: await a.tokenFor(alice) });
    const bobOnB = await clients.connect(wsUrl(b.url, await a.tokenFor(bob)));
    for (const client of [aliceOnA, aliceOnB, bobOnB]) expect(await client.subscribe('user:me')).toMatchObject({ type: 'subscribed' });

    await Promise.all([take(alice, 40), take(bob, 10)]);
    await eventually('projected', async () => (await feedIds(knex, `user:${alice}`)).length === 40 && (await feedIds(knex, `user:${bob}`)).length === 10);
    const aliceFeed = await feedIds(knex, `user:${alice}`);
    const bobFeed = await feedIds(knex, `user:${bob}`);
    await aliceOnA.waitForPosition('user:me', aliceFeed.at(-1)!);
    await aliceOnB.waitForPosition('user:me', aliceFeed.at(-1)!);
    await bobOnB.waitForPosition('user:me', bobFeed.at(-1)!);
    expect(aliceOnA.positions('user:me')).toEqual(aliceFeed);
    expect(aliceOnB.positions('user:me')).toEqual(aliceFeed);
    expect(bobOnB.positions('user:me')).toEqual(bobFeed);
    expect(aliceOnB.updates()[0]!.data).toEqual((await feedRows(knex, `user:${alice}`))[0]!.payload);

    const metrics = await (await fetch(`${b.url}/metrics`)).text();
    expect(metrics).toMatch(/^tessera_live_connections 2$/m);
  });

  it('a client that leaves process A and comes back on process B with since gets exactly what it missed, then live updates', async () => {
    const carol = randomUUID();
    const token = await a.tokenFor(carol);
    const onA = await clients.connect(wsUrl(a.url, token));
    await onA.subscribe('user:me');
    await take(carol, 10);
    await eventually('10 on A', () => onA.updates().length === 10);
    const last = onA.positions('user:me').at(-1)!;
    await onA.close();

    await take(carol, 25);
    await eventually('projected', async () => (await feedIds(knex, `user:${carol}`, last)).length === 25);
    const onB = await clients.connect(wsUrl(b.url, token));
    const answer = await onB.subscribe('user:me', last);
    expect(answer.type).toBe('subscribed');
    expect(onB.positions('user:me')).toEqual(await feedIds(knex, `user:${carol}`, last));

    await take(carol, 5);
    const all = await (async () => {
      await eventually('projected', async () => (await feedIds(knex, `user:${carol}`, last)).length === 30);
      return feedIds(knex, `user:${carol}`, last);
    })();
    await onB.waitForPosition('user:me', all.at(-1)!);
    expect(onB.positions('user:me')).toEqual(all);
  });

  it('the production channel rule applies: unknown channels and events that do not exist are refused', async () => {
    await eventually('read models set up', async () => {
      const names = (await knex('projection_checkpoints').select<Array<{ name: string }>>('name')).map((r) => r.name);
      return allProjections().every((p) => names.includes(p.name));
    });
    const client = await clients.connect(wsUrl(b.url, await a.tokenFor(randomUUID())));
    expect(await client.subscribe('counter:anything')).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(await client.subscribe(`event:${randomUUID()}`)).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(await client.subscribe(`user:${randomUUID()}`)).toMatchObject({ type: 'error', code: 'invalid-channel' });
  });
});
