/**
 * iCalendar (RFC 5545 / iTIP RFC 5546) documents: meeting invitations (REQUEST, CANCEL),
 * a confirmed reservation's event, and a user's subscription feed. Pure: every input,
 * including DTSTAMP, is passed in. Times are written in UTC (`…Z`), which every client
 * reads the same way and needs no VTIMEZONE; the zone the meeting was planned in is
 * named in X-WR-TIMEZONE for display.
 *
 * UIDs are stable per meeting / ticketed event, so an invitation, its updates and the
 * feed all describe the same calendar entry.
 */
import ical, { ICalAttendeeRole, ICalAttendeeStatus, ICalCalendarMethod, ICalEventStatus, type ICalEventData } from 'ical-generator';
import type { CalendarResponse, MeetingCalendar } from '../domain/scheduling/meetingCalendar.js';
import type { TicketedEventDetails } from '../domain/ticketing/events.js';

const PROD_ID = { company: 'Tessera', product: 'Tessera', language: 'EN' };
const UID_DOMAIN = 'tessera';

export const meetingUid = (meetingId: string) => `meeting-${meetingId}@${UID_DOMAIN}`;
export const ticketedEventUid = (eventId: string) => `event-${eventId}@${UID_DOMAIN}`;

/** Who an ICS names: ORGANIZER / ATTENDEE need an address. */
export interface CalendarContact {
  name: string;
  email: string;
}

const PARTSTAT: Record<CalendarResponse, ICalAttendeeStatus> = {
  pending: ICalAttendeeStatus.NEEDSACTION,
  accepted: ICalAttendeeStatus.ACCEPTED,
  declined: ICalAttendeeStatus.DECLINED,
  tentative: ICalAttendeeStatus.TENTATIVE,
};

export interface MeetingInvitationInput {
  meeting: MeetingCalendar;
  /** Organizer and participants by user id; a participant without an address is left out. */
  contacts: ReadonlyMap<string, CalendarContact>;
  /** DTSTAMP: when this version of the invitation was made (the event's recordedAt). */
  stamp: Date;
  /** A link to the meeting, if the caller has one. */
  url?: string;
}

/**
 * The iTIP message for a scheduled meeting's current state: METHOD:REQUEST while it is
 * scheduled, METHOD:CANCEL (STATUS:CANCELLED) once cancelled. A meeting never scheduled has none.
 */
export function meetingInvitationIcs(input: MeetingInvitationInput): string {
  const { meeting } = input;
  if (!meeting.scheduled) throw new Error(`meeting ${meeting.meetingId} has no scheduled time to send`);
  const cancelled = meeting.status === 'cancelled';
  const calendar = ical({ prodId: PROD_ID, method: cancelled ? ICalCalendarMethod.CANCEL : ICalCalendarMethod.REQUEST });
  calendar.x([['X-WR-TIMEZONE', meeting.timezone]]);
  calendar.createEvent(meetingEvent(input, cancelled));
  return calendar.toString();
}

function meetingEvent({ meeting, contacts, stamp, url }: MeetingInvitationInput, cancelled: boolean): ICalEventData {
  const organizer = contacts.get(meeting.organizerId);
  return {
    id: meetingUid(meeting.meetingId),
    sequence: meeting.sequence,
    stamp,
    start: new Date(meeting.scheduled!.start),
    end: new Date(meeting.scheduled!.end),
    summary: meeting.title,
    description: meeting.description || null,
    location: meeting.location || null,
    url: url ?? null,
    status: cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
    organizer: organizer ? { name: organizer.name, email: organizer.email } : null,
    attendees: meeting.attendees.flatMap((attendee) => {
      const contact = contacts.get(attendee.userId);
      if (!contact) return [];
      return [{
        name: contact.name,
        email: contact.email,
        role: attendee.required ? ICalAttendeeRole.REQ : ICalAttendeeRole.OPT,
        status: PARTSTAT[attendee.response],
        rsvp: !cancelled,
      }];
    }),
  };
}

/** A ticketed event as one calendar entry (what a confirmed reservation attaches). */
export type TicketedEventEntry = Pick<TicketedEventDetails, 'title' | 'description' | 'venue' | 'startsAt' | 'endsAt' | 'timezone'> & {
  eventId: string;
  cancelled?: boolean;
};

/** METHOD:PUBLISH: the holder adds the event to their calendar; there is nothing to answer. */
export function ticketedEventIcs(entry: TicketedEventEntry, opts: { stamp: Date; sequence?: number; url?: string }): string {
  const calendar = ical({ prodId: PROD_ID, method: ICalCalendarMethod.PUBLISH });
  calendar.x([['X-WR-TIMEZONE', entry.timezone]]);
  calendar.createEvent({
    id: ticketedEventUid(entry.eventId),
    sequence: opts.sequence ?? 0,
    stamp: opts.stamp,
    start: new Date(entry.startsAt),
    end: new Date(entry.endsAt),
    summary: entry.title,
    description: entry.description || null,
    location: entry.venue || null,
    url: opts.url ?? null,
    status: entry.cancelled ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
  });
  return calendar.toString();
}

/** One entry of a user's calendar feed. */
export interface FeedEntry {
  kind: 'meeting' | 'ticketed-event';
  /** The meeting's or the ticketed event's id (the UID derives from it). */
  id: string;
  start: string;
  end: string;
  title: string;
}

/** The subscription feed: every entry of the user's calendar, METHOD:PUBLISH. */
export function calendarFeedIcs(entries: readonly FeedEntry[], opts: { name: string; stamp: Date }): string {
  const calendar = ical({ prodId: PROD_ID, method: ICalCalendarMethod.PUBLISH, name: opts.name });
  for (const entry of entries) {
    calendar.createEvent({
      id: entry.kind === 'meeting' ? meetingUid(entry.id) : ticketedEventUid(entry.id),
      stamp: opts.stamp,
      start: new Date(entry.start),
      end: new Date(entry.end),
      summary: entry.title,
      status: ICalEventStatus.CONFIRMED,
    });
  }
  return calendar.toString();
}
