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
      'What happened: event-cancelled, hold-expired, reservation-cancelled, waitlist-offer, waitlist-offer-expired or waitlist-promoted.',
      'waitlist-offer',
    ),
    eventId: field(z.uuid(), 'The event it is about.', EXAMPLE.eventId),
    data: field(z.unknown(), 'Details for this kind (e.g. offerId, quantity, expiresAt for waitlist-offer).', { offerId: EXAMPLE.offerId, quantity: 2 }),
    createdAt: instantField('When it happened'),
    read: field(z.boolean(), 'Whether the user marked it read.', false),
  })
  .meta({ id: 'Notification', description: 'An in-app notification.' });

export const notificationPageSchema = pageOf(notificationSchema, 'notifications');
export const markedSchema = z.object({ marked: field(z.number().int().min(0), 'How many notifications were marked read now.', 3) });

export type NotificationDto = z.infer<typeof notificationSchema>;

/**
 * Every notification so far comes from ticketing, whose subject is the event: `eventId`
 * is its subject id. (A source with other subjects will need `source`/`subjectId` here.)
 */
export function notificationDto(row: Pick<NotificationRow, 'id' | 'kind' | 'subject_id' | 'data' | 'created_at'>, read: boolean): NotificationDto {
  return { id: row.id, kind: row.kind, eventId: row.subject_id, data: row.data, createdAt: row.created_at.toISOString(), read };
}
