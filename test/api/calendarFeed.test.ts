/**
 * The calendar feed (issue 13 item 4) over real HTTP: the subscription URL answers the
 * user's scheduled meetings and booked events as ICS (read back with ical.js), 304 while
 * nothing changed and a new ETag once something did; a new token replaces the old one;
 * the JWT is no feed token; each feed has its own rate-limit budget.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meetingUid, ticketedEventUid } from '../../src/notifications/ics.js';
import { loadPeople } from '../../src/projections/scheduling/people.js';
import { register } from '../identity/helpers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { parseIcs } from '../support/icsParse.js';
import { eventually } from '../support/processes.js';

const PER_MINUTE = 15;
let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { PUBLIC_URL: 'https://tessera.example', RATE_LIMIT_USER_PER_MIN: String(PER_MINUTE) } });
});
afterAll(async () => {
  await app?.stop();
});

/** The feed as a calendar client fetches it: no Authorization header, the token in the URL. */
const fetchFeed = (token: string, headers: Record<string, string> = {}) => fetch(`${app.url}/v1/me/calendar.ics?token=${encodeURIComponent(token)}`, { headers });

describe('GET /v1/me/calendar.ics', () => {
  it('lists the user’s booked events and scheduled meetings; 304 while unchanged; a change gives a new ETag', async () => {
    const me = await register(app.url, { name: 'Mia', timezone: 'Europe/Berlin' });
    const organizer = await register(app.url, { name: 'Olga', timezone: 'Europe/Berlin' });
    await eventually('both known to scheduling', async () => (await loadPeople(app.tessera.knex, [me.id, organizer.id])).size === 2);

    const created = await me.http.post('/v1/me/calendar-token', {});
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const { token, url, webcalUrl } = created.body;
    expect(url).toBe(`https://tessera.example/v1/me/calendar.ics?token=${token}`);
    expect(webcalUrl).toBe(`webcal://tessera.example/v1/me/calendar.ics?token=${token}`);
    // the secret is not kept in the clear
    expect(JSON.stringify(await app.tessera.knex('calendar_feed_tokens').select())).not.toContain(token);

    // whole minutes: ICS times have no milliseconds
    const start = Math.floor(Date.now() / 60_000) * 60_000 + 10 * 86_400_000;
    const event = await organizer.http.post('/v1/events', {
      title: 'Jazz night',
      startsAt: new Date(start).toISOString(),
      endsAt: new Date(start + 7_200_000).toISOString(),
      timezone: 'Europe/Berlin',
      capacity: 5,
      publish: true,
    });
    expect((await me.http.post(`/v1/events/${event.body.id}/reservations`, { quantity: 1 })).body.status).toBe('confirmed');
    const meetingStart = new Date(start + 86_400_000).toISOString();
    const meeting = await me.http.post('/v1/meetings', { title: 'Standup', durationMinutes: 30, timezone: 'Europe/Berlin', start: meetingStart, participantIds: [organizer.id] });
    expect(meeting.status, JSON.stringify(meeting.body)).toBe(201);

    // read-your-writes as on any GET (polling would spend the feed's rate-limit budget)
    const first = await fetchFeed(token, { 'X-Min-Position': meeting.body.position });
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^text\/calendar/);
    const ics = parseIcs(await first.text());
    expect(ics.method).toBe('PUBLISH');
    expect(ics.events.map((e) => [e.uid, e.summary, e.start])).toEqual([
      [ticketedEventUid(event.body.id), 'Jazz night', new Date(start).toISOString()],
      [meetingUid(meeting.body.id), 'Standup', meetingStart],
    ]);

    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"/);
    const unchanged = await fetchFeed(token, { 'If-None-Match': etag });
    expect(unchanged.status).toBe(304);
    expect(await unchanged.text()).toBe('');

    // the meeting is cancelled: it leaves the feed, and the old ETag no longer matches
    const cancelled = await me.http.post(`/v1/meetings/${meeting.body.id}/cancel`, {});
    expect(cancelled.status).toBe(200);
    const changed = await fetchFeed(token, { 'If-None-Match': etag, 'X-Min-Position': cancelled.body.position });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(parseIcs(await changed.text()).events.map((e) => e.uid)).toEqual([ticketedEventUid(event.body.id)]);
  });

  it('a new token replaces the old one at once; the JWT opens no feed', async () => {
    const me = await register(app.url);
    const old = (await me.http.post('/v1/me/calendar-token', {})).body.token as string;
    expect((await fetchFeed(old)).status).toBe(200);
    const rotated = (await me.http.post('/v1/me/calendar-token', {})).body.token as string;
    expect(rotated).not.toBe(old);
    const refused = await fetchFeed(old);
    expect(refused.status).toBe(404);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await refused.json()) as { code: string }).code).toBe('calendar-feed-not-found');
    expect((await fetchFeed(rotated)).status).toBe(200);
    expect((await fetchFeed(me.accessToken)).status).toBe(404);
  });

  it('without a token: 400, not a feed', async () => {
    const res = await fetch(`${app.url}/v1/me/calendar.ics`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('validation-failed');
  });

  it('each feed has its own rate-limit budget', async () => {
    const [a, b] = await Promise.all([register(app.url), register(app.url)]);
    const tokenA = (await a.http.post('/v1/me/calendar-token', {})).body.token as string;
    const tokenB = (await b.http.post('/v1/me/calendar-token', {})).body.token as string;
    const statuses: number[] = [];
    for (let i = 0; i < PER_MINUTE; i++) statuses.push((await fetchFeed(tokenA)).status);
    expect(statuses).toEqual(Array(PER_MINUTE).fill(200));
    const refused = await fetchFeed(tokenA);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    // another feed from the same address, and the owner's own API calls, are not held back
    expect((await fetchFeed(tokenB)).status).toBe(200);
    expect((await a.http.get('/v1/me')).status).toBe(200);
  });
});
