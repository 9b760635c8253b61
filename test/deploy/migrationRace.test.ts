/**
 * Issue 9 item 1: compose (and k8s) start api, projector and worker together, each
 * migrating on boot, next to a `tessera migrate` Job. Processes migrating one empty
 * database at once must all succeed, and each migration must be applied exactly once.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { exited, forkTs } from '../support/processes.js';
import { createKnex, migrateToLatest } from '../../src/database.js';
import { migrationSource } from '../../migrations/index.js';

type Outcome = { ok: true; applied: string[] } | { ok: false; error: string };
/** Every migration the project ships, in order. */
const ALL = await migrationSource.getMigrations([]);

let db: TestDatabase;
beforeEach(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
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

/** Starts one child per mode, releases them together, returns their outcomes. */
async function migrateAtOnce(modes: Array<'library' | 'cli'>): Promise<Outcome[]> {
  const children = modes.map((mode) => forkTs('test/support/migrateProcess.ts', [db.url, mode]));
  try {
    await Promise.all(children.map(nextMessage));
    const outcomes = children.map(nextMessage);
    for (const child of children) child.send('go');
    return (await Promise.all(outcomes)) as Outcome[];
  } finally {
    for (const child of children) child.kill();
    await Promise.all(children.map(exited));
  }
}

async function recordedMigrations(): Promise<string[]> {
  const knex = createKnex(db.url, { max: 1 });
  try {
    return (await knex('knex_migrations').orderBy('id').select('name')).map((row: { name: string }) => row.name);
  } finally {
    await knex.destroy();
  }
}

it('three processes migrating one empty database at the same moment all succeed', async () => {
  const outcomes = await migrateAtOnce(['library', 'library', 'library']);
  expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
  expect(outcomes.flatMap((o) => (o.ok ? o.applied : [])).sort()).toEqual(ALL);
  expect(await recordedMigrations()).toEqual(ALL);
});

it('`tessera migrate` next to booting processes succeeds and reports what it applied', async () => {
  const outcomes = await migrateAtOnce(['cli', 'library', 'cli']);
  expect(outcomes.map((o) => (o.ok ? 'ok' : o.error))).toEqual(['ok', 'ok', 'ok']);
  expect(outcomes.flatMap((o) => (o.ok ? o.applied : [])).sort()).toEqual(ALL);
  expect(await recordedMigrations()).toEqual(ALL);
});

it('a knex lock row left set by a run killed mid-way does not block the next start', async () => {
  const knex = createKnex(db.url, { max: 1 });
  try {
    expect(await migrateToLatest(knex)).toEqual(ALL);
    await knex('knex_migrations_lock').update({ is_locked: 1 });
    expect(await migrateToLatest(knex)).toEqual([]);
    expect(await knex('knex_migrations_lock').select('is_locked')).toEqual([{ is_locked: 0 }]);
  } finally {
    await knex.destroy();
  }
});
