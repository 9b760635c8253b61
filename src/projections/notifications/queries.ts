/**
 * Queries over the notifications read model (schema rm_notifications), joined with the
 * context's read marks (src/api/notifications/readMarks.ts writes them). Read-only.
 */
import type { Knex } from 'knex';
import { projectionSchema } from '../projection.js';
import { NOTIFICATIONS_PROJECTION } from './notificationsProjection.js';
import type { NotificationRow } from './rows.js';

export const NOTIFICATIONS = `${projectionSchema(NOTIFICATIONS_PROJECTION)}.notifications`;
/** User state, not events (migration 008): outside the rebuildable schema, kept attached by stable ids. */
export const READ_MARKS = 'notification_read_marks';

export type NotificationWithRead = NotificationRow & { read_at: Date | null };

export async function notificationsOf(
  db: Knex,
  userId: string,
  opts: { unreadOnly: boolean; limit: number; after?: { c: string; id: string } },
): Promise<NotificationWithRead[]> {
  const query = db(`${NOTIFICATIONS} as n`)
    .leftJoin(`${READ_MARKS} as r`, function () {
      this.on('r.notification_id', '=', 'n.id').andOn('r.user_id', '=', 'n.user_id');
    })
    .where('n.user_id', userId)
    .orderBy([{ column: 'n.created_at', order: 'desc' }, { column: 'n.id', order: 'desc' }])
    .limit(opts.limit + 1)
    .select<NotificationWithRead[]>('n.*', 'r.read_at');
  if (opts.unreadOnly) query.whereNull('r.read_at');
  if (opts.after) query.whereRaw('(n.created_at, n.id) < (?, ?)', [opts.after.c, opts.after.id]);
  return query;
}

export async function hasNotification(db: Knex, userId: string, id: string): Promise<boolean> {
  return (await db(NOTIFICATIONS).where({ user_id: userId, id }).first('id')) !== undefined;
}
