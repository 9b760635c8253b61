/**
 * Event store figures (issue #2), on the PostgreSQL adapter and a fresh database:
 * - eventstore.append: events/s with 1 and 16 concurrent writers × batches of 1 and 10.
 *   Each writer owns its stream and appends with the exact expected revision, as a
 *   command handler does.
 * - eventstore.catchup: events/s delivered by subscribeToAll from the start over
 *   pre-appended events (what a new or rebuilding subscriber goes through).
 */
import { randomUUID } from 'node:crypto';
import { createKnex, migrateToLatest } from '../src/database.js';
import type { ExpectedRevision, NewEvent } from '../src/eventstore/eventStore.js';
import { createPostgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { closedLoop, log, now, perSecond, round, type BenchContext } from './support.js';

/** A payload shaped like SeatsReserved (about 300 bytes of JSON with its metadata). */
export function seatEvent(userIndex: number): NewEvent {
  return {
    id: randomUUID(),
    type: 'SeatsReserved',
    data: {
      reservationId: randomUUID(),
      userId: `user-${userIndex}`,
      quantity: 1,
      unitPrice: 2500,
      currency: 'EUR',
      status: 'confirmed',
      reservedAt: new Date().toISOString(),
    },
    metadata: { actorId: `user-${userIndex}`, correlationId: randomUUID(), causationId: randomUUID(), schemaVersion: 1 },
  };
}

export async function benchEventStore(ctx: BenchContext): Promise<void> {
  const db = await ctx.database('es');
  const knex = createKnex(db.url, { max: 2 });
  await migrateToLatest(knex);
  await knex.destroy();
  const store = createPostgresEventStore(db.url, { poolSize: 20 });
  const closeStore = ctx.defer('close event store', () => store.close());

  for (const writers of [1, 16]) {
    for (const batch of [1, 10]) {
      const durationMs = ctx.seconds(5) * 1000;
      const revisions: ExpectedRevision[] = Array.from({ length: writers }, () => 'no_stream');
      const streams = Array.from({ length: writers }, () => `benchAppend-${randomUUID()}`);
      let conflicts = 0;
      log(`eventstore.append writers=${writers} batch=${batch} for ${durationMs} ms`);
      const { ops, elapsedMs } = await closedLoop(writers, { durationMs, maxOps: 2_000_000 }, async (w, i) => {
        const events = Array.from({ length: batch }, (_, k) => seatEvent(i * batch + k));
        try {
          const result = await store.appendToStream(streams[w]!, events, { expectedRevision: revisions[w]! });
          revisions[w] = result.nextExpectedRevision;
        } catch {
          conflicts++; // never expected: each writer owns its stream
        }
      });
      const events = ops * batch;
      ctx.emit({
        bench: 'eventstore.append',
        writers,
        batch,
        eventsPerSec: perSecond(events, elapsedMs),
        appendsPerSec: perSecond(ops, elapsedMs),
        events,
        conflicts,
        durationMs: round(elapsedMs),
      });
    }
  }

  await closeStore();

  // Catch-up: its own database holding exactly the pre-appended events, across 100 streams.
  const catchupDb = await ctx.database('esc');
  const knex2 = createKnex(catchupDb.url, { max: 2 });
  await migrateToLatest(knex2);
  await knex2.destroy();
  const writer = createPostgresEventStore(catchupDb.url, { poolSize: 8 });
  const closeWriter = ctx.defer('close writer', () => writer.close());
  const total = ctx.count(100_000);
  log(`eventstore.catchup: pre-appending ${total} events`);
  const preStreams = Array.from({ length: 100 }, () => `benchCatchup-${randomUUID()}`);
  const perAppend = 200;
  const appends = Math.ceil(total / perAppend);
  let next = 0;
  // Not measured: 8 parallel appenders, 'any' revision (several may hit one stream).
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let index = next++; index < appends; index = next++) {
        const count = Math.min(perAppend, total - index * perAppend);
        const events = Array.from({ length: count }, (_, k) => seatEvent(k));
        await writer.appendToStream(preStreams[index % preStreams.length]!, events, { expectedRevision: 'any' });
      }
    }),
  );
  await closeWriter();

  const reader = createPostgresEventStore(catchupDb.url, { poolSize: 4 });
  const closeReader = ctx.defer('close reader', () => reader.close());
  const head = await reader.headPosition();
  log(`eventstore.catchup: reading ${total} events through subscribeToAll`);
  const subscription = reader.subscribeToAll();
  const started = now();
  let received = 0;
  let lastPosition = -1n;
  let ordered = true;
  const timeoutMs = 120_000;
  for await (const event of subscription) {
    if (event.position <= lastPosition) ordered = false;
    lastPosition = event.position;
    received++;
    if (event.position >= head || now() - started > timeoutMs) break;
  }
  const elapsedMs = now() - started;
  await subscription.close();
  await closeReader();
  ctx.emit({
    bench: 'eventstore.catchup',
    events: received,
    expected: total,
    inOrder: ordered,
    eventsPerSec: perSecond(received, elapsedMs),
    batchSize: 500,
    durationMs: round(elapsedMs),
  });
}
