/**
 * Command runtime figures (issue #3): commands/s on ONE hot stream with 1, 16 and 64
 * concurrent callers, per-stream batching (group commit) on and off.
 *
 * Uses the counter decider of the runtime tests (see hotCounterDecider) with a capacity
 * that is never reached. Each
 * configuration gets a fresh stream and a fresh runtime (cold cache, like a process
 * that just started). The store is wrapped to count round trips, so the JSON also
 * shows how many appends and stream reads each command cost, and the decider is
 * wrapped to time decide + evolve (pure CPU inside the runtime).
 */
import { randomUUID } from 'node:crypto';
import { CommandRuntime } from '../src/commands/runtime.js';
import { createKnex, migrateToLatest } from '../src/database.js';
import type { Decider } from '../src/domain/shared/decider.js';
import type { EventStore } from '../src/eventstore/eventStore.js';
import { createPostgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { conflict } from '../src/domain/shared/errors.js';
import type { CounterCommand, CounterEvent } from '../test/support/counterDecider.js';
import { closedLoop, log, now, percentiles, perSecond, round, type BenchContext } from './support.js';

/** Counts round trips through the port without changing behaviour. */
export function countingStore(store: EventStore): { store: EventStore; counts: { appends: number; reads: number; events: number } } {
  const counts = { appends: 0, reads: 0, events: 0 };
  const counted: EventStore = {
    appendToStream: (stream, events, opts) => {
      counts.appends++;
      counts.events += events.length;
      return store.appendToStream(stream, events, opts);
    },
    readStream: (stream, opts) => {
      counts.reads++;
      return store.readStream(stream, opts);
    },
    readEventById: (stream, id) => {
      counts.reads++;
      return store.readEventById(stream, id);
    },
    readAll: (opts) => store.readAll(opts),
    subscribeToAll: (opts) => store.subscribeToAll(opts),
    headPosition: () => store.headPosition(),
    ping: () => store.ping(),
    close: () => store.close(),
  };
  return { store: counted, counts };
}

/**
 * test/support/counterDecider's rule and events, with an O(1) state: the test decider
 * keeps every taker in an array that each evolve copies, which at tens of thousands of
 * events on one stream costs more CPU than the runtime itself (measured: ~40% of the
 * time at 64 callers after 12k commands) and would make this figure about the fixture.
 */
export const hotCounterDecider = (capacity: number): Decider<{ taken: number }, CounterCommand, CounterEvent> => ({
  initialState: () => ({ taken: 0 }),
  evolve: (state, event) => ({ taken: state.taken + event.data.amount }),
  decide: (command, state) => {
    if (state.taken + command.amount > capacity) throw conflict('sold-out', 'no room left');
    return [{ type: 'Taken', data: { by: command.by, amount: command.amount } }];
  },
});

function timedDecider<S, C, E>(decider: Decider<S, C, E>): { decider: Decider<S, C, E>; cpu: { ms: number } } {
  const cpu = { ms: 0 };
  const time = <T>(fn: () => T): T => {
    const t = now();
    try {
      return fn();
    } finally {
      cpu.ms += now() - t;
    }
  };
  return {
    cpu,
    decider: {
      initialState: () => decider.initialState(),
      evolve: (state, event) => time(() => decider.evolve(state, event)),
      decide: (command, state) => time(() => decider.decide(command, state)),
    },
  };
}

export async function benchCommands(ctx: BenchContext): Promise<void> {
  const db = await ctx.database('cmd');
  const knex = createKnex(db.url, { max: 2 });
  await migrateToLatest(knex);
  await knex.destroy();
  const pgStore = createPostgresEventStore(db.url, { poolSize: 20 });
  ctx.defer('close event store', () => pgStore.close());

  for (const batching of [true, false]) {
    for (const callers of [1, 16, 64]) {
      const { store, counts } = countingStore(pgStore);
      const runtime = new CommandRuntime(store, { batching });
      // One decider object per configuration: the runtime caches state per (stream, decider).
      const { decider, cpu } = timedDecider(hotCounterDecider(Number.MAX_SAFE_INTEGER));
      const stream = `benchCounter-${randomUUID()}`;
      const durationMs = ctx.seconds(5) * 1000;
      const latencies: number[] = [];
      let failed = 0;
      log(`commands.hotStream batching=${batching} callers=${callers} for ${durationMs} ms`);
      const { ops, elapsedMs } = await closedLoop(
        callers,
        { durationMs, maxOps: 500_000 },
        async (worker, i) => {
          const t = now();
          try {
            await runtime.execute(decider, stream, { type: 'Take', by: `c${worker}-${i}`, amount: 1 }, {
              actorId: `c${worker}`,
              correlationId: randomUUID(),
              now: new Date(),
            });
            latencies.push(now() - t);
          } catch {
            failed++;
          }
        },
      );
      const stored = (await pgStore.readStream(stream, { direction: 'backwards', maxCount: 1 }))[0]?.revision ?? -1n;
      const accepted = ops - failed;
      const lat = percentiles(latencies);
      ctx.emit({
        bench: 'commands.hotStream',
        batching,
        callers,
        commandsPerSec: perSecond(accepted, elapsedMs),
        commands: accepted,
        failed,
        storedEvents: Number(stored + 1n),
        appends: counts.appends,
        streamReads: counts.reads,
        eventsPerAppend: counts.appends ? round(counts.events / counts.appends, 1) : 0,
        deciderCpuMs: round(cpu.ms),
        latencyMs: lat,
        durationMs: round(elapsedMs),
      });
    }
  }
}
