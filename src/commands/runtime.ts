/**
 * The command runtime (DESIGN §5): load stream → fold → decide → append with the
 * revision that was read; on a revision conflict catch up and decide again.
 *
 * Folded state is cached per stream (bounded LRU) and caught up by reading only the
 * events after the cached revision, so long streams are not re-read per command.
 *
 * Hot streams: with batching on, commands for one stream queue behind a single
 * writer that decides everything queued against the cached state and appends all
 * accepted events in one append (group commit). A rejected command gets its own
 * error and does not affect the others. Another process writing the same stream is
 * still caught by the optimistic revision: the whole batch is decided again.
 * With batching off the queue remains but each append carries one command.
 *
 * Retries: a keyed command's event ids derive from (actor, Idempotency-Key, stream,
 * index). Unless the caller knows the key is new, the runtime first looks for the
 * command's first event in the stream; if an earlier attempt committed (its process
 * died before answering, or lost its connection), the command is not decided again:
 * it answers with what that write did (its events, the state right after them, their
 * revision and position), whatever happened to the stream since.
 */
import { randomUUID } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import type { Decider } from '../domain/shared/decider.js';
import type { DomainEvent } from '../domain/shared/messages.js';
import {
  WrongExpectedRevisionError,
  type EventMetadata,
  type EventStore,
  type NewEvent,
} from '../eventstore/eventStore.js';
import { ConcurrencyExhaustedError, PreconditionFailedError } from './errors.js';

export interface CommandMetadata {
  actorId: string;
  correlationId: string;
  causationId?: string;
  idempotencyKey?: string;
  /**
   * The caller knows that no earlier attempt with this idempotencyKey can have written
   * anything (the idempotency layer saw the key for the first time), so the runtime need
   * not look for a committed write of it.
   */
  idempotencyKeyIsNew?: boolean;
  now: Date;
  /** From If-Match: decide only against exactly this revision, else 412. */
  expectedRevision?: bigint;
}

export interface CommandResult<State, Event> {
  /** Events this command produced ([] when it changed nothing). */
  events: Event[];
  state: State;
  /** Stream revision after this command's events; undefined while the stream does not exist. */
  revision: bigint | undefined;
  /** Position of the append that carried the events; undefined when nothing was appended. */
  position: bigint | undefined;
}

/** A stream folded to its head (or to a revision): the state, its revision and the newest event's position. */
export interface FoldedStream<State> {
  state: State;
  revision: bigint | undefined;
  /** undefined while the stream does not exist. */
  position: bigint | undefined;
}

export interface CommandRuntimeOptions {
  batching?: boolean;
  maxBatchSize?: number;
  cacheSize?: number;
  maxAttempts?: number;
  onOutcome?: (outcome: 'accepted' | 'rejected' | 'conflict-retry' | 'failed') => void;
  onAppend?: (seconds: number, events: number) => void;
}

const EVENT_ID_NAMESPACE = '6f1d3a52-5b2e-4b7a-9c61-2c7e4f0b8d11';
const SCHEMA_VERSION = 1;

interface CachedStream {
  state: unknown;
  revision: bigint | undefined;
  /** Store position of the newest event folded into `state` (X-Position of answers read from it). */
  position?: bigint;
  decider: Decider<unknown, unknown, DomainEvent>;
  /** When this state was last known to be the stream's head (ms since epoch). */
  verifiedAt?: number;
}

interface Pending {
  command: unknown;
  meta: CommandMetadata;
  resolve(result: CommandResult<unknown, DomainEvent>): void;
  reject(error: unknown): void;
}

interface Decision {
  pending: Pending;
  events: DomainEvent[];
  state: unknown;
  revision: bigint | undefined;
  error?: unknown;
}

export class CommandRuntime {
  private readonly cache = new Map<string, CachedStream>();
  private readonly queues = new Map<string, { decider: Decider<unknown, unknown, DomainEvent>; items: Pending[] }>();

  constructor(
    private readonly store: EventStore,
    private readonly options: CommandRuntimeOptions = {},
  ) {}

  execute<State, Command, Event extends DomainEvent>(
    decider: Decider<State, Command, Event>,
    stream: string,
    command: Command,
    meta: CommandMetadata,
  ): Promise<CommandResult<State, Event>> {
    const erased = decider as unknown as Decider<unknown, unknown, DomainEvent>;
    const enqueue = () =>
      new Promise<CommandResult<State, Event>>((resolve, reject) => {
        const pending: Pending = { command, meta, resolve: resolve as Pending['resolve'], reject };
        const queue = this.queues.get(stream);
        if (queue) {
          queue.items.push(pending);
          return;
        }
        this.queues.set(stream, { decider: erased, items: [pending] });
        void this.drain(stream);
      });
    if (!mayHaveRunBefore(meta)) return enqueue();
    return this.committedWrite(erased, stream, meta).then((written) => (written as CommandResult<State, Event> | undefined) ?? enqueue());
  }

  /** What an earlier attempt of this keyed command committed, answered as its result; undefined if nothing. */
  private async committedWrite(
    decider: Decider<unknown, unknown, DomainEvent>,
    stream: string,
    meta: CommandMetadata,
  ): Promise<CommandResult<unknown, DomainEvent> | undefined> {
    const first = await this.store.readEventById(stream, eventIdOf(stream, meta, 0));
    if (!first) return undefined;
    const following = await this.store.readStream(stream, { fromRevision: first.revision, maxCount: 1000 });
    const written = [];
    for (const [index, event] of following.entries()) {
      if (event.id !== eventIdOf(stream, meta, index)) break;
      written.push(event);
    }
    const last = written.at(-1) ?? first;
    const { state } = await this.stateAt(decider, stream, last.revision);
    return { events: written.map((e) => ({ type: e.type, data: e.data })), state, revision: last.revision, position: last.position };
  }

  /** Answers the commands of `batch` whose earlier attempt has committed meanwhile; returns the others. */
  private async settleCommitted(stream: string, decider: Decider<unknown, unknown, DomainEvent>, batch: Pending[]): Promise<Pending[]> {
    const undecided: Pending[] = [];
    for (const pending of batch) {
      const written = mayHaveRunBefore(pending.meta) ? await this.committedWrite(decider, stream, pending.meta) : undefined;
      if (written) pending.resolve(written);
      else undecided.push(pending);
    }
    return undecided;
  }

  /** Current folded state of a stream (through the cache). */
  async load<State, Command, Event extends DomainEvent>(
    decider: Decider<State, Command, Event>,
    stream: string,
  ): Promise<FoldedStream<State>> {
    const loaded = await this.catchUp(stream, decider as unknown as Decider<unknown, unknown, DomainEvent>);
    return { state: loaded.state as State, revision: loaded.revision, position: loaded.position };
  }

  /**
   * The cached state if it was verified as the head within `maxAgeMs` (no read at
   * all), else a fresh load. For checks that tolerate a bounded staleness, such as
   * authorisation on a hot stream; never for deciding.
   */
  async loadRecent<State, Command, Event extends DomainEvent>(
    decider: Decider<State, Command, Event>,
    stream: string,
    maxAgeMs: number,
  ): Promise<FoldedStream<State>> {
    const cached = this.cache.get(stream);
    if (cached && cached.decider === (decider as unknown) && cached.verifiedAt !== undefined && Date.now() - cached.verifiedAt <= maxAgeMs) {
      return { state: cached.state as State, revision: cached.revision, position: cached.position };
    }
    return this.load(decider, stream);
  }

  /** Folds a stream up to and including `revision`, bypassing the cache (time travel). */
  async stateAt<State, Command, Event extends DomainEvent>(
    decider: Decider<State, Command, Event>,
    stream: string,
    revision: bigint,
  ): Promise<FoldedStream<State>> {
    let state = decider.initialState();
    let last: bigint | undefined;
    let position: bigint | undefined;
    const batch = 1000;
    for (let from = 0n; from <= revision; from += BigInt(batch)) {
      const events = await this.store.readStream(stream, { fromRevision: from, maxCount: batch });
      for (const event of events) {
        if (event.revision > revision) break;
        state = decider.evolve(state, { type: event.type, data: event.data } as Event);
        last = event.revision;
        position = event.position;
      }
      if (events.length < batch) break;
    }
    return { state, revision: last, position };
  }

  private async drain(stream: string): Promise<void> {
    const queue = this.queues.get(stream)!;
    // Batching off still queues per stream (one writer per stream per process), one command per append.
    const maxBatch = this.options.batching === false ? 1 : (this.options.maxBatchSize ?? 500);
    while (queue.items.length > 0) {
      const batch = queue.items.splice(0, maxBatch);
      await this.process(stream, queue.decider, batch);
    }
    this.queues.delete(stream);
  }

  private async process(stream: string, decider: Decider<unknown, unknown, DomainEvent>, queued: Pending[]): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 20;
    let batch = queued;
    try {
      // The first attempt decides on the cached state without reading: if another process
      // wrote meanwhile, the append's expected revision fails and we catch up. A batch that
      // appends nothing proves nothing, so its answer is checked against a fresh read.
      const entry = this.cache.get(stream);
      let cached = entry && entry.decider === decider ? entry : undefined;
      let loaded = cached ?? (await this.catchUp(stream, decider));
      for (let attempt = 1; ; attempt++) {
        const decisions = this.decideAll(stream, decider, loaded, batch);
        const accepted = decisions.filter((d) => !d.error && d.events.length > 0);
        if (accepted.length === 0) {
          if (cached) {
            const fresh = await this.catchUp(stream, decider);
            cached = undefined;
            if (fresh.revision !== loaded.revision) {
              loaded = fresh;
              continue;
            }
          }
          this.settle(decisions, undefined);
          return;
        }
        const newEvents = accepted.flatMap((d) => this.toNewEvents(stream, d));
        const started = process.hrtime.bigint();
        try {
          const result = await this.store.appendToStream(stream, newEvents, {
            expectedRevision: loaded.revision ?? 'no_stream',
          });
          this.options.onAppend?.(Number(process.hrtime.bigint() - started) / 1e9, newEvents.length);
          const last = decisions.at(-1)!;
          this.remember(stream, { decider, state: last.state, revision: result.nextExpectedRevision, position: result.position });
          this.settle(decisions, result.position);
          return;
        } catch (error) {
          if (!(error instanceof WrongExpectedRevisionError)) throw error;
          this.options.onOutcome?.('conflict-retry');
          if (attempt >= maxAttempts) throw new ConcurrencyExhaustedError(stream, attempt);
          // Another writer got there first: catch up and decide the whole batch again.
          // (Straight away after a stale cache; with backoff once we are really contending.)
          if (!cached) await sleep(Math.random() * Math.min(50, 2 * attempt));
          // The other writer may be an earlier attempt of a retried command (its process died
          // while its append waited in PostgreSQL): answer those from what it wrote.
          batch = await this.settleCommitted(stream, decider, batch);
          if (batch.length === 0) return;
          cached = undefined;
          loaded = await this.catchUp(stream, decider);
        }
      }
    } catch (error) {
      this.cache.delete(stream);
      for (const pending of batch) {
        this.options.onOutcome?.('failed');
        pending.reject(error);
      }
    }
  }

  private decideAll(
    stream: string,
    decider: Decider<unknown, unknown, DomainEvent>,
    loaded: CachedStream,
    batch: Pending[],
  ): Decision[] {
    let state = loaded.state;
    let revision = loaded.revision;
    return batch.map((pending) => {
      const expected = pending.meta.expectedRevision;
      if (expected !== undefined && expected !== revision) {
        return { pending, events: [], state, revision, error: new PreconditionFailedError(stream, expected, revision) };
      }
      try {
        const events = decider.decide(pending.command, state);
        for (const event of events) {
          state = decider.evolve(state, event);
          revision = revision === undefined ? 0n : revision + 1n;
        }
        return { pending, events, state, revision };
      } catch (error) {
        return { pending, events: [], state, revision, error };
      }
    });
  }

  private settle(decisions: Decision[], position: bigint | undefined): void {
    for (const d of decisions) {
      if (d.error) {
        this.options.onOutcome?.('rejected');
        d.pending.reject(d.error);
      } else {
        this.options.onOutcome?.('accepted');
        d.pending.resolve({
          events: d.events,
          state: d.state,
          revision: d.revision,
          position: d.events.length > 0 ? position : undefined,
        });
      }
    }
  }

  private toNewEvents(stream: string, decision: Decision): NewEvent[] {
    const { meta } = decision.pending;
    const metadata: EventMetadata = {
      actorId: meta.actorId,
      correlationId: meta.correlationId,
      causationId: meta.causationId ?? meta.correlationId,
      schemaVersion: SCHEMA_VERSION,
      ...(meta.idempotencyKey ? { idempotencyKey: meta.idempotencyKey } : {}),
    };
    return decision.events.map((event, index) => ({
      id: eventIdOf(stream, meta, index),
      type: event.type,
      data: event.data,
      metadata,
    }));
  }

  /** Brings the cached state up to the stream's head, reading only what is new. */
  private async catchUp(stream: string, decider: Decider<unknown, unknown, DomainEvent>): Promise<CachedStream> {
    const cached = this.cache.get(stream);
    let current: CachedStream =
      cached && cached.decider === decider ? cached : { decider, state: decider.initialState(), revision: undefined };
    const pageSize = 1000;
    for (;;) {
      const from = current.revision === undefined ? 0n : current.revision + 1n;
      const events = await this.store.readStream(stream, { fromRevision: from, maxCount: pageSize });
      let { state, revision, position } = current;
      for (const event of events) {
        state = decider.evolve(state, { type: event.type, data: event.data });
        revision = event.revision;
        position = event.position;
      }
      current = { decider, state, revision, position };
      if (events.length < pageSize) break;
    }
    this.remember(stream, current);
    return current;
  }

  private remember(stream: string, entry: CachedStream): void {
    entry.verifiedAt = Date.now();
    this.cache.delete(stream);
    this.cache.set(stream, entry);
    const limit = this.options.cacheSize ?? 10_000;
    while (this.cache.size > limit) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Derived from the idempotency key, so that a retried append is de-duplicated by the
 * store and an earlier attempt's write can be found by id.
 */
function eventIdOf(stream: string, meta: CommandMetadata, index: number): string {
  return meta.idempotencyKey
    ? uuidv5(`${meta.actorId}\u0000${meta.idempotencyKey}\u0000${stream}\u0000${index}`, EVENT_ID_NAMESPACE)
    : randomUUID();
}

const mayHaveRunBefore = (meta: CommandMetadata): boolean => meta.idempotencyKey !== undefined && meta.idempotencyKeyIsNew !== true;
