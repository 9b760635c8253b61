import type { Knex } from 'knex';

/**
 * The scheduling context's people: its own copy of each user's name and profile zone
 * (from identity's events, never identity's tables) next to their weekly hours and
 * overrides, kept as wall-clock rules and expanded on demand in Node — never stored as
 * instants, which go stale when the rules or the tz database change.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE rm_scheduling_people (
      user_id text PRIMARY KEY,
      name text NOT NULL,
      profile_timezone text NOT NULL,
      -- The zone of the weekly hours; null until the user first sets them.
      hours_timezone text,
      -- [{day: 'mon'..'sun', start: 'HH:mm', end: 'HH:mm'}], normalised.
      weekly jsonb NOT NULL DEFAULT '[]'::jsonb,
      -- {'YYYY-MM-DD': [{start, end}]} keyed by local date in hours_timezone.
      overrides jsonb NOT NULL DEFAULT '{}'::jsonb,
      -- Revision of availability-<userId>; null while that stream does not exist.
      availability_revision bigint,
      updated_at timestamptz
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS rm_scheduling_people');
}
