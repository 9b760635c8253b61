/**
 * What the deadline sweeper re-derives from the meetings read model (docs/scheduling.md
 * §6.3): polls past their deadline that were neither scheduled nor closed, and polls past
 * their reminder time (deadline − 24 h, when proposed before it) whose reminder has not
 * gone out while someone has still not submitted.
 */
import type { Knex } from 'knex';
import { REMINDER_LEAD_MS } from '../../domain/scheduling/deadline.js';
import { projectionSchema } from '../projection.js';
import { MEETINGS_PROJECTION } from './meetingsProjection.js';

const S = projectionSchema(MEETINGS_PROJECTION);

export async function overdueDeadlineWork(knex: Knex, now: Date, limit = 500): Promise<{ deadlines: string[]; reminders: string[] }> {
  const lead = `${REMINDER_LEAD_MS} milliseconds`;
  const [deadlines, reminders] = await Promise.all([
    knex(`${S}.meetings`)
      .where({ status: 'polling', poll_closed: false })
      .whereNotNull('deadline')
      .where('deadline', '<=', now)
      .orderBy('deadline')
      .limit(limit)
      .pluck<string[]>('id'),
    knex(`${S}.meetings as m`)
      .where({ 'm.status': 'polling', 'm.deadline_reminded': false })
      .whereNotNull('m.deadline')
      .where('m.deadline', '>', now)
      .whereRaw('m.deadline - ?::interval <= ?', [lead, now])
      .whereRaw('m.created_at < m.deadline - ?::interval', [lead])
      .whereExists((q) => q.select(knex.raw('1')).from(`${S}.participants as p`).whereRaw('p.meeting_id = m.id').where('p.submitted', false))
      .orderBy('m.deadline')
      .limit(limit)
      .pluck<string[]>('m.id'),
  ]);
  return { deadlines, reminders };
}
