/** `tessera migrate`: brings the PostgreSQL schema (event store, runtime tables) up to date. */
import { migrationSource } from '../../migrations/index.js';
import { migrateToLatest } from '../database.js';
import type { CliContext } from './context.js';

const nameOf = (m: unknown): string => (typeof m === 'string' ? m : ((m as { file?: string; name?: string }).file ?? (m as { name?: string }).name ?? String(m)));

export async function migrate(ctx: CliContext, opts: { json?: boolean }): Promise<void> {
  const knex = await ctx.rawKnex();
  const [, pending] = (await knex.migrate.list({ migrationSource })) as [unknown[], unknown[]];
  await migrateToLatest(knex);
  const applied = pending.map(nameOf);
  if (opts.json) await ctx.out.json({ applied });
  else if (applied.length === 0) await ctx.out.line('the database is up to date (no pending migrations)');
  else await ctx.out.lines([`applied ${applied.length} migration(s):`, ...applied.map((name) => `  ${name}`)]);
}
