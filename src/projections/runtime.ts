/**
 * The projection runtime (DESIGN §6).
 *
 * - One active runner per projection across processes: the leader holds a session
 *   advisory lock on its own connection; standbys retry until it is free.
 * - Every batch runs in one transaction that applies the events, writes the changefeed
 *   rows and moves the checkpoint only from where this runner expects it (so two
 *   runners can never both apply: the loser's UPDATE waits for the winner's row lock,
 *   finds the position moved, and its whole transaction rolls back). Effects on the
 *   read model are therefore exactly-once.
 * - The subscription is unfiltered so the checkpoint advances past events the
 *   projection ignores (X-Min-Position relies on it); only listed types are applied.
 * - Batches take whatever the subscription has ready (up to batchSize) and the next
 *   events are only pulled after the batch commits: backpressure, no unbounded buffer.
 * - An event the projection cannot apply (a bug, a read-model constraint) is isolated by
 *   applying the batch one event at a time, retried a few times, then recorded on the
 *   checkpoint row as `failed` with its coordinates; the runner stops there instead of
 *   spinning. Nothing is ever skipped: a restart retries that event once, a rebuild
 *   replaces the read model. Infrastructure errors (connection lost, deadlock) are not
 *   the event's fault: the runner restarts and retries them without counting.
 */
import type { Knex } from 'knex';
import pg from 'pg';
import type { Logger } from 'pino';
import type { EventStore, RecordedEvent } from '../eventstore/eventStore.js';
import type { CheckResult } from '../health.js';
import type { Metrics } from '../metrics.js';
import { preparedName } from '../database.js';
import { writeChangefeed, type ChangefeedEntry } from './changefeed.js';
import { projectionSchema, type Projection, type ProjectionContext } from './projection.js';

const LOCK_NAMESPACE = 7305;
const NONE = -1n;

export interface ProjectionRunnerOptions {
  batchSize?: number;
  standbyRetryMs?: number;
  /** Attempts on one event before the projection is marked failed (default 3). */
  maxAttempts?: number;
  /** Delay before the second attempt; doubles for each further one (default 500 ms). */
  retryDelayMs?: number;
  /** How often a failed runner looks whether a rebuild has cleared the failure (default 1000 ms). */
  failedPollMs?: number;
  logger?: Logger;
  metrics?: Metrics;
  /** Shared by the runners of a process: their batches of one event-loop turn go out together. */
  sharedBatches?: SharedBatches;
}

class CheckpointMovedError extends Error {}

interface CheckpointRow {
  name: string;
  version: number;
  position: string;
  status: string;
  updated_at: Date;
  last_event_at: Date | null;
  failed_position: string | null;
  failed_stream: string | null;
  failed_revision: string | null;
  failed_event_id: string | null;
  failed_event_type: string | null;
  failed_error: string | null;
  failed_attempts: number;
  failed_at: Date | null;
}

/** The event a projection stopped at, as recorded on its checkpoint row. Positions and revisions are decimal strings. */
export interface ProjectionFailure {
  position: string;
  stream: string;
  revision: string;
  eventId: string;
  eventType: string;
  error: string;
  attempts: number;
  failedAt: string;
}

const CLEARED_FAILURE = {
  status: 'live',
  failed_position: null,
  failed_stream: null,
  failed_revision: null,
  failed_event_id: null,
  failed_event_type: null,
  failed_error: null,
  failed_attempts: 0,
  failed_at: null,
};

/** Connection, resource and concurrency errors: retried without end, never blamed on the event. */
export function isTransientError(error: unknown): boolean {
  if (error instanceof CheckpointMovedError) return true;
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (/^(08|40|53|57|58)/.test(code) || code === '55P03') return true; // SQLSTATE classes: connection, rollback, resources, operator, system
    if (/^E[A-Z]+$/.test(code)) return true; // Node system errors: ECONNRESET, ECONNREFUSED, ETIMEDOUT, …
  }
  return typeof message === 'string' && /connection (is )?(terminated|closed|ended)|timeout exceeded|Connection is closed/i.test(message);
}

type ConsumeOutcome = 'done' | 'failed';

/** The error as an operator reads it: knex's SQL prefix dropped, the SQLSTATE kept. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const withoutSql = /^\s*(?:insert|update|delete|select|with|merge)\b[\s\S]* - ([\s\S]+)$/i.exec(error.message)?.[1] ?? error.message;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? `${withoutSql} (SQLSTATE ${code})` : withoutSql;
}

export class ProjectionRunner {
  private stopped = false;
  private running: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private leader = false;
  private closeCurrent: (() => Promise<void>) | undefined;

  constructor(
    private readonly knex: Knex,
    private readonly databaseUrl: string,
    private readonly store: EventStore,
    private readonly projection: Projection,
    private readonly options: ProjectionRunnerOptions = {},
  ) {}

  get name(): string {
    return this.projection.name;
  }

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.closeCurrent?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const lease = await this.acquireLeadership().catch((error: unknown) => {
        this.options.logger?.warn({ err: error, projection: this.name }, 'leadership attempt failed');
        return undefined;
      });
      if (!lease) {
        await this.sleep(this.options.standbyRetryMs ?? 1000);
        continue;
      }
      this.leader = true;
      try {
        await this.runAsLeader(lease);
      } catch (error) {
        if (!this.stopped) this.options.logger?.error({ err: error, projection: this.name }, 'projection runner failed; restarting');
        await this.sleep(500);
      } finally {
        this.leader = false;
        await lease.client.end().catch(() => undefined);
      }
    }
  }

  private async acquireLeadership(): Promise<{ client: pg.Client; lost: Promise<void> } | undefined> {
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: `tessera-projection-${this.name}` });
    const lost = new Promise<void>((resolve) => {
      client.on('error', () => resolve());
      client.on('end', () => resolve());
    });
    await client.connect();
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [LOCK_NAMESPACE, this.name]);
    if (rows[0]?.ok) return { client, lost };
    await client.end();
    return undefined;
  }

  private async runAsLeader(lease: { lost: Promise<void> }): Promise<void> {
    await ensureProjection(this.knex, this.store, this.projection, this.options.logger);
    let leaseLost = false;
    void lease.lost.then(() => {
      leaseLost = true;
      void this.closeCurrent?.();
    });
    const done = () => this.stopped || leaseLost;
    while (!done()) {
      const row = await readCheckpointRow(this.knex, this.name);
      const position = row ? BigInt(row.position) : NONE;
      // A failure recorded by an earlier run (this or another process) gets one more attempt.
      const retryOnce = row?.status === 'failed' && row.failed_position !== null ? BigInt(row.failed_position) : undefined;
      if (retryOnce !== undefined) this.options.logger?.info({ projection: this.name, position: retryOnce.toString() }, 'projection failed earlier; retrying that event once');
      const subscription = this.store.subscribeToAll(position === NONE ? {} : { fromPosition: position });
      this.closeCurrent = () => subscription.close();
      let outcome: ConsumeOutcome = 'done';
      try {
        outcome = await this.consume(subscription[Symbol.asyncIterator](), position, done, retryOnce);
      } catch (error) {
        if (!(error instanceof CheckpointMovedError)) throw error;
        this.options.logger?.info({ projection: this.name }, 'checkpoint moved (rebuild or another runner); resubscribing');
      } finally {
        await subscription.close();
      }
      if (outcome === 'failed') await this.waitWhileFailed(done);
    }
  }

  /** Stopped at a failed event: keeps the lease (no standby spins on it) until a rebuild clears the failure. */
  private async waitWhileFailed(done: () => boolean): Promise<void> {
    while (!done()) {
      await this.sleep(this.options.failedPollMs ?? 1000);
      const row = await readCheckpointRow(this.knex, this.name).catch(() => undefined);
      if (row && row.status !== 'failed') return;
    }
  }

  private async consume(iterator: AsyncIterator<RecordedEvent>, startPosition: bigint, done: () => boolean, retryOnce: bigint | undefined): Promise<ConsumeOutcome> {
    const batchSize = this.options.batchSize ?? 500;
    const ready = Symbol('ready');
    let position = startPosition;
    let pending: Promise<IteratorResult<RecordedEvent>> | undefined;
    while (!done()) {
      const first = await (pending ?? iterator.next());
      pending = undefined;
      if (first.done) return 'done';
      const batch = [first.value];
      while (batch.length < batchSize) {
        pending = iterator.next();
        const next = await Promise.race([pending, new Promise<typeof ready>((r) => setImmediate(() => r(ready)))]);
        if (next === ready) break; // nothing more at hand; keep `pending` for the next batch
        pending = undefined;
        if (next.done) break;
        batch.push(next.value);
      }
      if (done()) return 'done';
      const applied = await this.applyOrIsolate(batch, position, done, retryOnce);
      if (applied === undefined) return done() ? 'done' : 'failed';
      position = applied;
      this.observe(batch.at(-1)!);
    }
    return 'done';
  }

  /**
   * Applies the batch in one transaction; when that fails for a reason other than the
   * infrastructure, applies it one event per transaction so the event at fault is known
   * and everything before it is applied. Returns the new checkpoint, or undefined when
   * an event failed for good (recorded) or the runner is stopping.
   */
  private async applyOrIsolate(batch: RecordedEvent[], position: bigint, done: () => boolean, retryOnce: bigint | undefined): Promise<bigint | undefined> {
    const schema = projectionSchema(this.name);
    if (batch.length > 1) {
      try {
        await applyBatch(this.knex, this.projection, schema, batch, position, true, this.options.sharedBatches);
        return batch.at(-1)!.position;
      } catch (error) {
        if (isTransientError(error)) throw error;
        this.options.logger?.warn({ err: error, projection: this.name }, 'batch failed; applying its events one by one to find the one at fault');
      }
    }
    let checkpoint = position;
    for (const event of batch) {
      const limit = event.position === retryOnce ? 1 : (this.options.maxAttempts ?? 3);
      for (let attempt = 1; ; attempt++) {
        try {
          await applyBatch(this.knex, this.projection, schema, [event], checkpoint, true, this.options.sharedBatches);
          break;
        } catch (error) {
          if (isTransientError(error)) throw error;
          this.options.logger?.warn({ err: error, projection: this.name, position: event.position.toString(), attempt }, 'projection could not apply event');
          if (attempt >= limit) {
            await this.recordFailure(event, checkpoint, attempt, error);
            return undefined;
          }
          await this.sleep((this.options.retryDelayMs ?? 500) * 2 ** (attempt - 1));
          if (done()) return undefined;
        }
      }
      checkpoint = event.position;
    }
    return checkpoint;
  }

  private async recordFailure(event: RecordedEvent, checkpoint: bigint, attempts: number, error: unknown): Promise<void> {
    const message = describeError(error).slice(0, 2000);
    const updated = await this.knex('projection_checkpoints')
      .where({ name: this.name, position: checkpoint.toString() })
      .update({
        status: 'failed',
        failed_position: event.position.toString(),
        failed_stream: event.streamName,
        failed_revision: event.revision.toString(),
        failed_event_id: event.id,
        failed_event_type: event.type,
        failed_error: message,
        failed_attempts: this.knex.raw('CASE WHEN failed_position = ? THEN failed_attempts + ? ELSE ? END', [event.position.toString(), attempts, attempts]),
        failed_at: this.knex.fn.now(),
      });
    if (updated === 0) throw new CheckpointMovedError();
    this.options.metrics?.projectionFailed.set({ projection: this.name }, 1);
    this.options.logger?.error(
      { projection: this.name, stream: event.streamName, revision: event.revision.toString(), position: event.position.toString(), type: event.type, error: message },
      'projection stopped: it cannot apply this event. Fix the cause, then restart the projector (it retries the event once) or rebuild the projection',
    );
  }

  private observe(last: RecordedEvent): void {
    this.options.metrics?.projectionFailed.set({ projection: this.name }, 0);
    this.options.metrics?.projectionLagSeconds.set({ projection: this.name }, Math.max(0, (Date.now() - last.recordedAt.getTime()) / 1000));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

function readCheckpointRow(knex: Knex, name: string): Promise<CheckpointRow | undefined> {
  return knex('projection_checkpoints').where({ name }).first<CheckpointRow | undefined>();
}

/**
 * A condition that is always true and, as it is evaluated, turns this transaction's commit
 * asynchronous (SET LOCAL synchronous_commit = off, inside the one statement): PostgreSQL
 * acknowledges the COMMIT before its WAL reaches the disk, which on this kind of write
 * costs more than the statement. Only for transactions whose loss in a PostgreSQL crash
 * changes nothing anyone relied on: the read-model rows and the checkpoint are lost
 * together, and the runner applies those events again from the older checkpoint (the
 * events themselves are appended with synchronous commits). The setting ends with the
 * transaction, never with the pooled connection.
 */
const ASYNC_COMMIT = "set_config('synchronous_commit', 'off', true) IS NOT NULL";

/**
 * Applies a batch in one transaction. When `live`, the checkpoint is advanced from
 * `expectedPosition` (else nothing of the batch commits); otherwise (rebuild into a shadow
 * schema) only the read model is written. With `shared`, a live batch joins the other
 * runners' batches of this event-loop turn (SharedBatches); when that shared attempt
 * fails, for whatever reason, the batch is applied alone, as without it.
 */
async function applyBatch(
  db: Knex | Knex.Transaction,
  projection: Projection,
  schema: string,
  events: RecordedEvent[],
  expectedPosition: bigint,
  live: boolean,
  shared?: SharedBatches,
): Promise<void> {
  const types = new Set(projection.eventTypes);
  const outsideTransaction = projection.transactional === false;
  const move = { name: projection.name, expected: expectedPosition, last: events.at(-1)! };
  const share = live && shared !== undefined && !db.isTransaction ? shared : undefined;
  if (live && (outsideTransaction || !events.some((event) => types.has(event.type)))) {
    if (outsideTransaction) await applyOutsideTransaction(projection, schema, events, types);
    await (share ? share.move(move) : moveCheckpoint(db, move, true));
    return;
  }
  if (share && (await share.apply({ projection, schema, events, types, move }))) return;
  const run = async (trx: Knex.Transaction) => {
    const feed: ChangefeedEntry[] | undefined = live ? [] : undefined;
    await applyEvents(trx, { projection, schema, events, types }, feed);
    if (feed) {
      await writeChangefeed(trx, feed);
      // The compare that keeps two runners from both applying, last: when it finds the
      // checkpoint moved (a rebuild swapped the schema meanwhile), everything above rolls back.
      // Feed ids go to live subscribers as soon as they commit, so a batch that published waits for its flush.
      await moveCheckpoint(trx, move, feed.length === 0);
    }
  };
  if (db.isTransaction) await run(db as Knex.Transaction);
  else await (db as Knex).transaction(run);
}

interface BatchWork {
  projection: Projection;
  schema: string;
  events: RecordedEvent[];
  types: Set<string>;
}

/** Applies a batch's events of the projection's types and its afterBatch in `trx`; live updates go to `feed` (none without one: a rebuild). */
async function applyEvents(trx: Knex.Transaction, { projection, schema, events, types }: BatchWork, feed: ChangefeedEntry[] | undefined): Promise<void> {
  let position = events[0]!.position;
  const ctx: ProjectionContext = {
    trx,
    schema,
    publish: feed
      ? (channel, payload, options) => feed.push({ channel, eventPosition: options?.eventPosition ?? position, teamOnly: options?.teamOnly ?? false, payload })
      : () => undefined,
    batch: new Map(),
  };
  for (const event of events) {
    position = event.position;
    if (types.has(event.type)) await projection.apply(event, ctx);
  }
  await projection.afterBatch?.(ctx);
}

/** A reactor's batch (Projection.transactional false): its effects are its own (jobs), so no transaction is held open for them. */
async function applyOutsideTransaction(projection: Projection, schema: string, events: RecordedEvent[], types: Set<string>): Promise<void> {
  const refuse = (what: string): never => {
    throw new Error(`projection ${projection.name} declares transactional: false, so it has no ${what}`);
  };
  const ctx: ProjectionContext = {
    get trx(): Knex.Transaction {
      return refuse('transaction');
    },
    schema,
    publish: () => refuse('changefeed'),
    batch: new Map(),
  };
  for (const event of events) if (types.has(event.type)) await projection.apply(event, ctx);
  await projection.afterBatch?.(ctx);
}

/** A checkpoint to move from `expected` to the last event of a batch. */
interface CheckpointMove {
  name: string;
  expected: bigint;
  last: RecordedEvent;
}

/** The SET items that clear a recorded failure, bound to CLEARED_FAILURE's values in its order. */
const CLEAR_FAILURE = Object.keys(CLEARED_FAILURE).map((column) => `${column} = ?`).join(', ');

const MOVE_CHECKPOINT = `UPDATE projection_checkpoints
    SET position = ?, updated_at = now(), last_event_at = ?, ${CLEAR_FAILURE}
  WHERE name = ? AND position = ?`;
const MOVE_CHECKPOINT_ASYNC_COMMIT = `${MOVE_CHECKPOINT} AND ${ASYNC_COMMIT}`;

/**
 * The checkpoint from `expected` to `last`, or CheckpointMovedError when it is no longer
 * at `expected`; one prepared statement per form. The last statement of a batch's
 * transaction, or alone (asynchronous commit) for a batch with nothing for the projection,
 * most batches of most projections under a ticket rush. The compare is the row lock's: an
 * UPDATE waits for a rebuild that holds the row, then finds the position moved.
 */
async function moveCheckpoint(db: Knex | Knex.Transaction, { name, expected, last }: CheckpointMove, asyncCommit: boolean): Promise<void> {
  const text = asyncCommit ? MOVE_CHECKPOINT_ASYNC_COMMIT : MOVE_CHECKPOINT;
  const { rowCount } = await db
    .raw<{ rowCount: number }>(text, [last.position.toString(), last.recordedAt, ...Object.values(CLEARED_FAILURE), name, expected.toString()])
    .options({ name: preparedName(text) });
  if (rowCount !== 1) throw new CheckpointMovedError();
}

const MOVE_CHECKPOINTS = `WITH v AS (SELECT * FROM jsonb_to_recordset(?::jsonb) AS v(name text, expected bigint, position bigint, last_event_at timestamptz)),
       free AS (SELECT c.name FROM projection_checkpoints c JOIN v ON c.name = v.name AND c.position = v.expected FOR UPDATE OF c SKIP LOCKED)
  UPDATE projection_checkpoints AS c
     SET position = v.position, updated_at = now(), last_event_at = v.last_event_at,
         ${CLEAR_FAILURE}
    FROM v, free
   WHERE c.name = v.name AND c.name = free.name`;
const MOVE_CHECKPOINTS_ASYNC_COMMIT = `${MOVE_CHECKPOINTS} AND ${ASYNC_COMMIT}
RETURNING c.name`;
const MOVE_CHECKPOINTS_RETURNING = `${MOVE_CHECKPOINTS}
RETURNING c.name`;

/** The checkpoints whose compare held and whose rows no other transaction holds, moved in one statement; returns their names. */
async function moveCheckpoints(db: Knex | Knex.Transaction, moves: CheckpointMove[], asyncCommit: boolean): Promise<Set<string>> {
  const text = asyncCommit ? MOVE_CHECKPOINTS_ASYNC_COMMIT : MOVE_CHECKPOINTS_RETURNING;
  const rows = moves.map((move) => ({ name: move.name, expected: move.expected.toString(), position: move.last.position.toString(), last_event_at: move.last.recordedAt.toISOString() }));
  const { rows: moved } = await db
    .raw<{ rows: Array<{ name: string }> }>(text, [JSON.stringify(rows), ...Object.values(CLEARED_FAILURE)])
    .options({ name: preparedName(text) });
  return new Set(moved.map((row) => row.name));
}

class SharedBatchIncomplete extends Error {}

type SharedEntry =
  | { move: CheckpointMove; work?: undefined; resolve: () => void; reject: (error: unknown) => void }
  | { move: CheckpointMove; work: BatchWork; resolve: (applied: boolean) => void; reject?: undefined };

/**
 * The batches of one process's runners that arrive in one event-loop turn (they read one
 * shared page after one notification) go to PostgreSQL together:
 * - checkpoint-only moves (nothing for the runner, or a reactor's) as ONE statement;
 * - with batches to apply, ONE transaction: each runner's events in turn, one changefeed
 *   statement for all their live updates, and every checkpoint moved by one statement,
 *   each with its own compare, so each runner's effects still commit with its checkpoint
 *   and never without it. Under a ticket rush three read models take every reservation;
 *   alone, each batch pays its own BEGIN, changefeed statement, checkpoint and COMMIT.
 * The statement skips checkpoint rows another transaction holds (a rebuild's swap), so one
 * runner's wait never holds up the others. A move it did not make is tried alone, which
 * waits and compares as a single move does (a runner whose row had moved gets
 * CheckpointMovedError); when anything of a shared transaction fails, it rolls back whole
 * and each batch is applied alone, where a failure is the runner's own to isolate.
 */
export class SharedBatches {
  private pending: SharedEntry[] = [];

  constructor(private readonly knex: Knex) {}

  /** Moves a checkpoint with the others of this turn. */
  move(move: CheckpointMove): Promise<void> {
    return new Promise((resolve, reject) => this.enqueue({ move, resolve, reject }));
  }

  /** Applies a batch with the others of this turn; false when that failed and the caller must apply it alone. */
  apply(work: BatchWork & { move: CheckpointMove }): Promise<boolean> {
    return new Promise((resolve) => this.enqueue({ move: work.move, work, resolve }));
  }

  private enqueue(entry: SharedEntry): void {
    if (this.pending.push(entry) === 1) setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    const entries = this.pending;
    this.pending = [];
    const applying = entries.some((entry) => entry.work !== undefined);
    let moved: Set<string> | undefined;
    try {
      if (!applying) moved = await moveCheckpoints(this.knex, entries.map((entry) => entry.move), true);
      else if (entries.length > 1) moved = await this.applyTogether(entries);
    } catch (error) {
      // A shared transaction that failed is no one's fault yet: each batch is applied alone below.
      if (!applying) {
        for (const entry of entries) if (!entry.work) entry.reject(error);
        return;
      }
    }
    for (const entry of entries) {
      const done = moved?.has(entry.move.name) === true;
      if (entry.work) entry.resolve(done);
      else if (done) entry.resolve();
      else moveCheckpoint(this.knex, entry.move, true).then(entry.resolve, entry.reject);
    }
  }

  private applyTogether(entries: SharedEntry[]): Promise<Set<string>> {
    return this.knex.transaction(async (trx) => {
      const feed: ChangefeedEntry[] = [];
      for (const entry of entries) if (entry.work) await applyEvents(trx, entry.work, feed);
      await writeChangefeed(trx, feed);
      const moved = await moveCheckpoints(trx, entries.map((entry) => entry.move), feed.length === 0);
      if (moved.size !== entries.length) throw new SharedBatchIncomplete();
      return moved;
    });
  }
}

/** Creates the schema and checkpoint on first start; rebuilds when the version changed. */
export async function ensureProjection(knex: Knex, store: EventStore, projection: Projection, logger?: Logger): Promise<void> {
  const row = await knex('projection_checkpoints').where({ name: projection.name }).first<CheckpointRow | undefined>();
  if (row && row.version === projection.version) return;
  if (row) {
    logger?.info({ projection: projection.name, from: row.version, to: projection.version }, 'projection version changed; rebuilding');
    await rebuildProjection(knex, store, projection, { logger });
    return;
  }
  const schema = projectionSchema(projection.name);
  await knex.transaction(async (trx) => {
    await trx.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await trx.raw(`CREATE SCHEMA ${schema}`);
    await projection.setup(trx, schema);
    await trx('projection_checkpoints')
      .insert({ name: projection.name, version: projection.version, position: NONE.toString() })
      .onConflict('name')
      .ignore();
  });
}

export interface RebuildResult {
  events: number;
  position: bigint;
}

/**
 * Replays the whole store into a shadow schema while the live read model keeps
 * serving, then, holding the checkpoint row lock (which pauses the live runner),
 * applies what arrived meanwhile and swaps the schemas by renaming them. The old
 * schema is dropped afterwards, once queries still reading it have finished.
 */
export async function rebuildProjection(
  knex: Knex,
  store: EventStore,
  projection: Projection,
  opts: { logger?: Logger; pageSize?: number; onProgress?: (events: number) => void } = {},
): Promise<RebuildResult> {
  const live = projectionSchema(projection.name);
  const shadow = `${live}__shadow`;
  const old = `${live}__old`;
  const pageSize = opts.pageSize ?? 1000;
  await knex.raw(`DROP SCHEMA IF EXISTS ${shadow} CASCADE`);
  await knex.raw(`DROP SCHEMA IF EXISTS ${old} CASCADE`);
  await knex.raw(`CREATE SCHEMA ${shadow}`);
  await projection.setup(knex, shadow);

  let position = NONE;
  let count = 0;
  const replay = async (db: Knex | Knex.Transaction) => {
    for (;;) {
      const events = await store.readAll({ ...(position === NONE ? {} : { afterPosition: position }), maxCount: pageSize });
      if (events.length === 0) return;
      await applyBatch(db, projection, shadow, events, position, false);
      position = events.at(-1)!.position;
      count += events.length;
      opts.onProgress?.(count);
    }
  };
  await replay(knex);

  await knex.transaction(async (trx) => {
    await trx('projection_checkpoints')
      .insert({ name: projection.name, version: projection.version, position: NONE.toString() })
      .onConflict('name')
      .ignore();
    await trx('projection_checkpoints').where({ name: projection.name }).forUpdate().first();
    await replay(trx);
    const exists = await trx.raw<{ rows: unknown[] }>('SELECT 1 FROM pg_namespace WHERE nspname = ?', [live]);
    if (exists.rows.length) await trx.raw(`ALTER SCHEMA ${live} RENAME TO ${old}`);
    await trx.raw(`ALTER SCHEMA ${shadow} RENAME TO ${live}`);
    await trx('projection_checkpoints')
      .where({ name: projection.name })
      .update({ position: position.toString(), version: projection.version, updated_at: trx.fn.now(), ...CLEARED_FAILURE });
  });
  await knex.raw(`DROP SCHEMA IF EXISTS ${old} CASCADE`);
  opts.logger?.info({ projection: projection.name, events: count }, 'projection rebuilt');
  return { events: count, position };
}

/** What status needs of a consumer: projections and reactors alike. */
export type ConsumerRef = Pick<Projection, 'name' | 'version'>;

/**
 * - `live`: a runner holds the lease and has applied everything;
 * - `behind`: a runner holds the lease and is catching up;
 * - `stopped`: no process runs it (no runner holds the lease), whatever its lag;
 * - `failed`: it stopped at an event it cannot apply (see `failure`);
 * - `not-started`: it has no checkpoint yet.
 */
export type ProjectionState = 'live' | 'behind' | 'stopped' | 'failed' | 'not-started';

export interface ProjectionStatus {
  name: string;
  version: number;
  position: string;
  state: ProjectionState;
  /** Unapplied events, counted up to `lagCountLimit` (then `lagEventsCapped`). */
  lagEvents: number;
  lagEventsCapped: boolean;
  /** Age of the oldest unapplied event (0 when caught up). */
  lagSeconds: number;
  /** When the checkpoint last moved. */
  updatedAt: string | null;
  /** When the last applied event was recorded. */
  lastEventAt: string | null;
  /** Whether some process's runner holds the leader lease (advisory lock). */
  runnerActive: boolean;
  failure: ProjectionFailure | null;
}

export const DEFAULT_LAG_COUNT_LIMIT = 10_000;

/**
 * For GET /v1/admin/projections, `tessera projections status`, /health/ready and the
 * gauges. Cheap: nothing is read when a checkpoint is at the head; otherwise the
 * unapplied events are counted (up to a limit) and only the oldest one is read.
 */
export async function projectionStatuses(
  knex: Knex,
  store: EventStore,
  consumers: readonly ConsumerRef[],
  opts: { lagCountLimit?: number; now?: Date } = {},
): Promise<ProjectionStatus[]> {
  const limit = opts.lagCountLimit ?? DEFAULT_LAG_COUNT_LIMIT;
  const now = opts.now ?? new Date();
  const [rows, head, leased] = await Promise.all([
    knex('projection_checkpoints').select<CheckpointRow[]>('*'),
    store.headPosition(),
    leasedConsumers(knex, consumers.map((c) => c.name)),
  ]);
  return Promise.all(
    consumers.map(async (consumer): Promise<ProjectionStatus> => {
      const row = rows.find((r) => r.name === consumer.name);
      const position = row ? BigInt(row.position) : NONE;
      const lag = position < head ? await unapplied(store, position, limit) : { count: 0, oldest: undefined };
      const failure = row ? failureOf(row) : null;
      const runnerActive = leased.has(consumer.name);
      const state: ProjectionState = !row ? 'not-started' : failure ? 'failed' : !runnerActive ? 'stopped' : lag.count > 0 ? 'behind' : 'live';
      return {
        name: consumer.name,
        version: row?.version ?? consumer.version,
        position: position.toString(),
        state,
        lagEvents: lag.count,
        lagEventsCapped: lag.count >= limit,
        lagSeconds: lag.oldest ? Math.max(0, (now.getTime() - lag.oldest.recordedAt.getTime()) / 1000) : 0,
        updatedAt: row?.updated_at?.toISOString() ?? null,
        lastEventAt: row?.last_event_at?.toISOString() ?? null,
        runnerActive,
        failure,
      };
    }),
  );
}

async function unapplied(store: EventStore, position: bigint, limit: number): Promise<{ count: number; oldest: RecordedEvent | undefined }> {
  const after = position === NONE ? {} : { afterPosition: position };
  // Counted from the table, so events that readAll does not hand out yet (an older transaction is still open) are lag too.
  const count = store.countAfter ? await store.countAfter(position, limit) : (await store.readAll({ ...after, maxCount: limit })).length;
  const [oldest] = count > 0 ? await store.readAll({ ...after, maxCount: 1 }) : [];
  return { count, oldest };
}

function failureOf(row: CheckpointRow): ProjectionFailure | null {
  if (row.status !== 'failed' || row.failed_position === null) return null;
  return {
    position: row.failed_position,
    stream: row.failed_stream ?? '',
    revision: row.failed_revision ?? '',
    eventId: row.failed_event_id ?? '',
    eventType: row.failed_event_type ?? '',
    error: row.failed_error ?? '',
    attempts: row.failed_attempts,
    failedAt: row.failed_at?.toISOString() ?? '',
  };
}

/** Which consumers some session holds the leader lock of: pg_locks, so asking never takes the lease. */
async function leasedConsumers(knex: Knex, names: string[]): Promise<Set<string>> {
  const { rows } = await knex.raw<{ rows: Array<{ name: string }> }>(
    `SELECT c.name FROM unnest(?::text[]) AS c(name)
      WHERE EXISTS (SELECT 1 FROM pg_locks l
                     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                       AND l.classid = ?::oid AND l.objid = hashtext(c.name)::oid)`,
    [names, LOCK_NAMESPACE],
  );
  return new Set(rows.map((r) => r.name));
}

export async function checkpointPositions(knex: Knex): Promise<Map<string, bigint>> {
  const rows = await knex('projection_checkpoints').select<CheckpointRow[]>('name', 'position');
  return new Map(rows.map((r) => [r.name, BigInt(r.position)]));
}

/**
 * SQL for a projection's checkpoint position as a column of a read: one statement sees one
 * snapshot, so a single SELECT of the read model with this column needs no transaction.
 * Read the column with `checkpointPosition`.
 */
export const checkpointColumn = (knex: Knex | Knex.Transaction, projection: string): Knex.Raw =>
  knex.raw('(SELECT position FROM projection_checkpoints WHERE name = ?)', [projection]);

/** The position of a `checkpointColumn` value: undefined before the projection applied anything. */
export function checkpointPosition(value: string | null): bigint | undefined {
  if (value === null) return undefined;
  const position = BigInt(value);
  return position === NONE ? undefined : position;
}

/**
 * Runs read-model queries in one read-only REPEATABLE READ snapshot that also reads the
 * projection's checkpoint. Batches commit the read model and the checkpoint together, so
 * `position` is exactly the newest event the answer reflects (X-Position of read-model
 * GETs); undefined while the projection has applied nothing.
 */
export async function readAtCheckpoint<T>(
  knex: Knex,
  projection: string,
  read: (db: Knex.Transaction) => Promise<T>,
): Promise<{ value: T; position: bigint | undefined }> {
  return knex.transaction(
    async (trx) => {
      const row = await trx('projection_checkpoints').where({ name: projection }).first<Pick<CheckpointRow, 'position'> | undefined>('position');
      const position = row ? BigInt(row.position) : NONE;
      return { value: await read(trx), position: position === NONE ? undefined : position };
    },
    { isolationLevel: 'repeatable read', readOnly: true },
  );
}

/**
 * The `projections` entry of /health/ready: failing when a projection is stopped at an
 * event it cannot apply, or more than `maxLagEvents` behind. A projection no runner
 * holds (`stopped`, e.g. during a projector deploy) is reported but only fails by lag.
 */
export async function projectionReadiness(knex: Knex, store: EventStore, consumers: readonly ConsumerRef[], maxLagEvents: number): Promise<CheckResult> {
  const statuses = await projectionStatuses(knex, store, consumers, { lagCountLimit: maxLagEvents + 1 });
  const problems = statuses.flatMap((s) => {
    if (s.failure) return [`${s.name} failed at position ${s.failure.position} (${s.failure.stream} revision ${s.failure.revision}, ${s.failure.eventType}): ${s.failure.error}`];
    if (s.lagEvents > maxLagEvents) return [`${s.name} is more than ${maxLagEvents} events behind`];
    return [];
  });
  const items = Object.fromEntries(
    statuses.map((s) => [s.name, { state: s.state, position: s.position, lagEvents: s.lagEvents, lagSeconds: s.lagSeconds, runnerActive: s.runnerActive, failure: s.failure }]),
  );
  return { status: problems.length ? 'failing' : 'ok', ...(problems.length ? { detail: problems.join('; ') } : {}), maxLagEvents, items };
}
