/**
 * Reminders as a notification source: each ReminderSent (src/domain/notifications/reminder.ts)
 * tells every recipient, with the kind's data (eventId or meetingId, title, start, end).
 */
import type { ReminderSent } from '../../domain/notifications/reminder.js';
import type { NotificationSourceHandler } from './notificationsProjection.js';

const subjectField = { 'event-reminder': 'eventId', 'meeting-reminder': 'meetingId' } as const;

export const remindersSource: NotificationSourceHandler = {
  source: 'reminders',
  eventTypes: ['ReminderSent'],
  apply: async (on) => {
    const { kind, subjectId, title, start, end, recipients } = on.event.data as ReminderSent['data'];
    for (const userId of recipients) await on.notify(userId, kind, subjectId, { [subjectField[kind]]: subjectId, title, start, end });
  },
};
