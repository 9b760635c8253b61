import type { Knex } from 'knex';

/**
 * Changefeed rows a resource's team may see but nobody else: a draft event's updates
 * (issue 8 item 10). A public subscriber's replay skips them, and so does live dispatch.
 * Rows written before this migration are marked from their payload, so a replay right
 * after the upgrade does not hand out draft-time state either.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE changefeed ADD COLUMN team_only boolean NOT NULL DEFAULT false;
    UPDATE changefeed SET team_only = true
     WHERE channel LIKE 'event:%' AND payload->>'type' = 'event' AND payload->'event'->>'status' = 'draft';
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE changefeed DROP COLUMN IF EXISTS team_only');
}
