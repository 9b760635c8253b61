/**
 * The ICS files mails carry (issue 13 item 3): a confirmed reservation's event, and a
 * meeting's invitation on scheduled / rescheduled / cancelled mails. A meeting's
 * invitation is folded from its stream up to the event that caused the notification, so
 * a mail sent late still carries the SEQUENCE and METHOD of its own change (a later change
 * comes with its own mail, with a higher SEQUENCE).
 */
import type { Knex } from 'knex';
import type { TicketingCommands } from '../../commands/ticketing/ticketingCommands.js';
import type { EventStore } from '../../eventstore/eventStore.js';
import { meetingInvitationIcs, ticketedEventIcs, type CalendarContact } from '../../notifications/ics.js';
import { loadMeetingCalendar } from '../../notifications/loadMeetingCalendar.js';
import { NOTIFICATIONS } from '../../projections/notifications/queries.js';
import { findUsersByIds } from '../../projections/users.js';
import type { AttachmentProvider, MailNotification } from '../emailJobs.js';
import type { MailAttachment } from './transport.js';

const ics = (filename: string, content: string, method: 'PUBLISH' | 'REQUEST' | 'CANCEL'): MailAttachment => ({
  filename,
  content,
  contentType: `text/calendar; charset=utf-8; method=${method}`,
});

const MEETING_KINDS = new Set(['meeting-scheduled', 'meeting-rescheduled', 'meeting-cancelled']);

export interface CalendarAttachmentDeps {
  knex: Knex;
  store: EventStore;
  ticketing: TicketingCommands;
  /** PUBLIC_URL, for the entry's link. */
  publicUrl: string;
}

export function calendarAttachments(deps: CalendarAttachmentDeps): AttachmentProvider {
  return async (notification) => {
    if (notification.kind === 'reservation-confirmed') return [await reservationIcs(deps, notification)];
    if (MEETING_KINDS.has(notification.kind)) return [await meetingIcs(deps, notification)];
    return [];
  };
}

/** The notification's cause: its event's store position and time. */
async function causeOf(deps: CalendarAttachmentDeps, notification: MailNotification): Promise<{ position: bigint; at: Date }> {
  const row = await deps.knex(NOTIFICATIONS).where({ id: notification.id }).first<{ position: string; created_at: Date } | undefined>('position', 'created_at');
  if (!row) throw new Error(`notification ${notification.id} is not in the notifications read model`);
  return { position: BigInt(row.position), at: row.created_at };
}

async function reservationIcs(deps: CalendarAttachmentDeps, notification: MailNotification): Promise<MailAttachment> {
  const [{ state }, cause] = await Promise.all([deps.ticketing.load(notification.subjectId), causeOf(deps, notification)]);
  const entry = { eventId: state.eventId, ...state.details, cancelled: state.status === 'cancelled' };
  const text = ticketedEventIcs(entry, { stamp: cause.at, url: `${deps.publicUrl}/v1/events/${state.eventId}` });
  return ics('event.ics', text, 'PUBLISH');
}

async function meetingIcs(deps: CalendarAttachmentDeps, notification: MailNotification): Promise<MailAttachment> {
  const cause = await causeOf(deps, notification);
  const { meeting, changedAt } = await loadMeetingCalendar(deps.store, notification.subjectId, cause.position);
  const users = await findUsersByIds(deps.knex, [meeting.organizerId, ...meeting.attendees.map((a) => a.userId)]);
  const contacts = new Map<string, CalendarContact>([...users].map(([id, user]) => [id, { name: user.name, email: user.email }]));
  const text = meetingInvitationIcs({ meeting, contacts, stamp: changedAt, url: `${deps.publicUrl}/v1/meetings/${meeting.meetingId}` });
  return ics('invite.ics', text, meeting.status === 'cancelled' ? 'CANCEL' : 'REQUEST');
}
