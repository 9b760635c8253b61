/**
 * The one write of the notifications context: a user marking notifications read. Marks
 * are user state, not history, so they go to a table of their own (migration 008), not
 * to the event store; only notifications the user has can be marked.
 */
import type { Knex } from 'knex';
import { NOTIFICATIONS, READ_MARKS } from '../../projections/notifications/queries.js';

/** Marks one (or every) notification of the user read; answers how many were unread. */
export async function markNotificationsRead(db: Knex, userId: string, notificationId?: string): Promise<number> {
  const source = db(NOTIFICATIONS).where({ user_id: userId }).select(db.raw('?', [userId]), 'id');
  if (notificationId) source.andWhere({ id: notificationId });
  const result = await db.raw<{ rowCount: number }>(`INSERT INTO ${READ_MARKS} (user_id, notification_id) ${source.toQuery()} ON CONFLICT DO NOTHING`);
  return result.rowCount;
}
