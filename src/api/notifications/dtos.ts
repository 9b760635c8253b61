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
      'What happened. Ticketing: reservation-confirmed, reservation-held, hold-expired, reservation-cancelled, waitlist-joined, waitlist-offer, waitlist-offer-expired, waitlist-promoted, event-cancelled, event-changed, event-reminder. Scheduling: meeting-invited, meeting-scheduled, meeting-rescheduled, meeting-cancelled, meeting-deadline-reminder, meeting-deadline-passed (to the organizer), meeting-reminder. Identity: welcome, password-changed.',
      'waitlist-offer',
    ),
    source: field(z.enum(['ticketing', 'scheduling', 'identity']), 'The context it comes from: ticketing (about an event), scheduling (about a meeting) or identity (about the account).', 'ticketing'),
    eventId: field(z.uuid(), 'The event it is about (ticketing notifications only).', EXAMPLE.eventId).optional(),
    meetingId: field(z.uuid(), 'The meeting it is about (scheduling notifications only).', '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d').optional(),
    userId: field(z.uuid(), 'The account it is about (identity notifications only).', '7b8c9d0e-1f2a-4b3c-8d4e-5f6a7b8c9d0e').optional(),
    data: field(z.unknown(), 'Details for this kind (e.g. offerId, quantity, expiresAt for waitlist-offer).', { offerId: EXAMPLE.offerId, quantity: 2 }),
    createdAt: instantField('When it happened'),
    read: field(z.boolean(), 'Whether the user marked it read.', false),
  })
  .meta({ id: 'Notification', description: 'An in-app notification.' });

export const notificationPageSchema = pageOf(notificationSchema, 'notifications');
export const markedSchema = z.object({ marked: field(z.number().int().min(0), 'How many notifications were marked read now.', 3) });

export type NotificationDto = z.infer<typeof notificationSchema>;

const SUBJECT_FIELD = { ticketing: 'eventId', scheduling: 'meetingId', identity: 'userId' } as const;

/** The subject id is named after what it is: `eventId` for ticketing, `meetingId` for scheduling, `userId` for identity. */
export function notificationDto(row: Pick<NotificationRow, 'id' | 'kind' | 'source' | 'subject_id' | 'data' | 'created_at'>, read: boolean): NotificationDto {
  const subject = { [SUBJECT_FIELD[row.source]]: row.subject_id };
  return { id: row.id, kind: row.kind, source: row.source, ...subject, data: row.data, createdAt: row.created_at.toISOString(), read };
}

const KIND_EXAMPLE = 'waitlist-offer';

export const notificationSettingsSchema = z
  .object({
    emailEnabled: field(z.boolean(), 'Whether anything is mailed at all; in-app notifications are always kept.', true),
    emailKinds: field(
      z.record(z.string(), z.boolean()),
      'Per notification kind: true mails it, false keeps it in-app only. Every kind is listed.',
      { [KIND_EXAMPLE]: true, 'event-changed': false },
    ),
  })
  .meta({ id: 'NotificationSettings', description: 'What the caller is told by e-mail.' });

export const unsubscribeSchema = z
  .object({
    kind: field(z.string(), 'The notification kind the link switches off.', KIND_EXAMPLE),
    unsubscribed: field(z.boolean(), 'True once that kind is no longer mailed (POST); false on the GET confirmation while it still is.', true),
  })
  .meta({ id: 'Unsubscribe', description: 'A one-click unsubscribe link (RFC 8058) and what it does.' });
