/**
 * The event-store contract (DESIGN §3). Every adapter runs these same cases:
 * postgres directly, esdb through the fake gRPC server (both append paths) and
 * through a real EventStoreDB when ESDB_URL is set.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  WrongExpectedRevisionError,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
  type Subscription,
} from '../../src/eventstore/eventStore.js';

export interface ContractHarness {
  store: EventStore;
  cleanup(): Promise<void>;
  /** Breaks every live subscription's connection, to prove resubscription. */
  faults?: { dropSubscriptions(): Promise<void> | void };
}

export interface ContractHooks {
  create(): Promise<ContractHarness>;
}

export const newEvent = (type = 'Something', data: unknown = { n: 1 }, id = randomUUID()): NewEvent => ({
  id,
  type,
  data,
  metadata: { actorId: 'tester', correlationId: 'c-1', schemaVersion: 1 },
});

/** Takes `count` events from a subscription, failing (not hanging) if they do not come. */
export async function take(sub: Subscription, count: number, timeoutMs = 20_000): Promise<RecordedEvent[]> {
  const got: RecordedEvent[] = [];
  if (count === 0) return got;
  const iterator = sub[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`subscription delivered ${got.length}/${count} events before the deadline`)), timeoutMs);
  });
  try {
    while (got.length < count) {
      const next = await Promise.race([iterator.next(), timeout]);
      if (next.done) throw new Error(`subscription ended after ${got.length}/${count} events`);
      got.push(next.value);
    }
    return got;
  } finally {
    clearTimeout(timer);
  }
}

async function expectWrongRevision(promise: Promise<unknown>, actual: bigint | undefined): Promise<WrongExpectedRevisionError> {
  const error = await promise.then(
    () => { throw new Error('expected WrongExpectedRevisionError, the append succeeded'); },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WrongExpectedRevisionError);
  expect((error as WrongExpectedRevisionError).actual).toBe(actual);
  return error as WrongExpectedRevisionError;
}

export function runEventStoreContract(name: string, hooks: ContractHooks): void {
  describe(`EventStore contract: ${name}`, () => {
    let harness: ContractHarness;
    let store: EventStore;
    const open: Subscription[] = [];
    const stream = (category = 'test') => `${category}-${randomUUID()}`;
    const subscribe = (...args: Parameters<EventStore['subscribeToAll']>) => {
      const sub = store.subscribeToAll(...args);
      open.push(sub);
      return sub;
    };

    beforeEach(async () => {
      harness = await hooks.create();
      store = harness.store;
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
      await harness.cleanup();
    });

    describe('expected revisions', () => {
      it('no_stream creates a stream at revision 0', async () => {
        const s = stream();
        const result = await store.appendToStream(s, [newEvent()], { expectedRevision: 'no_stream' });
        expect(result.nextExpectedRevision).toBe(0n);
        expect(typeof result.position).toBe('bigint');
      });

      it('no_stream fails when the stream exists', async () => {
        const s = stream();
        await store.appendToStream(s, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
        const error = await expectWrongRevision(store.appendToStream(s, [newEvent()], { expectedRevision: 'no_stream' }), 1n);
        expect(error.stream).toBe(s);
        expect(error.expected).toBe('no_stream');
      });

      it('any appends to missing and existing streams', async () => {
        const s = stream();
        expect((await store.appendToStream(s, [newEvent()], { expectedRevision: 'any' })).nextExpectedRevision).toBe(0n);
        expect((await store.appendToStream(s, [newEvent(), newEvent()], { expectedRevision: 'any' })).nextExpectedRevision).toBe(2n);
      });

      it('stream_exists fails on a missing stream and succeeds on an existing one', async () => {
        const s = stream();
        await expectWrongRevision(store.appendToStream(s, [newEvent()], { expectedRevision: 'stream_exists' }), undefined);
        await store.appendToStream(s, [newEvent()], { expectedRevision: 'no_stream' });
        expect((await store.appendToStream(s, [newEvent()], { expectedRevision: 'stream_exists' })).nextExpectedRevision).toBe(1n);
      });

      it('an exact revision succeeds only when it is the current one', async () => {
        const s = stream();
        await store.appendToStream(s, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
        expect((await store.appendToStream(s, [newEvent()], { expectedRevision: 1n })).nextExpectedRevision).toBe(2n);
        const error = await expectWrongRevision(store.appendToStream(s, [newEvent()], { expectedRevision: 1n }), 2n);
        expect(error.expected).toBe(1n);
        await expectWrongRevision(store.appendToStream(s, [newEvent()], { expectedRevision: 5n }), 2n);
        expect(await store.readStream(s)).toHaveLength(3);
      });

      it('an exact revision on a missing stream fails with no actual revision', async () => {
        await expectWrongRevision(store.appendToStream(stream(), [newEvent()], { expectedRevision: 0n }), undefined);
      });

      it('a failed append writes nothing', async () => {
        const s = stream();
        await store.appendToStream(s, [newEvent()], { expectedRevision: 'no_stream' });
        await expectWrongRevision(store.appendToStream(s, [newEvent(), newEvent()], { expectedRevision: 'no_stream' }), 0n);
        expect(await store.readStream(s)).toHaveLength(1);
      });
    });

    describe('idempotent appends', () => {
      it('re-appending the same ids with no_stream returns the first result and writes nothing', async () => {
        const s = stream();
        const events = [newEvent(), newEvent()];
        const first = await store.appendToStream(s, events, { expectedRevision: 'no_stream' });
        const again = await store.appendToStream(s, events, { expectedRevision: 'no_stream' });
        expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
        expect(again.position).toBe(first.position);
        expect(await store.readStream(s)).toHaveLength(2);
      });

      it('re-appending the same ids at the same exact revision is a no-op success, even after later appends', async () => {
        const s = stream();
        await store.appendToStream(s, [newEvent()], { expectedRevision: 'no_stream' });
        const batch = [newEvent(), newEvent()];
        const first = await store.appendToStream(s, batch, { expectedRevision: 0n });
        await store.appendToStream(s, [newEvent()], { expectedRevision: 2n });
        const again = await store.appendToStream(s, batch, { expectedRevision: 0n });
        expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
        expect(again.position).toBe(first.position);
        expect(await store.readStream(s)).toHaveLength(4);
      });

      it('a retry whose ids differ from what is stored there is a conflict', async () => {
        const s = stream();
        const [a, b] = [newEvent(), newEvent()];
        await store.appendToStream(s, [a, b], { expectedRevision: 'no_stream' });
        await expectWrongRevision(store.appendToStream(s, [a, newEvent()], { expectedRevision: 'no_stream' }), 1n);
        await expectWrongRevision(store.appendToStream(s, [newEvent(), b], { expectedRevision: 'no_stream' }), 1n);
        expect(await store.readStream(s)).toHaveLength(2);
      });
    });

    describe('reading a stream', () => {
      it('returns [] for a missing stream', async () => {
        expect(await store.readStream(stream())).toEqual([]);
      });

      it('round-trips type, data, metadata and gives bigint revisions and positions', async () => {
        const s = stream('roundTrip');
        const event = newEvent('ThingHappened', { text: 'héllo ✓', nested: { list: [1, 2] }, at: '2026-01-01T00:00:00.000Z' });
        await store.appendToStream(s, [event], { expectedRevision: 'no_stream' });
        const [read] = await store.readStream(s);
        expect(read).toBeDefined();
        expect(read!.id).toBe(event.id);
        expect(read!.type).toBe('ThingHappened');
        expect(read!.data).toEqual(event.data);
        expect(read!.metadata).toMatchObject({ actorId: 'tester', correlationId: 'c-1', schemaVersion: 1 });
        expect(read!.streamName).toBe(s);
        expect(read!.revision).toBe(0n);
        expect(typeof read!.position).toBe('bigint');
        expect(read!.recordedAt).toBeInstanceOf(Date);
        expect(Math.abs(read!.recordedAt.getTime() - Date.now())).toBeLessThan(10 * 60_000);
      });

      it('reads forwards from a revision with a limit', async () => {
        const s = stream();
        await store.appendToStream(s, Array.from({ length: 10 }, (_, i) => newEvent('E', { i })), { expectedRevision: 'no_stream' });
        const all = await store.readStream(s);
        expect(all.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n]);
        const page = await store.readStream(s, { fromRevision: 3n, maxCount: 4 });
        expect(page.map((e) => (e.data as { i: number }).i)).toEqual([3, 4, 5, 6]);
        expect(await store.readStream(s, { fromRevision: 10n })).toEqual([]);
      });

      it('reads backwards from the end or from a revision', async () => {
        const s = stream();
        await store.appendToStream(s, Array.from({ length: 5 }, (_, i) => newEvent('E', { i })), { expectedRevision: 'no_stream' });
        const fromEnd = await store.readStream(s, { direction: 'backwards', maxCount: 2 });
        expect(fromEnd.map((e) => e.revision)).toEqual([4n, 3n]);
        const fromTwo = await store.readStream(s, { direction: 'backwards', fromRevision: 2n });
        expect(fromTwo.map((e) => e.revision)).toEqual([2n, 1n, 0n]);
      });
    });

    describe('finding an event by id', () => {
      it('finds the newest event of the stream with the id, and nothing for other streams or ids', async () => {
        const s = stream();
        const id = randomUUID();
        await store.appendToStream(s, [newEvent('E', { i: 0 }), newEvent('E', { i: 1 }, id), newEvent('E', { i: 2 })], { expectedRevision: 'no_stream' });
        const found = await store.readEventById(s, id);
        expect(found).toMatchObject({ id, streamName: s, revision: 1n, data: { i: 1 } });
        expect(typeof found!.position).toBe('bigint');
        expect(await store.readEventById(s, randomUUID())).toBeUndefined();
        expect(await store.readEventById(stream(), id)).toBeUndefined();
      });
    });

    describe('$all', () => {
      it('gives every event a strictly increasing global position across streams', async () => {
        const positions: bigint[] = [];
        for (let i = 0; i < 5; i++) {
          const s = stream();
          const result = await store.appendToStream(s, [newEvent(), newEvent()], { expectedRevision: 'no_stream' });
          const events = await store.readStream(s);
          expect(events[1]!.position).toBe(result.position);
          positions.push(...events.map((e) => e.position));
        }
        for (let i = 1; i < positions.length; i++) expect(positions[i]! > positions[i - 1]!).toBe(true);
        expect(await store.headPosition()).toBe(positions.at(-1));
      });

      it('reads all events in position order, from a position inclusive, with a limit', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 6; i++) {
          const e = newEvent('E', { i });
          ids.push(e.id);
          await store.appendToStream(stream(), [e], { expectedRevision: 'no_stream' });
        }
        // $all shows an event once no older transaction anywhere in the cluster is still open
        // (DESIGN §3, postgres adapter): another test's open transaction may delay, never reorder it.
        let all: RecordedEvent[] = [];
        for (let tries = 0; tries < 100 && all.length < ids.length; tries++) {
          if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 100));
          all = (await store.readAll({ maxCount: 1000 })).filter((e) => ids.includes(e.id));
        }
        expect(all.map((e) => e.id)).toEqual(ids);
        const third = all[2]!;
        const page = await store.readAll({ fromPosition: third.position, maxCount: 2 });
        expect(page.map((e) => e.id)).toEqual([ids[2], ids[3]]);
        const after = await store.readAll({ afterPosition: third.position, maxCount: 2 });
        expect(after.map((e) => e.id)).toEqual([ids[3], ids[4]]);
      });
    });

    describe('subscriptions', () => {
      it('catch up with history, then deliver live events', async () => {
        const s = stream();
        await store.appendToStream(s, [newEvent('E', { i: 0 }), newEvent('E', { i: 1 })], { expectedRevision: 'no_stream' });
        const sub = subscribe();
        const history = await take(sub, 2);
        expect(history.map((e) => (e.data as { i: number }).i)).toEqual([0, 1]);
        await store.appendToStream(s, [newEvent('E', { i: 2 })], { expectedRevision: 1n });
        const [live] = await take(sub, 1);
        expect((live!.data as { i: number }).i).toBe(2);
        expect(live!.position > history[1]!.position).toBe(true);
      });

      it('resume strictly after the given position, without duplicates', async () => {
        const s = stream();
        await store.appendToStream(s, [0, 1, 2, 3].map((i) => newEvent('E', { i })), { expectedRevision: 'no_stream' });
        const events = await store.readStream(s);
        const sub = subscribe({ fromPosition: events[1]!.position });
        const got = await take(sub, 2);
        expect(got.map((e) => e.revision)).toEqual([2n, 3n]);
        await store.appendToStream(s, [newEvent('E', { i: 4 })], { expectedRevision: 3n });
        expect((await take(sub, 1))[0]!.revision).toBe(4n);
      });

      it('filter by stream prefix and by event type', async () => {
        const wanted = stream('wantedCategory');
        const other = stream('otherCategory');
        const byPrefix = subscribe({ filter: { streamPrefixes: ['wantedCategory-'] } });
        const byType = subscribe({ filter: { eventTypes: ['Kept'] } });
        await store.appendToStream(other, [newEvent('Kept'), newEvent('Dropped')], { expectedRevision: 'no_stream' });
        await store.appendToStream(wanted, [newEvent('Dropped'), newEvent('Kept')], { expectedRevision: 'no_stream' });
        const prefixed = await take(byPrefix, 2);
        expect(prefixed.every((e) => e.streamName === wanted)).toBe(true);
        const typed = await take(byType, 2);
        expect(typed.map((e) => e.streamName)).toEqual([other, wanted]);
        expect(typed.every((e) => e.type === 'Kept')).toBe(true);
      });

      it('close() ends the iteration', async () => {
        const sub = subscribe();
        const pending = sub[Symbol.asyncIterator]().next();
        await sub.close();
        expect((await pending).done).toBe(true);
      });

      it('resubscribe after the connection drops, with no gap and no duplicate', async (ctx) => {
        if (!harness.faults) return ctx.skip();
        const s = stream();
        await store.appendToStream(s, [newEvent('E', { i: 0 })], { expectedRevision: 'no_stream' });
        const sub = subscribe();
        expect(await take(sub, 1)).toHaveLength(1);
        await harness.faults.dropSubscriptions();
        await store.appendToStream(s, [1, 2].map((i) => newEvent('E', { i })), { expectedRevision: 0n });
        await harness.faults.dropSubscriptions();
        await store.appendToStream(s, [newEvent('E', { i: 3 })], { expectedRevision: 2n });
        const rest = await take(sub, 3);
        expect(rest.map((e) => e.revision)).toEqual([1n, 2n, 3n]);
      });

      it('many concurrent writers: a subscriber receives every event exactly once, in position order', async () => {
        const writers = 12;
        const appendsPerWriter = 15;
        const sharedStreams = [stream('hot'), stream('hot')];
        const sub = subscribe({ filter: { streamPrefixes: ['hot-', 'cold-'] } });
        const appended = new Set<string>();

        async function writer(w: number) {
          for (let i = 0; i < appendsPerWriter; i++) {
            const events = [newEvent('E', { w, i }), newEvent('E', { w, i, second: true })];
            if (i % 3 === 0) {
              // contended stream: optimistic retry on conflict, as a command handler would
              const s = sharedStreams[i % 2]!;
              for (;;) {
                const current = await store.readStream(s, { direction: 'backwards', maxCount: 1 });
                const expected = current[0]?.revision ?? 'no_stream';
                try {
                  await store.appendToStream(s, events, { expectedRevision: expected });
                  break;
                } catch (error) {
                  if (!(error instanceof WrongExpectedRevisionError)) throw error;
                }
              }
            } else {
              await store.appendToStream(stream('cold'), events, { expectedRevision: 'no_stream' });
            }
            events.forEach((e) => appended.add(e.id));
          }
        }
        await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));

        const total = writers * appendsPerWriter * 2;
        expect(appended.size).toBe(total);
        const received = await take(sub, total, 60_000);
        expect(new Set(received.map((e) => e.id)).size).toBe(total);
        expect(received.every((e) => appended.has(e.id))).toBe(true);
        for (let i = 1; i < received.length; i++) expect(received[i]!.position > received[i - 1]!.position).toBe(true);
        for (const s of sharedStreams) {
          const revisions = (await store.readStream(s)).map((e) => e.revision);
          expect(revisions).toEqual(revisions.map((_, i) => BigInt(i)));
        }
      });
    });
  });
}
