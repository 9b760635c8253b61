/**
 * Issue 9 item 1: compose (and k8s) start api, projector and worker together, each
 * migrating on boot. Three processes migrating one empty database at once must all succeed.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { exited, forkTs } from '../support/processes.js';
import { createKnex, migrateToLatest } from '../../src/database.js';

type Outcome = { ok: true } | { ok: false; error: string };

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

function nextMessage(child: ChildProcess): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`migrate child exited (${code}) before answering`));
    child.once('exit', onExit);
    child.once('message', (message) => {
      child.off('exit', onExit);
      resolve(message);
    });
  });
}

it('three processes migrating one empty database at the same moment all succeed', async () => {
  const children = [0, 1, 2].map(() => forkTs('test/support/migrateProcess.ts', [db.url]));
  try {
    // Every child has its connection open before any starts, so the runs really overlap.
    await Promise.all(children.map(nextMessage));
    const outcomes = children.map(nextMessage);
    for (const child of children) child.send('go');
    expect((await Promise.all(outcomes)) as Outcome[]).toEqual([{ ok: true }, { ok: true }, { ok: true }]);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>('SELECT name FROM knex_migrations ORDER BY id');
      expect(rows.map((r) => r.name)).toEqual(['001_eventstore', '002_runtime', '003_identity', '004_ticketing']);
    } finally {
      await client.end();
    }
  } finally {
    for (const child of children) child.kill();
    await Promise.all(children.map(exited));
  }
});

it('a knex lock row left set by a run killed mid-way does not block the next start', async () => {
  const knex = createKnex(db.url, { max: 1 });
  try {
    await migrateToLatest(knex);
    await knex('knex_migrations_lock').update({ is_locked: 1 });
    await migrateToLatest(knex);
    expect(await knex('knex_migrations_lock').select('is_locked')).toEqual([{ is_locked: 0 }]);
  } finally {
    await knex.destroy();
  }
});
