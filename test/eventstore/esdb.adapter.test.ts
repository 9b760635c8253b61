/**
 * esdb adapter behaviour the shared contract does not pin down, driven through the real client and the fake
 * EventStoreDB gRPC server: which append path is used, resubscription under repeated drops and failing
 * reconnects, non-transient subscription errors, system events, the filter translation, empty appends, and the
 * created → recordedAt conversion.
 */
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createEsdbEventStore, type EsdbEventStoreOptions } from '../../src/eventstore/esdb/esdbEventStore.js';
import { WrongExpectedRevisionError, type EventStore, type NewEvent, type RecordedEvent } from '../../src/eventstore/eventStore.js';
import { startFakeEsdb, type FakeEsdb, type FakeEsdbOptions } from '../support/fakeEsdb/index.js';
import { take } from './contract.js';

const event = (type = 'E', data: unknown = { n: 1 }): NewEvent => ({ id: randomUUID(), type, data, metadata: { actorId: 'tester' } });
const stream = (category = 'test') => `${category}-${randomUUID()}`;

interface Harness {
  fake: FakeEsdb;
  store: EventStore;
  /** A raw client on the same server, for writes the port cannot make (system events). */
  raw: EventStoreDBClient;
}

/** Polls a condition (the server learns of a client-side cancel asynchronously). */
async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

async function harness(fakeOptions: FakeEsdbOptions = {}, storeOptions: EsdbEventStoreOptions = {}): Promise<Harness> {
  const fake = await startFakeEsdb(fakeOptions);
  const store = createEsdbEventStore(fake.url, { resubscribe: { initialDelayMs: 5, maxDelayMs: 50 }, ...storeOptions });
  const raw = EventStoreDBClient.connectionString(fake.url);
  open.push(async () => {
    await store.close();
    await raw.dispose();
    await fake.stop();
  });
  return { fake, store, raw };
}

describe('esdb adapter: append paths', () => {
  it.each([
    { name: 'BatchAppend advertised', options: { batchAppend: true }, path: 'batchAppend' },
    { name: 'BatchAppend not advertised', options: { batchAppend: false }, path: 'append' },
    { name: 'no ServerFeatures service (UNIMPLEMENTED)', options: { serverFeatures: false }, path: 'append' },
  ] as const)('$name → the client uses $path', async ({ options, path }) => {
    const { fake, store } = await harness(options);
    const s = stream();
    await store.appendToStream(s, [event(), event()], { expectedRevision: 'no_stream' });
    await store.appendToStream(s, [event()], { expectedRevision: 1n });
    await expect(store.appendToStream(s, [event()], { expectedRevision: 0n })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    if (path === 'batchAppend') {
      expect(fake.calls.batchAppendRequests).toBe(3);
      expect(fake.calls.append).toBe(0);
    } else {
      expect(fake.calls.append).toBe(3);
      expect(fake.calls.batchAppendRequests).toBe(0);
    }
    expect((await store.readStream(s)).map((e) => e.revision)).toEqual([0n, 1n, 2n]);
  });
});

describe.each([true, false])('esdb adapter (batchAppend: %s)', (batchAppend) => {
  it('translates WrongExpectedVersionError: expected as requested, actual undefined for a missing stream', async () => {
    const { store } = await harness({ batchAppend });
    const s = stream();
    const cases: Array<[NewEvent[], 'any' | 'no_stream' | 'stream_exists' | bigint, bigint | undefined]> = [
      [[event()], 'stream_exists', undefined],
      [[event()], 3n, undefined],
    ];
    for (const [events, expectedRevision, actual] of cases) {
      const error = await store.appendToStream(s, events, { expectedRevision }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      expect(error).toMatchObject({ name: 'WrongExpectedRevisionError', stream: s, expected: expectedRevision, actual });
    }
    await store.appendToStream(s, [event(), event(), event()], { expectedRevision: 'any' });
    const error = await store.appendToStream(s, [event()], { expectedRevision: 'no_stream' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ stream: s, expected: 'no_stream', actual: 2n });
  });

  it('re-appending the same ids with any or stream_exists is idempotent (the fake keeps every id)', async () => {
    const { store } = await harness({ batchAppend });
    const s = stream();
    const batch = [event(), event()];
    const first = await store.appendToStream(s, batch, { expectedRevision: 'any' });
    await store.appendToStream(s, [event()], { expectedRevision: 'any' });
    expect(await store.appendToStream(s, batch, { expectedRevision: 'any' })).toEqual(first);
    expect(await store.appendToStream(s, batch, { expectedRevision: 'stream_exists' })).toEqual(first);
    // The first id known, a later one not: corrupted idempotency, a conflict.
    await expect(store.appendToStream(s, [batch[0]!, event()], { expectedRevision: 'any' })).rejects.toBeInstanceOf(
      WrongExpectedRevisionError,
    );
    expect(await store.readStream(s)).toHaveLength(3);
  });

  it('an empty append checks the expected revision and writes nothing', async () => {
    const { store } = await harness({ batchAppend });
    const s = stream();
    expect(await store.appendToStream(s, [], { expectedRevision: 'no_stream' })).toEqual({ nextExpectedRevision: -1n, position: -1n });
    await expect(store.appendToStream(s, [], { expectedRevision: 'stream_exists' })).rejects.toMatchObject({ actual: undefined });
    const written = await store.appendToStream(s, [event()], { expectedRevision: 'no_stream' });
    expect(await store.appendToStream(s, [], { expectedRevision: 0n })).toEqual(written);
    await expect(store.appendToStream(s, [], { expectedRevision: 'no_stream' })).rejects.toMatchObject({ actual: 0n });
    expect(await store.readStream(s)).toHaveLength(1);
  });
});

describe('esdb adapter: events', () => {
  it('recordedAt comes from the server\'s created ticks; metadata and data round-trip; missing data is null', async () => {
    const ticks = 17_000_000_001_234_567n; // .NET ticks since the Unix epoch = 1_700_000_000_123.4567 ms
    const { store } = await harness({ nowTicks: () => ticks });
    const s = stream();
    await store.appendToStream(
      s,
      [
        { id: randomUUID(), type: 'WithMeta', data: { a: [1, 'two'] }, metadata: { actorId: 'u1', correlationId: 'c', schemaVersion: 2 } },
        { id: randomUUID(), type: 'Bare', data: undefined },
      ],
      { expectedRevision: 'no_stream' },
    );
    const [first, second] = await store.readStream(s);
    expect(first!.recordedAt.getTime()).toBe(1_700_000_000_123);
    expect(first!.metadata).toEqual({ actorId: 'u1', correlationId: 'c', schemaVersion: 2 });
    expect(first!.data).toEqual({ a: [1, 'two'] });
    expect(second!.data).toBeNull();
    expect(second!.metadata).toEqual({});
  });

  it('readAll, headPosition and subscriptions skip system events and $-streams', async () => {
    const { store, raw } = await harness({}, { pageSize: 2 });
    const user: string[] = [];
    const appendUser = async () => {
      const e = event();
      user.push(e.id);
      await store.appendToStream(stream(), [e], { expectedRevision: 'no_stream' });
    };
    const appendSystem = async () => {
      await raw.appendToStream('$settings-x', [jsonEvent({ type: 'SettingsChanged', data: {} })]);
      await raw.appendToStream(`ordinary-${randomUUID()}`, [jsonEvent({ type: '$metadata', data: {} }), jsonEvent({ type: '$>', data: {} })]);
    };
    await appendSystem();
    await appendUser();
    await appendSystem();
    await appendSystem();
    await appendUser();
    await appendUser();
    await appendSystem();

    const all = await store.readAll({ maxCount: 100 });
    expect(all.map((e) => e.id)).toEqual(user);
    expect((await store.readAll({ maxCount: 2 })).map((e) => e.id)).toEqual(user.slice(0, 2));
    expect((await store.readAll({ fromPosition: all[1]!.position, maxCount: 5 })).map((e) => e.id)).toEqual(user.slice(1));
    // Paging on from a delivered event: exclusive, across pages that hold only system events.
    expect((await store.readAll({ afterPosition: all[0]!.position, maxCount: 5 })).map((e) => e.id)).toEqual(user.slice(1));
    expect((await store.readAll({ afterPosition: all[1]!.position, maxCount: 1 })).map((e) => e.id)).toEqual(user.slice(2));
    expect((await store.readAll({ afterPosition: all[2]!.position, maxCount: 5 }))).toEqual([]);
    expect((await store.readAll({ afterPosition: -1n, maxCount: 5 })).map((e) => e.id)).toEqual(user);
    expect(await store.headPosition()).toBe(all.at(-1)!.position);

    const sub = store.subscribeToAll();
    expect((await take(sub, 3)).map((e) => e.id)).toEqual(user);
    await appendSystem();
    await appendUser();
    expect((await take(sub, 1))[0]!.id).toBe(user.at(-1));
    await sub.close();
  });

  it('headPosition is -1n for an empty store and for a store holding only system events', async () => {
    const { store, raw } = await harness();
    expect(await store.headPosition()).toBe(-1n);
    for (let i = 0; i < 40; i++) await raw.appendToStream('$stats-x', [jsonEvent({ type: '$statsCollected', data: { i } })]);
    expect(await store.headPosition()).toBe(-1n);
    await store.ping();
  });

  it('readAll from a position inside a record fails, as on a real server', async () => {
    const { store } = await harness();
    await store.appendToStream(stream(), [event(), event()], { expectedRevision: 'no_stream' });
    const [first] = await store.readAll({ maxCount: 1 });
    await expect(store.readAll({ fromPosition: first!.position + 1n, maxCount: 10 })).rejects.toThrow(/invalid position/i);
  });
});

describe('esdb adapter: subscription filters', () => {
  it('event types are matched exactly (regex metacharacters escaped) and combine with stream prefixes', async () => {
    const { store } = await harness();
    const wanted = stream('orders');
    const other = stream('carts');
    const byType = store.subscribeToAll({ filter: { eventTypes: ['Order.Placed', 'Order+Paid'] } });
    const both = store.subscribeToAll({ filter: { eventTypes: ['Order.Placed'], streamPrefixes: ['orders-'] } });
    await store.appendToStream(other, [event('OrderXPlaced'), event('Order.Placed'), event('Order.Placed.Twice')], { expectedRevision: 'no_stream' });
    await store.appendToStream(wanted, [event('OrderrPaid'), event('Order+Paid'), event('Order.Placed')], { expectedRevision: 'no_stream' });
    const typed = await take(byType, 3);
    expect(typed.map((e) => [e.streamName, e.type])).toEqual([
      [other, 'Order.Placed'],
      [wanted, 'Order+Paid'],
      [wanted, 'Order.Placed'],
    ]);
    const combined = await take(both, 1);
    expect(combined.map((e) => [e.streamName, e.type])).toEqual([[wanted, 'Order.Placed']]);
    // Nothing else arrives: a later matching event is the next one delivered.
    await store.appendToStream(wanted, [event('Order.Placed')], { expectedRevision: 2n });
    expect((await take(both, 1))[0]!.revision).toBe(3n);
    await Promise.all([byType.close(), both.close()]);
  });
});

describe('esdb adapter: resubscription', () => {
  async function seed(store: EventStore, streams: number, perStream: number): Promise<RecordedEvent[]> {
    for (let s = 0; s < streams; s++) {
      await store.appendToStream(stream('seed'), Array.from({ length: perStream }, (_, i) => event('E', { s, i })), { expectedRevision: 'no_stream' });
    }
    return store.readAll({ maxCount: streams * perStream });
  }

  it.each([true, false])('drops during catch-up and live, with failing reconnects: no gap, no duplicate (filtered: %s)', async (filtered) => {
    const { fake, store } = await harness();
    const history = await seed(store, 10, 50);
    const sub = store.subscribeToAll(filtered ? { filter: { streamPrefixes: ['seed-'] } } : {});
    const got: RecordedEvent[] = [];
    got.push(...(await take(sub, 120)));
    fake.faults.dropSubscriptions();
    got.push(...(await take(sub, 200)));
    // The next two reconnect attempts are refused; the third gets through.
    const readsBefore = fake.calls.read;
    fake.faults.failNext(2, status.UNAVAILABLE);
    fake.faults.dropSubscriptions();
    got.push(...(await take(sub, history.length - got.length)));
    expect(fake.calls.read - readsBefore).toBeGreaterThanOrEqual(3);
    expect(got.map((e) => e.id)).toEqual(history.map((e) => e.id));

    // live: drop between appends
    const live = [event('L', { n: 0 }), event('L', { n: 1 }), event('L', { n: 2 })];
    const s = stream('seed');
    await store.appendToStream(s, [live[0]!], { expectedRevision: 'no_stream' });
    fake.faults.dropSubscriptions();
    await store.appendToStream(s, [live[1]!], { expectedRevision: 0n });
    fake.faults.dropSubscriptions();
    fake.faults.dropSubscriptions();
    await store.appendToStream(s, [live[2]!], { expectedRevision: 1n });
    const after = await take(sub, 3);
    expect(after.map((e) => e.id)).toEqual(live.map((e) => e.id));
    await sub.close();
  });

  it('resumes after the caller\'s position when the very first connection fails', async () => {
    const { fake, store } = await harness();
    const history = await seed(store, 2, 5);
    fake.faults.failNext(3, status.UNAVAILABLE);
    const sub = store.subscribeToAll({ fromPosition: history[3]!.position });
    expect((await take(sub, 6)).map((e) => e.id)).toEqual(history.slice(4).map((e) => e.id));
    await sub.close();
  });

  it('a non-transient error reaches the consumer', async () => {
    const { fake, store } = await harness();
    await seed(store, 1, 1);
    fake.faults.failNext(1, status.INVALID_ARGUMENT, 'bad request');
    const sub = store.subscribeToAll();
    await expect(take(sub, 1)).rejects.toThrow(/bad request/);
  });

  it('gives up after maxAttempts consecutive failures', async () => {
    const { fake, store } = await harness({}, { resubscribe: { initialDelayMs: 1, maxDelayMs: 5, maxAttempts: 2 } });
    await seed(store, 1, 1);
    fake.faults.failNext(3, status.UNAVAILABLE);
    const sub = store.subscribeToAll();
    await expect(take(sub, 1)).rejects.toThrow();
    expect(fake.calls.read).toBe(4); // the seed's readAll, then three refused subscription attempts
  });

  it('a slow consumer loses nothing (backpressure) and close() while it holds an event ends the iteration', async () => {
    const { store } = await harness();
    const history = await seed(store, 4, 250);
    const sub = store.subscribeToAll();
    const iterator = sub[Symbol.asyncIterator]();
    const got: string[] = [];
    for (let i = 0; i < history.length; i++) {
      const next = await iterator.next();
      if (next.done) throw new Error('ended early');
      got.push(next.value.id);
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(got).toEqual(history.map((e) => e.id));
    await sub.close();
    expect((await iterator.next()).done).toBe(true);
  });

  it('store.close() ends open subscriptions and makes the store unusable', async () => {
    const { fake, store } = await harness();
    const sub = store.subscribeToAll();
    const pending = sub[Symbol.asyncIterator]().next();
    await store.close();
    expect((await pending).done).toBe(true);
    await eventually(() => fake.faults.activeSubscriptions === 0, 'the server to see the subscription cancelled');
    await expect(store.readAll({ maxCount: 1 })).rejects.toThrow(/closed/);
  });
});

describe('esdb adapter: configuration', () => {
  it('refuses a connection string that turns throwOnAppendFailure off', () => {
    expect(() => createEsdbEventStore('esdb://127.0.0.1:2113?tls=false&throwOnAppendFailure=false')).toThrow(/throwOnAppendFailure/);
  });
});
