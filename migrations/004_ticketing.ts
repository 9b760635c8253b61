import type { Knex } from 'knex';

/** User state that is not history: which notifications a user has read. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE notification_reads (
      user_id text NOT NULL,
      notification_id uuid NOT NULL,
      read_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, notification_id)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS notification_reads');
}
