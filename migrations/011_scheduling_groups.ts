import type { Knex } from 'knex';

/** Groups and their members (docs/scheduling.md §3 Groups); the owner is a member row with role 'owner'. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE rm_groups (
      group_id uuid PRIMARY KEY,
      name text NOT NULL,
      description text NOT NULL DEFAULT '',
      color text,
      owner_id text NOT NULL,
      revision bigint NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );
    CREATE TABLE rm_group_members (
      group_id uuid NOT NULL REFERENCES rm_groups (group_id) ON DELETE CASCADE,
      user_id text NOT NULL,
      role text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
      joined_at timestamptz NOT NULL,
      PRIMARY KEY (group_id, user_id)
    );
    CREATE INDEX rm_group_members_user_idx ON rm_group_members (user_id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS rm_group_members; DROP TABLE IF EXISTS rm_groups;');
}
