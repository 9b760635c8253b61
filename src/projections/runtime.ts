/**
 * The projection runtime (DESIGN §6).
 *
 * - One active runner per projection across processes: the leader holds a session
 *   advisory lock on its own connection; standbys retry until it is free.
 * - Every batch runs in one transaction that locks the checkpoint row, checks it is
 *   where this runner expects (so two runners can never both apply), applies the
 *   events, writes the changefeed rows and the new checkpoint. Effects on the read
 *   model are therefore exactly-once.
 * - The subscription is unfiltered so the checkpoint advances past events the
 *   projection ignores (X-Min-Position relies on it); only listed types are applied.
 * - Batches take whatever the subscription has ready (up to batchSize) and the next
 *   events are only pulled after the batch commits: backpressure, no unbounded buffer.
 */
import type { Knex } from 'knex';
import pg from 'pg';
import type { Logger } from 'pino';
import type { EventStore, RecordedEvent } from '../eventstore/eventStore.js';
import type { Metrics } from '../metrics.js';
import { writeChangefeed, type ChangefeedEntry } from './changefeed.js';
import { projectionSchema, type Projection, type ProjectionContext } from './projection.js';

const LOCK_NAMESPACE = 7305;
const NONE = -1n;

export interface ProjectionRunnerOptions {
  batchSize?: number;
  standbyRetryMs?: number;
  logger?: Logger;
  metrics?: Metrics;
}

class CheckpointMovedError extends Error {}

interface CheckpointRow {
  name: string;
  version: number;
  position: string;
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
    while (!this.stopped && !leaseLost) {
      const position = await readCheckpoint(this.knex, this.name);
      const subscription = this.store.subscribeToAll(position === NONE ? {} : { fromPosition: position });
      this.closeCurrent = () => subscription.close();
      try {
        await this.consume(subscription[Symbol.asyncIterator](), position, () => this.stopped || leaseLost);
      } catch (error) {
        if (!(error instanceof CheckpointMovedError)) throw error;
        this.options.logger?.info({ projection: this.name }, 'checkpoint moved (rebuild or another runner); resubscribing');
      } finally {
        await subscription.close();
      }
    }
  }

  private async consume(iterator: AsyncIterator<RecordedEvent>, startPosition: bigint, done: () => boolean): Promise<void> {
    const batchSize = this.options.batchSize ?? 500;
    const ready = Symbol('ready');
    let position = startPosition;
    let pending: Promise<IteratorResult<RecordedEvent>> | undefined;
    while (!done()) {
      const first = await (pending ?? iterator.next());
      pending = undefined;
      if (first.done) return;
      const batch = [first.value];
      while (batch.length < batchSize) {
        pending = iterator.next();
        const next = await Promise.race([pending, new Promise<typeof ready>((r) => setImmediate(() => r(ready)))]);
        if (next === ready) break; // nothing more at hand; keep `pending` for the next batch
        pending = undefined;
        if (next.done) break;
        batch.push(next.value);
      }
      if (done()) return;
      await applyBatch(this.knex, this.projection, projectionSchema(this.name), batch, position, true);
      position = batch.at(-1)!.position;
      this.observe(batch.at(-1)!);
    }
  }

  private observe(last: RecordedEvent): void {
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

async function readCheckpoint(knex: Knex, name: string): Promise<bigint> {
  const row = await knex('projection_checkpoints').where({ name }).first<CheckpointRow | undefined>();
  return row ? BigInt(row.position) : NONE;
}

/**
 * Applies a batch in one transaction. With `checkpoint`, the checkpoint row is locked,
 * must equal `expectedPosition`, and is advanced; otherwise (rebuild into a shadow
 * schema) only the read model is written.
 */
async function applyBatch(
  db: Knex | Knex.Transaction,
  projection: Projection,
  schema: string,
  events: RecordedEvent[],
  expectedPosition: bigint,
  live: boolean,
): Promise<void> {
  const types = new Set(projection.eventTypes);
  const run = async (trx: Knex.Transaction) => {
    if (live) {
      const row = await trx('projection_checkpoints').where({ name: projection.name }).forUpdate().first<CheckpointRow | undefined>();
      if (!row || BigInt(row.position) !== expectedPosition) throw new CheckpointMovedError();
    }
    const feed: ChangefeedEntry[] = [];
    let position = events[0]!.position;
    const ctx: ProjectionContext = {
      trx,
      schema,
      publish: live
        ? (channel, payload, options) =>
            feed.push({ channel, eventPosition: options?.eventPosition ?? position, teamOnly: options?.teamOnly ?? false, payload })
        : () => undefined,
      batch: new Map(),
    };
    for (const event of events) {
      position = event.position;
      if (types.has(event.type)) await projection.apply(event, ctx);
    }
    await projection.afterBatch?.(ctx);
    if (live) {
      await writeChangefeed(trx, feed);
      const last = events.at(-1)!;
      await trx('projection_checkpoints')
        .where({ name: projection.name })
        .update({ position: last.position.toString(), updated_at: trx.fn.now(), last_event_at: last.recordedAt });
    }
  };
  if (db.isTransaction) await run(db as Knex.Transaction);
  else await (db as Knex).transaction(run);
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
      .update({ position: position.toString(), version: projection.version, updated_at: trx.fn.now(), status: 'live' });
  });
  await knex.raw(`DROP SCHEMA IF EXISTS ${old} CASCADE`);
  opts.logger?.info({ projection: projection.name, events: count }, 'projection rebuilt');
  return { events: count, position };
}

export interface ProjectionStatus {
  name: string;
  version: number;
  position: string;
  lagEvents: number;
  lagSeconds: number | null;
  updatedAt: string | null;
  state: 'live' | 'behind' | 'not-started';
}

/** For GET /v1/admin/projections and `tessera projections status`. */
export async function projectionStatuses(knex: Knex, store: EventStore, projections: readonly Projection[]): Promise<ProjectionStatus[]> {
  const rows = await knex('projection_checkpoints').select<Array<CheckpointRow & { updated_at: Date; last_event_at: Date | null }>>('*');
  const head = await store.headPosition();
  return Promise.all(
    projections.map(async (p) => {
      const row = rows.find((r) => r.name === p.name);
      const position = row ? BigInt(row.position) : NONE;
      const behind = position < head ? await store.readAll({ ...(position === NONE ? {} : { afterPosition: position }), maxCount: 10_000 }) : [];
      const oldestUnapplied = behind[0];
      return {
        name: p.name,
        version: row?.version ?? p.version,
        position: position.toString(),
        lagEvents: behind.length,
        lagSeconds: oldestUnapplied ? Math.max(0, (Date.now() - oldestUnapplied.recordedAt.getTime()) / 1000) : 0,
        updatedAt: row?.updated_at?.toISOString() ?? null,
        state: !row ? 'not-started' : behind.length > 0 ? 'behind' : 'live',
      };
    }),
  );
}

export async function checkpointPositions(knex: Knex): Promise<Map<string, bigint>> {
  const rows = await knex('projection_checkpoints').select<CheckpointRow[]>('name', 'position');
  return new Map(rows.map((r) => [r.name, BigInt(r.position)]));
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
