/**
 * SendReminder on `reminder-<id>`: the id derives from (kind, subject, start), so every
 * attempt for one occurrence — the delayed job, its retries, the sweeper's re-enqueues —
 * decides on the same stream, and only the first appends ReminderSent.
 */
import { v5 as uuidv5 } from 'uuid';
import { reminderDecider, reminderStreamName, type ReminderOccurrence } from '../../domain/notifications/reminder.js';
import { decisionMeta, runtimeMeta, type RequestMeta } from '../meta.js';
import type { CommandRuntime } from '../runtime.js';

const REMINDER_ID_NAMESPACE = 'a4d7e2c9-3b1f-4c58-9e0a-7f6b2d8c1e35';

export const reminderIdOf = (occurrence: Pick<ReminderOccurrence, 'kind' | 'subjectId' | 'start'>): string =>
  uuidv5(`${occurrence.kind}:${occurrence.subjectId}:${new Date(occurrence.start).toISOString()}`, REMINDER_ID_NAMESPACE);

export function sendReminder(commands: CommandRuntime, reminder: ReminderOccurrence & { recipients: string[] }, meta: RequestMeta) {
  return commands.execute(
    reminderDecider,
    reminderStreamName(reminderIdOf(reminder)),
    { type: 'SendReminder', data: reminder, meta: decisionMeta(meta.actor, meta.now) },
    runtimeMeta(meta),
  );
}
