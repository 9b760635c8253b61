/**
 * Counts a server's event-store calls by wrapping its store's methods on the instance
 * (the command runtime calls them through it), and every SQL query of the process by
 * wrapping pg.Client#query, until stop(). A diagnostic only: the wrappers add a closure
 * call and a clock read, nothing else.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import type { EventStore } from '../src/eventstore/eventStore.js';

export interface StoreCallCounts {
  reads: number;
  eventsRead: number;
  appends: number;
  /** Summed wall time of the calls (as their callers waited for them), ms. */
  readMs: number;
  appendMs: number;
  /** Every query sent by any pg client of the process (event store, knex, listeners). */
  sqlQueries: number;
}

export interface StoreCallCounter {
  counts: StoreCallCounts;
  stop(): void;
}

export function countStoreCalls(store: EventStore): StoreCallCounter {
  const counts: StoreCallCounts = { reads: 0, eventsRead: 0, appends: 0, readMs: 0, appendMs: 0, sqlQueries: 0 };
  const clientProto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = clientProto.query;
  clientProto.query = function (this: unknown, ...args: unknown[]) {
    counts.sqlQueries++;
    return query.apply(this, args);
  };
  const target = store as unknown as Record<'readStream' | 'appendToStream', unknown>;
  const readStream = store.readStream;
  const appendToStream = store.appendToStream;
  target.readStream = async (...args: Parameters<EventStore['readStream']>) => {
    counts.reads++;
    const started = performance.now();
    try {
      const events = await readStream.apply(store, args);
      counts.eventsRead += events.length;
      return events;
    } finally {
      counts.readMs += performance.now() - started;
    }
  };
  target.appendToStream = async (...args: Parameters<EventStore['appendToStream']>) => {
    counts.appends++;
    const started = performance.now();
    try {
      return await appendToStream.apply(store, args);
    } finally {
      counts.appendMs += performance.now() - started;
    }
  };
  return {
    counts,
    stop() {
      // The originals live on the prototype: removing the own properties restores them.
      delete target.readStream;
      delete target.appendToStream;
      clientProto.query = query;
    },
  };
}
