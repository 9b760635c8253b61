import type { Knex } from 'knex';

/**
 * Personal API keys (issue 8 item 15): credentials for integrations that are not a
 * 15-minute session. Only a sha256 of each secret is kept (the secrets are 32 random
 * bytes, so a fast hash is enough); a revoked key keeps its row for the record.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE api_keys (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL,
      name text NOT NULL,
      scopes text[] NOT NULL,
      secret_hash text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL,
      expires_at timestamptz,
      last_used_at timestamptz,
      revoked_at timestamptz
    );
    CREATE INDEX api_keys_user_idx ON api_keys (user_id, created_at) WHERE revoked_at IS NULL;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS api_keys');
}
