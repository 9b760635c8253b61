/**
 * Given events → expected rows, for one projection (after Emmett's PostgreSQLProjectionSpec).
 *
 *   const spec = await projectionSpec(ticketingProjection(), db.url);
 *   await spec.given(scheduled, published).when(reserved).then(
 *     expectRows('events', { columns: ['id', 'held'], rows: [{ id, held: 2 }] }));
 *
 * Each scenario gets a fresh schema of a real database and is fed through the
 * projection's own setup/apply/afterBatch, one transaction per batch as the runner
 * does it: `given` is one committed batch, `when` the next. Rows are compared on the
 * chosen columns only, in any order; `publishedTo` asserts the live updates of `when`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, beforeAll, expect } from 'vitest';
import { createKnex } from '../../src/database.js';
import type { EventMetadata, RecordedEvent } from '../../src/eventstore/eventStore.js';
import type { Projection, ProjectionContext, PublishOptions } from '../../src/projections/projection.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export interface SpecEvent {
  type: string;
  data: unknown;
  stream: string;
  /** Default: the next revision of its stream in this scenario. */
  revision?: bigint;
  /** Default: the next global position in this scenario. */
  position?: bigint;
  metadata?: EventMetadata;
  /** Default: a fixed instant plus one second per position. */
  recordedAt?: Date;
}

export interface Published {
  channel: string;
  payload: unknown;
  options: PublishOptions | undefined;
}

export interface ThenContext {
  db: Knex;
  schema: string;
  /** Live updates queued while the `when` batch was applied. */
  published: Published[];
}

export type Assertion = (ctx: ThenContext) => Promise<void> | void;

export interface ProjectionSpec {
  given(...events: SpecEvent[]): { when(...events: SpecEvent[]): { then(...assertions: Assertion[]): Promise<void> } };
  close(): Promise<void>;
}

const EPOCH = Date.parse('2030-01-01T00:00:00.000Z');

/** recordedAt of the event at `position` (the helper's default clock). */
export const specRecordedAt = (position: number) => new Date(EPOCH + position * 1000).toISOString();

/** A spec for one test file: its own database (vitest hooks create and drop it). */
export function projectionSpecForFile(projection: Projection, databasePrefix: string): Pick<ProjectionSpec, 'given'> {
  let db: TestDatabase | undefined;
  let spec: ProjectionSpec | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(databasePrefix);
    spec = await projectionSpec(projection, db.url);
  });
  afterAll(async () => {
    await spec?.close();
    await db?.drop();
  });
  return { given: (...events) => spec!.given(...events) };
}

export async function projectionSpec(projection: Projection, databaseUrl: string): Promise<ProjectionSpec> {
  const db = createKnex(databaseUrl, { max: 2 });
  return {
    given: (...given) => ({
      when: (...when) => ({
        then: async (...assertions) => {
          const schema = `spec_${randomBytes(6).toString('hex')}`;
          await db.raw(`CREATE SCHEMA ${schema}`);
          try {
            await projection.setup(db, schema);
            const recorded = record([...given, ...when]);
            await applyBatch(db, projection, schema, recorded.slice(0, given.length));
            const published = await applyBatch(db, projection, schema, recorded.slice(given.length));
            for (const assertion of assertions) await assertion({ db, schema, published });
          } finally {
            await db.raw(`DROP SCHEMA ${schema} CASCADE`);
          }
        },
      }),
    }),
    close: () => db.destroy(),
  };
}

/** Fills in revisions, positions and times the way a store would (contiguous per stream, increasing overall). */
function record(events: SpecEvent[]): RecordedEvent[] {
  const revisions = new Map<string, bigint>();
  let position = -1n;
  return events.map((event) => {
    const revision = event.revision ?? (revisions.has(event.stream) ? revisions.get(event.stream)! + 1n : 0n);
    revisions.set(event.stream, revision);
    position = event.position ?? position + 1n;
    return {
      id: randomUUID(),
      type: event.type,
      data: event.data,
      metadata: event.metadata ?? {},
      streamName: event.stream,
      revision,
      position,
      recordedAt: event.recordedAt ?? new Date(specRecordedAt(Number(position))),
    };
  });
}

async function applyBatch(db: Knex, projection: Projection, schema: string, events: RecordedEvent[]): Promise<Published[]> {
  const published: Published[] = [];
  if (events.length === 0) return published;
  const types = new Set(projection.eventTypes);
  await db.transaction(async (trx) => {
    const ctx: ProjectionContext = { trx, schema, publish: (channel, payload, options) => published.push({ channel, payload, options }), batch: new Map() };
    for (const event of events) if (types.has(event.type)) await projection.apply(event, ctx);
    await projection.afterBatch?.(ctx);
  });
  return published;
}

/** The table holds exactly these rows (on `columns`, any order). Dates compare as ISO strings, bigints and numerics as numbers. */
export function expectRows(table: string, expected: { columns: string[]; rows: Array<Record<string, unknown>> }): Assertion {
  return async ({ db, schema }) => {
    const actual = await db(`${schema}.${table}`).select(expected.columns);
    const normalise = (rows: Array<Record<string, unknown>>) =>
      rows.map((row) => Object.fromEntries(expected.columns.map((column) => [column, comparable(row[column])]))).sort(byJson);
    expect(normalise(actual), `rows of ${table}`).toEqual(normalise(expected.rows));
  };
}

/** Live updates published by the `when` batch to `channel`, in order (payloads only). */
export function expectPublished(channel: string, payloads: unknown[]): Assertion {
  return ({ published }) => {
    expect(published.filter((p) => p.channel === channel).map((p) => p.payload), `updates on ${channel}`).toEqual(payloads);
  };
}

function comparable(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value) && value.length < 16) return Number(value);
  if (value === undefined) return null;
  return value;
}

const byJson = (a: unknown, b: unknown) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0);
