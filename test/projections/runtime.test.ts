import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKnex, migrateToLatest } from '../../src/database.js';
import { createPostgresEventStore, type PostgresEventStore } from '../../src/eventstore/postgres/postgresEventStore.js';
import { readChangefeed } from '../../src/projections/changefeed.js';
import { projectionSchema } from '../../src/projections/projection.js';
import { SharedBatches, ProjectionRunner, projectionStatuses, rebuildProjection } from '../../src/projections/runtime.js';
import type { Projection } from '../../src/projections/projection.js';
import { counterProjection } from '../support/counterProjection.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eventually, exited, forkTs } from '../support/processes.js';

let db: TestDatabase;
let knex: Knex;
let store: PostgresEventStore;
const schema = projectionSchema('testCounter');
const IGNORING = ['testIgnoringA', 'testIgnoringB', 'testIgnoringC'];

beforeAll(async () => {
  db = await createTestDatabase('projections');
  knex = createKnex(db.url);
  await migrateToLatest(knex);
  store = createPostgresEventStore(db.url, { pollIntervalMs: 100 });
});
afterAll(async () => {
  await store?.close();
  await knex?.destroy();
  await db?.drop();
});
beforeEach(async () => {
  await knex.raw('TRUNCATE eventstore.events, eventstore.streams, projection_checkpoints, changefeed');
  await knex.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  for (const name of IGNORING) await knex.raw(`DROP SCHEMA IF EXISTS ${projectionSchema(name)} CASCADE`);
});

async function appendTakes(streams: number, perStream: number, other = true): Promise<number> {
  let total = 0;
  for (let s = 0; s < streams; s++) {
    const events = Array.from({ length: perStream }, (_, i) => ({ id: randomUUID(), type: 'Taken', data: { by: `u${i}`, amount: 1 + (i % 3) } }));
    total += events.reduce((sum, e) => sum + e.data.amount, 0);
    await store.appendToStream(`counter-${s}`, events, { expectedRevision: 'any' });
    // events the projection ignores still move its checkpoint
    if (other) await store.appendToStream(`noise-${s}`, [{ id: randomUUID(), type: 'Ignored', data: {} }], { expectedRevision: 'any' });
  }
  return total;
}

async function readModel() {
  const totals = await knex(`${schema}.totals`).select('stream', 'n').orderBy('stream');
  const applied = await knex.raw<{ rows: Array<{ all: string; distinct: string }> }>(
    `SELECT count(*) AS all, count(DISTINCT position) AS distinct FROM ${schema}.applied`,
  );
  return { totals, applied: Number(applied.rows[0]!.all), distinct: Number(applied.rows[0]!.distinct) };
}

async function checkpoint(): Promise<bigint> {
  const row = await knex('projection_checkpoints').where({ name: 'testCounter' }).first();
  return row ? BigInt(row.position) : -1n;
}

const runners: ProjectionRunner[] = [];
afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop()));
});
function runner(options: Parameters<typeof counterProjection>[0] = {}) {
  const r = new ProjectionRunner(knex, db.url, store, counterProjection(options), { batchSize: 50, standbyRetryMs: 100 });
  runners.push(r);
  r.start();
  return r;
}

describe('projection runtime', () => {
  it('applies every event once, advances the checkpoint past ignored events, and writes the changefeed in order', async () => {
    const total = await appendTakes(5, 40);
    runner();
    const head = await store.headPosition();
    await eventually('projection caught up', async () => (await checkpoint()) === head);
    const model = await readModel();
    expect(model.applied).toBe(200);
    expect(model.distinct).toBe(200);
    expect(model.totals.reduce((s: number, r: { n: number }) => s + r.n, 0)).toBe(total);
    const feed = await readChangefeed(knex, { afterFeedId: 0n, limit: 1000 });
    expect(feed).toHaveLength(200);
    for (let i = 1; i < feed.length; i++) {
      expect(feed[i]!.feedId > feed[i - 1]!.feedId).toBe(true);
      expect(feed[i]!.eventPosition >= feed[i - 1]!.eventPosition).toBe(true);
    }
  });

  it('a second runner from the same checkpoint does not double-apply: only one leads', async () => {
    await appendTakes(3, 30);
    const [a, b] = [runner({ runner: 'a' }), runner({ runner: 'b' })];
    const head = await store.headPosition();
    await eventually('caught up', async () => (await checkpoint()) === head);
    await appendTakes(2, 10);
    const head2 = await store.headPosition();
    await eventually('caught up again', async () => (await checkpoint()) === head2);
    expect([a.isLeader, b.isLeader].filter(Boolean)).toHaveLength(1);
    const model = await readModel();
    expect(model.applied).toBe(110);
    expect(model.distinct).toBe(110);
  });

  it('two runner processes never both apply, and a standby takes over when the leader dies', async () => {
    await appendTakes(4, 25);
    const first = forkTs('test/support/projectorProcess.ts', [db.url, 'p1', '2']);
    const second = forkTs('test/support/projectorProcess.ts', [db.url, 'p2', '2']);
    try {
      await eventually('some progress', async () => (await checkpoint()) > -1n);
      // kill whichever leads mid-stream; the other must take over and finish without double-applying
      const leaders = await knex.raw<{ rows: Array<{ runner: string }> }>(`SELECT DISTINCT runner FROM ${schema}.applied`);
      const leader = leaders.rows[0]!.runner === 'p1' ? first : second;
      leader.kill('SIGKILL');
      await appendTakes(2, 10);
      const head = await store.headPosition();
      await eventually('standby caught up', async () => (await checkpoint()) === head, 30_000);
      const model = await readModel();
      expect(model.applied).toBe(120);
      expect(model.distinct).toBe(120);
    } finally {
      first.kill('SIGKILL');
      second.kill('SIGKILL');
      await Promise.all([exited(first), exited(second)]);
    }
  });

  it('a runner killed mid-batch (SIGKILL) and restarted converges to the same read model as a clean replay', async () => {
    const total = await appendTakes(6, 50, false);
    const child = forkTs('test/support/projectorProcess.ts', [db.url, 'killed', '5']);
    await eventually('partial progress', async () => (await checkpoint()) > -1n);
    child.kill('SIGKILL');
    await exited(child);
    const partial = await readModel();
    expect(partial.applied).toBeLessThan(300);
    runner({ runner: 'restarted' });
    const head = await store.headPosition();
    await eventually('caught up after restart', async () => (await checkpoint()) === head);
    const afterCrash = await readModel();
    expect(afterCrash.applied).toBe(300);
    expect(afterCrash.distinct).toBe(300);
    // a clean replay gives the same read model
    await rebuildProjection(knex, store, counterProjection({ runner: 'replay' }));
    const replayed = await readModel();
    expect(replayed.totals).toEqual(afterCrash.totals);
    expect(afterCrash.totals.reduce((s: number, r: { n: number }) => s + r.n, 0)).toBe(total);
  });

  it('rebuild while queries run: every query sees one consistent read model, then the new one', async () => {
    await appendTakes(10, 100, false);
    runner({ runner: 'live' });
    const head = await store.headPosition();
    await eventually('caught up', async () => (await checkpoint()) === head);
    let stop = false;
    let queries = 0;
    const inconsistent: unknown[] = [];
    const reader = (async () => {
      while (!stop) {
        const { rows } = await knex.raw<{ rows: Array<{ total: string; applied: string; versions: string }> }>(
          `SELECT (SELECT sum(n) FROM ${schema}.totals) AS total,
                  (SELECT count(*) FROM ${schema}.applied) AS applied,
                  (SELECT count(DISTINCT version) FROM ${schema}.applied) AS versions`,
        );
        queries++;
        const row = rows[0]!;
        if (row.applied !== '1000' || row.versions !== '1') inconsistent.push(row);
      }
    })();
    const result = await rebuildProjection(knex, store, counterProjection({ runner: 'rebuild', version: 2 }));
    stop = true;
    await reader;
    expect(result.events).toBe(1000);
    expect(queries).toBeGreaterThan(0);
    expect(inconsistent).toEqual([]);
    const versions = await knex(`${schema}.applied`).distinct('version');
    expect(versions).toEqual([{ version: 2 }]);
    const statuses = await projectionStatuses(knex, store, [counterProjection({ version: 2 })]);
    expect(statuses[0]).toMatchObject({ name: 'testCounter', version: 2, lagEvents: 0, state: 'live' });
  });

  it('runners sharing SharedBatches move over what they ignore in shared statements, apply the rest once (a reactor outside any transaction), and leave commits synchronous', async () => {
    const ignoring = (name: string): Projection => ({ name, version: 1, eventTypes: ['Nothing'], setup: async () => undefined, apply: async () => undefined });
    const single = createKnex(db.url, { max: 1 }); // every statement on one connection: a leaked setting would show
    try {
      const sharedBatches = new SharedBatches(single);
      // A reactor that keeps nothing in the database: no transaction, its checkpoint moves with the others.
      const reacted: bigint[] = [];
      const refusals: string[] = [];
      const reactor: Projection = {
        ...ignoring(IGNORING[2]!),
        eventTypes: ['Taken'],
        transactional: false,
        apply: async (event, ctx) => {
          reacted.push(event.position);
          try {
            void ctx.trx;
          } catch (error) {
            refusals.push((error as Error).message);
          }
        },
      };
      for (const projection of [counterProjection(), ignoring(IGNORING[0]!), ignoring(IGNORING[1]!), reactor]) {
        const r = new ProjectionRunner(single, db.url, store, projection, { batchSize: 50, standbyRetryMs: 100, sharedBatches });
        runners.push(r);
        r.start();
      }
      const total = await appendTakes(4, 25);
      const head = await store.headPosition();
      const positions = async () => (await knex('projection_checkpoints').orderBy('name')).map((row: { position: string }) => BigInt(row.position));
      await eventually('all four at the head', async () => (await positions()).every((p) => p === head) && (await positions()).length === 4);
      const model = await readModel();
      expect(model.applied).toBe(100);
      expect(model.distinct).toBe(100);
      expect(model.totals.reduce((sum: number, row: { n: number }) => sum + row.n, 0)).toBe(total);
      expect(new Set(reacted).size).toBe(100);
      expect(refusals).toHaveLength(reacted.length);
      const { rows } = await single.raw<{ rows: Array<{ synchronous_commit: string }> }>('SHOW synchronous_commit');
      expect(rows[0]!.synchronous_commit).toBe('on');
      await Promise.all(runners.splice(0).map((r) => r.stop()));

      // One turn, one statement: the move whose compare holds goes through, the other is refused.
      const [last] = await store.readAll({ fromPosition: head, maxCount: 1 });
      const moved = sharedBatches.move({ name: IGNORING[0]!, expected: head, last: { ...last!, position: head + 1n } });
      const refused = sharedBatches.move({ name: IGNORING[1]!, expected: head - 1n, last: { ...last!, position: head + 1n } });
      await expect(moved).resolves.toBeUndefined();
      await expect(refused).rejects.toThrow();
      expect(await positions()).toEqual([head, head + 1n, head, head]);

      // A row another transaction holds (a rebuild's swap) waits alone; the others move at once.
      const holder = await knex.transaction();
      await holder('projection_checkpoints').where({ name: IGNORING[2]! }).forUpdate();
      let heldMoved = false;
      const held = sharedBatches.move({ name: IGNORING[2]!, expected: head, last: { ...last!, position: head + 2n } }).then(() => (heldMoved = true));
      await sharedBatches.move({ name: IGNORING[0]!, expected: head + 1n, last: { ...last!, position: head + 2n } });
      expect(heldMoved).toBe(false);
      await holder.commit();
      await held;
      expect(await positions()).toEqual([head, head + 2n, head, head + 2n]);
    } finally {
      await single.destroy();
    }
  });
  it('runners sharing SharedBatches apply their batches in one transaction, and a batch that fails there is applied alone: the others lose nothing, the failing event is isolated', async () => {
    // A second read model that takes every Taken event, except one it cannot apply.
    const tally: Projection = {
      name: IGNORING[0]!,
      version: 1,
      eventTypes: ['Taken'],
      setup: async (db, s) => void (await db.raw(`CREATE TABLE ${s}.seen (position bigint PRIMARY KEY)`)),
      apply: async (event, { trx, schema: s, publish }) => {
        if ((event.data as { by: string }).by === 'poison') throw new Error('tally cannot take this event');
        await trx.raw(`INSERT INTO ${s}.seen (position) VALUES (?)`, [event.position.toString()]);
        publish(`tally:${event.streamName}`, { position: event.position.toString() });
      },
    };
    const tallySchema = projectionSchema(tally.name);
    const first = await appendTakes(1, 1, false);
    const sharedBatches = new SharedBatches(knex);
    for (const projection of [counterProjection(), tally]) {
      const r = new ProjectionRunner(knex, db.url, store, projection, { batchSize: 50, standbyRetryMs: 100, retryDelayMs: 20, failedPollMs: 50, sharedBatches });
      runners.push(r);
      r.start();
    }
    const positions = async () => new Map((await knex('projection_checkpoints')).map((row: { name: string; position: string }) => [row.name, BigInt(row.position)]));
    const bothAt = (head: bigint) => eventually('both at the head', async () => [...(await positions()).values()].every((p) => p === head) && (await positions()).size === 2);
    await bothAt(await store.headPosition());
    // Both live at one position: they read the same pages and arrive together.
    const before = first + (await appendTakes(3, 20));
    const headBefore = await store.headPosition();
    await bothAt(headBefore);
    // Shared: rows of both read models written by the same transactions.
    const { rows: together } = await knex.raw<{ rows: unknown[] }>(
      `SELECT 1 FROM ${schema}.applied a JOIN ${tallySchema}.seen s ON s.xmin::text = a.xmin::text AND s.position = a.position`,
    );
    expect(together.length).toBeGreaterThan(0);

    const { position: poisonPosition } = await store.appendToStream('counter-0', [{ id: randomUUID(), type: 'Taken', data: { by: 'poison', amount: 1 } }], { expectedRevision: 'any' });
    const after = await appendTakes(3, 20);
    const head = await store.headPosition();
    await eventually('counter at the head', async () => (await positions()).get('testCounter') === head);
    await eventually('tally failed', async () => (await knex('projection_checkpoints').where({ name: tally.name }).first()).status === 'failed');

    const model = await readModel();
    expect(model.applied).toBe(122);
    expect(model.distinct).toBe(122);
    expect(model.totals.reduce((sum: number, row: { n: number }) => sum + row.n, 0)).toBe(before + 1 + after);
    const row = await knex('projection_checkpoints').where({ name: tally.name }).first();
    expect(BigInt(row.failed_position)).toBe(poisonPosition);
    expect(BigInt(row.position)).toBe(headBefore);
    const seen = await knex(`${tallySchema}.seen`).count<{ count: string }[]>('* as count');
    expect(Number(seen[0]!.count)).toBe(61);
    // Each read model's live updates once per event it applied.
    const feed = await readChangefeed(knex, { afterFeedId: 0n, limit: 1000 });
    expect(feed.filter((r) => r.channel.startsWith('counter:'))).toHaveLength(122);
    expect(feed.filter((r) => r.channel.startsWith('tally:'))).toHaveLength(61);
  });
});
