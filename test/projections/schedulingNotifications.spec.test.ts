/**
 * The notifications projection's scheduling source, kind by kind: given identity and
 * meeting events → rows of rm_notifications and `user:<id>` updates, on a real database.
 * Names and participants come from the source's own tables, never another read model.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { meetingStreamName, type MeetingEvent } from '../../src/domain/scheduling/events.js';
import { notificationsProjection } from '../../src/projections/notifications/notificationsProjection.js';
import { expectRows, projectionSpecForFile, type SpecEvent } from '../support/projectionSpec.js';

const spec = projectionSpecForFile(notificationsProjection(), 'sched_notifications_spec');

const meetingId = randomUUID();
const [organizer, alice, bob] = [randomUUID(), randomUUID(), randomUUID()];
const stream = meetingStreamName(meetingId);
const ev = <E extends MeetingEvent>(type: E['type'], data: Omit<E['data'], 'meetingId'>): SpecEvent => ({ type, data: { meetingId, ...data }, stream });
const registered = (userId: string, name: string): SpecEvent => ({
  type: 'UserRegistered',
  data: { userId, email: `${name}@example.com`, name, timezone: 'UTC', passwordHash: 'x', registeredAt: '2030-01-01T00:00:00.000Z' },
  stream: `user-${userId}`,
});
const DEADLINE = '2030-01-20T12:00:00.000Z';
const proposed = () =>
  ev('MeetingProposed', {
    title: 'Q1 Planning',
    description: '',
    location: '',
    organizerId: organizer,
    durationMinutes: 60,
    timezone: 'Europe/Berlin',
    proposedWindows: [{ start: '2030-01-21T09:00:00.000Z', end: '2030-01-21T12:00:00.000Z' }],
    participants: [
      { userId: alice, required: true, viaGroupId: null },
      { userId: bob, required: false, viaGroupId: null },
    ],
    groupIds: [],
    deadline: DEADLINE,
    autoSchedule: true,
    resultsVisibility: 'participants',
  });
const about = { meetingId, title: 'Q1 Planning', organizerId: organizer, organizerName: 'Olga', durationMinutes: 60, deadline: DEADLINE };
const columns = ['user_id', 'source', 'subject_id', 'kind', 'data'];
const row = (userId: string, kind: string, data: unknown) => ({ user_id: userId, source: 'scheduling', subject_id: meetingId, kind, data });
// identity's source reads UserRegistered too (issue 13): the organizer is welcomed
const welcomed = (userId: string, name: string) => ({ user_id: userId, source: 'identity', subject_id: userId, kind: 'welcome', data: { name } });

describe('notifications projection (scheduling source)', () => {
  it('meeting-invited: every participant of the proposal, with the organizer’s name; later invitations too', () =>
    spec
      .given(registered(organizer, 'Olga'))
      .when(proposed(), ev('ParticipantInvited', { userId: 'carol', required: false, viaGroupId: null }))
      .then(
        expectRows('notifications', {
          columns,
          rows: [
            welcomed(organizer, 'Olga'),
            row(alice, 'meeting-invited', { ...about, start: null, end: null, required: true }),
            row(bob, 'meeting-invited', { ...about, start: null, end: null, required: false }),
            row('carol', 'meeting-invited', { ...about, start: null, end: null, required: false }),
          ],
        }),
        ({ published }) => {
          expect(published.map((p) => p.channel)).toEqual([`user:${alice}`, `user:${bob}`, 'user:carol']);
          expect(published[0]!.payload).toMatchObject({ type: 'notification', notification: { kind: 'meeting-invited', source: 'scheduling', meetingId } });
        },
      ));

  it('meeting-scheduled by the deadline: participants with their pre-filled answer, and the organizer; removed participants are not told', () =>
    spec
      .given(registered(organizer, 'Olga'), proposed(), ev('ParticipantRemoved', { userId: bob }))
      .when(ev('MeetingScheduled', { start: '2030-01-21T10:00:00.000Z', end: '2030-01-21T11:00:00.000Z', by: 'deadline', answers: { [alice]: 'accepted' } }))
      .then(
        expectRows('notifications', {
          columns,
          rows: [
            welcomed(organizer, 'Olga'),
            row(alice, 'meeting-invited', { ...about, start: null, end: null, required: true }),
            row(bob, 'meeting-invited', { ...about, start: null, end: null, required: false }),
            row(alice, 'meeting-scheduled', { ...about, start: '2030-01-21T10:00:00.000Z', end: '2030-01-21T11:00:00.000Z', by: 'deadline', response: 'accepted' }),
            row(organizer, 'meeting-scheduled', { ...about, start: '2030-01-21T10:00:00.000Z', end: '2030-01-21T11:00:00.000Z', by: 'deadline', response: null }),
          ],
        }),
      ));

  it('meeting-rescheduled and meeting-cancelled: every participant, with the previous time and the reason', () =>
    spec
      .given(proposed(), ev('MeetingScheduled', { start: '2030-01-21T10:00:00.000Z', end: '2030-01-21T11:00:00.000Z', by: 'organizer', answers: {} }))
      .when(ev('MeetingRescheduled', { start: '2030-01-21T11:00:00.000Z', end: '2030-01-21T12:00:00.000Z' }), ev('MeetingCancelled', { reason: 'snow' }))
      .then(({ db, schema }) =>
        db(`${schema}.notifications`)
          .whereIn('kind', ['meeting-rescheduled', 'meeting-cancelled'])
          .orderBy(['position', 'user_id'])
          .then((rows) => {
            const users = [alice, bob].sort();
            expect(rows.map((r) => [r.kind, r.user_id])).toEqual([...users.map((u) => ['meeting-rescheduled', u]), ...users.map((u) => ['meeting-cancelled', u])]);
            expect(rows[0].data).toMatchObject({ organizerName: null, start: '2030-01-21T11:00:00.000Z', previousStart: '2030-01-21T10:00:00.000Z' });
            expect(rows[2].data).toMatchObject({ reason: 'snow', start: '2030-01-21T11:00:00.000Z' });
          }),
      ));

  it('meeting-deadline-reminder to the named participants; meeting-deadline-passed to the organizer', () =>
    spec
      .given(proposed())
      .when(ev('MeetingDeadlineReminderSent', { participantIds: [bob], deadline: DEADLINE }), ev('MeetingPollClosed', { deadline: DEADLINE, reason: 'no-available-time' }))
      .then(({ db, schema }) =>
        db(`${schema}.notifications`)
          .whereIn('kind', ['meeting-deadline-reminder', 'meeting-deadline-passed'])
          .orderBy('position')
          .then((rows) => {
            expect(rows.map((r) => [r.kind, r.user_id])).toEqual([
              ['meeting-deadline-reminder', bob],
              ['meeting-deadline-passed', organizer],
            ]);
            expect(rows[1].data).toMatchObject({ meetingId, reason: 'no-available-time', deadline: DEADLINE });
          }),
      ));
});
