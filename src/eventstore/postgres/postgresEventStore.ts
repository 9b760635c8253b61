/**
 * PostgreSQL event store (DESIGN §3): schema `eventstore`, one append = one call of
 * eventstore.append_to_stream (migrations/001_eventstore.ts) = one transaction.
 *
 * $all is read only below eventstore.stable_bound() (positions are derived from
 * transaction ids; below the oldest running transaction they are final), so a reader
 * paging by position never skips a transaction that commits late. Subscriptions poll
 * by position, woken in-process right after an append and across processes by a
 * NOTIFY sent after commit (outside the append's transaction, coalesced); polling is
 * the safety net.
 */
import pg from 'pg';
import { preparedName } from '../../database.js';
import {
  WrongExpectedRevisionError,
  type AppendResult,
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

/**
 * eventstore.stable_bound() once per statement (not per row) and as a bigint, so that it
 * bounds the index scan on position. It is numeric because xid × 65536 can outgrow bigint
 * in theory; positions never do, so capping it at bigint's maximum bounds the same rows.
 */
const STABLE_BOUND = '(SELECT least(eventstore.stable_bound(), 9223372036854775807)::bigint)';
const NOTIFY_CHANNEL = 'eventstore_appended';
export const APPLICATION_NAME = 'tessera-eventstore';
const NOTIFY_COALESCE_MS = 3;
// bigint columns travel as text (then BigInt) under other names, so ORDER BY still sorts the numbers.
const SELECT_EVENT = `SELECT position::text AS position_text, stream_name, revision::text AS revision_text, id, type, data, metadata, recorded_at FROM eventstore.events`;

interface EventRow {
  position_text: string;
  stream_name: string;
  revision_text: string;
  id: string;
  type: string;
  data: unknown;
  metadata: RecordedEvent['metadata'];
  recorded_at: Date;
}

const toRecorded = (row: EventRow): RecordedEvent => ({
  id: row.id,
  type: row.type,
  data: row.data,
  metadata: row.metadata,
  streamName: row.stream_name,
  revision: BigInt(row.revision_text),
  position: BigInt(row.position_text),
  recordedAt: row.recorded_at,
});

export interface PostgresEventStoreOptions {
  /** How often a subscription polls when no notification arrives. */
  pollIntervalMs?: number;
  /** Events read per subscription query. */
  batchSize?: number;
  poolSize?: number;
  onError?: (error: unknown) => void;
}

export class PostgresEventStore implements EventStore {
  private readonly pool: pg.Pool;
  private readonly wakers = new Set<() => void>();
  private listener: pg.Client | undefined;
  private listening: Promise<void> | undefined;
  private closed = false;
  /** Bumped on every notification, so a subscription that read just before one does not sleep through it. */
  private appendGeneration = 0;
  /** Recently read pages of $all, keyed by the event before them and the limit (see readAfter). */
  private readonly sharedPages = new Map<string, Promise<AllPage>>();

  constructor(
    private readonly databaseUrl: string,
    private readonly options: PostgresEventStoreOptions = {},
  ) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: options.poolSize ?? 10, application_name: APPLICATION_NAME });
    // An idle client that loses its connection emits here; without a handler the process would crash.
    this.pool.on('error', (error) => this.report(error));
  }

  async appendToStream(stream: string, events: NewEvent[], opts: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    if (events.length === 0) throw new Error('appendToStream needs at least one event');
    const expected = opts.expectedRevision;
    const kind = typeof expected === 'bigint' ? 'exact' : expected;
    const payload = JSON.stringify(events.map((e) => ({ id: e.id, type: e.type, data: e.data ?? null, metadata: e.metadata ?? {} })));
    const { rows } = await this.query<{ outcome: string; stream_revision: string; last_position: string | null }>(
      'SELECT outcome, stream_revision::text, last_position::text FROM eventstore.append_to_stream($1, $2, $3, $4::jsonb)',
      [stream, kind, typeof expected === 'bigint' ? expected.toString() : null, payload],
    );
    const row = rows[0];
    if (!row) throw new Error('append_to_stream returned nothing');
    const revision = BigInt(row.stream_revision);
    if (row.outcome !== 'ok' || row.last_position === null) {
      throw new WrongExpectedRevisionError(stream, expected, revision < 0n ? undefined : revision);
    }
    this.signalAppended();
    return { nextExpectedRevision: revision, position: BigInt(row.last_position) };
  }

  /**
   * A query, tried once more on a fresh connection when the pooled one turns out to be
   * dead (the server restarted or terminated it). Safe for appends too: a retried append
   * carries the same event ids at the same expected revision, which the store treats as
   * an idempotent success if the first attempt did commit.
   */
  private async query<Row extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params: unknown[] = []): Promise<pg.QueryResult<Row>> {
    // Every text here is fixed by this file (values are parameters), so each is prepared once per connection.
    const query = { name: preparedName(text), text, values: params };
    try {
      return await this.pool.query<Row>(query);
    } catch (error) {
      if (!isConnectionLost(error)) throw error;
      return this.pool.query<Row>(query);
    }
  }

  private notifying = false;
  private notifyAgain = false;

  /** Wakes this process's subscriptions now and other processes' through one NOTIFY at a time. */
  private signalAppended(): void {
    this.appendGeneration++;
    this.wakeAll();
    if (this.notifying) {
      this.notifyAgain = true;
      return;
    }
    this.notifying = true;
    const send = (): void => {
      this.notifyAgain = false;
      this.pool
        .query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, ''])
        .catch((error: unknown) => this.report(error))
        .finally(() => {
          // at most one NOTIFY per few milliseconds: each is a small committed transaction
          if (this.notifyAgain && !this.closed) setTimeout(send, NOTIFY_COALESCE_MS);
          else this.notifying = false;
        });
    };
    send();
  }

  async readStream(stream: string, opts: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = opts.direction === 'backwards';
    const params: unknown[] = [stream];
    let where = 'stream_name = $1';
    if (opts.fromRevision !== undefined) {
      params.push(opts.fromRevision.toString());
      where += backwards ? ` AND revision <= $2` : ` AND revision >= $2`;
    }
    params.push(opts.maxCount ?? null);
    const { rows } = await this.query<EventRow>(
      `${SELECT_EVENT} WHERE ${where} ORDER BY revision ${backwards ? 'DESC' : 'ASC'} LIMIT $${params.length}`,
      params,
    );
    return rows.map(toRecorded);
  }

  async readEventById(stream: string, id: string): Promise<RecordedEvent | undefined> {
    const { rows } = await this.query<EventRow>(`${SELECT_EVENT} WHERE id = $1 AND stream_name = $2 ORDER BY revision DESC LIMIT 1`, [id, stream]);
    return rows[0] ? toRecorded(rows[0]) : undefined;
  }

  async readAll(opts: ReadAllOptions): Promise<RecordedEvent[]> {
    const exclusive = opts.afterPosition !== undefined;
    const from = exclusive ? opts.afterPosition! : (opts.fromPosition ?? 0n);
    const { rows } = await this.query<EventRow>(
      `${SELECT_EVENT} WHERE position ${exclusive ? '>' : '>='} $1 AND position < ${STABLE_BOUND} ORDER BY position LIMIT $2`,
      [from.toString(), opts.maxCount],
    );
    return rows.map(toRecorded);
  }

  subscribeToAll(opts: SubscribeToAllOptions = {}): Subscription {
    return new PostgresSubscription(this, opts.fromPosition ?? -1n, opts.filter);
  }

  async headPosition(): Promise<bigint> {
    const { rows } = await this.query<{ head: string }>('SELECT coalesce(max(position), -1)::text AS head FROM eventstore.events');
    return BigInt(rows[0]!.head);
  }

  async countAfter(position: bigint, limit: number): Promise<number> {
    // An index-only scan of the primary key, stopped at the limit.
    const { rows } = await this.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM (SELECT 1 FROM eventstore.events WHERE position > $1 ORDER BY position LIMIT $2) t',
      [position.toString(), limit],
    );
    return rows[0]!.n;
  }

  /** Connection errors after close() are the close itself (e.g. a LISTEN still connecting), not news. */
  private report(error: unknown): void {
    if (!this.closed) this.options.onError?.(error);
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1 FROM eventstore.streams LIMIT 1');
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeAll();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.pool.end();
  }

  /**
   * @internal used by subscriptions. Every projection and reactor of a process subscribes
   * to $all on its own and they wake on the same notification, so unfiltered pages are
   * shared: one query (and one JSON parse) serves all who ask for the page after the same
   * event. A non-empty page is final — it lies below the stable bound, where no event can
   * still appear — so a reader a moment later may take it too; an empty page is only true
   * for now and is never kept. Keyed by the event read up to (position and id), not the
   * position alone, so a store emptied under a running process (tests truncate) never
   * serves old events. Shared events are frozen: a consumer that changed one would change
   * it for the others.
   */
  async readAfter(position: bigint, filter: SubscriptionFilter | undefined, limit: number, afterEventId?: string): Promise<AllPage> {
    if (filter || afterEventId === undefined) return this.queryAfter(position, filter, limit);
    const key = `${position}:${afterEventId}:${limit}`;
    const shared = this.sharedPages.get(key);
    if (shared) return shared;
    const page = this.queryAfter(position, undefined, limit).then((read) => ({ ...read, events: read.events.map(deepFrozen) }));
    this.sharedPages.set(key, page);
    if (this.sharedPages.size > SHARED_PAGES) this.sharedPages.delete(this.sharedPages.keys().next().value!);
    const forget = () => {
      if (this.sharedPages.get(key) === page) this.sharedPages.delete(key);
    };
    page.then((read) => read.events.length === 0 && forget(), forget);
    return page;
  }

  /**
   * The readable events after `position`, and in the same statement (one snapshot) whether
   * an event after them exists that is not readable yet. A reader that got a short page
   * with nothing pending has seen everything committed before the statement began, so it
   * can wait for the next notification instead of reading again to find the page empty.
   */
  private async queryAfter(position: bigint, filter: SubscriptionFilter | undefined, limit: number): Promise<AllPage> {
    const generation = this.appendGeneration;
    const params: unknown[] = [position.toString()];
    let where = `position > $1 AND position < ${STABLE_BOUND}`;
    if (filter?.streamPrefixes?.length) {
      params.push(filter.streamPrefixes.map((p) => `${p.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
      where += ` AND stream_name LIKE ANY($${params.length})`;
    }
    if (filter?.eventTypes?.length) {
      params.push(filter.eventTypes);
      where += ` AND type = ANY($${params.length})`;
    }
    params.push(limit);
    // "an event after $1 at or above the bound" is "the newest event is": one index probe.
    const pending = `(SELECT coalesce(max(position) >= greatest($1::bigint + 1, ${STABLE_BOUND}), false) FROM eventstore.events)`;
    const { rows } = await this.query<Partial<EventRow> & { pending: boolean }>(
      `SELECT page.*, ${pending} AS pending FROM (VALUES (1)) AS one
         LEFT JOIN LATERAL (${SELECT_EVENT} WHERE ${where} ORDER BY position LIMIT $${params.length}) AS page ON true
        ORDER BY page.position_text::bigint`,
      params,
    );
    const events = rows[0]?.position_text == null ? [] : (rows as EventRow[]).map(toRecorded);
    return { events, pending: rows[0]?.pending === true, generation };
  }

  get generation(): number {
    return this.appendGeneration;
  }

  /** @internal resolves when an append is notified (or was, since `seenGeneration`) or the poll interval passes. */
  waitForAppend(signal: { cancelled: boolean }, seenGeneration: number, maxWaitMs?: number): Promise<void> {
    void this.ensureListening();
    if (seenGeneration !== this.appendGeneration) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, maxWaitMs ?? this.options.pollIntervalMs ?? 1000);
      this.wakers.add(wake);
      if (signal.cancelled || this.closed) wake();
    });
  }

  get batchSize(): number {
    return this.options.batchSize ?? 500;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  wakeAll(): void {
    for (const wake of [...this.wakers]) wake();
  }

  /** One LISTEN connection per store, shared by its subscriptions; re-established when it drops. */
  private ensureListening(): Promise<void> {
    if (this.listening || this.closed) return this.listening ?? Promise.resolve();
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: APPLICATION_NAME });
    const reset = (error?: unknown) => {
      if (error) this.report(error);
      if (this.listener === client) this.listener = undefined;
      this.listening = undefined;
      client.removeAllListeners();
      client.on('error', () => undefined);
      void client.end().catch(() => undefined);
      this.wakeAll(); // re-read now in case a notification was lost with the connection
    };
    client.on('notification', () => {
      this.appendGeneration++;
      this.wakeAll();
    });
    client.on('error', reset);
    client.on('end', () => reset());
    this.listener = client;
    this.listening = client
      .connect()
      .then(() => client.query(`LISTEN ${NOTIFY_CHANNEL}`))
      .then(() => undefined, reset);
    return this.listening;
  }
}

class PostgresSubscription implements Subscription {
  private readonly signal = { cancelled: false };
  private readonly iterator: AsyncGenerator<RecordedEvent>;
  /** Id of the event at lastPosition once this subscription delivered it (pages after it are shared). */
  private lastEventId: string | undefined;

  constructor(
    private readonly store: PostgresEventStore,
    private lastPosition: bigint,
    private readonly filter: SubscriptionFilter | undefined,
  ) {
    this.iterator = this.run();
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return this.iterator;
  }

  async close(): Promise<void> {
    this.signal.cancelled = true;
    this.store.wakeAll();
  }

  private get done(): boolean {
    return this.signal.cancelled || this.store.isClosed;
  }

  private async *run(): AsyncGenerator<RecordedEvent> {
    let failures = 0;
    let unstableRetries = 0;
    const limit = this.store.batchSize;
    while (!this.done) {
      let page: AllPage;
      try {
        page = await this.store.readAfter(this.lastPosition, this.filter, limit, this.lastEventId);
        failures = 0;
      } catch {
        // Connection trouble: back off and read again from the last delivered position.
        failures++;
        await delay(Math.min(2000, 50 * 2 ** failures));
        continue;
      }
      for (const event of page.events) {
        if (this.done) return;
        this.lastPosition = event.position;
        this.lastEventId = event.id;
        yield event;
      }
      if (page.events.length === limit) continue;
      // Caught up: events held back by an older transaction are polled for soon (it may not
      // be an append, so no notification may follow); else the next notification wakes us —
      // at once if one arrived since the page's statement was sent (its generation).
      if (page.events.length > 0) {
        unstableRetries = 0;
        if (page.pending) continue;
      } else unstableRetries = page.pending ? unstableRetries + 1 : 0;
      await this.store.waitForAppend(this.signal, page.generation, page.pending ? Math.min(200, 5 * unstableRetries) : undefined);
    }
  }
}

/** A page of $all (see queryAfter); `generation` is the store's notification count when its statement was sent. */
export interface AllPage {
  events: RecordedEvent[];
  pending: boolean;
  generation: number;
}

/** Pages kept for subscriptions that read a moment later: a few batches of each runner's lead over the slowest. */
const SHARED_PAGES = 64;

function deepFrozen<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFrozen(inner);
    Object.freeze(value);
  }
  return value;
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Admin shutdown/crash/connection-class SQLSTATEs, or the client noticing a closed socket. */
function isConnectionLost(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  if (code && (/^57P0[123]$/.test(code) || code.startsWith('08'))) return true;
  return !code && /Connection terminated|ECONNRESET|EPIPE/i.test(message ?? '');
}

export function createPostgresEventStore(databaseUrl: string, options?: PostgresEventStoreOptions): PostgresEventStore {
  return new PostgresEventStore(databaseUrl, options);
}
