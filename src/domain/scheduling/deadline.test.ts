import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../../test/support/deciderSpec.js';
import { reminderDueAt } from './deadline.js';
import type { MeetingEvent, MeetingProposed } from './events.js';
import { meetingDecider, type MeetingCommand } from './meeting.js';

const given = deciderSpec(meetingDecider);
const MEETING = 'm-1';
const DEADLINE = '2030-03-05T12:00:00.000Z';
const DAY_BEFORE = '2030-03-04T12:00:00.000Z';
const SYSTEM = { actorId: 'system', actorIsAdmin: true };
const cmd = (type: 'RemindBeforeDeadline' | 'ClosePoll', now: string, data: object = {}, meta: object = SYSTEM) => ({ type, data, meta: { ...meta, now } }) as MeetingCommand;
const ev = <E extends MeetingEvent>(type: E['type'], data: Omit<E['data'], 'meetingId'>) => ({ type, data: { meetingId: MEETING, ...data } }) as E;

const proposed = ev<MeetingProposed>('MeetingProposed', {
  title: 'Q1 Planning',
  description: '',
  location: '',
  organizerId: 'org',
  durationMinutes: 60,
  timezone: 'UTC',
  proposedWindows: [{ start: '2030-03-06T09:00:00.000Z', end: '2030-03-06T12:00:00.000Z' }],
  participants: ['ann', 'bob', 'cy'].map((userId) => ({ userId, required: true, viaGroupId: null })),
  groupIds: [],
  deadline: DEADLINE,
  autoSchedule: true,
  resultsVisibility: 'participants',
});
const SLOTS = [{ start: '2030-03-06T09:00:00.000Z', end: '2030-03-06T10:00:00.000Z', preference: 'yes' as const }];
const annSubmitted = ev('AvailabilitySubmitted', { participantId: 'ann', slots: SLOTS });
const bobWithdrew = [
  ev('AvailabilitySubmitted', { participantId: 'bob', slots: [{ start: '2030-03-06T09:00:00.000Z', end: '2030-03-06T10:00:00.000Z', preference: 'yes' }] }),
  ev('AvailabilitySubmitted', { participantId: 'bob', slots: [] }),
];
const reminded = ev('MeetingDeadlineReminderSent', { participantIds: ['bob', 'cy'], deadline: DEADLINE });

describe('RemindBeforeDeadline', () => {
  it('from 24 h before the deadline: the participants without a current submission (a withdrawn one counts as none)', () => {
    given([proposed, annSubmitted, ...bobWithdrew]).when(cmd('RemindBeforeDeadline', DAY_BEFORE)).then([reminded]);
  });

  it('once: a second run, a run after the deadline or when everyone submitted decides nothing', () => {
    given([proposed, annSubmitted, reminded]).when(cmd('RemindBeforeDeadline', '2030-03-04T13:00:00.000Z')).then([]);
    given([proposed]).when(cmd('RemindBeforeDeadline', DEADLINE)).then([]);
    const everyone = ['ann', 'bob', 'cy'].map((participantId) => ev('AvailabilitySubmitted', { participantId, slots: SLOTS }));
    given([proposed, ...everyone]).when(cmd('RemindBeforeDeadline', DAY_BEFORE)).then([]);
  });

  it('early → 409 reminder-not-due (the job re-arms); only the system or the organizer may send it', () => {
    given([proposed]).when(cmd('RemindBeforeDeadline', '2030-03-04T11:59:59.999Z')).thenThrows('reminder-not-due', 'conflict');
    given([proposed]).when(cmd('RemindBeforeDeadline', DAY_BEFORE, {}, { actorId: 'ann' })).thenThrows('not-organizer', 'forbidden');
  });
});

describe('ClosePoll', () => {
  it('at the deadline: records why it closed unscheduled, once', () => {
    const closed = ev('MeetingPollClosed', { deadline: DEADLINE, reason: 'no-available-time' });
    given([proposed]).when(cmd('ClosePoll', DEADLINE, { reason: 'no-available-time' })).then([closed]);
    given([proposed, closed]).when(cmd('ClosePoll', DEADLINE, { reason: 'no-available-time' })).then([]);
  });

  it('nothing once scheduled; before the deadline → 409 deadline-not-reached', () => {
    const scheduled = ev('MeetingScheduled', { start: '2030-03-06T09:00:00.000Z', end: '2030-03-06T10:00:00.000Z', by: 'deadline', answers: {} });
    given([proposed, scheduled]).when(cmd('ClosePoll', DEADLINE, { reason: 'no-available-time' })).then([]);
    given([proposed]).when(cmd('ClosePoll', '2030-03-05T11:59:00.000Z', { reason: 'not-auto-scheduled' })).thenThrows('deadline-not-reached', 'conflict');
  });

  it('neither mark changes the status: the organizer may still schedule by hand', () => {
    const state = given([proposed, reminded, ev('MeetingPollClosed', { deadline: DEADLINE, reason: 'not-auto-scheduled' })]).state;
    expect(state).toMatchObject({ status: 'polling', deadlineReminded: true, pollClosed: true });
  });
});

describe('reminderDueAt', () => {
  it('24 h before the deadline, unless the poll was proposed after that', () => {
    expect(reminderDueAt(DEADLINE, '2030-03-01T00:00:00.000Z')).toBe(DAY_BEFORE);
    expect(reminderDueAt(DEADLINE, DAY_BEFORE)).toBeNull();
    expect(reminderDueAt(null, '2030-03-01T00:00:00.000Z')).toBeNull();
  });
});
