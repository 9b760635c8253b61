/**
 * Reminders as a notification source: each ReminderSent (src/domain/notifications/reminder.ts)
 * tells every recipient, with the kind's data (eventId or meetingId, title, start, end).
 */
import type { ReminderSent } from '../../domain/notifications/reminder.js';
import type { NotificationSourceHandler } from './notificationsProjection.js';

/** A reminder is about a ticketed event or a meeting: the notification belongs to that context (its DTO field, its mail links). */
const subjectOf = { 'event-reminder': { source: 'ticketing', field: 'eventId' }, 'meeting-reminder': { source: 'scheduling', field: 'meetingId' } } as const;

export const remindersSource: NotificationSourceHandler = {
  source: 'ticketing',
  eventTypes: ['ReminderSent'],
  apply: async (on) => {
    const { kind, subjectId, title, start, end, recipients } = on.event.data as ReminderSent['data'];
    const { source, field } = subjectOf[kind];
    for (const userId of recipients) await on.notify(userId, kind, subjectId, { [field]: subjectId, title, start, end }, source);
  },
};
