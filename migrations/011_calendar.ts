import type { Knex } from 'knex';

/**
 * Calendar feed tokens (issue 13 item 4): one per user, a secret of its own (never the
 * JWT) in the feed's URL. Only its SHA-256 is kept; creating a new one replaces the row,
 * so the old URL stops working at once. User state, not events: outside the projections.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE calendar_feed_tokens (
      user_id text PRIMARY KEY,
      token_hash text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE calendar_feed_tokens');
}
