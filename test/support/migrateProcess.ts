/**
 * Child process for the migration race test: connects, reports 'connected' over IPC,
 * waits for 'go' (so every child starts migrating at the same moment), runs
 * migrateToLatest and reports { ok } or { ok: false, error }. argv: databaseUrl
 */
import { createKnex, migrateToLatest } from '../../src/database.js';

const knex = createKnex(process.argv[2]!);
await knex.raw('SELECT 1');
process.once('message', () => {
  migrateToLatest(knex)
    .then(() => ({ ok: true as const }))
    .catch((error: unknown) => ({ ok: false as const, error: error instanceof Error ? error.message : String(error) }))
    .then(async (result) => {
      await knex.destroy();
      process.send?.(result, () => process.exit(0));
    });
});
process.send?.('connected');
