import type { Knex } from 'knex';

/**
 * Identity security state (DESIGN §4 Identity): refresh tokens are not history, so they
 * live here rather than in the event store. Only a sha256 of each opaque token is
 * kept. Tokens of one login form a family: every refresh rotates (the presented token
 * is marked used and replaced), and presenting a used or revoked token revokes the
 * whole family (theft detection).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE refresh_tokens (
      id uuid PRIMARY KEY,
      family_id uuid NOT NULL,
      user_id uuid NOT NULL,
      token_hash text NOT NULL UNIQUE,
      issued_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      -- set when rotated: this token was exchanged for replaced_by
      used_at timestamptz,
      replaced_by uuid,
      revoked_at timestamptz,
      revoked_reason text,
      user_agent text,
      ip text
    );
    CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
    CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id) WHERE revoked_at IS NULL;
    CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS refresh_tokens');
}
