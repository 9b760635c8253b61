/** Shared steps of the free/busy and suggestions REST tests: people, hours, groups, tickets, meeting events. */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { meetingStreamName, type InvitationResponse, type MeetingEvent } from '../../src/domain/scheduling/events.js';
import { register, type Account } from '../identity/helpers.js';
import type { TestApp } from '../support/app.js';

export const WEEKDAYS_9_TO_5 = ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => ({ day, start: '09:00', end: '17:00' }));

/** A registered user with weekly hours 09:00–17:00 Mon–Fri in `zone` (or none). */
export async function personWithHours(app: TestApp, zone: string, opts: { hours?: boolean; name?: string } = {}): Promise<Account> {
  const account = await register(app.url, { timezone: zone, name: opts.name ?? 'Planner' });
  if (opts.hours === false) return account;
  const res = await account.http.put('/v1/me/availability', { timezone: zone, intervals: WEEKDAYS_9_TO_5 });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { ...account, position: res.body.position };
}

/** A group owned by `owner` with `members` added; answers its id and the last position. */
export async function groupOf(owner: Account, members: Account[]): Promise<{ id: string; position: string }> {
  const created = await owner.http.post('/v1/groups', { name: 'Team' });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  let position = created.body.position as string;
  for (const member of members) {
    const added = await owner.http.post(`/v1/groups/${created.body.id}/members`, { userId: member.id });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    position = added.body.position;
  }
  return { id: created.body.id, position };
}

/** A published event at [startsAt, endsAt) with seats held by `buyer` (through the ticketing API). */
export async function ticketFor(app: TestApp, buyer: Account, startsAt: string, endsAt: string, title = 'Jazz night') {
  const organizer = (await register(app.url, { name: 'Promoter' })).http;
  const created = await organizer.post('/v1/events', { title, startsAt, endsAt, timezone: 'Europe/Berlin', capacity: 10, holdMinutes: 15, publish: true });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const reserved = await buyer.http.post(`/v1/events/${created.body.id}/reservations`, { quantity: 2 });
  expect(reserved.status, JSON.stringify(reserved.body)).toBe(201);
  return { eventId: created.body.id as string, reservationId: reserved.body.id as string, position: reserved.body.position as string, organizer };
}

/**
 * A meeting organised by `organizerId`, scheduled at [start, end) with these answers,
 * appended directly to its stream (the meetings API emits the same events).
 */
export async function scheduledMeeting(app: TestApp, organizerId: string, participants: Record<string, 'accepted' | 'tentative' | 'declined' | 'pending'>, start: string, end: string) {
  const meetingId = randomUUID();
  const answers = Object.fromEntries(Object.entries(participants).filter(([, response]) => response !== 'pending')) as Record<string, InvitationResponse>;
  const events: Array<Pick<MeetingEvent, 'type' | 'data'>> = [
    {
      type: 'MeetingProposed',
      data: {
        meetingId,
        title: 'Q1 Planning',
        description: '',
        location: '',
        organizerId,
        durationMinutes: (Date.parse(end) - Date.parse(start)) / 60_000,
        timezone: 'Europe/Berlin',
        proposedWindows: [],
        participants: Object.keys(participants).map((userId) => ({ userId, required: true, viaGroupId: null })),
        groupIds: [],
        deadline: null,
        autoSchedule: false,
        resultsVisibility: 'participants',
      },
    },
    { type: 'MeetingScheduled', data: { meetingId, start, end, by: 'organizer', answers } },
  ];
  const result = await app.tessera.store.appendToStream(meetingStreamName(meetingId), events.map((e) => ({ id: randomUUID(), ...e })), { expectedRevision: 'no_stream' });
  return { meetingId, position: result.position.toString() };
}

/** Appends more events to a meeting's stream. */
export async function appendToMeeting(app: TestApp, meetingId: string, events: Array<Pick<MeetingEvent, 'type' | 'data'>>) {
  const result = await app.tessera.store.appendToStream(meetingStreamName(meetingId), events.map((e) => ({ id: randomUUID(), ...e })), { expectedRevision: 'stream_exists' });
  return result.position.toString();
}

/** Waits until every read model reached `position` (POST routes do not wait for X-Min-Position; a GET does). */
export async function caughtUp(account: Account, position: string): Promise<void> {
  const res = await account.http.get(`/v1/users/${account.id}/free-busy?from=2026-12-14T00:00:00Z&to=2026-12-15T00:00:00Z`, { 'X-Min-Position': position });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}
