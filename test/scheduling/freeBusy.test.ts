/**
 * GET /v1/users/:id/free-busy over the REST API with a real server and PostgreSQL
 * (docs/scheduling.md §3): weekly hours minus busy time, booked tickets and scheduled
 * meetings as busy, titles only for the user themself, the sharing rule, and bad input.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, register, type Account } from '../identity/helpers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';
import { appendToMeeting, groupOf, personWithHours, scheduledMeeting, ticketFor } from './schedulingHelpers.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

// Monday 14 Dec 2026: Berlin is +01:00, so 09:00–17:00 there is 08:00–16:00Z.
const MONDAY = { from: '2026-12-14T00:00:00.000Z', to: '2026-12-15T00:00:00.000Z' };
const query = (range: { from: string; to: string }) => `from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}`;

describe('GET /v1/users/:id/free-busy', () => {
  it('booked tickets are busy (with the title for the user) until the reservation is cancelled', async () => {
    const ann = await personWithHours(app, 'Europe/Berlin');
    const ticket = await ticketFor(app, ann, '2026-12-14T10:00:00.000Z', '2026-12-14T12:00:00.000Z', 'Jazz night');

    const busy = await ann.http.get(`/v1/users/${ann.id}/free-busy?${query(MONDAY)}`, { 'X-Min-Position': ticket.position });
    expect(busy.status, JSON.stringify(busy.body)).toBe(200);
    expect(busy.body).toEqual({
      userId: ann.id,
      timezone: 'Europe/Berlin',
      ...MONDAY,
      free: [
        { start: '2026-12-14T08:00:00.000Z', end: '2026-12-14T10:00:00.000Z' },
        { start: '2026-12-14T12:00:00.000Z', end: '2026-12-14T16:00:00.000Z' },
      ],
      busy: [{ start: '2026-12-14T10:00:00.000Z', end: '2026-12-14T12:00:00.000Z', kind: 'ticketed-event', title: 'Jazz night' }],
    });
    expect(busy.headers.get('x-position')).toMatch(/^\d+$/);

    const cancelled = await ann.http.delete(`/v1/events/${ticket.eventId}/reservations/${ticket.reservationId}`);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    const free = await ann.http.get(`/v1/users/${ann.id}/free-busy?${query(MONDAY)}`, { 'X-Min-Position': cancelled.body.position });
    expect(free.body.busy).toEqual([]);
    expect(free.body.free).toEqual([{ start: '2026-12-14T08:00:00.000Z', end: '2026-12-14T16:00:00.000Z' }]);
  });

  it('moves with the event and frees the holder when the event is cancelled', async () => {
    const ann = await personWithHours(app, 'Europe/Berlin');
    const ticket = await ticketFor(app, ann, '2026-12-14T10:00:00.000Z', '2026-12-14T12:00:00.000Z');
    const moved = await ticket.organizer.patch(`/v1/events/${ticket.eventId}`, { startsAt: '2026-12-14T14:00:00Z', endsAt: '2026-12-14T15:00:00Z' });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    const after = await ann.http.get(`/v1/users/${ann.id}/free-busy?${query(MONDAY)}`, { 'X-Min-Position': moved.body.position });
    expect(after.body.busy.map((b: { start: string }) => b.start)).toEqual(['2026-12-14T14:00:00.000Z']);

    const cancelled = await ticket.organizer.post(`/v1/events/${ticket.eventId}/cancel`, { reason: 'rain' });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    const freed = await ann.http.get(`/v1/users/${ann.id}/free-busy?${query(MONDAY)}`, { 'X-Min-Position': cancelled.body.position });
    expect(freed.body.busy).toEqual([]);
  });

  it('scheduled meetings are busy for the organizer and accepted/tentative participants, not for pending or declined ones', async () => {
    const [olga, ann, ben, cid] = (await Promise.all(['Europe/Berlin', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'].map((zone) => personWithHours(app, zone)))) as [Account, Account, Account, Account];
    const meeting = await scheduledMeeting(app, olga.id, { [ann.id]: 'accepted', [ben.id]: 'tentative', [cid.id]: 'pending' }, '2026-12-14T09:00:00.000Z', '2026-12-14T10:00:00.000Z');
    const busyOf = async (account: Account, position: string) => (await account.http.get(`/v1/users/${account.id}/free-busy?${query(MONDAY)}`, { 'X-Min-Position': position })).body.busy;
    const meetingBusy = { start: '2026-12-14T09:00:00.000Z', end: '2026-12-14T10:00:00.000Z', kind: 'meeting', title: 'Q1 Planning' };
    expect(await busyOf(olga, meeting.position)).toEqual([meetingBusy]);
    expect(await busyOf(ann, meeting.position)).toEqual([meetingBusy]);
    expect(await busyOf(ben, meeting.position)).toEqual([meetingBusy]);
    expect(await busyOf(cid, meeting.position)).toEqual([]);

    const declined = await appendToMeeting(app, meeting.meetingId, [{ type: 'InvitationAnswered', data: { meetingId: meeting.meetingId, participantId: ann.id, response: 'declined' } }]);
    expect(await busyOf(ann, declined)).toEqual([]);
    const moved = await appendToMeeting(app, meeting.meetingId, [{ type: 'MeetingRescheduled', data: { meetingId: meeting.meetingId, start: '2026-12-14T11:00:00.000Z', end: '2026-12-14T12:00:00.000Z' } }]);
    // Rescheduling resets every answer to pending: only the organizer stays busy, at the new time.
    expect(await busyOf(ben, moved)).toEqual([]);
    expect(await busyOf(olga, moved)).toEqual([{ ...meetingBusy, start: '2026-12-14T11:00:00.000Z', end: '2026-12-14T12:00:00.000Z' }]);
    const cancelled = await appendToMeeting(app, meeting.meetingId, [{ type: 'MeetingCancelled', data: { meetingId: meeting.meetingId, reason: null } }]);
    expect(await busyOf(olga, cancelled)).toEqual([]);
  });

  it('is shared with group co-members, organizers of a meeting the user is invited to and admins, without titles; others get 404', async () => {
    const [ann, ben, olga, stranger] = (await Promise.all([0, 1, 2, 3].map(() => personWithHours(app, 'Europe/Berlin')))) as [Account, Account, Account, Account];
    const group = await groupOf(ann, [ben]);
    const meeting = await scheduledMeeting(app, olga.id, { [ann.id]: 'accepted' }, '2026-12-14T09:00:00.000Z', '2026-12-14T10:00:00.000Z');
    const seen = { 'X-Min-Position': String(Math.max(Number(group.position), Number(meeting.position))) };
    const path = `/v1/users/${ann.id}/free-busy?${query(MONDAY)}`;
    const admin = client(app.url, await app.tokenFor(randomUUID(), ['admin']));
    for (const viewer of [ben.http, olga.http, admin]) {
      const res = await viewer.get(path, seen);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.busy).toEqual([{ start: '2026-12-14T09:00:00.000Z', end: '2026-12-14T10:00:00.000Z', kind: 'meeting' }]);
    }
    expectProblem(await stranger.http.get(path, seen), 404, 'not-found');
    // The organizer sees an invitee, not the other way round.
    expectProblem(await ann.http.get(`/v1/users/${olga.id}/free-busy?${query(MONDAY)}`, seen), 404, 'not-found');
    expectProblem(await admin.get(`/v1/users/${randomUUID()}/free-busy?${query(MONDAY)}`), 404, 'not-found');
    expectProblem(await client(app.url).get(path), 401, 'unauthorized');
  });

  it('a user who never set hours is free nowhere, in their profile zone', async () => {
    const dee = await register(app.url, { timezone: 'Asia/Kolkata' });
    const res = await dee.http.get(`/v1/users/${dee.id}/free-busy?${query(MONDAY)}`, { 'X-Min-Position': dee.position });
    expect(res.body).toMatchObject({ timezone: 'Asia/Kolkata', free: [], busy: [] });
  });

  it('refuses bad ranges with problem+json', async () => {
    const ann = await personWithHours(app, 'Europe/Berlin');
    const get = (q: string) => ann.http.get(`/v1/users/${ann.id}/free-busy?${q}`, { 'X-Min-Position': ann.position });
    expectProblem(await get(query({ from: '2026-12-14T00:00:00Z', to: '2027-02-15T00:00:00Z' })), 422, 'range-too-long');
    expect((await get(query({ from: '2026-12-14T00:00:00Z', to: '2027-02-14T00:00:00Z' }))).status).toBe(200);
    expectProblem(await get(query({ from: '2026-12-14T00:00:00Z', to: '2026-12-13T00:00:00Z' })), 422, 'invalid-range');
    expectProblem(await get(query({ from: '2026-12-14T00:00:00Z', to: '2026-12-14T00:00:00Z' })), 422, 'invalid-range');
    expectProblem(await get(query({ from: '0000-12-14T00:00:00Z', to: '2026-12-14T00:00:00Z' })), 400, 'validation-failed');
    expectProblem(await get(query({ from: '2026-12-14T00:00:00Z', to: '+010000-01-01T00:00:00Z' })), 400, 'validation-failed');
    expectProblem(await get(query({ from: '10000-01-01T00:00:00Z', to: '10000-01-02T00:00:00Z' })), 400, 'validation-failed');
    expectProblem(await get(query({ from: '2026-12-14T00:00:00', to: '2026-12-15T00:00:00Z' })), 400, 'validation-failed');
    expectProblem(await get('from=2026-12-14T00:00:00Z'), 400, 'validation-failed');
  });
});
