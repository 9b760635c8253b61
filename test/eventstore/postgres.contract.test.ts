import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { createKnex, migrateToLatest } from '../../src/database.js';
import { APPLICATION_NAME, createPostgresEventStore } from '../../src/eventstore/postgres/postgresEventStore.js';
import { ADMIN_URL, createTestDatabase, type TestDatabase } from '../support/db.js';
import { newEvent, runEventStoreContract, take } from './contract.js';

let db: TestDatabase;
let knex: Knex;

beforeAll(async () => {
  db = await createTestDatabase('es_contract');
  knex = createKnex(db.url);
  await migrateToLatest(knex);
});

afterAll(async () => {
  await knex?.destroy();
  await db?.drop();
});

runEventStoreContract('postgres', {
  async create() {
    // One database for the file; each case starts from empty tables.
    await knex.raw('TRUNCATE eventstore.events, eventstore.streams');
    const store = createPostgresEventStore(db.url, { pollIntervalMs: 200 });
    return {
      store,
      cleanup: () => store.close(),
      faults: {
        // Kill the store's connections (pool and LISTEN); the test's own knex pool survives.
        async dropSubscriptions() {
          const admin = new pg.Client({ connectionString: ADMIN_URL });
          await admin.connect();
          try {
            await admin.query(
              `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2`,
              [db.name, APPLICATION_NAME],
            );
          } finally {
            await admin.end();
          }
        },
      },
    };
  },
});

describe('postgres event store: late commits', () => {
  it('a transaction that commits late is never skipped by a subscriber', async () => {
    await knex.raw('TRUNCATE eventstore.events, eventstore.streams');
    const store = createPostgresEventStore(db.url, { pollIntervalMs: 50 });
    const sub = store.subscribeToAll();
    const slow = new pg.Client({ connectionString: db.url });
    await slow.connect();
    try {
      // The slow writer appends inside an open transaction and commits only later.
      await slow.query('BEGIN');
      await slow.query(`SELECT * FROM eventstore.append_to_stream('late-1', 'any', NULL, $1::jsonb)`, [
        JSON.stringify([{ id: randomUUID(), type: 'Late', data: {} }]),
      ]);
      // Fast writers append meanwhile; their events must not be delivered ahead of (or instead of) the late one.
      const fast = Promise.all(
        Array.from({ length: 5 }, (_, i) => store.appendToStream(`fast-${i}`, [newEvent('Fast')], { expectedRevision: 'no_stream' })),
      );
      await new Promise((r) => setTimeout(r, 300));
      await slow.query('COMMIT');
      await fast;
      const got = await take(sub, 6);
      expect(got[0]!.type).toBe('Late');
      for (let i = 1; i < got.length; i++) expect(got[i]!.position > got[i - 1]!.position).toBe(true);
    } finally {
      await slow.end();
      await sub.close();
      await store.close();
    }
  });
});

describe('postgres event store: subscriptions of one store share what they read', () => {
  it('hands subscriptions reading after the same event the same frozen events; a store emptied under them serves no old ones', async () => {
    await knex.raw('TRUNCATE eventstore.events, eventstore.streams');
    const store = createPostgresEventStore(db.url, { pollIntervalMs: 50 });
    const [a, b] = [store.subscribeToAll(), store.subscribeToAll()];
    try {
      await store.appendToStream('share-1', [newEvent('First')], { expectedRevision: 'no_stream' });
      const [firstA, firstB] = [(await take(a, 1))[0]!, (await take(b, 1))[0]!];
      expect(firstB.id).toBe(firstA.id);
      await store.appendToStream('share-2', [newEvent('Second', { n: 2 }), newEvent('Third', { n: 3 })], { expectedRevision: 'no_stream' });
      const [nextA, nextB] = [await take(a, 2), await take(b, 2)];
      expect(nextA.map((e) => e.type)).toEqual(['Second', 'Third']);
      // one read served both: the very same objects, frozen so neither can change the other's
      expect(nextB[0]).toBe(nextA[0]);
      expect(nextB[1]).toBe(nextA[1]);
      expect(Object.isFrozen(nextA[0]!.data)).toBe(true);
      expect(() => {
        (nextA[0]!.data as { n: number }).n = 5;
      }).toThrow(TypeError);

      await knex.raw('TRUNCATE eventstore.events, eventstore.streams');
      await store.appendToStream('share-3', [newEvent('Fresh')], { expectedRevision: 'no_stream' });
      const c = store.subscribeToAll();
      try {
        expect((await take(c, 1)).map((e) => e.type)).toEqual(['Fresh']);
      } finally {
        await c.close();
      }
    } finally {
      await a.close();
      await b.close();
      await store.close();
    }
  });
});
