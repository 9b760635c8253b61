import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../../test/support/deciderSpec.js';
import type { AvailabilitySlot, MeetingEvent, MeetingProposed, MeetingScheduled } from './events.js';
import { meetingDecider, meetingRoleOf, type MeetingCommand, type ProposeMeeting } from './meeting.js';

const given = deciderSpec(meetingDecider);

const ORG = 'org';
const ANN = 'ann';
const BOB = 'bob';
const NOW = '2030-03-01T08:00:00.000Z';
const DEADLINE = '2030-03-01T18:00:00.000Z';
const W1 = { start: '2030-03-02T09:00:00.000Z', end: '2030-03-02T12:00:00.000Z' };
const W2 = { start: '2030-03-03T13:00:00.000Z', end: '2030-03-03T15:00:00.000Z' };
const MEETING = 'm-1';

const meta = (actorId: string, now = NOW) => ({ actorId, now });
const cmd = <C extends MeetingCommand>(type: C['type'], data: C['data'], actorId: string, now = NOW) => ({ type, data, meta: meta(actorId, now) }) as C;

const pollData = (extra: Partial<ProposeMeeting['data']> = {}): ProposeMeeting['data'] => ({
  meetingId: MEETING,
  title: 'Q1 Planning',
  description: '',
  location: '',
  durationMinutes: 60,
  timezone: 'Europe/Berlin',
  proposedWindows: [W2, W1],
  participants: [
    { userId: ANN, required: true, viaGroupId: null },
    { userId: BOB, required: false, viaGroupId: 'g-1' },
  ],
  groupIds: ['g-1'],
  deadline: DEADLINE,
  autoSchedule: false,
  resultsVisibility: 'participants',
  ...extra,
});

const proposed: MeetingProposed = {
  type: 'MeetingProposed',
  data: { ...pollData(), proposedWindows: [W1, W2], organizerId: ORG, deadline: DEADLINE } as MeetingProposed['data'],
};
const ev = <E extends MeetingEvent>(type: E['type'], data: Omit<E['data'], 'meetingId'>) => ({ type, data: { meetingId: MEETING, ...data } }) as E;
const yes = (start: string, end: string) => ({ start, end, preference: 'yes' as const });
const maybe = (start: string, end: string) => ({ start, end, preference: 'if-need-be' as const });
const scheduledAt9 = ev<MeetingScheduled>('MeetingScheduled', { start: '2030-03-02T09:00:00.000Z', end: '2030-03-02T10:00:00.000Z', by: 'organizer', answers: {} });

describe('ProposeMeeting', () => {
  it('a poll records the windows sorted and the organizer from the actor', () => {
    given([]).when(cmd('ProposeMeeting', pollData(), ORG)).then([proposed]);
  });

  it('a fixed-time meeting is proposed and scheduled in one decision', () => {
    const { proposedWindows: _, ...rest } = pollData({ deadline: null });
    given([])
      .when(cmd('ProposeMeeting', { ...rest, start: '2030-03-02T09:30:00.000Z' }, ORG))
      .then([
        { type: 'MeetingProposed', data: { ...proposed.data, proposedWindows: [], deadline: null } },
        ev('MeetingScheduled', { start: '2030-03-02T09:30:00.000Z', end: '2030-03-02T10:30:00.000Z', by: 'organizer', answers: {} }),
      ]);
  });

  it('rejects windows shorter than the duration, none or more than 50, and both or neither of windows and start', () => {
    given([]).when(cmd('ProposeMeeting', pollData({ proposedWindows: [{ start: W1.start, end: '2030-03-02T09:59:00.000Z' }] }), ORG)).thenThrows('window-shorter-than-duration', 'invalid');
    given([]).when(cmd('ProposeMeeting', pollData({ proposedWindows: [] }), ORG)).thenThrows('invalid-windows', 'invalid');
    given([]).when(cmd('ProposeMeeting', pollData({ proposedWindows: Array.from({ length: 51 }, () => W1) }), ORG)).thenThrows('invalid-windows');
    given([]).when(cmd('ProposeMeeting', pollData({ start: W1.start }), ORG)).thenThrows('poll-or-fixed-time', 'invalid');
    given([]).when(cmd('ProposeMeeting', pollData({ durationMinutes: 4 }), ORG)).thenThrows('invalid-duration');
  });

  it('the organizer is never a participant, and a person appears once', () => {
    given([]).when(cmd('ProposeMeeting', pollData({ participants: [{ userId: ORG, required: true, viaGroupId: null }] }), ORG)).thenThrows('organizer-not-participant');
    given([])
      .when(cmd('ProposeMeeting', pollData({ participants: [{ userId: ANN, required: true, viaGroupId: null }, { userId: ANN, required: false, viaGroupId: 'g-1' }] }), ORG))
      .thenThrows('duplicate-participant');
  });

  it('rejects a deadline in the past, a deadline on a fixed-time meeting, and a second proposal', () => {
    given([]).when(cmd('ProposeMeeting', pollData({ deadline: NOW }), ORG)).thenThrows('deadline-in-past');
    const { proposedWindows: _, ...rest } = pollData();
    given([]).when(cmd('ProposeMeeting', { ...rest, start: W1.start }, ORG)).thenThrows('not-a-poll');
    given([proposed]).when(cmd('ProposeMeeting', pollData(), ORG)).thenThrows('meeting-exists', 'conflict');
  });
});

describe('participants', () => {
  it('inviting adds only newcomers; only the organizer invites', () => {
    given([proposed])
      .when(cmd('InviteParticipants', { participants: [{ userId: ANN, required: false, viaGroupId: null }, { userId: 'cy', required: false, viaGroupId: null }] }, ORG))
      .then([ev('ParticipantInvited', { userId: 'cy', required: false, viaGroupId: null })]);
    given([proposed]).when(cmd('InviteParticipants', { participants: [{ userId: 'cy', required: false, viaGroupId: null }] }, ANN)).thenThrows('not-organizer', 'forbidden');
    given([proposed]).when(cmd('InviteParticipants', { participants: [{ userId: ORG, required: false, viaGroupId: null }] }, ORG)).thenThrows('organizer-not-participant');
  });

  it('the organizer removes anyone, a participant only themself; removing takes their submission along', () => {
    given([proposed]).when(cmd('RemoveParticipant', { userId: BOB }, ORG)).then([ev('ParticipantRemoved', { userId: BOB })]);
    given([proposed]).when(cmd('RemoveParticipant', { userId: BOB }, BOB)).then([ev('ParticipantRemoved', { userId: BOB })]);
    given([proposed]).when(cmd('RemoveParticipant', { userId: BOB }, ANN)).thenThrows('not-organizer', 'forbidden');
    given([proposed]).when(cmd('RemoveParticipant', { userId: 'cy' }, ORG)).thenThrows('participant-not-found', 'not-found');
    const state = given([proposed, ev('AvailabilitySubmitted', { participantId: BOB, slots: [yes(W1.start, W1.end)] })]).when(cmd('RemoveParticipant', { userId: BOB }, BOB)).thenState();
    expect(meetingRoleOf(state, BOB)).toBeUndefined();
    expect(meetingRoleOf(state, ORG)).toBe('organizer');
  });
});

describe('SubmitAvailability', () => {
  const submit = (slots: AvailabilitySlot[], actor = ANN, now = NOW) => cmd('SubmitAvailability', { slots }, actor, now);

  it('records the slots sorted; a later submission replaces it, [] withdraws', () => {
    given([proposed])
      .when(submit([maybe(W2.start, W2.end), yes(W1.start, '2030-03-02T11:00:00.000Z')]))
      .then([ev('AvailabilitySubmitted', { participantId: ANN, slots: [yes(W1.start, '2030-03-02T11:00:00.000Z'), maybe(W2.start, W2.end)] })]);
    const state = given([proposed, ev('AvailabilitySubmitted', { participantId: ANN, slots: [yes(W1.start, W1.end)] })]).when(submit([])).thenState();
    expect(state.status !== 'none' && state.participants.get(ANN)).toMatchObject({ slots: [], submitted: false });
  });

  it('slots outside the proposed windows → outside-proposed-windows; a slot that ends before it starts → invalid-slot', () => {
    given([proposed]).when(submit([yes('2030-03-02T08:30:00.000Z', '2030-03-02T10:00:00.000Z')])).thenThrows('outside-proposed-windows', 'invalid');
    given([proposed]).when(submit([yes(W1.start, W2.end)])).thenThrows('outside-proposed-windows');
    given([proposed]).when(submit([yes(W1.end, W1.start)])).thenThrows('invalid-slot');
  });

  it('at or after the deadline → deadline-passed; only participants; only while polling', () => {
    given([proposed]).when(submit([yes(W1.start, W1.end)], ANN, DEADLINE)).thenThrows('deadline-passed', 'conflict');
    given([proposed]).when(submit([yes(W1.start, W1.end)], ORG)).thenThrows('not-a-participant', 'forbidden');
    given([proposed, scheduledAt9]).when(submit([yes(W1.start, W1.end)])).thenThrows('meeting-not-polling', 'conflict');
    given([proposed, ev('MeetingCancelled', { reason: null })]).when(submit([yes(W1.start, W1.end)])).thenThrows('meeting-cancelled', 'conflict');
  });
});

describe('scheduling and answers', () => {
  const submissions = [
    ev('AvailabilitySubmitted', { participantId: ANN, slots: [yes(W1.start, W1.end)] }),
    ev('AvailabilitySubmitted', { participantId: BOB, slots: [maybe(W1.start, '2030-03-02T10:00:00.000Z'), yes('2030-03-02T10:00:00.000Z', W1.end)] }),
  ];

  it('pre-fills answers from the submissions covering the whole meeting: yes → accepted, if-need-be → tentative', () => {
    given([proposed, ...submissions])
      .when(cmd('ScheduleMeeting', { start: W1.start, by: 'organizer' }, ORG))
      .then([ev('MeetingScheduled', { start: W1.start, end: '2030-03-02T10:00:00.000Z', by: 'organizer', answers: { [ANN]: 'accepted', [BOB]: 'tentative' } })]);
    // 09:30–10:30: no single slot of Bob's covers it → pending
    given([proposed, ...submissions])
      .when(cmd('ScheduleMeeting', { start: '2030-03-02T09:30:00.000Z', by: 'organizer' }, ORG))
      .then([ev('MeetingScheduled', { start: '2030-03-02T09:30:00.000Z', end: '2030-03-02T10:30:00.000Z', by: 'organizer', answers: { [ANN]: 'accepted' } })]);
  });

  it('the time must leave the duration inside one window; only the organizer (or the deadline job) schedules; once', () => {
    given([proposed]).when(cmd('ScheduleMeeting', { start: '2030-03-02T11:30:00.000Z', by: 'organizer' }, ORG)).thenThrows('outside-proposed-windows', 'invalid');
    given([proposed]).when(cmd('ScheduleMeeting', { start: W1.start, by: 'organizer' }, ANN)).thenThrows('not-organizer', 'forbidden');
    given([proposed])
      .when({ type: 'ScheduleMeeting', data: { start: W2.start, by: 'deadline' }, meta: { actorId: 'system', actorIsAdmin: true, now: DEADLINE } })
      .then([ev('MeetingScheduled', { start: W2.start, end: '2030-03-03T14:00:00.000Z', by: 'deadline', answers: {} })]);
    given([proposed, scheduledAt9]).when(cmd('ScheduleMeeting', { start: W2.start, by: 'organizer' }, ORG)).thenThrows('meeting-not-polling', 'conflict');
  });

  it('RSVP: participants, once scheduled; the same answer again changes nothing', () => {
    given([proposed]).when(cmd('AnswerInvitation', { response: 'accepted' }, ANN)).thenThrows('meeting-not-scheduled', 'conflict');
    given([proposed, scheduledAt9]).when(cmd('AnswerInvitation', { response: 'declined' }, ANN)).then([ev('InvitationAnswered', { participantId: ANN, response: 'declined' })]);
    given([proposed, scheduledAt9, ev('InvitationAnswered', { participantId: ANN, response: 'declined' })]).when(cmd('AnswerInvitation', { response: 'declined' }, ANN)).then([]);
    given([proposed, scheduledAt9]).when(cmd('AnswerInvitation', { response: 'accepted' }, ORG)).thenThrows('not-a-participant', 'forbidden');
  });

  it('rescheduling resets every answer to pending and stays inside a window', () => {
    const state = given([proposed, ...submissions, ev('MeetingScheduled', { start: W1.start, end: '2030-03-02T10:00:00.000Z', by: 'organizer', answers: { [ANN]: 'accepted' } })])
      .when(cmd('RescheduleMeeting', { start: W2.start }, ORG))
      .thenState();
    expect(state.status === 'scheduled' && [...state.participants.values()].map((p) => p.response)).toEqual(['pending', 'pending']);
    expect(state.status === 'scheduled' && state.scheduled).toEqual({ start: W2.start, end: '2030-03-03T14:00:00.000Z', by: 'organizer' });
    given([proposed, scheduledAt9]).when(cmd('RescheduleMeeting', { start: '2030-03-03T14:30:00.000Z' }, ORG)).thenThrows('outside-proposed-windows');
    given([proposed]).when(cmd('RescheduleMeeting', { start: W2.start }, ORG)).thenThrows('meeting-not-scheduled');
    given([proposed, scheduledAt9]).when(cmd('RescheduleMeeting', { start: scheduledAt9.data.start }, ORG)).then([]);
  });

  it('a cancelled meeting accepts nothing, not even a second cancel', () => {
    const cancelled = ev('MeetingCancelled', { reason: 'no room' });
    given([proposed]).when(cmd('CancelMeeting', { reason: 'no room' }, ORG)).then([cancelled]);
    given([proposed, cancelled]).when(cmd('CancelMeeting', { reason: null }, ORG)).thenThrows('meeting-cancelled', 'conflict');
    given([proposed, cancelled]).when(cmd('InviteParticipants', { participants: [] }, ORG)).thenThrows('meeting-cancelled');
    given([proposed]).when(cmd('CancelMeeting', { reason: null }, ANN)).thenThrows('not-organizer');
    given([]).when(cmd('CancelMeeting', { reason: null }, ORG)).thenThrows('meeting-not-found', 'not-found');
  });
});
