/**
 * A meeting as calendars see it: the facts an invitation (ICS), a calendar feed and a
 * reminder need, folded from the meeting's own events so that they are deterministic —
 * the same stream always gives the same SEQUENCE, attendees and answers.
 */
import { assertNever } from '../shared/decider.js';
import { DEFAULT_MEETING_REMINDER_MINUTES, type InstantWindow, type InvitationResponse, type MeetingEvent } from './events.js';

export type CalendarResponse = InvitationResponse | 'pending';

export interface CalendarAttendee {
  userId: string;
  required: boolean;
  response: CalendarResponse;
}

export interface MeetingCalendar {
  meetingId: string;
  title: string;
  description: string;
  location: string;
  organizerId: string;
  timezone: string;
  reminderMinutes: number;
  status: 'unproposed' | 'polling' | 'scheduled' | 'cancelled';
  /** The scheduled time; kept after a cancel so the CANCEL names the occurrence it withdraws. */
  scheduled: InstantWindow | null;
  /** RFC 5545 SEQUENCE: 0 when first scheduled, +1 on every reschedule and on the cancel. */
  sequence: number;
  /** Participants in invitation order (a removed one is gone). */
  attendees: CalendarAttendee[];
}

export const initialMeetingCalendar = (): MeetingCalendar => ({
  meetingId: '',
  title: '',
  description: '',
  location: '',
  organizerId: '',
  timezone: 'UTC',
  reminderMinutes: DEFAULT_MEETING_REMINDER_MINUTES,
  status: 'unproposed',
  scheduled: null,
  sequence: 0,
  attendees: [],
});

const withAnswers = (attendees: CalendarAttendee[], answer: (a: CalendarAttendee) => CalendarResponse) =>
  attendees.map((attendee) => ({ ...attendee, response: answer(attendee) }));

export function evolveMeetingCalendar(state: MeetingCalendar, event: MeetingEvent): MeetingCalendar {
  switch (event.type) {
    case 'MeetingProposed': {
      const d = event.data;
      return {
        ...state,
        meetingId: d.meetingId,
        title: d.title,
        description: d.description,
        location: d.location,
        organizerId: d.organizerId,
        timezone: d.timezone,
        reminderMinutes: d.reminderMinutes ?? DEFAULT_MEETING_REMINDER_MINUTES,
        status: 'polling',
        attendees: d.participants.map((p) => ({ userId: p.userId, required: p.required, response: 'pending' })),
      };
    }
    case 'ParticipantInvited':
      if (state.attendees.some((a) => a.userId === event.data.userId)) return state;
      return { ...state, attendees: [...state.attendees, { userId: event.data.userId, required: event.data.required, response: 'pending' }] };
    case 'ParticipantRemoved':
      return { ...state, attendees: state.attendees.filter((a) => a.userId !== event.data.userId) };
    case 'AvailabilitySubmitted':
    case 'MeetingDeadlineReminderSent':
    case 'MeetingPollClosed':
      return state;
    case 'InvitationAnswered': {
      const { participantId, response } = event.data;
      return { ...state, attendees: withAnswers(state.attendees, (a) => (a.userId === participantId ? response : a.response)) };
    }
    case 'MeetingScheduled': {
      const { start, end, answers } = event.data;
      return {
        ...state,
        status: 'scheduled',
        scheduled: { start, end },
        sequence: state.scheduled ? state.sequence + 1 : 0,
        attendees: withAnswers(state.attendees, (a) => answers[a.userId] ?? 'pending'),
      };
    }
    case 'MeetingRescheduled':
      return {
        ...state,
        scheduled: { start: event.data.start, end: event.data.end },
        sequence: state.sequence + 1,
        attendees: withAnswers(state.attendees, () => 'pending'),
      };
    case 'MeetingCancelled':
      return { ...state, status: 'cancelled', sequence: state.scheduled ? state.sequence + 1 : state.sequence };
    default:
      return assertNever(event);
  }
}

export const meetingCalendarOf = (events: readonly MeetingEvent[]): MeetingCalendar => events.reduce(evolveMeetingCalendar, initialMeetingCalendar());

/** Who a meeting reminder goes to: the organizer and the participants who accepted. */
export const meetingReminderRecipients = (meeting: MeetingCalendar): string[] => [
  meeting.organizerId,
  ...meeting.attendees.filter((a) => a.response === 'accepted').map((a) => a.userId),
];
