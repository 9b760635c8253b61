/**
 * Response bodies of the notification routes and the `user:me` notification update: one
 * schema and one builder, used by the routes and by the notifications projection alike.
 */
import { z } from 'zod';
import { EXAMPLE, field, instantField, pageOf } from '../dtoFields.js';
import type { NotificationRow } from '../../projections/notifications/rows.js';

export const notificationSchema = z
  .object({
    id: field(z.uuid(), 'The notification id.', '3d4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a'),
    kind: field(
      z.string(),
      'What happened. Ticketing: event-cancelled, hold-expired, reservation-cancelled, waitlist-offer, waitlist-offer-expired or waitlist-promoted. Scheduling: meeting-invited, meeting-scheduled, meeting-rescheduled, meeting-cancelled, meeting-deadline-reminder or meeting-deadline-passed (to the organizer).',
      'waitlist-offer',
    ),
    source: field(z.enum(['ticketing', 'scheduling']), 'The context it comes from: ticketing (about an event) or scheduling (about a meeting).', 'ticketing'),
    eventId: field(z.uuid(), 'The event it is about (ticketing notifications only).', EXAMPLE.eventId).optional(),
    meetingId: field(z.uuid(), 'The meeting it is about (scheduling notifications only).', '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d').optional(),
    data: field(z.unknown(), 'Details for this kind (e.g. offerId, quantity, expiresAt for waitlist-offer).', { offerId: EXAMPLE.offerId, quantity: 2 }),
    createdAt: instantField('When it happened'),
    read: field(z.boolean(), 'Whether the user marked it read.', false),
  })
  .meta({ id: 'Notification', description: 'An in-app notification.' });

export const notificationPageSchema = pageOf(notificationSchema, 'notifications');
export const markedSchema = z.object({ marked: field(z.number().int().min(0), 'How many notifications were marked read now.', 3) });

export type NotificationDto = z.infer<typeof notificationSchema>;

/** The subject id is named after what it is: `eventId` for ticketing, `meetingId` for scheduling. */
export function notificationDto(row: Pick<NotificationRow, 'id' | 'kind' | 'source' | 'subject_id' | 'data' | 'created_at'>, read: boolean): NotificationDto {
  const subject = row.source === 'scheduling' ? { meetingId: row.subject_id } : { eventId: row.subject_id };
  return { id: row.id, kind: row.kind, source: row.source, ...subject, data: row.data, createdAt: row.created_at.toISOString(), read };
}
