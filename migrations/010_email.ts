import type { Knex } from 'knex';

/**
 * E-mail (issue 13): user state and delivery bookkeeping, none of it rebuildable from
 * events, so outside the projections' schemas.
 * - email_sent: the sent log, one row per delivered (notification, recipient); written
 *   after the SMTP server's 250 and read before every send.
 * - email_dispatch: the dispatcher's cursor over rm_notifications.notifications
 *   (position, id), one row, starting at the beginning.
 * - notification_settings: per user, the global e-mail switch and the kinds sent in-app only.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE email_sent (
      notification_id uuid NOT NULL,
      recipient text NOT NULL,
      message_id text NOT NULL,
      kind text NOT NULL,
      sent_at timestamptz NOT NULL,
      PRIMARY KEY (notification_id, recipient)
    );
    CREATE TABLE email_dispatch (
      name text PRIMARY KEY,
      position bigint NOT NULL,
      notification_id uuid NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    -- from the start: what is older than a day when first seen is not mailed (emailJobs.ts)
    INSERT INTO email_dispatch (name, position, notification_id) VALUES ('notifications', 0, '00000000-0000-0000-0000-000000000000');
    CREATE TABLE notification_settings (
      user_id text PRIMARY KEY,
      email_enabled boolean NOT NULL DEFAULT true,
      email_off_kinds text[] NOT NULL DEFAULT '{}',
      updated_at timestamptz NOT NULL DEFAULT now()
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS notification_settings; DROP TABLE IF EXISTS email_dispatch; DROP TABLE IF EXISTS email_sent;');
}
