import type { Knex } from 'knex';

/**
 * Runtime tables: projection checkpoints (written in the same transaction as the read
 * models), the changefeed that live hubs tail, and stored idempotent responses.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE projection_checkpoints (
      name text PRIMARY KEY,
      version integer NOT NULL,
      -- last event position applied; -1 = nothing yet
      position bigint NOT NULL DEFAULT -1,
      updated_at timestamptz NOT NULL DEFAULT now(),
      -- when the last applied event was recorded, for lag in seconds
      last_event_at timestamptz,
      status text NOT NULL DEFAULT 'live'
    );

    -- feed_id is allocated under an advisory lock held to commit (like event positions),
    -- so rows become visible in feed_id order and a tailing hub never skips one.
    CREATE TABLE changefeed (
      feed_id bigint PRIMARY KEY,
      channel text NOT NULL,
      event_position bigint NOT NULL,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE SEQUENCE changefeed_feed_id_seq OWNED BY changefeed.feed_id;
    CREATE INDEX changefeed_channel_idx ON changefeed (channel, feed_id);

    CREATE TABLE idempotency_keys (
      scope text NOT NULL,
      key text NOT NULL,
      request_hash text NOT NULL,
      status_code integer,
      response_headers jsonb,
      response_body text,
      created_at timestamptz NOT NULL DEFAULT now(),
      -- an in-flight claim older than this is taken to be abandoned (its process died)
      locked_until timestamptz,
      PRIMARY KEY (scope, key)
    );
    CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS idempotency_keys, changefeed, projection_checkpoints CASCADE');
}
