import type { Knex } from 'knex';

/**
 * The PostgreSQL event store (DESIGN §3). Appends go through one function so that an
 * append is a single round trip and a single transaction.
 *
 * Positions must never be skipped by a subscriber reading "position > last", even
 * when transactions commit out of order. A position is therefore derived from the
 * appending transaction's id: position = txid × 65536 + n (n = 1… within the
 * transaction). Readers of $all only read below pg_snapshot_xmin × 65536 — the
 * positions of transactions older than the oldest one still running, which are all
 * final — so whatever commits later always has a larger position than anything
 * already delivered. Appends to different streams commit concurrently (no global
 * lock, no NOTIFY in the transaction); the adapter notifies after commit.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE SCHEMA IF NOT EXISTS eventstore;

    CREATE TABLE eventstore.streams (
      stream_name text PRIMARY KEY,
      -- -1 = no stream (a row may exist for a stream that was only probed)
      revision bigint NOT NULL
    );

    CREATE TABLE eventstore.events (
      -- txid × 65536 + n; see the comment at the top of this migration
      position bigint PRIMARY KEY,
      stream_name text NOT NULL,
      revision bigint NOT NULL,
      id uuid NOT NULL,
      type text NOT NULL,
      data jsonb NOT NULL,
      metadata jsonb NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      UNIQUE (stream_name, revision)
    );
    CREATE INDEX events_id_idx ON eventstore.events (id);

    -- Positions below this are final: every transaction that could still add one is older.
    CREATE FUNCTION eventstore.stable_bound() RETURNS numeric
    LANGUAGE sql STABLE AS $$ SELECT pg_snapshot_xmin(pg_current_snapshot())::text::numeric * 65536 $$;

    CREATE FUNCTION eventstore.append_to_stream(
      p_stream text,
      p_expected text,          -- 'any' | 'no_stream' | 'stream_exists' | 'exact'
      p_expected_revision bigint,
      p_events jsonb            -- [{id, type, data, metadata}]
    ) RETURNS TABLE (outcome text, stream_revision bigint, last_position bigint)
    LANGUAGE plpgsql AS $fn$
    DECLARE
      v_current bigint;
      v_count int := jsonb_array_length(p_events);
      v_base bigint;
      v_ids uuid[];
      v_stored uuid[];
      v_first_existing bigint;
      v_in_tx int;
      v_position_base bigint;
    BEGIN
      SELECT array_agg((e->>'id')::uuid ORDER BY o) INTO v_ids FROM jsonb_array_elements(p_events) WITH ORDINALITY AS t(e, o);

      INSERT INTO eventstore.streams (stream_name, revision) VALUES (p_stream, -1) ON CONFLICT DO NOTHING;
      SELECT s.revision INTO v_current FROM eventstore.streams s WHERE s.stream_name = p_stream FOR UPDATE;

      -- Idempotent retry: the same ids already sit right after the expected revision
      -- (mirrors EventStoreDB's check for exact revisions and no_stream).
      IF p_expected IN ('no_stream', 'exact') THEN
        v_base := CASE WHEN p_expected = 'no_stream' THEN -1 ELSE p_expected_revision END;
        IF v_current > v_base THEN
          SELECT array_agg(e.id ORDER BY e.revision) INTO v_stored
            FROM eventstore.events e
           WHERE e.stream_name = p_stream AND e.revision > v_base AND e.revision <= v_base + v_count;
          IF v_stored = v_ids THEN
            RETURN QUERY SELECT 'ok'::text, v_base + v_count,
              (SELECT e.position FROM eventstore.events e WHERE e.stream_name = p_stream AND e.revision = v_base + v_count);
            RETURN;
          END IF;
          RETURN QUERY SELECT 'wrong_expected_revision'::text, v_current, NULL::bigint;
          RETURN;
        END IF;
        IF v_current <> v_base THEN
          RETURN QUERY SELECT 'wrong_expected_revision'::text, v_current, NULL::bigint;
          RETURN;
        END IF;
      ELSE
        IF p_expected = 'stream_exists' AND v_current = -1 THEN
          RETURN QUERY SELECT 'wrong_expected_revision'::text, v_current, NULL::bigint;
          RETURN;
        END IF;
        -- With any/stream_exists EventStoreDB only checks a cache of recent ids; we check
        -- the stream itself: the same ids stored contiguously = a retry.
        SELECT e.revision INTO v_first_existing FROM eventstore.events e
         WHERE e.id = v_ids[1] AND e.stream_name = p_stream;
        IF v_first_existing IS NOT NULL THEN
          SELECT array_agg(e.id ORDER BY e.revision) INTO v_stored
            FROM eventstore.events e
           WHERE e.stream_name = p_stream AND e.revision >= v_first_existing AND e.revision < v_first_existing + v_count;
          IF v_stored = v_ids THEN
            RETURN QUERY SELECT 'ok'::text, v_first_existing + v_count - 1,
              (SELECT e.position FROM eventstore.events e WHERE e.stream_name = p_stream AND e.revision = v_first_existing + v_count - 1);
            RETURN;
          END IF;
        END IF;
      END IF;

      -- Positions from this transaction's id (see the comment at the top of this migration);
      -- several appends in one transaction continue the numbering.
      v_in_tx := coalesce(nullif(current_setting('eventstore.events_in_tx', true), '')::int, 0);
      IF v_in_tx + v_count > 65535 THEN
        RAISE EXCEPTION 'at most 65535 events per transaction';
      END IF;
      PERFORM set_config('eventstore.events_in_tx', (v_in_tx + v_count)::text, true);
      v_position_base := (pg_current_xact_id()::text::bigint) * 65536 + v_in_tx;

      RETURN QUERY
      WITH inserted AS (
        INSERT INTO eventstore.events (position, stream_name, revision, id, type, data, metadata)
        SELECT v_position_base + t.o, p_stream, v_current + t.o, (t.e->>'id')::uuid, t.e->>'type', t.e->'data', coalesce(t.e->'metadata', '{}'::jsonb)
          FROM jsonb_array_elements(p_events) WITH ORDINALITY AS t(e, o)
         ORDER BY t.o
        RETURNING position
      )
      SELECT 'ok'::text, v_current + v_count, max(inserted.position) FROM inserted;

      UPDATE eventstore.streams SET revision = v_current + v_count WHERE stream_name = p_stream;
    END
    $fn$;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP SCHEMA IF EXISTS eventstore CASCADE');
}
