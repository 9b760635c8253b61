/**
 * The changefeed: live updates written by projections in their own transactions.
 * feed_id is allocated under an advisory lock held until commit (as event positions
 * are), so feed ids become visible in order and a tailing hub never skips a row.
 */
import type { Knex } from 'knex';
import { preparedName } from '../database.js';
import { bigintJson } from '../json.js';

export const CHANGEFEED_NOTIFY_CHANNEL = 'tessera_changefeed';
const FEED_LOCK = 7305734215309314n;

export interface ChangefeedEntry {
  channel: string;
  /** Event-store position of the newest event the update reflects (`update.eventPosition`). */
  eventPosition: bigint;
  /** Only for subscribers on the resource's team (a draft's updates); default false. */
  teamOnly?: boolean;
  payload: unknown;
}

export interface ChangefeedRow {
  feedId: bigint;
  channel: string;
  eventPosition: bigint;
  teamOnly: boolean;
  payload: unknown;
}

export async function writeChangefeed(trx: Knex.Transaction, entries: ChangefeedEntry[]): Promise<void> {
  if (entries.length === 0) return;
  // One statement, one round trip: the lock (and the NOTIFY, sent at commit) come from a
  // one-row CTE joined to the rows, so no row, and no nextval, is produced before the lock is held.
  const rows = entries.map((e) => ({ channel: e.channel, event_position: e.eventPosition.toString(), team_only: e.teamOnly ?? false, payload: e.payload }));
  await trx
    .raw(WRITE_CHANGEFEED, [FEED_LOCK.toString(), CHANGEFEED_NOTIFY_CHANNEL, bigintJson(rows)])
    .options({ name: preparedName(WRITE_CHANGEFEED) });
}

const WRITE_CHANGEFEED = `WITH feed_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock(?::bigint), pg_notify(?, ''))
  INSERT INTO changefeed (feed_id, channel, event_position, team_only, payload)
  SELECT nextval('changefeed_feed_id_seq'), t.e->>'channel', (t.e->>'event_position')::bigint, (t.e->>'team_only')::boolean, t.e->'payload'
    FROM feed_lock, jsonb_array_elements(?::jsonb) WITH ORDINALITY AS t(e, ord)
   ORDER BY t.ord`;

const toRow = (r: { feed_id: string; channel: string; event_position: string; team_only: boolean; payload: unknown }): ChangefeedRow => ({
  feedId: BigInt(r.feed_id),
  channel: r.channel,
  eventPosition: BigInt(r.event_position),
  teamOnly: r.team_only,
  payload: r.payload,
});

export async function readChangefeed(
  db: Knex,
  opts: { afterFeedId: bigint; upToFeedId?: bigint; channels?: string[]; limit: number },
): Promise<ChangefeedRow[]> {
  const query = db('changefeed')
    .select(db.raw('feed_id::text AS feed_id'), 'channel', db.raw('event_position::text AS event_position'), 'team_only', 'payload')
    .where('feed_id', '>', opts.afterFeedId.toString())
    .orderBy('changefeed.feed_id')
    .limit(opts.limit);
  if (opts.upToFeedId !== undefined) query.andWhere('feed_id', '<=', opts.upToFeedId.toString());
  if (opts.channels) query.whereIn('channel', opts.channels);
  return (await query).map(toRow);
}

export async function changefeedBounds(db: Knex): Promise<{ oldest: bigint | undefined; newest: bigint }> {
  const text = 'SELECT min(feed_id)::text AS oldest, max(feed_id)::text AS newest FROM changefeed';
  const { rows } = await db.raw<{ rows: Array<{ oldest: string | null; newest: string | null }> }>(text).options({ name: preparedName(text) });
  const row = rows[0]!;
  return { oldest: row.oldest === null ? undefined : BigInt(row.oldest), newest: row.newest === null ? 0n : BigInt(row.newest) };
}

/**
 * Keeps the newest `keep` rows and anything younger than `maxAgeHours`. Always deletes a
 * contiguous run of the oldest feed ids (created_at is not monotonic in feed_id), so
 * "since is below the oldest retained id" is exactly "something was pruned" for resync.
 */
export async function pruneChangefeed(db: Knex, keep = 100_000, maxAgeHours = 24): Promise<number> {
  const { rows } = await db.raw<{ rows: Array<{ cutoff: string | null }> }>(
    `SELECT least(
       (SELECT max(feed_id) FROM changefeed) - ?,
       (SELECT max(feed_id) FROM changefeed WHERE created_at < now() - make_interval(hours => ?))
     )::text AS cutoff`,
    [keep, maxAgeHours],
  );
  const cutoff = rows[0]?.cutoff;
  if (cutoff === null || cutoff === undefined) return 0;
  return db('changefeed').where('feed_id', '<=', cutoff).delete();
}
