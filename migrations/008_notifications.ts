import type { Knex } from 'knex';

/**
 * Read marks become the notifications context's own table (issue 10 item 4); they were
 * created by the ticketing migration as `notification_reads`. Notification ids are
 * derived the same way as before (event position, recipient, kind), so every mark is
 * copied across as it is and stays attached to the rebuilt notification.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE notification_read_marks (
      user_id text NOT NULL,
      notification_id uuid NOT NULL,
      read_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, notification_id)
    );
    INSERT INTO notification_read_marks (user_id, notification_id, read_at)
      SELECT user_id, notification_id, read_at FROM notification_reads;
    DROP TABLE notification_reads;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE notification_reads (
      user_id text NOT NULL,
      notification_id uuid NOT NULL,
      read_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, notification_id)
    );
    INSERT INTO notification_reads (user_id, notification_id, read_at)
      SELECT user_id, notification_id, read_at FROM notification_read_marks;
    DROP TABLE notification_read_marks;
  `);
}
