/**
 * The shared event-store contract against the esdb adapter:
 * - through the in-process fake EventStoreDB gRPC server, once with BatchAppend advertised (the client's
 *   bidirectional append path) and once without it (the client-streaming Append path), a fresh server per case;
 * - through a real EventStoreDB when ESDB_URL is set (e.g. esdb://127.0.0.1:2113?tls=false). A real server
 *   cannot be emptied, so each case runs in its own namespace (NamespacedStore below); that wrapper is also run
 *   against one shared fake server, so the real-server path is exercised even where no server is available.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe } from 'vitest';
import { createEsdbEventStore } from '../../src/eventstore/esdb/esdbEventStore.js';
import type {
  EventStore,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
  Subscription,
} from '../../src/eventstore/eventStore.js';
import { startFakeEsdb, type FakeEsdb } from '../support/fakeEsdb/index.js';
import { runEventStoreContract } from './contract.js';

for (const batchAppend of [true, false]) {
  runEventStoreContract(`esdb via fake server (${batchAppend ? 'BatchAppend' : 'Append'})`, {
    async create() {
      // A fresh server per case: an isolated, empty store.
      const fake = await startFakeEsdb({ batchAppend });
      const store = createEsdbEventStore(fake.url, { resubscribe: { initialDelayMs: 10, maxDelayMs: 200 } });
      return {
        store,
        faults: { dropSubscriptions: () => fake.faults.dropSubscriptions() },
        async cleanup() {
          await store.close();
          await fake.stop();
        },
      };
    },
  });
}

describe('esdb via one shared fake server, namespaced as for a real server', () => {
  let shared: FakeEsdb;
  beforeAll(async () => {
    shared = await startFakeEsdb();
  });
  afterAll(async () => {
    await shared.stop();
  });
  runEventStoreContract('esdb via shared fake server (namespaced)', {
    async create() {
      const inner = createEsdbEventStore(shared.url, { resubscribe: { initialDelayMs: 10, maxDelayMs: 200 } });
      const store = await NamespacedStore.open(inner);
      return { store, faults: { dropSubscriptions: () => shared.faults.dropSubscriptions() }, cleanup: () => store.close() };
    },
  });
});

const realServerUrl = process.env.ESDB_URL;

// Registered only when a real server is given, so ordinary runs report no skipped tests.
if (realServerUrl) {
  runEventStoreContract('esdb via real server', {
    async create() {
      const inner = createEsdbEventStore(realServerUrl!);
      const store = await NamespacedStore.open(inner);
      return { store, cleanup: () => store.close() };
    },
  });
}

/**
 * A real server cannot be emptied between cases, so each case gets a fresh namespace on it: stream names are
 * prefixed with a unique token (stripped on the way out) and $all is cut to this namespace's events after the
 * head at creation. Test support only; the adapter under test is the inner store.
 */
class NamespacedStore implements EventStore {
  readonly #inner: EventStore;
  readonly #ns: string;
  readonly #baseline: bigint;
  #head = -1n;

  private constructor(inner: EventStore, baseline: bigint) {
    this.#inner = inner;
    this.#ns = `t${randomUUID().replace(/-/g, '')}_`;
    this.#baseline = baseline;
  }

  static async open(inner: EventStore): Promise<NamespacedStore> {
    return new NamespacedStore(inner, await inner.headPosition());
  }

  async appendToStream(...[stream, events, opts]: Parameters<EventStore['appendToStream']>) {
    try {
      const result = await this.#inner.appendToStream(this.#ns + stream, events, opts);
      if (result.position > this.#head) this.#head = result.position;
      return result;
    } catch (error) {
      if (error instanceof Error && 'stream' in error && typeof error.stream === 'string') {
        Object.defineProperty(error, 'stream', { value: error.stream.slice(this.#ns.length) });
      }
      throw error;
    }
  }

  async readStream(stream: string, opts?: ReadStreamOptions) {
    return (await this.#inner.readStream(this.#ns + stream, opts)).map((e) => this.#strip(e));
  }

  async readEventById(stream: string, id: string) {
    const event = await this.#inner.readEventById(this.#ns + stream, id);
    return event && this.#strip(event);
  }

  async readAll(opts: ReadAllOptions): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    // Nothing at or before the baseline belongs to this namespace.
    const first: Pick<ReadAllOptions, 'fromPosition' | 'afterPosition'> =
      opts.afterPosition !== undefined
        ? { afterPosition: opts.afterPosition > this.#baseline ? opts.afterPosition : this.#baseline }
        : opts.fromPosition !== undefined && opts.fromPosition > this.#baseline
          ? { fromPosition: opts.fromPosition }
          : { afterPosition: this.#baseline };
    let page = await this.#inner.readAll({ ...first, maxCount: 256 });
    for (;;) {
      for (const event of page) {
        if (event.streamName.startsWith(this.#ns) && out.length < opts.maxCount) out.push(this.#strip(event));
      }
      const last = page.at(-1);
      if (out.length >= opts.maxCount || page.length < 256 || !last) return out;
      page = await this.#inner.readAll({ afterPosition: last.position, maxCount: 256 });
    }
  }

  subscribeToAll(opts: SubscribeToAllOptions = {}): Subscription {
    const prefixes = opts.filter?.streamPrefixes?.length ? opts.filter.streamPrefixes : [''];
    const fromPosition = opts.fromPosition === undefined || opts.fromPosition < this.#baseline ? this.#baseline : opts.fromPosition;
    const inner = this.#inner.subscribeToAll({
      ...(fromPosition >= 0n ? { fromPosition } : {}),
      filter: { ...opts.filter, streamPrefixes: prefixes.map((p) => this.#ns + p) },
    });
    const strip = (e: RecordedEvent) => this.#strip(e);
    return {
      close: () => inner.close(),
      async *[Symbol.asyncIterator]() {
        for await (const event of inner) yield strip(event);
      },
    };
  }

  async headPosition(): Promise<bigint> {
    return this.#head;
  }

  ping(): Promise<void> {
    return this.#inner.ping();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  #strip(event: RecordedEvent): RecordedEvent {
    return { ...event, streamName: event.streamName.slice(this.#ns.length) };
  }
}
