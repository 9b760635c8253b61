import type { Knex } from 'knex';

/**
 * A projection that cannot apply an event stops and records why on its checkpoint row
 * (status = 'failed'), so every process, the CLI and /health/ready see the same failure.
 * The columns name the event (coordinates) and the error; they are cleared when the
 * event is applied after a restart or a rebuild.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE projection_checkpoints
      ADD COLUMN failed_position bigint,
      ADD COLUMN failed_stream text,
      ADD COLUMN failed_revision bigint,
      ADD COLUMN failed_event_id text,
      ADD COLUMN failed_event_type text,
      ADD COLUMN failed_error text,
      ADD COLUMN failed_attempts integer NOT NULL DEFAULT 0,
      ADD COLUMN failed_at timestamptz;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE projection_checkpoints
      DROP COLUMN failed_position, DROP COLUMN failed_stream, DROP COLUMN failed_revision, DROP COLUMN failed_event_id,
      DROP COLUMN failed_event_type, DROP COLUMN failed_error, DROP COLUMN failed_attempts, DROP COLUMN failed_at;
  `);
}
