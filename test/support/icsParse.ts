/**
 * Reads an ICS back with an independent parser (ical.js), so tests check what a calendar
 * client would see rather than the text our generator wrote.
 */
import ICAL from 'ical.js';

export interface ParsedAttendee {
  email: string;
  name: string | null;
  partstat: string | null;
  role: string | null;
}

export interface ParsedEvent {
  uid: string;
  sequence: number;
  status: string | null;
  summary: string;
  location: string | null;
  /** ISO-8601 UTC. */
  start: string;
  end: string;
  organizer: string | null;
  attendees: ParsedAttendee[];
}

export interface ParsedCalendar {
  method: string | null;
  events: ParsedEvent[];
}

const mailto = (value: unknown) => String(value).replace(/^mailto:/i, '');

export function parseIcs(text: string): ParsedCalendar {
  const calendar = new ICAL.Component(ICAL.parse(text));
  return {
    method: (calendar.getFirstPropertyValue('method') as string | null) ?? null,
    events: calendar.getAllSubcomponents('vevent').map((vevent) => {
      const event = new ICAL.Event(vevent);
      const organizer = vevent.getFirstPropertyValue('organizer');
      return {
        uid: event.uid,
        sequence: event.sequence,
        status: (vevent.getFirstPropertyValue('status') as string | null) ?? null,
        summary: event.summary,
        location: event.location ?? null,
        start: event.startDate.toJSDate().toISOString(),
        end: event.endDate.toJSDate().toISOString(),
        organizer: organizer ? mailto(organizer) : null,
        attendees: vevent.getAllProperties('attendee').map((property) => ({
          email: mailto(property.getFirstValue()),
          name: (property.getParameter('cn') as string | undefined) ?? null,
          partstat: (property.getParameter('partstat') as string | undefined) ?? null,
          role: (property.getParameter('role') as string | undefined) ?? null,
        })),
      };
    }),
  };
}
