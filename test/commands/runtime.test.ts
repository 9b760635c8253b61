import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandRuntime } from '../../src/commands/runtime.js';
import { PreconditionFailedError } from '../../src/commands/errors.js';
import { DomainError } from '../../src/domain/shared/errors.js';
import { createKnex, migrateToLatest } from '../../src/database.js';
import type { EventStore } from '../../src/eventstore/eventStore.js';
import { createPostgresEventStore, type PostgresEventStore } from '../../src/eventstore/postgres/postgresEventStore.js';
import { counterDecider } from '../support/counterDecider.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
let knex: Knex;
let store: PostgresEventStore;
const meta = (extra: object = {}) => ({ actorId: 'u-1', correlationId: randomUUID(), now: new Date(), ...extra });

beforeAll(async () => {
  db = await createTestDatabase('runtime');
  knex = createKnex(db.url);
  await migrateToLatest(knex);
  store = createPostgresEventStore(db.url, { poolSize: 20 });
});
afterAll(async () => {
  await store?.close();
  await knex?.destroy();
  await db?.drop();
});

async function settleAll<T>(promises: Promise<T>[]) {
  const results = await Promise.allSettled(promises);
  const accepted = results.filter((r) => r.status === 'fulfilled').length;
  const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  return { accepted, rejected, results };
}

describe.each([
  ['batching on', true],
  ['batching off', false],
])('command runtime (%s)', (_, batching) => {
  it('500 concurrent commands on one stream: every caller gets an answer and the stream holds exactly the accepted ones', async () => {
    const runtime = new CommandRuntime(store, { batching });
    const stream = `counter-${randomUUID()}`;
    const decider = counterDecider(300);
    const { accepted, rejected } = await settleAll(
      Array.from({ length: 500 }, (_, i) => runtime.execute(decider, stream, { type: 'Take', by: `c${i}`, amount: 1 }, meta())),
    );
    expect(accepted).toBe(300);
    expect(rejected).toHaveLength(200);
    expect(rejected.every((r) => r.reason instanceof DomainError && r.reason.code === 'sold-out')).toBe(true);
    const events = await store.readStream(stream);
    expect(events).toHaveLength(300);
    expect(new Set(events.map((e) => (e.data as { by: string }).by)).size).toBe(300);
  });
});

describe('command runtime', () => {
  it('a rejected command inside a batch does not affect the others in it', async () => {
    const runtime = new CommandRuntime(store);
    const stream = `counter-${randomUUID()}`;
    const decider = counterDecider(10);
    const results = await Promise.allSettled([
      runtime.execute(decider, stream, { type: 'Take', by: 'a', amount: 4 }, meta()),
      runtime.execute(decider, stream, { type: 'Take', by: 'too-big', amount: 7 }, meta()),
      runtime.execute(decider, stream, { type: 'Take', by: 'b', amount: 6 }, meta()),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const [a, , b] = results as PromiseFulfilledResult<{ revision: bigint | undefined; position: bigint | undefined }>[];
    expect(a!.value.revision).toBe(0n);
    expect(b!.value.revision).toBe(1n);
    expect((await store.readStream(stream)).map((e) => (e.data as { by: string }).by)).toEqual(['a', 'b']);
  });

  it('two processes (runtimes) writing one stream never exceed capacity: conflicts re-decide the batch', async () => {
    const stream = `counter-${randomUUID()}`;
    const decider = counterDecider(150);
    const [one, two] = [new CommandRuntime(store), new CommandRuntime(store)];
    const { accepted } = await settleAll(
      Array.from({ length: 400 }, (_, i) =>
        (i % 2 ? one : two).execute(decider, stream, { type: 'Take', by: `c${i}`, amount: 1 }, meta()),
      ),
    );
    expect(accepted).toBe(150);
    expect(await store.readStream(stream)).toHaveLength(150);
  });

  it('If-Match: a stale expected revision is rejected with PreconditionFailedError, the right one passes', async () => {
    const runtime = new CommandRuntime(store);
    const stream = `counter-${randomUUID()}`;
    const decider = counterDecider(10);
    await runtime.execute(decider, stream, { type: 'Take', by: 'a', amount: 1 }, meta());
    await expect(
      runtime.execute(decider, stream, { type: 'Take', by: 'b', amount: 1 }, meta({ expectedRevision: 5n })),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
    const ok = await runtime.execute(decider, stream, { type: 'Take', by: 'b', amount: 1 }, meta({ expectedRevision: 0n }));
    expect(ok.revision).toBe(1n);
  });

  it('sees writes from elsewhere: a cached state is caught up before deciding', async () => {
    const runtime = new CommandRuntime(store);
    const stream = `counter-${randomUUID()}`;
    const decider = counterDecider(2);
    await runtime.execute(decider, stream, { type: 'Take', by: 'a', amount: 1 }, meta());
    // another process takes the last seat directly
    await store.appendToStream(stream, [{ id: randomUUID(), type: 'Taken', data: { by: 'other', amount: 1 } }], { expectedRevision: 0n });
    await expect(runtime.execute(decider, stream, { type: 'Take', by: 'b', amount: 1 }, meta())).rejects.toMatchObject({ code: 'sold-out' });
  });

  it('reads a stream once, then decides on the cached state (an append conflict would catch it up)', async () => {
    const stream = `counter-${randomUUID()}`;
    const decider = counterDecider(5);
    const reads: Array<bigint | undefined> = [];
    const counting: EventStore = Object.create(store, {
      readStream: { value: (s: string, o?: { fromRevision?: bigint }) => { reads.push(o?.fromRevision); return store.readStream(s, o); } },
    });
    const runtime = new CommandRuntime(counting);
    for (let i = 0; i < 5; i++) await runtime.execute(decider, stream, { type: 'Take', by: `c${i}`, amount: 1 }, meta());
    expect(reads).toEqual([0n]);
    // a rejection is never answered from the cache alone: it is checked against the store
    await expect(runtime.execute(decider, stream, { type: 'Take', by: 'late', amount: 1 }, meta())).rejects.toMatchObject({ code: 'sold-out' });
    expect(reads).toEqual([0n, 5n]);
  });

  it('derives event ids from the idempotency key, so the same command retried is stored once', async () => {
    const stream = `counter-${randomUUID()}`;
    const decider = counterDecider(10);
    const first = await new CommandRuntime(store).execute(decider, stream, { type: 'Take', by: 'a', amount: 1 }, meta({ idempotencyKey: 'k-1' }));
    const [stored] = await store.readStream(stream);
    expect(stored!.metadata).toMatchObject({ idempotencyKey: 'k-1', actorId: 'u-1', schemaVersion: 1 });
    // the same append again, as a crashed-and-retried request would do it
    await store.appendToStream(stream, [{ id: stored!.id, type: 'Taken', data: stored!.data }], { expectedRevision: 'no_stream' });
    expect(await store.readStream(stream)).toHaveLength(1);
    expect(first.position).toBe(stored!.position);
  });
});

describe('command runtime: a keyed command whose earlier attempt committed (issue 8 item 14)', () => {
  it('is answered from the committed events, not decided again, though the stream has moved on', async () => {
    const first = new CommandRuntime(store);
    const stream = `counter-${randomUUID()}`;
    const decider = counterDecider(2);
    const key = `k-${randomUUID()}`;
    const made = await first.execute(decider, stream, { type: 'Take', by: 'alice', amount: 2 }, meta({ idempotencyKey: key }));

    // Another process retries after the first one died without answering; the counter is full now.
    const retrying = new CommandRuntime(store);
    const retried = await retrying.execute(decider, stream, { type: 'Take', by: 'alice', amount: 2 }, meta({ idempotencyKey: key }));
    expect(retried).toEqual(made);
    expect(await store.readStream(stream)).toHaveLength(1);

    // A caller that knows the key is new decides (and is refused), and so does another actor with the key.
    await expect(retrying.execute(decider, stream, { type: 'Take', by: 'alice', amount: 2 }, meta({ idempotencyKey: key, idempotencyKeyIsNew: true }))).rejects.toMatchObject({ code: 'sold-out' });
    await expect(retrying.execute(decider, stream, { type: 'Take', by: 'bob', amount: 2 }, meta({ actorId: 'u-2', idempotencyKey: key }))).rejects.toMatchObject({ code: 'sold-out' });
  });

  it('answers from the earlier write when it commits after the lookup, caught by the revision conflict', async () => {
    const stream = `counter-${randomUUID()}`;
    const decider = counterDecider(2);
    const key = `k-${randomUUID()}`;
    const command = { type: 'Take' as const, by: 'alice', amount: 1 };
    const dying = new CommandRuntime(store);
    const other = new CommandRuntime(store);
    // The retry's lookup finds nothing; the earlier attempt's append lands right after it.
    let earlier: Promise<unknown> | undefined;
    const racing: EventStore = Object.assign(Object.create(store) as EventStore, {
      readEventById: async (s: string, id: string) => {
        const found = await store.readEventById(s, id);
        earlier ??= dying.execute(decider, stream, command, meta({ idempotencyKey: key }));
        await earlier;
        return found;
      },
    });
    const retrying = new CommandRuntime(racing);
    await retrying.load(decider, stream); // caches the empty stream, so the retry decides without reading
    await other.execute(decider, stream, { type: 'Take', by: 'bob', amount: 1 }, meta({ actorId: 'u-2' }));
    const retried = await retrying.execute(decider, stream, command, meta({ idempotencyKey: key }));
    expect(earlier).toBeDefined();
    // Decided again, it would be sold-out (bob + alice fill the counter).
    expect(retried).toEqual(await earlier);
    expect(await store.readStream(stream)).toHaveLength(2);
  });
});
