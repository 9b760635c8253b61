/**
 * A projection = { name, version, eventTypes, setup, apply } plus the queries of its
 * module. Its tables live in their own schema (`rm_<name>`), so a rebuild can fill a
 * shadow schema and swap it in with one rename.
 */
import type { Knex } from 'knex';
import type { RecordedEvent } from '../eventstore/eventStore.js';

export interface ProjectionContext {
  trx: Knex.Transaction;
  /** The schema to write into: the live one, or the shadow during a rebuild. */
  schema: string;
  /** Queues a live update; written to the changefeed in this same transaction (dropped during rebuilds). */
  publish(channel: string, payload: unknown, options?: PublishOptions): void;
  /**
   * Scratch space for one batch, shared by its apply calls and afterBatch: a projection
   * may gather per-row changes (counters) here and write each row once per batch.
   */
  batch: Map<string, unknown>;
}

export interface PublishOptions {
  /** The newest event the update reflects (default: the event being applied, or the batch's last one in afterBatch). */
  eventPosition?: bigint;
  /** Only for subscribers on the resource's team (e.g. a draft's state): never replayed or sent to others. */
  teamOnly?: boolean;
}

export interface Projection {
  name: string;
  /** Bump to have the runner rebuild the read model from position 0. */
  version: number;
  eventTypes: readonly string[];
  /** Creates the projection's tables inside `schema` (which exists and is empty). */
  setup(db: Knex | Knex.Transaction, schema: string): Promise<void>;
  apply(event: RecordedEvent, ctx: ProjectionContext): Promise<void>;
  /** Runs after the batch's last apply, in the same transaction (before the changefeed and checkpoint). */
  afterBatch?(ctx: ProjectionContext): Promise<void>;
  /**
   * false for a reactor that keeps nothing in the database (it enqueues jobs, de-duplicated
   * by job id): its batches open no transaction (`ctx.trx` and `publish` throw), and its
   * checkpoint moves after its apply calls, together with other runners' moves. At least
   * once, as before: a crash between the two applies the batch again.
   */
  transactional?: false;
}

/**
 * SQL for a timestamptz column as epoch milliseconds (float8, which node-postgres hands
 * over as a number): for reads that compute on instants, where parsing each value's text
 * into a Date and back cost more than the query. No zone is involved.
 */
export const epochMillisSql = (column: string): string => `floor(extract(epoch FROM ${column}) * 1000)::float8`;

export function projectionSchema(name: string): string {
  return `rm_${name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`).replace(/[^a-z0-9_]/g, '_')}`;
}

/**
 * Rows of `table` gathered during a batch and inserted in one statement (the bulk of a
 * busy batch is often one event type adding rows): `add` queues a row, `flush` writes
 * what is queued. Call `flush` before anything that must see the rows, and in afterBatch.
 */
export function pendingInserts(ctx: ProjectionContext, table: string) {
  const key = `pendingInserts:${table}`;
  let rows = ctx.batch.get(key) as Array<Record<string, unknown>> | undefined;
  if (!rows) ctx.batch.set(key, (rows = []));
  const queued = rows;
  return {
    add: (row: Record<string, unknown>) => void queued.push(row),
    flush: async () => {
      if (queued.length > 0) await ctx.trx(`${ctx.schema}.${table}`).insert(queued.splice(0));
    },
  };
}
