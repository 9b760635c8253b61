/** Reads of busy time (schema rm_scheduling_busy_time, ./busyTimeProjection.ts): one query for any number of users. */
import type { Knex } from 'knex';
import type { Instant } from '../../domain/shared/time.js';
import { epochMillisSql, projectionSchema } from '../projection.js';
import { BUSY_TIME_PROJECTION } from './busyTimeProjection.js';

const S = projectionSchema(BUSY_TIME_PROJECTION);

export type BusyKind = 'meeting' | 'ticketed-event';

export interface BusyItem {
  /** Epoch milliseconds: suggestions and recommendations compute on them; DTOs format them. */
  start: Instant;
  end: Instant;
  kind: BusyKind;
  title: string;
  /** The meeting's or the ticketed event's id. */
  sourceId: string;
}

interface BusyRow {
  user_id: string;
  starts_at: number;
  ends_at: number;
  kind: BusyKind;
  title: string;
  source_id: string;
}

/**
 * What keeps each of `userIds` busy within [from, to) (anything overlapping it, unclipped),
 * sorted by start; every requested user has an entry. Busy: a scheduled meeting they
 * organise or accepted/tentatively accepted; a ticketed event (not cancelled) where they
 * hold held or confirmed seats — once per event however many reservations they have.
 */
export async function busyTimeOf(db: Knex | Knex.Transaction, userIds: readonly string[], from: string, to: string): Promise<Map<string, BusyItem[]>> {
  const ids = [...new Set(userIds)];
  const busy = new Map<string, BusyItem[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return busy;
  const { rows } = await db.raw<{ rows: BusyRow[] }>(
    `
    WITH wanted AS (SELECT unnest(?::text[]) AS user_id)
    SELECT h.user_id, ${epochMillisSql('e.starts_at')} AS starts_at, ${epochMillisSql('e.ends_at')} AS ends_at, 'ticketed-event' AS kind, e.title, e.id AS source_id
      FROM (SELECT DISTINCT h.user_id, h.event_id FROM ${S}.seat_holders h JOIN wanted w ON w.user_id = h.user_id WHERE h.active) h
      JOIN ${S}.ticketed_events e ON e.id = h.event_id
     WHERE NOT e.cancelled AND e.starts_at < ?::timestamptz AND e.ends_at > ?::timestamptz
    UNION ALL
    SELECT m.organizer_id, ${epochMillisSql('m.starts_at')}, ${epochMillisSql('m.ends_at')}, 'meeting', m.title, m.id
      FROM ${S}.meetings m JOIN wanted w ON w.user_id = m.organizer_id
     WHERE m.status = 'scheduled' AND m.starts_at < ?::timestamptz AND m.ends_at > ?::timestamptz
    UNION ALL
    SELECT p.user_id, ${epochMillisSql('m.starts_at')}, ${epochMillisSql('m.ends_at')}, 'meeting', m.title, m.id
      FROM ${S}.meeting_participants p JOIN wanted w ON w.user_id = p.user_id
      JOIN ${S}.meetings m ON m.id = p.meeting_id
     WHERE p.response IN ('accepted', 'tentative') AND m.status = 'scheduled' AND m.starts_at < ?::timestamptz AND m.ends_at > ?::timestamptz
    ORDER BY 2, 3, 6
    `,
    [ids, to, from, to, from, to, from],
  );
  for (const row of rows) {
    busy.get(row.user_id)!.push({ start: row.starts_at, end: row.ends_at, kind: row.kind, title: row.title, sourceId: row.source_id });
  }
  return busy;
}

/** Whether `organizerId` organises a meeting (not cancelled) that `userId` is invited to: the free/busy sharing rule for organizers. */
export async function organizesMeetingWith(db: Knex | Knex.Transaction, organizerId: string, userId: string): Promise<boolean> {
  const row = await db(`${S}.meeting_participants as p`)
    .join(`${S}.meetings as m`, 'm.id', 'p.meeting_id')
    .where({ 'p.user_id': userId, 'm.organizer_id': organizerId })
    .whereNot('m.status', 'cancelled')
    .first('p.meeting_id');
  return row !== undefined;
}
