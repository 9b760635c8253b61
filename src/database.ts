import knexFactory, { type Knex } from 'knex';
import { migrationSource } from '../migrations/index.js';

export function createKnex(databaseUrl: string, pool: { min?: number; max?: number } = {}, log?: Knex.Logger): Knex {
  return knexFactory({
    client: 'pg',
    connection: databaseUrl,
    pool: { min: pool.min ?? 0, max: pool.max ?? 10 },
    ...(log ? { log } : {}),
  });
}

export async function migrateToLatest(knex: Knex): Promise<void> {
  await knex.migrate.latest({ migrationSource });
}
