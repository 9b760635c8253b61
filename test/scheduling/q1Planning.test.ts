/**
 * The seed's worked example "Q1 Planning", end to end over HTTP (issue 12, "What it must
 * show"): 60 minutes, two windows, three people — Alice and Bob required and submitting,
 * Carol optional with weekly hours and a ticket that makes her busy. The seed called one
 * slot 100 %; computed, no time suits all three: the winner is Tuesday 14:00 (Bob yes,
 * Alice if-need-be, Carol calendar-free), and Monday 10:00 has only Bob (Alice's yes ends
 * at 10:30). Then the deadline jobs on a moved clock: the reminder reaches only Carol, and
 * at the deadline the poll is scheduled at Tuesday 14:00, once, by the deadline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPeople } from '../../src/projections/scheduling/people.js';
import type { Account } from '../identity/helpers.js';
import { startTestApp, testClock, type TestApp } from '../support/app.js';
import { eventually } from '../support/processes.js';
import { personWithHours, ticketFor } from './schedulingHelpers.js';

const DAY_MS = 86_400_000;
// Monday 11 and Tuesday 12 January 2027; Berlin is UTC+1 then.
const MONDAY = { start: '2027-01-11T09:00:00.000Z', end: '2027-01-11T11:00:00.000Z' };
const TUESDAY = { start: '2027-01-12T14:00:00.000Z', end: '2027-01-12T16:00:00.000Z' };
const slot = (start: string, end: string, preference: 'yes' | 'if-need-be' = 'yes') => ({ start, end, preference });

let app: TestApp;
const clock = testClock();
let olga: Account, alice: Account, bob: Account, carol: Account;
let meetingId: string;
let lastPosition: string;

const kindsOf = async (account: Account) => ((await account.http.get('/v1/me/notifications')).body.items as Array<{ kind: string; data: Record<string, unknown> }>);

beforeAll(async () => {
  app = await startTestApp({ clock: clock.now, env: { SWEEPER_INTERVAL_MS: '200' } });
  [olga, alice, bob] = (await Promise.all(['Olga', 'Alice', 'Bob'].map((name) => personWithHours(app, 'Europe/Berlin', { hours: false, name })))) as [Account, Account, Account];
  carol = await personWithHours(app, 'Europe/Berlin', { name: 'Carol' }); // Mon–Fri 09:00–17:00 Berlin
  // Carol holds seats for 15:00–15:30 on Tuesday: busy then.
  await ticketFor(app, carol, '2027-01-12T15:00:00.000Z', '2027-01-12T15:30:00.000Z');
  await eventually('everyone known to scheduling', async () => (await loadPeople(app.tessera.knex, [alice.id, bob.id, carol.id])).size === 3);
});

afterAll(async () => {
  await app?.stop();
});

describe('Q1 Planning', () => {
  it('ranks Tuesday 14:00 first; no candidate has all three', async () => {
    const proposed = await olga.http.post(
      '/v1/meetings',
      {
        title: 'Q1 Planning',
        durationMinutes: 60,
        timezone: 'Europe/Berlin',
        proposedWindows: [MONDAY, TUESDAY],
        participantIds: [alice.id, bob.id],
        optionalParticipantIds: [carol.id],
        deadline: new Date(clock.now().getTime() + 3 * DAY_MS).toISOString(),
        autoSchedule: true,
      },
    );
    expect(proposed.status, JSON.stringify(proposed.body)).toBe(201);
    meetingId = proposed.body.id;
    const a = await alice.http.post(`/v1/meetings/${meetingId}/availability`, { slots: [slot(MONDAY.start, '2027-01-11T10:30:00Z'), slot('2027-01-12T14:00:00Z', '2027-01-12T15:00:00Z', 'if-need-be')] });
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    const b = await bob.http.post(`/v1/meetings/${meetingId}/availability`, { slots: [slot('2027-01-11T10:00:00Z', MONDAY.end), slot(TUESDAY.start, TUESDAY.end)] });
    expect(b.status, JSON.stringify(b.body)).toBe(200);
    lastPosition = b.body.position;

    const res = await olga.http.get(`/v1/meetings/${meetingId}/recommendations`, { 'X-Min-Position': lastPosition });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const items = res.body.items as Array<{ start: string; requiredAvailable: boolean; availableCount: number; yes: string[]; calendarFree: string[] }>;
    expect(items[0]).toEqual({
      start: '2027-01-12T14:00:00.000Z',
      end: '2027-01-12T15:00:00.000Z',
      yes: [bob.id],
      ifNeedBe: [alice.id],
      calendarFree: [carol.id],
      unavailable: [],
      requiredAvailable: true,
      availableCount: 2,
      participantCount: 3,
    });
    const line = (r: (typeof items)[number]) => `${r.start.slice(5, 16)} ${r.requiredAvailable ? 'R' : '-'}${r.availableCount}/${r.yes.length}/${r.calendarFree.length}`;
    expect(items.map(line)).toEqual([
      '01-12T14:00 R2/1/1',
      '01-11T09:00 -1/1/1',
      '01-11T09:15 -1/1/1',
      '01-11T09:30 -1/1/1',
      '01-11T10:00 -1/1/1',
      '01-12T14:15 -1/1/0',
      '01-12T14:30 -1/1/0',
      '01-12T14:45 -1/1/0',
      '01-12T15:00 -1/1/0',
      '01-11T09:45 -0/0/1',
    ]);
    // The seed's "100 %": Monday 10:00, where Alice's yes (until 10:30) only overlaps.
    const monday10 = (res.body.items as Array<Record<string, unknown>>).find((r) => r.start === '2027-01-11T10:00:00.000Z');
    expect(monday10).toMatchObject({ yes: [bob.id], calendarFree: [carol.id], unavailable: [{ userId: alice.id, reason: 'no' }], availableCount: 1 });
    // Carol is busy (her ticket) at every Tuesday time but 14:00.
    expect((res.body.items as Array<{ start: string; unavailable: unknown[] }>).find((r) => r.start === '2027-01-12T14:15:00.000Z')!.unavailable).toEqual([
      { userId: alice.id, reason: 'no' },
      { userId: carol.id, reason: 'busy' },
    ]);
    // limit and step, and participants may read them
    const coarse = await alice.http.get(`/v1/meetings/${meetingId}/recommendations?limit=2&step=60`);
    expect(coarse.body.items.map((r: { start: string }) => r.start)).toEqual(['2027-01-12T14:00:00.000Z', '2027-01-11T09:00:00.000Z']);
  });

  it('refuses bad limits and steps (400), and strangers (404)', async () => {
    for (const query of ['limit=0', 'limit=101', 'step=7', 'step=abc']) {
      const res = await olga.http.get(`/v1/meetings/${meetingId}/recommendations?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.code).toBe('validation-failed');
    }
    const stranger = await personWithHours(app, 'UTC', { hours: false, name: 'Stranger' });
    expect((await stranger.http.get(`/v1/meetings/${meetingId}/recommendations`)).status).toBe(404);
  });

  it('24 h before the deadline only Carol (who has not submitted) is reminded; at the deadline it is scheduled at Tuesday 14:00, once', async () => {
    expect((await kindsOf(carol)).map((n) => n.kind)).toContain('meeting-invited');
    clock.advance(2 * DAY_MS + 3_600_000);
    await eventually('Carol reminded', async () => (await kindsOf(carol)).some((n) => n.kind === 'meeting-deadline-reminder'));
    expect((await kindsOf(alice)).map((n) => n.kind)).not.toContain('meeting-deadline-reminder');

    clock.advance(DAY_MS);
    await eventually('scheduled by the deadline', async () => (await olga.http.get(`/v1/meetings/${meetingId}`)).body.status === 'scheduled');
    const meeting = (await olga.http.get(`/v1/meetings/${meetingId}`)).body;
    expect(meeting.scheduled).toEqual({ start: '2027-01-12T14:00:00.000Z', end: '2027-01-12T15:00:00.000Z' });
    expect(Object.fromEntries(meeting.participants.map((p: { userId: string; response: string }) => [p.userId, p.response]))).toEqual({
      [alice.id]: 'tentative',
      [bob.id]: 'accepted',
      [carol.id]: 'pending',
    });
    // a few more sweeper ticks change nothing
    clock.advance(60_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const history = (await olga.http.get(`/v1/meetings/${meetingId}/history?limit=100`)).body.items as Array<{ type: string; data: { by?: string } }>;
    expect(history.filter((e) => e.type === 'MeetingScheduled').map((e) => e.data.by)).toEqual(['deadline']);
    expect(history.filter((e) => e.type === 'MeetingDeadlineReminderSent')).toHaveLength(1);
    expect(history.filter((e) => e.type === 'MeetingPollClosed')).toHaveLength(0);
    await eventually('Olga told it was scheduled', async () => (await kindsOf(olga)).some((n) => n.kind === 'meeting-scheduled' && n.data.by === 'deadline'));
  });
});
