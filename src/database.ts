import { createHash } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import type pg from 'pg';
import { migrationSource } from '../migrations/index.js';

/**
 * A name for a fixed statement text, so that pg prepares it once per connection and then
 * only binds and executes it: PostgreSQL parses, analyses and plans an unnamed statement
 * on every call, about a third of its CPU for the runtime's small hot statements. One text
 * is always one name (pg refuses a name reused for another text). Only for texts the code
 * fixes: each distinct text stays prepared on every pooled connection.
 */
export function preparedName(text: string): string {
  let name = preparedNames.get(text);
  if (!name) preparedNames.set(text, (name = `tessera_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`));
  return name;
}
const preparedNames = new Map<string, string>();

/** Session advisory lock key serialising migration runs across processes (others: changefeed, live hub). */
const MIGRATION_LOCK = 7305734215309301n;

export function createKnex(databaseUrl: string, pool: { min?: number; max?: number } = {}, log?: Knex.Logger): Knex {
  return knexFactory({
    client: 'pg',
    connection: databaseUrl,
    pool: { min: pool.min ?? 0, max: pool.max ?? 10 },
    ...(log ? { log } : {}),
  });
}

/** The knex pg dialect's own unpooled connection (what knex uses to cancel queries). */
interface RawConnections {
  acquireRawConnection(): Promise<pg.Client>;
  destroyRawConnection(connection: pg.Client): Promise<void>;
}

/**
 * Brings the schema up to date; safe to call from many processes at once (compose and
 * k8s start api, projector and worker together). knex's own lock does not serialise
 * them: creating its bookkeeping tables races, and a locked table fails instead of
 * waiting. So the whole run waits for a session advisory lock held on one connection
 * outside the pool (the pool may be small, and the lock must not move between
 * connections). If that process dies its connection closes and the lock goes with it.
 * Returns the names of the migrations this call applied (none when another got there first).
 */
export async function migrateToLatest(knex: Knex): Promise<string[]> {
  const raw = knex.client as RawConnections;
  const connection = await raw.acquireRawConnection();
  try {
    await connection.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATION_LOCK.toString()]);
    // Holding the advisory lock, nobody else is migrating: a set knex lock row is the
    // leftover of a run killed mid-way (a pod evicted), which would block every start.
    await knex.migrate.forceFreeMigrationsLock({ migrationSource });
    const [, applied] = (await knex.migrate.latest({ migrationSource })) as [number, string[]];
    return applied;
  } finally {
    await raw.destroyRawConnection(connection);
  }
}
