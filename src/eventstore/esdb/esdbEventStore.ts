/**
 * EventStoreDB adapter for the EventStore port (DESIGN §3), on @eventstore/db-client (pinned).
 *
 * Mapping rules:
 * - Expected revisions map one to one ('any' | 'no_stream' | 'stream_exists' | bigint). The client keeps its
 *   default throwOnAppendFailure, and its WrongExpectedVersionError becomes our WrongExpectedRevisionError.
 * - `position` is the commit position. For gRPC appends EventStoreDB writes commit = prepare, one per event,
 *   so a position is passed back to the server as { commit: p, prepare: p }.
 * - Positions given to the server must be 0n or the position of an existing event: EventStoreDB reads the log
 *   at that byte offset, and an offset in the middle of a record is an invalid position. So readAll pages on
 *   with `afterPosition: last.position`, never with `fromPosition: last.position + 1n`.
 * - System events ($-prefixed types) and EventStoreDB's own streams ($-prefixed names) are never returned by
 *   readAll, headPosition or subscribeToAll.
 * - Subscriptions are consumed with `for await` (backpressure). When one drops with a transient error, it is
 *   re-opened strictly after the last event it received, with a capped exponential backoff.
 */
import {
  BACKWARDS,
  CancelledError,
  DeadlineExceededError,
  END,
  EventStoreDBClient,
  FORWARDS,
  NotLeaderError,
  START,
  StreamNotFoundError,
  TimeoutError,
  UnavailableError,
  WrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
} from '@eventstore/db-client';
import type {
  AllStreamRecordedEvent,
  AllStreamSubscription,
  Filter,
  JSONType,
  Position,
  ReadPosition,
  RecordedEvent as ClientRecordedEvent,
} from '@eventstore/db-client';
import {
  WrongExpectedRevisionError,
  matchesFilter,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
  type Subscription,
  type SubscriptionFilter,
} from '../eventStore.js';

export interface EsdbEventStoreOptions {
  /** Resubscription backoff after a dropped subscription. */
  resubscribe?: {
    /** First delay (default 50 ms); doubles on every consecutive failure. */
    initialDelayMs?: number;
    /** Cap of the delay (default 5 s). */
    maxDelayMs?: number;
    /** Consecutive failed attempts before the error reaches the consumer (default: unlimited). */
    maxAttempts?: number;
  };
  /** Page size used when system events must be skipped while reading (default 256). */
  pageSize?: number;
}

/** 2^64 − 1: servers older than 22.6 send −1 (as unsigned) where a stream read has no position. */
const NO_POSITION = 0xffff_ffff_ffff_ffffn;

/** Backwards page used to find the newest non-system event. */
const HEAD_PAGE_SIZE = 16;

const GRPC_CANCELLED = 1;
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_ABORTED = 10;
const GRPC_UNAVAILABLE = 14;

export function createEsdbEventStore(connectionString: string, options: EsdbEventStoreOptions = {}): EventStore {
  return new EsdbEventStore(EventStoreDBClient.connectionString(connectionString), options);
}

export class EsdbEventStore implements EventStore {
  readonly #client: EventStoreDBClient;
  readonly #options: Required<Pick<EsdbEventStoreOptions, 'pageSize'>> & { resubscribe: Required<NonNullable<EsdbEventStoreOptions['resubscribe']>> };
  readonly #subscriptions = new Set<EsdbSubscription>();
  #closed = false;

  constructor(client: EventStoreDBClient, options: EsdbEventStoreOptions = {}) {
    // With throwOnAppendFailure=false a conflict comes back as { success: false } and, on the BatchAppend path,
    // with a wrong nextExpectedRevision (a client bug): keep the default so conflicts always throw.
    // (The getter is `protected` in the client's typings, public at runtime.)
    if (!(client as unknown as { throwOnAppendFailure: boolean }).throwOnAppendFailure) throw new Error('EsdbEventStore needs throwOnAppendFailure=true (the client default)');
    this.#client = client;
    this.#options = {
      pageSize: options.pageSize ?? 256,
      resubscribe: {
        initialDelayMs: options.resubscribe?.initialDelayMs ?? 50,
        maxDelayMs: options.resubscribe?.maxDelayMs ?? 5_000,
        maxAttempts: options.resubscribe?.maxAttempts ?? Number.POSITIVE_INFINITY,
      },
    };
  }

  async appendToStream(stream: string, events: NewEvent[], opts: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    this.#assertOpen();
    const { expectedRevision } = opts;
    if (events.length === 0) return this.#appendNothing(stream, expectedRevision);
    const eventData = events.map((e) =>
      jsonEvent({
        id: e.id,
        type: e.type,
        // JSON.stringify(undefined) is not JSON; an event without data is stored as null.
        data: (e.data === undefined ? null : e.data) as JSONType,
        metadata: e.metadata ?? {},
      }),
    );
    try {
      const result = await this.#client.appendToStream(stream, eventData, { expectedRevision });
      return {
        nextExpectedRevision: result.nextExpectedRevision,
        position: result.position === undefined ? -1n : result.position.commit,
      };
    } catch (err) {
      if (err instanceof WrongExpectedVersionError) {
        const actual = err.actualVersion;
        throw new WrongExpectedRevisionError(stream, expectedRevision, typeof actual === 'bigint' ? actual : undefined);
      }
      throw err;
    }
  }

  async readStream(stream: string, opts: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.#assertOpen();
    const direction = opts.direction ?? 'forwards';
    if (opts.maxCount !== undefined && opts.maxCount <= 0) return [];
    const fromRevision = opts.fromRevision ?? (direction === 'backwards' ? END : START);
    const out: RecordedEvent[] = [];
    try {
      const read = this.#client.readStream(stream, {
        fromRevision,
        direction: direction === 'backwards' ? BACKWARDS : FORWARDS,
        ...(opts.maxCount === undefined ? {} : { maxCount: opts.maxCount }),
      });
      for await (const resolved of read) {
        if (resolved.event) out.push(toRecordedEvent(resolved.event));
      }
    } catch (err) {
      if (err instanceof StreamNotFoundError) return [];
      throw err;
    }
    return out;
  }

  /** EventStoreDB has no index by event id: scans the stream backwards, newest first, page by page. */
  async readEventById(stream: string, id: string): Promise<RecordedEvent | undefined> {
    let from: bigint | undefined;
    for (;;) {
      // Whole pages (each read runs to its end rather than being abandoned half-way).
      const page = await this.readStream(stream, { direction: 'backwards', maxCount: this.#options.pageSize, ...(from === undefined ? {} : { fromRevision: from }) });
      const found = page.find((event) => event.id === id);
      if (found) return found;
      const oldest = page.at(-1);
      if (!oldest || page.length < this.#options.pageSize || oldest.revision === 0n) return undefined;
      from = oldest.revision - 1n;
    }
  }

  async readAll(opts: ReadAllOptions): Promise<RecordedEvent[]> {
    this.#assertOpen();
    const maxCount = opts.maxCount;
    if (!(maxCount > 0)) return [];
    const out: RecordedEvent[] = [];
    // EventStoreDB reads forwards from a position inclusively. `afterPosition` (exclusive, it wins over
    // fromPosition) is read from that event's position with the event itself skipped; after the first page we
    // restart *at* the last event read (a known record boundary) and skip it the same way.
    const start = opts.afterPosition ?? opts.fromPosition;
    let from: ReadPosition = start === undefined || start < 0n ? START : { commit: start, prepare: start };
    let skip: bigint | undefined = opts.afterPosition !== undefined && opts.afterPosition >= 0n ? opts.afterPosition : undefined;
    for (;;) {
      const wanted = Math.min(this.#options.pageSize, maxCount - out.length) + (skip === undefined ? 0 : 1);
      let received = 0;
      let last: Position | undefined;
      for await (const resolved of this.#client.readAll({ fromPosition: from, maxCount: wanted, direction: FORWARDS })) {
        received += 1;
        const event = resolved.event;
        if (!event) continue;
        last = event.position;
        if (skip !== undefined && event.position.commit === skip) continue;
        if (isSystemEvent(event) || out.length >= maxCount) continue;
        out.push(toRecordedEvent(event));
      }
      if (out.length >= maxCount || received < wanted || last === undefined) return out;
      from = last;
      skip = last.commit;
    }
  }

  subscribeToAll(opts: SubscribeToAllOptions = {}): Subscription {
    this.#assertOpen();
    const subscription = new EsdbSubscription(this.#client, opts, this.#options.resubscribe, (s) => this.#subscriptions.delete(s));
    this.#subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<bigint> {
    this.#assertOpen();
    let from: ReadPosition = END;
    for (;;) {
      let received = 0;
      let oldest: Position | undefined;
      let newestUserEvent: bigint | undefined;
      // Pages are read to their end (never abandoned half-way), so no call is left open.
      for await (const resolved of this.#client.readAll({ fromPosition: from, maxCount: HEAD_PAGE_SIZE, direction: BACKWARDS })) {
        received += 1;
        const event = resolved.event;
        if (!event) continue;
        // Reading backwards from a position excludes it; the guard only matters if a server included it.
        if (oldest !== undefined && event.position.commit >= oldest.commit) continue;
        oldest = event.position;
        if (newestUserEvent === undefined && !isSystemEvent(event)) newestUserEvent = event.position.commit;
      }
      if (newestUserEvent !== undefined) return newestUserEvent;
      if (received < HEAD_PAGE_SIZE || oldest === undefined) return -1n;
      from = oldest;
    }
  }

  async ping(): Promise<void> {
    this.#assertOpen();
    for await (const resolved of this.#client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 })) {
      void resolved;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#subscriptions].map((s) => s.close()));
    await this.#client.dispose();
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('EsdbEventStore is closed');
  }

  /**
   * An empty append writes nothing, so answer it from a read: the gRPC success message cannot tell "no stream"
   * from revision 0 through this client, and EventStoreDB checks the expected revision of empty appends too.
   */
  async #appendNothing(stream: string, expectedRevision: ExpectedRevision): Promise<AppendResult> {
    const [last] = await this.readStream(stream, { direction: 'backwards', maxCount: 1 });
    const actual = last?.revision;
    const ok =
      expectedRevision === 'any' ||
      (expectedRevision === 'no_stream' && actual === undefined) ||
      (expectedRevision === 'stream_exists' && actual !== undefined) ||
      (typeof expectedRevision === 'bigint' && actual === expectedRevision);
    if (!ok) throw new WrongExpectedRevisionError(stream, expectedRevision, actual);
    return { nextExpectedRevision: actual ?? -1n, position: last?.position ?? -1n };
  }
}

/** A $all subscription that survives dropped connections. */
class EsdbSubscription implements Subscription {
  readonly #client: EventStoreDBClient;
  readonly #opts: SubscribeToAllOptions;
  readonly #retry: { initialDelayMs: number; maxDelayMs: number; maxAttempts: number };
  readonly #onClosed: (s: EsdbSubscription) => void;
  readonly #iterator: AsyncGenerator<RecordedEvent, void, undefined>;
  #closed = false;
  #current: AllStreamSubscription | undefined;
  #wake: (() => void) | undefined;

  constructor(
    client: EventStoreDBClient,
    opts: SubscribeToAllOptions,
    retry: { initialDelayMs: number; maxDelayMs: number; maxAttempts: number },
    onClosed: (s: EsdbSubscription) => void,
  ) {
    this.#client = client;
    this.#opts = opts;
    this.#retry = retry;
    this.#onClosed = onClosed;
    this.#iterator = this.#run();
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this.#iterator;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake?.();
    const current = this.#current;
    if (current) {
      // Destroying the readable ends the pending `for await` inside #run; unsubscribe cancels the gRPC call.
      current.destroy();
      await current.unsubscribe();
    }
    this.#onClosed(this);
  }

  async *#run(): AsyncGenerator<RecordedEvent, void, undefined> {
    const { serverFilter, clientFilter } = translateFilter(this.#opts.filter);
    // Exclusive: the server resumes strictly after this position.
    let last = this.#opts.fromPosition;
    let failures = 0;
    try {
      while (!this.#closed) {
        const subscription = this.#client.subscribeToAll({
          fromPosition: last === undefined ? START : { commit: last, prepare: last },
          filter: serverFilter,
        });
        this.#current = subscription;
        subscription.on('caughtUp', () => {
          failures = 0;
        });
        let failure: unknown;
        try {
          for await (const resolved of subscription as AsyncIterable<{ event?: AllStreamRecordedEvent; commitPosition?: bigint }>) {
            if (this.#closed) return;
            const event = resolved.event;
            if (!event) continue;
            const position = event.position.commit;
            // Never deliver an event twice, whatever a server resends after a resubscription.
            if (last !== undefined && position <= last) continue;
            last = position;
            failures = 0;
            if (isSystemEvent(event) || !matchesFilter({ streamName: event.streamId, type: event.type }, clientFilter)) continue;
            yield toRecordedEvent(event);
          }
        } catch (err) {
          failure = err;
        } finally {
          this.#current = undefined;
          subscription.destroy();
          await subscription.unsubscribe();
        }
        if (this.#closed) return;
        // A subscription that ends without an error was ended by the server: treat it as a drop too.
        if (failure !== undefined && !isTransient(failure)) throw failure;
        failures += 1;
        if (failures > this.#retry.maxAttempts) throw failure ?? new Error('$all subscription ended by the server');
        await this.#sleep(Math.min(this.#retry.maxDelayMs, this.#retry.initialDelayMs * 2 ** Math.min(failures - 1, 30)));
      }
    } finally {
      if (!this.#closed) {
        this.#closed = true;
        this.#onClosed(this);
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = () => {
        this.#wake = undefined;
        done();
      };
    });
  }
}

/**
 * Our filter → the client's server-side filter plus what is left to check on the client. EventStoreDB filters
 * on one dimension only; with both prefixes and types, the server filters on types (usually the more selective)
 * and the client on stream prefixes. System events are excluded on the client in every case.
 */
function translateFilter(filter: SubscriptionFilter | undefined): { serverFilter: Filter; clientFilter: SubscriptionFilter | undefined } {
  const types = filter?.eventTypes?.length ? filter.eventTypes : undefined;
  const prefixes = filter?.streamPrefixes?.length ? filter.streamPrefixes : undefined;
  if (types) {
    return {
      serverFilter: eventTypeFilter({ regex: `^(?:${types.map(escapeRegex).join('|')})$` }),
      clientFilter: prefixes ? { streamPrefixes: prefixes } : undefined,
    };
  }
  if (prefixes) return { serverFilter: streamNameFilter({ prefixes }), clientFilter: undefined };
  return { serverFilter: excludeSystemEvents(), clientFilter: undefined };
}

/** Escapes for both .NET (the server) and JavaScript regular expressions. */
function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

function isSystemEvent(event: { type: string; streamId: string }): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

function isTransient(err: unknown): boolean {
  if (
    err instanceof UnavailableError ||
    err instanceof CancelledError ||
    err instanceof DeadlineExceededError ||
    err instanceof TimeoutError ||
    err instanceof NotLeaderError
  ) {
    return true;
  }
  if (typeof err === 'object' && err !== null) {
    const code = (err as { code?: unknown }).code;
    if (
      code === GRPC_UNAVAILABLE ||
      code === GRPC_CANCELLED ||
      code === GRPC_DEADLINE_EXCEEDED ||
      code === GRPC_ABORTED ||
      code === GRPC_RESOURCE_EXHAUSTED ||
      code === 'ERR_STREAM_PREMATURE_CLOSE'
    ) {
      return true;
    }
  }
  return false;
}

function toRecordedEvent(event: ClientRecordedEvent): RecordedEvent {
  const commit = event.position?.commit;
  return {
    id: event.id,
    type: event.type,
    data: event.data,
    metadata: isPlainObject(event.metadata) ? (event.metadata as EventMetadata) : {},
    streamName: event.streamId,
    revision: event.revision,
    position: commit === undefined || commit === NO_POSITION ? -1n : commit,
    recordedAt: event.created,
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
