/**
 * The event-store port (DESIGN §3). Both adapters (postgres/, esdb/) implement it
 * and pass one contract suite (test/eventstore/contract.ts).
 *
 * Positions and revisions are bigint everywhere in code; never squeeze them into Number.
 */

export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

export interface EventMetadata {
  actorId?: string;
  correlationId?: string;
  causationId?: string;
  idempotencyKey?: string;
  schemaVersion?: number;
  [key: string]: unknown;
}

export interface NewEvent<Type extends string = string, Data = unknown> {
  /** uuid; derived from the idempotency key when there is one, so retries de-duplicate. */
  id: string;
  type: Type;
  data: Data;
  metadata?: EventMetadata;
}

export interface RecordedEvent<Type extends string = string, Data = unknown> {
  id: string;
  type: Type;
  data: Data;
  metadata: EventMetadata;
  streamName: string;
  /** 0-based, contiguous within the stream. */
  revision: bigint;
  /** Global, strictly increasing over all streams (EventStoreDB: the commit position). */
  position: bigint;
  recordedAt: Date;
}

export interface AppendResult {
  /** Revision of the last event now in the stream. */
  nextExpectedRevision: bigint;
  /** Position of the last appended event. */
  position: bigint;
}

export interface ReadStreamOptions {
  fromRevision?: bigint;
  maxCount?: number;
  direction?: 'forwards' | 'backwards';
}

export interface ReadAllOptions {
  /** Inclusive, like EventStoreDB's read from a position. Must be 0n or an existing event's position. */
  fromPosition?: bigint;
  /** Exclusive: events strictly after this position (the way to page on from a delivered event). */
  afterPosition?: bigint;
  maxCount: number;
}

export interface SubscriptionFilter {
  streamPrefixes?: string[];
  eventTypes?: string[];
}

export interface SubscribeToAllOptions {
  /** Exclusive: the subscription delivers events strictly after this position. */
  fromPosition?: bigint;
  filter?: SubscriptionFilter;
}

export interface Subscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

export interface EventStore {
  appendToStream(stream: string, events: NewEvent[], opts: { expectedRevision: ExpectedRevision }): Promise<AppendResult>;
  /** [] for a missing stream. */
  readStream(stream: string, opts?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /**
   * The newest event of `stream` with this id, if any. Used to find what a keyed command
   * already wrote (its event ids derive from the Idempotency-Key); cheap on PostgreSQL
   * (indexed), a backwards scan of the stream on EventStoreDB, so only for retries.
   */
  readEventById(stream: string, id: string): Promise<RecordedEvent | undefined>;
  readAll(opts: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(opts?: SubscribeToAllOptions): Subscription;
  /** Position of the newest event in the store, -1n when empty. Used for lag figures. */
  headPosition(): Promise<bigint>;
  /** Events strictly after `position`, counted up to `limit`, without reading them (projection lag). Optional: the runtime falls back to readAll. */
  countAfter?(position: bigint, limit: number): Promise<number>;
  /** Cheap round trip for /health/ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    /** undefined = the stream does not exist. */
    readonly actual: bigint | undefined,
  ) {
    super(`Wrong expected revision on ${stream}: expected ${String(expected)}, actual ${actual === undefined ? 'no stream' : String(actual)}`);
  }
}

export function matchesFilter(event: { streamName: string; type: string }, filter?: SubscriptionFilter): boolean {
  if (!filter) return true;
  if (filter.streamPrefixes?.length && !filter.streamPrefixes.some((p) => event.streamName.startsWith(p))) return false;
  if (filter.eventTypes?.length && !filter.eventTypes.includes(event.type)) return false;
  return true;
}
