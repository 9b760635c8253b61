/**
 * Meetings over real HTTP (issue 12): a poll from proposal to cancellation with its history
 * and time travel, fixed-time meetings with each invitee's availability check, access,
 * optimistic concurrency between two organizer tabs, and the bad input the issue lists.
 * People come from real registrations (the people projection), groups and weekly hours
 * from their own streams (appended as their deciders would, so their projections fill
 * the read models the meeting commands check against).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availabilityStreamName, groupStreamName } from '../../src/domain/scheduling/events.js';
import { busyTimeOf } from '../../src/projections/scheduling/busyTime.js';
import { membersOfGroups } from '../../src/projections/scheduling/groupMembers.js';
import { loadPeople } from '../../src/projections/scheduling/people.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';
import { eventually } from '../support/processes.js';

type Client = ReturnType<typeof client>;
interface Person {
  id: string;
  http: Client;
}

let app: TestApp;
/** The server's clock runs `shift` ms ahead of the real one (deadlines). */
let shift = 0;
const people: Record<'org' | 'ann' | 'bob' | 'cy' | 'dan', Person> = {} as never;
let outsider: Client;
const groupId = randomUUID();

async function register(name: string): Promise<Person> {
  const res = await client(app.url).post('/v1/auth/register', { email: `${name}-${randomUUID()}@example.com`, password: 'a long password', name, timezone: 'Europe/Berlin' });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.user.id, http: client(app.url, res.body.accessToken) };
}

beforeAll(async () => {
  app = await startTestApp({ clock: () => new Date(Date.now() + shift) });
  for (const name of ['org', 'ann', 'bob', 'cy', 'dan'] as const) people[name] = await register(name);
  outsider = client(app.url, await app.tokenFor(randomUUID()));
  const { store } = app.tessera;
  const at = new Date().toISOString();
  // a group of org (owner), bob and dan
  await store.appendToStream(
    groupStreamName(groupId),
    [
      { id: randomUUID(), type: 'GroupCreated', data: { groupId, name: 'Planners', description: '', color: null, ownerId: people.org.id, createdAt: at } },
      { id: randomUUID(), type: 'GroupMemberAdded', data: { groupId, userId: people.bob.id, role: 'member', by: people.org.id, joinedAt: at } },
      { id: randomUUID(), type: 'GroupMemberAdded', data: { groupId, userId: people.dan.id, role: 'member', by: people.org.id, joinedAt: at } },
    ],
    { expectedRevision: 'no_stream' },
  );
  // cy works 09:00–17:00 Berlin time on weekdays
  const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => ({ day, start: '09:00', end: '17:00' }));
  await store.appendToStream(
    availabilityStreamName(people.cy.id),
    [{ id: randomUUID(), type: 'WeeklyAvailabilitySet', data: { userId: people.cy.id, timezone: 'Europe/Berlin', intervals: weekdays } }],
    { expectedRevision: 'no_stream' },
  );
  const { knex } = app.tessera;
  await eventually('people and group projected', async () => {
    const known = await loadPeople(knex, Object.values(people).map((p) => p.id));
    const members = await membersOfGroups(knex, [groupId]);
    return known.size === 5 && known.get(people.cy.id)?.hours !== null && (members.get(groupId)?.length ?? 0) === 3;
  });
});
afterAll(async () => {
  await app?.stop();
});

// Monday 4 Jan 2027: Berlin is UTC+1
const W1 = { start: '2027-01-04T09:00:00.000Z', end: '2027-01-04T12:00:00.000Z' };
const W2 = { start: '2027-01-05T13:00:00.000Z', end: '2027-01-05T15:00:00.000Z' };
const inMinutes = (minutes: number) => new Date(Date.now() + shift + minutes * 60_000).toISOString();

const poll = (extra: object = {}) => ({
  title: 'Q1 Planning',
  durationMinutes: 60,
  timezone: 'Europe/Berlin',
  proposedWindows: [W2, W1],
  participantIds: [people.ann.id],
  optionalParticipantIds: [people.cy.id],
  groupIds: [groupId],
  ...extra,
});

async function proposePoll(extra: object = {}): Promise<string> {
  const res = await people.org.http.post('/v1/meetings', poll(extra));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

describe('a poll over HTTP', () => {
  it('propose → submit → schedule (answers pre-filled) → RSVP → reschedule → cancel, with history and time travel', async () => {
    const proposed = await people.org.http.post('/v1/meetings', poll({ description: 'Goals', deadline: inMinutes(60) }));
    expect(proposed.status, JSON.stringify(proposed.body)).toBe(201);
    const id = proposed.body.id as string;
    expect(proposed.headers.get('location')).toBe(`/v1/meetings/${id}`);
    expect(proposed.headers.get('etag')).toBe('W/"0"');
    expect(proposed.body).toMatchObject({
      status: 'polling',
      organizerId: people.org.id,
      proposedWindows: [W1, W2],
      groupIds: [groupId],
      scheduled: null,
      revision: '0',
      position: proposed.headers.get('x-position'),
    });
    expect(proposed.body.availabilityCheck).toBeUndefined();
    // named first (required, then optional), then the group's members without the organizer
    expect(proposed.body.participants).toEqual([
      { userId: people.ann.id, name: 'ann', required: true, viaGroupId: null, submitted: false, response: 'pending' },
      { userId: people.cy.id, name: 'cy', required: false, viaGroupId: null, submitted: false, response: 'pending' },
      { userId: people.bob.id, name: 'bob', required: true, viaGroupId: groupId, submitted: false, response: 'pending' },
      { userId: people.dan.id, name: 'dan', required: true, viaGroupId: groupId, submitted: false, response: 'pending' },
    ]);

    expect((await outsider.get(`/v1/meetings/${id}`)).status).toBe(404);
    expect((await people.ann.http.get(`/v1/meetings/${id}`)).status).toBe(200);

    const annSlots = [{ start: W1.start, end: '2027-01-04T11:00:00+01:00' }];
    const first = await people.ann.http.post(`/v1/meetings/${id}/availability`, { slots: annSlots });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toEqual({ participantId: people.ann.id, slots: [{ start: W1.start, end: '2027-01-04T10:00:00.000Z', preference: 'yes' }], position: first.headers.get('x-position') });
    // the second submission replaces the first
    const annFinal = [{ start: W1.start, end: W1.end, preference: 'yes' }];
    expect((await people.ann.http.post(`/v1/meetings/${id}/availability`, { slots: annFinal })).status).toBe(200);
    const bobSlots = [{ start: W1.start, end: '2027-01-04T10:00:00.000Z', preference: 'if-need-be' }];
    expect((await people.bob.http.post(`/v1/meetings/${id}/availability`, { slots: bobSlots })).status).toBe(200);
    expect((await people.org.http.post(`/v1/meetings/${id}/availability`, { slots: [] })).status).toBe(403);

    const availability = await people.dan.http.get(`/v1/meetings/${id}/availability`);
    expect(availability.body.items).toEqual([
      { participantId: people.ann.id, slots: annFinal },
      { participantId: people.cy.id, slots: [] },
      { participantId: people.bob.id, slots: bobSlots },
      { participantId: people.dan.id, slots: [] },
    ]);

    expect((await people.ann.http.post(`/v1/meetings/${id}/schedule`, { start: W1.start })).status).toBe(403);
    const scheduled = await people.org.http.post(`/v1/meetings/${id}/schedule`, { start: W1.start });
    expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(200);
    expect(scheduled.body.scheduled).toEqual({ start: W1.start, end: '2027-01-04T10:00:00.000Z' });
    expect(scheduled.body.participants.map((p: { response: string }) => p.response)).toEqual(['accepted', 'pending', 'tentative', 'pending']);

    const rsvp = await people.dan.http.post(`/v1/meetings/${id}/rsvp`, { response: 'declined' });
    expect(rsvp.body.participants[3]).toMatchObject({ userId: people.dan.id, response: 'declined' });
    const moved = await people.org.http.post(`/v1/meetings/${id}/reschedule`, { start: W2.start }, { 'If-Match': rsvp.headers.get('etag')! });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.participants.map((p: { response: string }) => p.response)).toEqual(['pending', 'pending', 'pending', 'pending']);

    // time travel: right after Ann's first submission
    const past = await people.ann.http.get(`/v1/meetings/${id}?asOfRevision=1`);
    expect(past.body).toMatchObject({ status: 'polling', revision: '1', scheduled: null });
    expect(past.headers.get('etag')).toBe('W/"1"');
    expect(past.body.participants.map((p: { submitted: boolean }) => p.submitted)).toEqual([true, false, false, false]);
    expect((await people.ann.http.get(`/v1/meetings/${id}?asOfRevision=99`)).body.code).toBe('revision-not-found');

    // every submission is in the history with its actor and slots
    const history = await people.bob.http.get(`/v1/meetings/${id}/history`);
    const submissions = history.body.items.filter((item: { type: string }) => item.type === 'AvailabilitySubmitted');
    expect(submissions.map((s: { actorId: string; data: { slots: unknown[] } }) => [s.actorId, s.data.slots.length])).toEqual([
      [people.ann.id, 1],
      [people.ann.id, 1],
      [people.bob.id, 1],
    ]);
    expect(history.body.items.map((i: { type: string }) => i.type)).toEqual([
      'MeetingProposed',
      'AvailabilitySubmitted',
      'AvailabilitySubmitted',
      'AvailabilitySubmitted',
      'MeetingScheduled',
      'InvitationAnswered',
      'MeetingRescheduled',
    ]);
    const page = await people.bob.http.get(`/v1/meetings/${id}/history?fromRevision=2&limit=2`);
    expect(page.body.items.map((i: { revision: string }) => i.revision)).toEqual(['2', '3']);
    expect(page.body.nextFromRevision).toBe('4');

    // leaving, then the cancelled meeting accepts nothing
    const left = await people.cy.http.delete(`/v1/meetings/${id}/participants/${people.cy.id}`);
    expect(left.status).toBe(200);
    expect((await people.cy.http.get(`/v1/meetings/${id}`)).status).toBe(404);
    const cancelled = await people.org.http.post(`/v1/meetings/${id}/cancel`, { reason: 'Budget frozen' });
    expect(cancelled.body.status).toBe('cancelled');
    const after = await people.ann.http.post(`/v1/meetings/${id}/rsvp`, { response: 'accepted' });
    expect([after.status, after.body.code]).toEqual([409, 'meeting-cancelled']);

    // my meetings, from the read model
    const mine = await people.org.http.get('/v1/me/meetings?role=organizer&status=cancelled', { 'X-Min-Position': cancelled.headers.get('x-position')! });
    expect(mine.body.items.map((m: { id: string }) => m.id)).toContain(id);
    expect(mine.body.items.find((m: { id: string }) => m.id === id).participants.map((p: { userId: string }) => p.userId)).toEqual([people.ann.id, people.bob.id, people.dan.id]);
    const asParticipant = await people.ann.http.get('/v1/me/meetings?role=participant', { 'X-Min-Position': cancelled.headers.get('x-position')! });
    expect(asParticipant.body.items.map((m: { id: string }) => m.id)).toContain(id);
    expect((await people.ann.http.get('/v1/me/meetings?role=organizer')).body.items).toEqual([]);
  });

  it('invites more people and groups later; the organizer removes someone; results can be hidden from participants', async () => {
    const id = await proposePoll({ participantIds: [people.ann.id], optionalParticipantIds: [], groupIds: [], resultsVisibility: 'organizer' });
    const invited = await people.org.http.post(`/v1/meetings/${id}/participants`, { optionalParticipantIds: [people.ann.id, people.cy.id], groupIds: [groupId] });
    expect(invited.status, JSON.stringify(invited.body)).toBe(200);
    expect(invited.body.participants.map((p: { userId: string; required: boolean }) => [p.userId, p.required])).toEqual([
      [people.ann.id, true],
      [people.cy.id, false],
      [people.bob.id, true],
      [people.dan.id, true],
    ]);
    const removed = await people.org.http.delete(`/v1/meetings/${id}/participants/${people.bob.id}`);
    expect(removed.body.participants).toHaveLength(3);
    expect((await people.dan.http.delete(`/v1/meetings/${id}/participants/${people.ann.id}`)).body.code).toBe('not-organizer');
    expect((await people.ann.http.get(`/v1/meetings/${id}/availability`)).body.code).toBe('results-hidden');
    expect((await people.org.http.get(`/v1/meetings/${id}/availability`)).status).toBe(200);
    // groups the caller does not belong to are refused, without telling whether they exist
    const foreign = await people.ann.http.post('/v1/meetings', poll({ participantIds: [], optionalParticipantIds: [], groupIds: [groupId, randomUUID()] }));
    expect([foreign.status, foreign.body.code]).toEqual([403, 'not-group-member']);
  });
});

describe('fixed-time meetings', () => {
  it('are scheduled at once and say for each invitee whether they are free, busy, outside their hours or unknown', async () => {
    // Ann organises something at 10:00 Berlin: that makes her busy then
    const annMeeting = await people.ann.http.post('/v1/meetings', { title: 'Ann 1:1', durationMinutes: 30, timezone: 'Europe/Berlin', start: '2027-01-04T10:00:00+01:00', participantIds: [people.bob.id] });
    expect(annMeeting.status, JSON.stringify(annMeeting.body)).toBe(201);
    expect(annMeeting.body).toMatchObject({ status: 'scheduled', proposedWindows: [], scheduled: { start: '2027-01-04T09:00:00.000Z', end: '2027-01-04T09:30:00.000Z' } });
    await eventually('Ann busy', async () => ((await busyTimeOf(app.tessera.knex, [people.ann.id], W1.start, W1.end)).get(people.ann.id) ?? []).length > 0);

    const fixed = await people.org.http.post('/v1/meetings', { title: 'Kick-off', durationMinutes: 60, timezone: 'Europe/Berlin', start: W1.start, participantIds: [people.ann.id, people.cy.id, people.dan.id] });
    expect(fixed.status, JSON.stringify(fixed.body)).toBe(201);
    expect(fixed.body.status).toBe('scheduled');
    expect(fixed.body.availabilityCheck).toEqual([
      { userId: people.ann.id, status: 'busy', conflicts: [{ start: '2027-01-04T09:00:00.000Z', end: '2027-01-04T09:30:00.000Z', kind: 'meeting' }] },
      { userId: people.cy.id, status: 'free', conflicts: [] },
      { userId: people.dan.id, status: 'unknown', conflicts: [] },
    ]);
    // 08:00 Berlin is before Cy's hours
    const early = await people.org.http.post('/v1/meetings', { title: 'Early', durationMinutes: 60, timezone: 'Europe/Berlin', start: '2027-01-04T07:00:00.000Z', participantIds: [people.cy.id] });
    expect(early.body.availabilityCheck).toEqual([{ userId: people.cy.id, status: 'outside-hours', conflicts: [] }]);
    // RSVP right away
    const rsvp = await people.cy.http.post(`/v1/meetings/${fixed.body.id}/rsvp`, { response: 'tentative' });
    expect(rsvp.body.participants[1]).toMatchObject({ userId: people.cy.id, response: 'tentative' });
  });
});

describe('two organizer tabs at once', () => {
  it('two schedules with different times: exactly one wins, the other is a 409 carrying the current meeting', async () => {
    const id = await proposePoll();
    const [a, b] = await Promise.all([
      people.org.http.post(`/v1/meetings/${id}/schedule`, { start: W1.start }),
      people.org.http.post(`/v1/meetings/${id}/schedule`, { start: W2.start }),
    ]);
    const answers = [a, b].sort((x, y) => x.status - y.status);
    expect(answers.map((r) => r.status)).toEqual([200, 409]);
    const [won, lost] = answers as [typeof a, typeof a];
    expect(lost.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(lost.body.code).toBe('meeting-not-polling');
    const { position: _, ...wonMeeting } = won.body;
    expect(lost.body.current).toEqual(wonMeeting);
  });

  it('with If-Match: a stale revision is a 412 naming the current one, and of two tabs sending the same one only the first passes', async () => {
    const id = await proposePoll();
    const read = await people.org.http.get(`/v1/meetings/${id}`);
    const etag = read.headers.get('etag')!;
    expect(etag).toBe('W/"0"');
    const [a, b] = await Promise.all([
      people.org.http.post(`/v1/meetings/${id}/schedule`, { start: W1.start }, { 'If-Match': etag }),
      people.org.http.post(`/v1/meetings/${id}/schedule`, { start: '2027-01-04T10:00:00.000Z' }, { 'If-Match': etag }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 412]);
    const lost = a.status === 412 ? a : b;
    expect(lost.body).toMatchObject({ code: 'revision-mismatch', currentRevision: '1' });
    const stale = await people.org.http.post(`/v1/meetings/${id}/cancel`, {}, { 'If-Match': etag });
    expect([stale.status, stale.body.code]).toEqual([412, 'revision-mismatch']);
  });

  it('an Idempotency-Key retry of a proposal answers the same meeting, not a second one', async () => {
    const key = randomUUID();
    const first = await people.org.http.post('/v1/meetings', poll(), { 'Idempotency-Key': key });
    const again = await people.org.http.post('/v1/meetings', poll(), { 'Idempotency-Key': key });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
  });
});

describe('bad input → the stated 4xx problem, never 5xx', () => {
  const problemOf = async (res: Promise<{ status: number; body: any; headers: Headers }>) => {
    const answer = await res;
    expect(answer.headers.get('content-type')).toMatch(/application\/problem\+json/);
    return [answer.status, answer.body.code];
  };

  it('windows shorter than the duration, too many or none, poll and fixed time at once', async () => {
    const org = people.org.http;
    expect(await problemOf(org.post('/v1/meetings', poll({ proposedWindows: [{ start: W1.start, end: '2027-01-04T09:45:00.000Z' }] })))).toEqual([422, 'window-shorter-than-duration']);
    expect(await problemOf(org.post('/v1/meetings', poll({ proposedWindows: [] })))).toEqual([422, 'invalid-windows']);
    expect(await problemOf(org.post('/v1/meetings', poll({ proposedWindows: Array.from({ length: 51 }, () => W1) })))).toEqual([422, 'invalid-windows']);
    expect(await problemOf(org.post('/v1/meetings', poll({ start: W1.start })))).toEqual([422, 'poll-or-fixed-time']);
    expect(await problemOf(org.post('/v1/meetings', poll({ durationMinutes: 2000 })))).toEqual([400, 'validation-failed']);
  });

  it('instants without an offset — also a fixed start in a DST gap given as local time — are 400s', async () => {
    const org = people.org.http;
    expect(await problemOf(org.post('/v1/meetings', poll({ proposedWindows: [{ start: '2027-01-04T09:00:00', end: W1.end }] })))).toEqual([400, 'validation-failed']);
    // 02:30 on 28 Mar 2027 does not exist in Berlin: a local time is refused, not guessed
    const gap = await org.post('/v1/meetings', { title: 'Gap', durationMinutes: 30, timezone: 'Europe/Berlin', start: '2027-03-28T02:30:00' });
    expect([gap.status, gap.body.code, gap.body.errors[0].path]).toEqual([400, 'validation-failed', 'start']);
    expect(await problemOf(org.post('/v1/meetings', poll({ deadline: '2027-01-01 12:00' })))).toEqual([400, 'validation-failed']);
  });

  it('unknown users, the organizer as a participant, a deadline in the past', async () => {
    const org = people.org.http;
    expect(await problemOf(org.post('/v1/meetings', poll({ participantIds: [randomUUID()] })))).toEqual([422, 'unknown-users']);
    expect(await problemOf(org.post('/v1/meetings', poll({ participantIds: [people.org.id] })))).toEqual([422, 'organizer-not-participant']);
    expect(await problemOf(org.post('/v1/meetings', poll({ deadline: inMinutes(-1) })))).toEqual([422, 'deadline-in-past']);
  });

  it('slots outside the windows, RSVP before scheduling, a time that does not fit a window', async () => {
    const id = await proposePoll();
    const outside = [{ start: '2027-01-04T08:30:00.000Z', end: '2027-01-04T09:30:00.000Z' }];
    expect(await problemOf(people.ann.http.post(`/v1/meetings/${id}/availability`, { slots: outside }))).toEqual([422, 'outside-proposed-windows']);
    expect(await problemOf(people.ann.http.post(`/v1/meetings/${id}/availability`, { slots: [{ start: W1.end, end: W1.start }] }))).toEqual([422, 'invalid-slot']);
    expect(await problemOf(people.ann.http.post(`/v1/meetings/${id}/rsvp`, { response: 'accepted' }))).toEqual([409, 'meeting-not-scheduled']);
    expect(await problemOf(people.org.http.post(`/v1/meetings/${id}/schedule`, { start: '2027-01-04T11:30:00.000Z' }))).toEqual([422, 'outside-proposed-windows']);
    expect(await problemOf(people.ann.http.post(`/v1/meetings/${id}/availability`, { slots: [{ start: W1.start, end: W1.end, preference: 'maybe' }] }))).toEqual([400, 'validation-failed']);
    // nothing of it reached the stream
    expect((await people.org.http.get(`/v1/meetings/${id}/history`)).body.items).toHaveLength(1);
  });

  it('submissions after the deadline are 409 deadline-passed; the organizer may still schedule', async () => {
    const id = await proposePoll({ deadline: inMinutes(10) });
    expect((await people.ann.http.post(`/v1/meetings/${id}/availability`, { slots: [W1] })).status).toBe(200);
    shift += 11 * 60_000;
    expect(await problemOf(people.ann.http.post(`/v1/meetings/${id}/availability`, { slots: [] }))).toEqual([409, 'deadline-passed']);
    const scheduled = await people.org.http.post(`/v1/meetings/${id}/schedule`, { start: W1.start });
    expect(scheduled.body.participants[0]).toMatchObject({ userId: people.ann.id, response: 'accepted' });
  });
});
