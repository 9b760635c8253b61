import { describe, expect, it } from 'vitest';
import type { MeetingEvent } from '../domain/scheduling/events.js';
import { meetingDecider, type MeetingCommand, type MeetingState } from '../domain/scheduling/meeting.js';
import { MeetingChecker } from './meetingStreams.js';

const W = { start: '2030-03-02T09:00:00.000Z', end: '2030-03-02T12:00:00.000Z' };
const NOW = '2030-03-01T08:00:00.000Z';
const DEADLINE = '2030-03-01T18:00:00.000Z';

/** Runs commands through the decider, keeping the history it writes. */
function history(commands: Array<Omit<MeetingCommand, 'meta'> & { actor: string; now?: string }>): MeetingEvent[] {
  let state: MeetingState = meetingDecider.initialState();
  const events: MeetingEvent[] = [];
  for (const { actor, now, ...command } of commands) {
    const decided = meetingDecider.decide({ ...command, meta: { actorId: actor, now: now ?? NOW } } as MeetingCommand, state);
    state = decided.reduce(meetingDecider.evolve, state);
    events.push(...decided);
  }
  return events;
}

function check(events: Array<{ type: string; data: unknown }>, recordedAt?: Date): string[] {
  const checker = new MeetingChecker();
  return [...events.flatMap((event, i) => checker.check({ ...event, revision: BigInt(i), ...(recordedAt ? { recordedAt } : {}) }).map((p) => `#${i} ${p}`)), ...checker.finish()];
}

const proposal = {
  type: 'ProposeMeeting' as const,
  actor: 'org',
  data: {
    meetingId: 'm',
    title: 'Sync',
    description: '',
    location: '',
    durationMinutes: 60,
    timezone: 'UTC',
    proposedWindows: [W],
    participants: [
      { userId: 'ann', required: true, viaGroupId: null },
      { userId: 'bob', required: false, viaGroupId: null },
    ],
    groupIds: [],
    deadline: DEADLINE,
    autoSchedule: false,
    resultsVisibility: 'participants' as const,
  },
};

describe('MeetingChecker (docs/scheduling.md §5)', () => {
  it('finds nothing in a history the decider wrote', () => {
    const events = history([
      proposal,
      { type: 'SubmitAvailability', actor: 'ann', data: { slots: [{ ...W, preference: 'yes' }] } },
      { type: 'InviteParticipants', actor: 'org', data: { participants: [{ userId: 'cy', required: false, viaGroupId: null }] } },
      { type: 'RemoveParticipant', actor: 'bob', data: { userId: 'bob' } },
      { type: 'ScheduleMeeting', actor: 'org', data: { start: W.start, by: 'organizer' }, now: '2030-03-02T00:00:00.000Z' },
      { type: 'AnswerInvitation', actor: 'cy', data: { response: 'declined' } },
      { type: 'RescheduleMeeting', actor: 'org', data: { start: '2030-03-02T11:00:00.000Z' } },
      { type: 'CancelMeeting', actor: 'org', data: { reason: null } },
    ]);
    expect(events).toHaveLength(8);
    expect(check(events, new Date('2030-03-03T00:00:00Z'))).toEqual([]);
  });

  it('reports every broken rule at its revision', () => {
    const [proposed] = history([proposal]) as [MeetingEvent];
    const ev = (type: string, data: object) => ({ type, data: { meetingId: 'm', ...data } });
    const problems = check([
      ev('AvailabilitySubmitted', { participantId: 'ann', slots: [] }),
      { ...proposed, data: { ...proposed.data, participants: [...(proposed.data as { participants: object[] }).participants, { userId: 'org', required: true, viaGroupId: null }, { userId: 'ann', required: false, viaGroupId: null }] } },
      ev('ParticipantInvited', { userId: 'ann', required: false, viaGroupId: null }),
      ev('AvailabilitySubmitted', { participantId: 'zed', slots: [{ start: W.start, end: '2030-03-02T13:00:00.000Z', preference: 'yes' }], submittedAt: DEADLINE }),
      ev('InvitationAnswered', { participantId: 'ann', response: 'accepted' }),
      ev('MeetingScheduled', { start: '2030-03-02T11:30:00.000Z', end: '2030-03-02T12:00:00.000Z', by: 'organizer', answers: {} }),
      ev('MeetingCancelled', { reason: null }),
      ev('ParticipantRemoved', { userId: 'ann' }),
    ]);
    expect(problems).toEqual([
      '#0 AvailabilitySubmitted before MeetingProposed',
      '#1 participant ann appears more than once',
      '#1 the organizer org is also a participant',
      '#2 participant ann is invited a second time',
      '#3 a submission by zed, who is not a participant',
      `#3 a submission at ${DEADLINE}, after the deadline ${DEADLINE}`,
      '#3 the slot 2030-03-02T09:00:00.000Z–2030-03-02T13:00:00.000Z is not inside one proposed window',
      '#4 an RSVP while the meeting is polling',
      '#5 the scheduled time 2030-03-02T11:30:00.000Z–2030-03-02T12:00:00.000Z lasts 30 min, not durationMinutes 60',
      '#7 ParticipantRemoved after the meeting was cancelled (a cancelled meeting accepts nothing)',
    ]);
  });
});
