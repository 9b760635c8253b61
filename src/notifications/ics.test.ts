/**
 * The ICS builders, read back with an independent parser (ical.js): what a calendar
 * client sees — METHOD, UID, SEQUENCE, times in UTC, organizer and attendees.
 */
import { describe, expect, it } from 'vitest';
import type { MeetingEvent, MeetingProposed } from '../domain/scheduling/events.js';
import { meetingCalendarOf } from '../domain/scheduling/meetingCalendar.js';
import { parseIcs } from '../../test/support/icsParse.js';
import { calendarFeedIcs, meetingInvitationIcs, meetingUid, ticketedEventIcs, ticketedEventUid, type CalendarContact } from './ics.js';

const MEETING = '6a1b4f0e-0000-4000-8000-000000000001';
const [ORGANIZER, ANNA, BEN, CARL] = ['u-organizer', 'u-anna', 'u-ben', 'u-carl'];
const contacts = new Map<string, CalendarContact>([
  [ORGANIZER, { name: 'Olga Organizer', email: 'olga@example.com' }],
  [ANNA, { name: 'Anna', email: 'anna@example.com' }],
  [BEN, { name: 'Ben', email: 'ben@example.com' }],
  [CARL, { name: 'Carl', email: 'carl@example.com' }],
]);
const stamp = new Date('2026-03-20T12:00:00Z');

const proposed = (data: Partial<MeetingProposed['data']> = {}): MeetingProposed => ({
  type: 'MeetingProposed',
  data: {
    meetingId: MEETING,
    title: 'Q1 Planning',
    description: 'Plan the quarter',
    location: 'Room 4',
    organizerId: ORGANIZER,
    durationMinutes: 60,
    timezone: 'Europe/Berlin',
    proposedWindows: [{ start: '2026-03-27T08:00:00Z', end: '2026-03-31T16:00:00Z' }],
    participants: [
      { userId: ANNA, required: true, viaGroupId: null },
      { userId: BEN, required: false, viaGroupId: null },
      { userId: CARL, required: true, viaGroupId: null },
    ],
    groupIds: [],
    deadline: null,
    autoSchedule: false,
    resultsVisibility: 'participants',
    ...data,
  },
});

// Friday 27 March 10:00 Berlin (CET, +01:00) and Monday 30 March 10:00 Berlin (CEST, +02:00): the DST change lies between.
const scheduledBeforeDst: MeetingEvent = {
  type: 'MeetingScheduled',
  data: { meetingId: MEETING, start: '2026-03-27T09:00:00Z', end: '2026-03-27T10:00:00Z', by: 'organizer', answers: { [ANNA]: 'accepted', [BEN]: 'tentative' } },
};
const rescheduledAfterDst: MeetingEvent = { type: 'MeetingRescheduled', data: { meetingId: MEETING, start: '2026-03-30T08:00:00Z', end: '2026-03-30T09:00:00Z' } };

const invitation = (events: MeetingEvent[]) => parseIcs(meetingInvitationIcs({ meeting: meetingCalendarOf(events), contacts, stamp }));

describe('meeting invitations', () => {
  it('a scheduled meeting is a REQUEST with a stable UID, SEQUENCE 0, the organizer and each attendee’s PARTSTAT from the answers', () => {
    const ics = invitation([proposed(), scheduledBeforeDst, { type: 'InvitationAnswered', data: { meetingId: MEETING, participantId: CARL, response: 'declined' } }]);
    expect(ics.method).toBe('REQUEST');
    expect(ics.events).toHaveLength(1);
    const [event] = ics.events;
    expect(event).toMatchObject({
      uid: meetingUid(MEETING),
      sequence: 0,
      status: 'CONFIRMED',
      summary: 'Q1 Planning',
      location: 'Room 4',
      start: '2026-03-27T09:00:00.000Z',
      end: '2026-03-27T10:00:00.000Z',
      organizer: 'olga@example.com',
    });
    expect(event!.attendees).toEqual([
      { email: 'anna@example.com', name: 'Anna', partstat: 'ACCEPTED', role: 'REQ-PARTICIPANT' },
      { email: 'ben@example.com', name: 'Ben', partstat: 'TENTATIVE', role: 'OPT-PARTICIPANT' },
      { email: 'carl@example.com', name: 'Carl', partstat: 'DECLINED', role: 'REQ-PARTICIPANT' },
    ]);
  });

  it('rescheduled across the Berlin DST change: same UID, SEQUENCE 1, the new UTC times, answers back to NEEDS-ACTION', () => {
    const before = invitation([proposed(), scheduledBeforeDst]).events[0]!;
    const after = invitation([proposed(), scheduledBeforeDst, rescheduledAfterDst]).events[0]!;
    expect(after.uid).toBe(before.uid);
    expect(after.sequence).toBe(1);
    // 10:00 local both times: 09:00Z in CET, 08:00Z in CEST
    expect([before.start, after.start]).toEqual(['2026-03-27T09:00:00.000Z', '2026-03-30T08:00:00.000Z']);
    expect(after.end).toBe('2026-03-30T09:00:00.000Z');
    expect(after.attendees.map((a) => a.partstat)).toEqual(['NEEDS-ACTION', 'NEEDS-ACTION', 'NEEDS-ACTION']);
  });

  it('each reschedule raises SEQUENCE again; the same events always give the same document', () => {
    const events = [proposed(), scheduledBeforeDst, rescheduledAfterDst, { ...rescheduledAfterDst, data: { ...rescheduledAfterDst.data, start: '2026-03-31T08:00:00Z', end: '2026-03-31T09:00:00Z' } }];
    expect(invitation(events).events[0]!.sequence).toBe(2);
    const text = () => meetingInvitationIcs({ meeting: meetingCalendarOf(events), contacts, stamp });
    expect(text()).toBe(text());
  });

  it('a cancelled meeting is a CANCEL of the same UID with a higher SEQUENCE and STATUS:CANCELLED', () => {
    const ics = invitation([proposed(), scheduledBeforeDst, rescheduledAfterDst, { type: 'MeetingCancelled', data: { meetingId: MEETING, reason: null } }]);
    expect(ics.method).toBe('CANCEL');
    expect(ics.events[0]).toMatchObject({ uid: meetingUid(MEETING), sequence: 2, status: 'CANCELLED', start: '2026-03-30T08:00:00.000Z' });
  });

  it('a participant removed after scheduling is no longer an attendee; one invited later is, as NEEDS-ACTION', () => {
    const ics = invitation([
      proposed(),
      scheduledBeforeDst,
      { type: 'ParticipantRemoved', data: { meetingId: MEETING, userId: BEN } },
      { type: 'ParticipantInvited', data: { meetingId: MEETING, userId: 'u-dora', required: false, viaGroupId: null } },
    ]);
    // u-dora has no address in `contacts`: left out rather than written without one
    expect(ics.events[0]!.attendees.map((a) => a.email)).toEqual(['anna@example.com', 'carl@example.com']);
  });

  it('a title with line breaks, commas and semicolons survives escaping', () => {
    const ics = invitation([proposed({ title: 'Budget; Q1, Q2\nand <script>' }), scheduledBeforeDst]);
    expect(ics.events[0]!.summary).toBe('Budget; Q1, Q2\nand <script>');
  });

  it('a meeting never scheduled has no invitation', () => {
    expect(() => meetingInvitationIcs({ meeting: meetingCalendarOf([proposed()]), contacts, stamp })).toThrow(/no scheduled time/);
  });
});

describe('a ticketed event as ICS', () => {
  it('is a PUBLISH of the event with its UTC times (Berlin, after the autumn DST change)', () => {
    const ics = parseIcs(
      ticketedEventIcs(
        { eventId: 'e-1', title: 'Concert', description: 'Doors at 19:00', venue: 'Philharmonie', startsAt: '2026-10-26T19:00:00Z', endsAt: '2026-10-26T21:30:00Z', timezone: 'Europe/Berlin' },
        { stamp },
      ),
    );
    expect(ics.method).toBe('PUBLISH');
    expect(ics.events).toEqual([
      expect.objectContaining({ uid: ticketedEventUid('e-1'), sequence: 0, summary: 'Concert', location: 'Philharmonie', start: '2026-10-26T19:00:00.000Z', end: '2026-10-26T21:30:00.000Z' }),
    ]);
  });
});

describe('the calendar feed', () => {
  it('lists meetings and ticketed events under the UIDs their invitations and attachments use', () => {
    const ics = parseIcs(
      calendarFeedIcs(
        [
          { kind: 'meeting', id: MEETING, start: '2026-03-30T08:00:00Z', end: '2026-03-30T09:00:00Z', title: 'Q1 Planning' },
          { kind: 'ticketed-event', id: 'e-1', start: '2026-10-26T19:00:00Z', end: '2026-10-26T21:30:00Z', title: 'Concert' },
        ],
        { name: 'Tessera', stamp },
      ),
    );
    expect(ics.method).toBe('PUBLISH');
    expect(ics.events.map((e) => [e.uid, e.start, e.end])).toEqual([
      [meetingUid(MEETING), '2026-03-30T08:00:00.000Z', '2026-03-30T09:00:00.000Z'],
      [ticketedEventUid('e-1'), '2026-10-26T19:00:00.000Z', '2026-10-26T21:30:00.000Z'],
    ]);
  });
});
