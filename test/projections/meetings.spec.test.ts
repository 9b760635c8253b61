/**
 * The meetings read model (issue 12): given meeting events → rows of rm_meetings'
 * meetings, participants and submissions, on a real database.
 */
import { randomUUID } from 'node:crypto';
import { describe, it } from 'vitest';
import { meetingStreamName, type MeetingEvent, type MeetingProposed } from '../../src/domain/scheduling/events.js';
import { meetingsProjection } from '../../src/projections/scheduling/meetingsProjection.js';
import { expectRows, projectionSpecForFile, specRecordedAt as at, type SpecEvent } from '../support/projectionSpec.js';

const spec = projectionSpecForFile(meetingsProjection(), 'meetings_spec');

const window = { start: '2030-03-02T09:00:00.000Z', end: '2030-03-02T12:00:00.000Z' };

function meeting() {
  const meetingId = randomUUID();
  const stream = meetingStreamName(meetingId);
  const ev = <E extends MeetingEvent>(type: E['type'], data: Omit<E['data'], 'meetingId'>): SpecEvent => ({ type, data: { meetingId, ...data }, stream });
  const proposed = (extra: Partial<MeetingProposed['data']> = {}) =>
    ev<MeetingProposed>('MeetingProposed', {
      title: 'Q1 Planning',
      description: '',
      location: '',
      organizerId: 'org',
      durationMinutes: 60,
      timezone: 'Europe/Berlin',
      proposedWindows: [window],
      participants: [
        { userId: 'ann', required: true, viaGroupId: null },
        { userId: 'bob', required: false, viaGroupId: 'g1' },
      ],
      groupIds: ['g1'],
      deadline: '2030-03-01T00:00:00.000Z',
      autoSchedule: false,
      resultsVisibility: 'participants',
      ...extra,
    });
  return { meetingId, ev, proposed };
}

const slot = { start: '2030-03-02T09:00:00.000Z', end: '2030-03-02T11:00:00.000Z', preference: 'yes' as const };
const participantColumns = ['meeting_id', 'user_id', 'required', 'via_group_id', 'submitted', 'response'];

describe('meetings projection', () => {
  it('a proposal: the meeting row and one row per participant, nobody submitted, everyone pending', () => {
    const { meetingId, proposed } = meeting();
    return spec.given().when(proposed()).then(
      expectRows('meetings', {
        columns: ['id', 'status', 'organizer_id', 'duration_minutes', 'proposed_windows', 'group_ids', 'deadline', 'revision', 'position', 'created_at'],
        rows: [{ id: meetingId, status: 'polling', organizer_id: 'org', duration_minutes: 60, proposed_windows: [window], group_ids: ['g1'], deadline: '2030-03-01T00:00:00.000Z', revision: 0, position: 0, created_at: at(0) }],
      }),
      expectRows('participants', {
        columns: participantColumns,
        rows: [
          { meeting_id: meetingId, user_id: 'ann', required: true, via_group_id: null, submitted: false, response: 'pending' },
          { meeting_id: meetingId, user_id: 'bob', required: false, via_group_id: 'g1', submitted: false, response: 'pending' },
        ],
      }),
    );
  });

  it('a submission replaces the previous one; [] withdraws it; a removed participant takes theirs along', () => {
    const { meetingId, ev, proposed } = meeting();
    const later = { ...slot, start: '2030-03-02T10:00:00.000Z', preference: 'if-need-be' as const };
    return spec
      .given(proposed(), ev('AvailabilitySubmitted', { participantId: 'ann', slots: [slot] }), ev('AvailabilitySubmitted', { participantId: 'bob', slots: [slot] }))
      .when(
        ev('AvailabilitySubmitted', { participantId: 'ann', slots: [later] }),
        ev('AvailabilitySubmitted', { participantId: 'bob', slots: [] }),
        ev('ParticipantInvited', { userId: 'cy', required: false, viaGroupId: null }),
        ev('AvailabilitySubmitted', { participantId: 'cy', slots: [slot] }),
        ev('ParticipantRemoved', { userId: 'cy' }),
      )
      .then(
        expectRows('submissions', { columns: ['meeting_id', 'participant_id', 'slots', 'revision'], rows: [{ meeting_id: meetingId, participant_id: 'ann', slots: [later], revision: 3 }] }),
        expectRows('participants', {
          columns: ['user_id', 'submitted'],
          rows: [
            { user_id: 'ann', submitted: true },
            { user_id: 'bob', submitted: false },
          ],
        }),
        expectRows('meetings', { columns: ['id', 'revision', 'position', 'updated_at'], rows: [{ id: meetingId, revision: 7, position: 7, updated_at: at(7) }] }),
      );
  });

  it('scheduling pre-fills the answers (others pending) and an RSVP changes one', () => {
    const { meetingId, ev, proposed } = meeting();
    return spec
      .given(proposed(), ev('MeetingScheduled', { start: '2030-03-02T09:00:00.000Z', end: '2030-03-02T10:00:00.000Z', by: 'organizer', answers: { bob: 'tentative' } }))
      .when(ev('InvitationAnswered', { participantId: 'bob', response: 'declined' }))
      .then(
        expectRows('participants', {
          columns: ['user_id', 'response'],
          rows: [
            { user_id: 'ann', response: 'pending' },
            { user_id: 'bob', response: 'declined' },
          ],
        }),
        expectRows('meetings', {
          columns: ['id', 'status', 'scheduled_start', 'scheduled_end', 'scheduled_by'],
          rows: [{ id: meetingId, status: 'scheduled', scheduled_start: '2030-03-02T09:00:00.000Z', scheduled_end: '2030-03-02T10:00:00.000Z', scheduled_by: 'organizer' }],
        }),
      );
  });

  it('rescheduling resets every answer to pending; cancelling keeps the last time and the reason', () => {
    const { meetingId, ev, proposed } = meeting();
    return spec
      .given(proposed(), ev('MeetingScheduled', { start: '2030-03-02T09:00:00.000Z', end: '2030-03-02T10:00:00.000Z', by: 'organizer', answers: { ann: 'accepted', bob: 'tentative' } }))
      .when(ev('MeetingRescheduled', { start: '2030-03-02T10:00:00.000Z', end: '2030-03-02T11:00:00.000Z' }), ev('MeetingCancelled', { reason: 'no room' }))
      .then(
        expectRows('participants', {
          columns: ['user_id', 'response'],
          rows: [
            { user_id: 'ann', response: 'pending' },
            { user_id: 'bob', response: 'pending' },
          ],
        }),
        expectRows('meetings', {
          columns: ['id', 'status', 'scheduled_start', 'cancel_reason', 'revision'],
          rows: [{ id: meetingId, status: 'cancelled', scheduled_start: '2030-03-02T10:00:00.000Z', cancel_reason: 'no room', revision: 3 }],
        }),
      );
  });
});
