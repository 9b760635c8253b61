/**
 * Issue 8 item 1 (defence in depth): a projection that cannot apply an event stops at it,
 * visibly and durably, instead of retrying forever; other projections keep running; once
 * the cause is fixed a restart (or a rebuild) resumes exactly there.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKnex, migrateToLatest } from '../../src/database.js';
import { createPostgresEventStore, type PostgresEventStore } from '../../src/eventstore/postgres/postgresEventStore.js';
import { createMetrics } from '../../src/metrics.js';
import type { Projection } from '../../src/projections/projection.js';
import { projectionSchema } from '../../src/projections/projection.js';
import { ensureProjection, isTransientError, ProjectionRunner, projectionStatuses, rebuildProjection, type ProjectionStatus } from '../../src/projections/runtime.js';
import { counterProjection } from '../support/counterProjection.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eventually } from '../support/processes.js';

let db: TestDatabase;
let knex: Knex;
let store: PostgresEventStore;
const schema = projectionSchema('testCounter');
const otherSchema = projectionSchema('otherCounter');
/** The same counter under another name: an independent projection with its own checkpoint and schema. */
const otherCounter = (): Projection => ({ ...counterProjection({ runner: 'other' }), name: 'otherCounter' });

beforeAll(async () => {
  db = await createTestDatabase('projection_failures');
  knex = createKnex(db.url);
  await migrateToLatest(knex);
  store = createPostgresEventStore(db.url, { pollIntervalMs: 50 });
});
afterAll(async () => {
  await store?.close();
  await knex?.destroy();
  await db?.drop();
});
beforeEach(async () => {
  await knex.raw('TRUNCATE eventstore.events, eventstore.streams, projection_checkpoints, changefeed');
  await knex.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await knex.raw(`DROP SCHEMA IF EXISTS ${otherSchema} CASCADE`);
});

const runners: ProjectionRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});
function start(projection: Projection, metrics?: ReturnType<typeof createMetrics>): ProjectionRunner {
  const runner = new ProjectionRunner(knex, db.url, store, projection, { batchSize: 50, standbyRetryMs: 50, retryDelayMs: 20, failedPollMs: 50, metrics });
  runners.push(runner);
  runner.start();
  return runner;
}
async function stop(runner: ProjectionRunner): Promise<void> {
  runners.splice(runners.indexOf(runner), 1);
  await runner.stop();
}

async function take(stream: string, n: number): Promise<void> {
  const events = Array.from({ length: n }, (_, i) => ({ id: randomUUID(), type: 'Taken', data: { by: `u${i}`, amount: 1 } }));
  await store.appendToStream(stream, events, { expectedRevision: 'any' });
}

async function status(name: string): Promise<ProjectionStatus> {
  const all = await projectionStatuses(knex, store, [counterProjection(), otherCounter()]);
  return all.find((s) => s.name === name)!;
}

async function checkpoint(name: string): Promise<bigint> {
  const row = await knex('projection_checkpoints').where({ name }).first();
  return row ? BigInt(row.position) : -1n;
}

/** Every applied position, in order, for the counter's read model. */
async function appliedPositions(s = schema): Promise<bigint[]> {
  const rows = await knex(`${s}.applied`).select('position').orderBy('position');
  return rows.map((r: { position: string }) => BigInt(r.position));
}

async function allPositions(): Promise<bigint[]> {
  const rows = await knex('eventstore.events').select('position').where({ type: 'Taken' }).orderBy('position');
  return rows.map((r: { position: string }) => BigInt(r.position));
}

/** The read-model rule the poison event breaks: a constraint a DBA added, the kind of cause an operator fixes. */
async function forbidStream(stream: string): Promise<void> {
  await knex.raw(`ALTER TABLE ${schema}.totals ADD CONSTRAINT no_poison CHECK (stream <> '${stream}')`);
}
async function allowAgain(): Promise<void> {
  await knex.raw(`ALTER TABLE ${schema}.totals DROP CONSTRAINT no_poison`);
}

describe('a projection that cannot apply an event', () => {
  it('stops at it with the coordinates, keeps the others running, and after the fix a restart resumes exactly there', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    await take('counter-a', 5);
    const first = start(counterProjection(), metrics);
    start(otherCounter());
    await eventually('caught up', async () => (await checkpoint('testCounter')) === (await store.headPosition()));
    await forbidStream('counter-poison');

    // Injected straight into the store, with good events on either side in the same batch.
    await store.appendToStream('counter-b', [{ id: randomUUID(), type: 'Taken', data: { by: 'x', amount: 1 } }], { expectedRevision: 'any' });
    const poisonId = randomUUID();
    const poison = await store.appendToStream('counter-poison', [{ id: poisonId, type: 'Taken', data: { by: 'p', amount: 1 } }], { expectedRevision: 'any' });
    await take('counter-c', 3);

    await eventually('marked failed', async () => (await status('testCounter')).state === 'failed');
    const failed = await status('testCounter');
    expect(failed.failure).toMatchObject({
      position: poison.position.toString(),
      stream: 'counter-poison',
      revision: '0',
      eventId: poisonId,
      eventType: 'Taken',
      attempts: 3,
    });
    expect(failed.failure!.error).toMatch(/no_poison/);
    // Everything before the poison event was applied; its checkpoint sits right before it.
    const before = (await allPositions()).filter((p) => p < poison.position);
    expect(await appliedPositions()).toEqual(before);
    expect(await checkpoint('testCounter')).toBe(before.at(-1));
    expect(failed.lagEvents).toBe(4);
    expect(await metrics.registry.getSingleMetricAsString('tessera_projection_failed')).toMatch(/projection="testCounter"} 1/);

    // It stopped: no further attempts while it waits, even as new events arrive.
    await take('counter-d', 2);
    const otherHead = await store.headPosition();
    await eventually('the other projection keeps up', async () => (await checkpoint('otherCounter')) === otherHead);
    expect(await appliedPositions(otherSchema)).toEqual(await allPositions());
    await new Promise((r) => setTimeout(r, 300)); // a spinning runner would have retried several times by now
    expect((await status('testCounter')).failure!.attempts).toBe(3);
    expect(await appliedPositions()).toEqual(before);

    // The operator fixes the cause and restarts the runner: it resumes at the poison event.
    await allowAgain();
    await stop(first);
    expect((await status('testCounter')).state).toBe('failed'); // durable: no runner clears it by going away
    start(counterProjection(), metrics);
    const head = await store.headPosition();
    await eventually('caught up after the restart', async () => (await checkpoint('testCounter')) === head);
    expect(await appliedPositions()).toEqual(await allPositions()); // none skipped, none twice
    const recovered = await status('testCounter');
    expect(recovered).toMatchObject({ state: 'live', failure: null, lagEvents: 0, runnerActive: true });
    expect(await metrics.registry.getSingleMetricAsString('tessera_projection_failed')).toMatch(/projection="testCounter"} 0/);
  });

  it('a restart while the cause is still there retries the event once and stays failed; a standby does not spin', async () => {
    await ensureProjection(knex, store, counterProjection());
    await forbidStream('counter-poison');
    await take('counter-poison', 1);
    const first = start(counterProjection());
    await eventually('marked failed', async () => (await status('testCounter')).state === 'failed');
    expect((await status('testCounter')).failure!.attempts).toBe(3);
    await stop(first);
    // Two runners (a restarted process and a standby): the leader retries once, then both wait.
    start(counterProjection());
    start(counterProjection());
    await eventually('retried once', async () => (await status('testCounter')).failure?.attempts === 4);
    await new Promise((r) => setTimeout(r, 300));
    expect((await status('testCounter')).failure!.attempts).toBe(4);
    expect((await status('testCounter')).state).toBe('failed');
  });

  it('a rebuild after the fix clears the failure and the stopped runner carries on from the swapped-in checkpoint', async () => {
    await take('counter-a', 2);
    start(counterProjection());
    await eventually('caught up', async () => (await checkpoint('testCounter')) === (await store.headPosition()));
    await forbidStream('counter-poison');
    await take('counter-poison', 1);
    await eventually('marked failed', async () => (await status('testCounter')).state === 'failed');
    // The fix is the rebuild itself: a fresh schema without the constraint.
    const result = await rebuildProjection(knex, store, counterProjection({ runner: 'rebuild' }));
    expect(result.events).toBe(3);
    expect((await status('testCounter')).failure).toBeNull();
    await take('counter-e', 2);
    const head = await store.headPosition();
    await eventually('the runner resumed', async () => (await checkpoint('testCounter')) === head);
    expect(await appliedPositions()).toEqual(await allPositions());
  });

  it('status tells a projection nobody runs (stopped) from one that is live, without reading the events', async () => {
    await take('counter-a', 3);
    const runner = start(counterProjection());
    await eventually('caught up', async () => (await checkpoint('testCounter')) === (await store.headPosition()));
    await eventually('live', async () => (await status('testCounter')).state === 'live');
    expect(await status('otherCounter')).toMatchObject({ state: 'not-started', runnerActive: false, lagEvents: 3 });
    await stop(runner);
    await take('counter-b', 2);
    expect(await status('testCounter')).toMatchObject({ state: 'stopped', runnerActive: false, lagEvents: 2, lagEventsCapped: false });
    const capped = await projectionStatuses(knex, store, [counterProjection()], { lagCountLimit: 1 });
    expect(capped[0]).toMatchObject({ lagEvents: 1, lagEventsCapped: true });
  });
});

describe('which errors are the event\'s fault', () => {
  it('connection, rollback and resource errors are transient (retried, never recorded); data and code errors count', () => {
    for (const transient of [{ code: '08006' }, { code: '40P01' }, { code: '40001' }, { code: '57P01' }, { code: '53300' }, { code: 'ECONNRESET' }, new Error('Connection terminated unexpectedly')]) {
      expect(isTransientError(transient), JSON.stringify(transient)).toBe(true);
    }
    for (const fault of [{ code: '23514' }, { code: '22008' }, { code: '42P01' }, new TypeError("Cannot read properties of undefined (reading 'id')")]) {
      expect(isTransientError(fault), String(fault)).toBe(false);
    }
  });
});

