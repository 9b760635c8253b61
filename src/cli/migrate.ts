/** `tessera migrate`: brings the PostgreSQL schema (event store, runtime tables) up to date. */
import { migrateToLatest } from '../database.js';
import type { CliContext } from './context.js';

export async function migrate(ctx: CliContext, opts: { json?: boolean }): Promise<void> {
  const knex = await ctx.rawKnex();
  // What was applied comes from the locked run itself: listing pending migrations first,
  // outside the lock, would race the servers creating knex's tables at boot.
  const applied = await migrateToLatest(knex);
  if (opts.json) await ctx.out.json({ applied });
  else if (applied.length === 0) await ctx.out.line('the database is up to date (no pending migrations)');
  else await ctx.out.lines([`applied ${applied.length} migration(s):`, ...applied.map((name) => `  ${name}`)]);
}
