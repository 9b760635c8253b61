import type { Knex } from 'knex';

/**
 * In-flight Idempotency-Key claims are session advisory locks now (they end with the
 * process that holds them), so the row's lease column is no longer read or written.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE idempotency_keys DROP COLUMN IF EXISTS locked_until');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE idempotency_keys ADD COLUMN IF NOT EXISTS locked_until timestamptz');
}
