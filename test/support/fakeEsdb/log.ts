/**
 * The fake server's storage: one in-memory transaction log plus a per-stream index, with EventStoreDB's write
 * rules. Pure logic, no gRPC; the server in ./index.ts translates messages to and from these calls.
 */

export interface StoredEvent {
  /** Lower-case canonical uuid. */
  readonly id: string;
  readonly streamName: string;
  /** 0-based, contiguous within the stream. */
  readonly revision: bigint;
  /** Log position; commit = prepare (gRPC appends write one committed prepare per event). */
  readonly position: bigint;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly customMetadata: Uint8Array;
  /** .NET ticks (100 ns) since the Unix epoch, as the server's `created` metadata. */
  readonly createdTicks: bigint;
}

export interface ProposedEvent {
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
}

export type ExpectedState =
  | { kind: 'any' }
  | { kind: 'no_stream' }
  | { kind: 'stream_exists' }
  | { kind: 'revision'; revision: bigint };

/** `currentRevision` −1n means "no stream", as EventStoreDB's ExpectedVersion.NoStream. */
export type AppendOutcome =
  | { kind: 'success'; currentRevision: bigint; position: bigint | undefined }
  | { kind: 'wrong_expected_version'; currentRevision: bigint };

export interface FakeLogOptions {
  /**
   * Position of the first stored event. A real log starts with the server's own records (epoch, …), which the
   * fake does not store, so user events never sit at 0 (default 512).
   */
  initialPosition?: bigint;
  /** Clock for `created`, in .NET ticks since the Unix epoch. */
  nowTicks?: () => bigint;
}

const utf8 = new TextEncoder();

export class FakeLog {
  /** Every event in log (position) order. */
  readonly events: StoredEvent[] = [];
  readonly #streams = new Map<string, { events: StoredEvent[]; ids: Map<string, bigint> }>();
  readonly #initialPosition: bigint;
  readonly #nowTicks: () => bigint;
  readonly #listeners = new Set<() => void>();
  #end: bigint;

  constructor(options: FakeLogOptions = {}) {
    this.#initialPosition = options.initialPosition ?? 512n;
    this.#nowTicks = options.nowTicks ?? (() => BigInt(Date.now()) * 10_000n);
    this.#end = this.#initialPosition;
  }

  /** Position just past the last record (the writer checkpoint). */
  get end(): bigint {
    return this.#end;
  }

  clear(): void {
    this.events.length = 0;
    this.#streams.clear();
    this.#end = this.#initialPosition;
    this.#notify();
  }

  stream(name: string): readonly StoredEvent[] | undefined {
    return this.#streams.get(name)?.events;
  }

  /** −1n when the stream does not exist. */
  lastRevision(name: string): bigint {
    const events = this.#streams.get(name)?.events;
    return events?.length ? BigInt(events.length - 1) : -1n;
  }

  /** Index in `events` of the first event whose position is ≥ `position` (events.length if none). */
  indexAtOrAfter(position: bigint): number {
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.events[mid]!.position < position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index in `events` of the first event whose position is > `position`. */
  indexAfter(position: bigint): number {
    const i = this.indexAtOrAfter(position);
    return i < this.events.length && this.events[i]!.position === position ? i + 1 : i;
  }

  /**
   * Whether the server could start reading the log at `position`: the start, a record boundary, or at/after the
   * end. Anything else is the middle of a record, which EventStoreDB rejects as an invalid position
   * (mirrors TFChunk reads failing with InvalidReadException → ReadResponseException.InvalidPosition).
   */
  isReadablePosition(position: bigint): boolean {
    if (position === 0n || position >= this.#end) return true;
    const i = this.indexAtOrAfter(position);
    return i < this.events.length && this.events[i]!.position === position;
  }

  /** Calls `listener` after every append or clear; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Appends with EventStoreDB's optimistic-concurrency and idempotency rules
   * (mirrors EventStore.Core IndexWriter.CheckCommit):
   * - `stream_exists` on a missing stream → wrong expected version.
   * - `any` / `stream_exists`: the server looks the ids up in a bounded cache of recently committed events
   *   (best effort). The fake keeps every id of the stream, and is stricter: the first id unknown → a normal
   *   write; every id known at consecutive revisions in order → idempotent success; anything in between →
   *   wrong expected version ("corrupted idempotency").
   * - exact revision or `no_stream` (−1) below the current revision: the ids at expected+1… are compared with
   *   the stored ones; all equal → success with the original revision and position; the first differs → wrong
   *   expected version; a later one differs (or runs past the end) → wrong expected version (corrupted
   *   idempotency). An empty append there → wrong expected version.
   * - expected above the current revision → wrong expected version; equal → a normal write.
   */
  append(streamName: string, expected: ExpectedState, proposed: readonly ProposedEvent[]): AppendOutcome {
    const stream = this.#streams.get(streamName);
    const current = this.lastRevision(streamName);
    const wrong: AppendOutcome = { kind: 'wrong_expected_version', currentRevision: current };

    if (expected.kind === 'stream_exists' && current < 0n) return wrong;

    if (expected.kind === 'any' || expected.kind === 'stream_exists') {
      const first = proposed[0];
      const firstRevision = first === undefined ? undefined : stream?.ids.get(first.id);
      if (firstRevision === undefined) return this.#write(streamName, current, proposed);
      const consecutive = proposed.every((p, i) => stream?.ids.get(p.id) === firstRevision + BigInt(i));
      if (!consecutive) return wrong;
      return this.#idempotent(streamName, firstRevision + BigInt(proposed.length - 1));
    }

    const expectedRevision = expected.kind === 'no_stream' ? -1n : expected.revision;
    if (expectedRevision < current) {
      if (proposed.length === 0) return wrong;
      const events = stream?.events ?? [];
      for (const [i, p] of proposed.entries()) {
        const revision = expectedRevision + 1n + BigInt(i);
        const stored = revision <= current ? eventAt(events, revision) : undefined;
        if (stored?.id !== p.id) return wrong; // first → wrong version; later → corrupted idempotency: same answer
      }
      return this.#idempotent(streamName, expectedRevision + BigInt(proposed.length));
    }
    if (expectedRevision > current) return wrong;
    return this.#write(streamName, current, proposed);
  }

  #idempotent(streamName: string, revision: bigint): AppendOutcome {
    const event = eventAt(this.#streams.get(streamName)!.events, revision);
    return { kind: 'success', currentRevision: revision, position: event.position };
  }

  #write(streamName: string, current: bigint, proposed: readonly ProposedEvent[]): AppendOutcome {
    // An empty write changes nothing; the server answers with the current revision and no position.
    if (proposed.length === 0) return { kind: 'success', currentRevision: current, position: undefined };
    let stream = this.#streams.get(streamName);
    if (!stream) {
      stream = { events: [], ids: new Map() };
      this.#streams.set(streamName, stream);
    }
    const createdTicks = this.#nowTicks();
    let revision = current;
    let position = this.#end;
    for (const p of proposed) {
      revision += 1n;
      position = this.#end;
      const event: StoredEvent = { ...p, streamName, revision, position, createdTicks };
      this.events.push(event);
      stream.events.push(event);
      stream.ids.set(p.id, revision);
      this.#end += recordSize(event);
    }
    this.#notify();
    return { kind: 'success', currentRevision: revision, position };
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

/**
 * Byte size of the record, roughly as a PrepareLogRecord (fixed header, stream name, ids, timestamp, type, data,
 * metadata, length prefix and suffix), so positions increase with gaps like byte offsets in the real log.
 */
function recordSize(event: StoredEvent): bigint {
  const variable = utf8.encode(event.streamName).length + utf8.encode(event.type).length + event.data.length + event.customMetadata.length;
  return BigInt(88 + variable);
}

/** The event at a revision of an in-memory stream (an array: the revision becomes an index here, and only here). */
export function eventAt(events: readonly StoredEvent[], revision: bigint): StoredEvent {
  const event = events[Number(revision)];
  if (!event) throw new RangeError(`no event at revision ${revision}`);
  return event;
}
