/**
 * Reminders as a notification source: each ReminderSent (src/domain/notifications/reminder.ts)
 * tells every recipient. A reminder is about a ticketed event or a meeting, so its
 * notification is filed under that context (its DTO field, its mail's links and details):
 * data = eventId or meetingId, title, start, end — for meetings with what every scheduling
 * notification carries (organizer, duration).
 */
import type { ReminderSent } from '../../domain/notifications/reminder.js';
import type { NotificationSourceHandler } from './notificationsProjection.js';
import { aboutMeeting } from './schedulingSource.js';

export const remindersSource: NotificationSourceHandler = {
  // the handler's default; every reminder names its subject's context instead
  source: 'ticketing',
  eventTypes: ['ReminderSent'],
  apply: async (on) => {
    const { kind, subjectId, title, start, end, recipients } = on.event.data as ReminderSent['data'];
    const occurrence = { title, start, end };
    const [source, data] =
      kind === 'event-reminder'
        ? (['ticketing', { eventId: subjectId, ...occurrence }] as const)
        : (['scheduling', { ...(await aboutMeeting(on.ctx, subjectId)), ...occurrence }] as const);
    for (const userId of recipients) await on.notify(userId, kind, subjectId, data, source);
  },
};
