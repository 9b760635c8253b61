/**
 * POST /v1/scheduling/suggestions over the REST API with a real server and PostgreSQL
 * (docs/scheduling.md §3 Suggestions): the score and its breakdown, greedy non-overlapping
 * picks, groups expanded and people counted once, who cannot come and why (a booked
 * ticket, no hours, outside hours), the sharing rule and the limits.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, register, type Account } from '../identity/helpers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { caughtUp, groupOf, personWithHours, ticketFor } from './schedulingHelpers.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

const HOUR = 3_600_000;
const round4 = (value: number) => Math.round(value * 10_000) / 10_000;
// Mon 14 Dec 2026 to Mon 21 Dec: Berlin 09:00–17:00 is 08:00–16:00Z, New York's 14:00–22:00Z.
const WEEK = { from: '2026-12-14T00:00:00.000Z', to: '2026-12-21T00:00:00.000Z' };

async function team(zones: string[], opts: { withoutHours?: number[] } = {}) {
  const people = await Promise.all(zones.map((zone, i) => personWithHours(app, zone, { hours: !opts.withoutHours?.includes(i) })));
  const [owner, ...members] = people as [Account, ...Account[]];
  const group = await groupOf(owner, members);
  await caughtUp(owner, String(Math.max(Number(group.position), ...people.map((p) => Number(p.position)))));
  return { people, owner, group };
}

describe('POST /v1/scheduling/suggestions', () => {
  it('scores candidates 0.5·availability + 0.3·dateProximity + 0.2·timeOfDay and picks the best non-overlapping ones', async () => {
    const { owner: ann, people, group } = await team(['Europe/Berlin', 'America/New_York']);
    const res = await ann.http.post('/v1/scheduling/suggestions', { groupIds: [group.id], durationMinutes: 60, ...WEEK, limit: 3 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers.get('server-timing')).toMatch(/^load;dur=\d+\.\d+, compute;dur=\d+\.\d+$/);
    expect(res.body.participantCount).toBe(2);
    // Both can make 14:00–16:00Z only. At 14:00Z Berlin is inside its core hours (10–16 local =
    // 09–15Z) and New York 60 minutes outside (15–21Z): timeOfDay = (1 + (1 − 60/180)) / 2.
    const latestStartHours = 7 * 24 - 1;
    const proximity = (hoursFromStart: number) => 1 - hoursFromStart / latestStartHours;
    const timeOfDay = (1 + (1 - 60 / 180)) / 2;
    expect(res.body.items[0]).toEqual({
      start: '2026-12-14T14:00:00.000Z',
      end: '2026-12-14T15:00:00.000Z',
      score: round4(0.5 + 0.3 * proximity(14) + 0.2 * timeOfDay),
      breakdown: { availability: 1, dateProximity: round4(proximity(14)), timeOfDay: round4(timeOfDay) },
      available: people.map((p) => p.id),
      conflicts: [],
    });
    // 14:15–14:45 overlap the first pick; 15:00 does not; then the next day.
    expect(res.body.items.map((i: { start: string }) => i.start)).toEqual(['2026-12-14T14:00:00.000Z', '2026-12-14T15:00:00.000Z', '2026-12-15T14:00:00.000Z']);
  });

  it('says who cannot come and why: a booked ticket (busy), no weekly hours, outside their hours', async () => {
    const { owner: ann, people, group } = await team(['Europe/Berlin', 'America/New_York', 'Europe/Berlin', 'Asia/Kolkata'], { withoutHours: [2] });
    const [, ben, cid, dee] = people as [Account, Account, Account, Account];
    const ticket = await ticketFor(app, ben, '2026-12-14T13:30:00.000Z', '2026-12-14T16:00:00.000Z');
    await caughtUp(ann, ticket.position);
    // One candidate: 14:00–15:00Z. The caller is named and in the group: counted once.
    const res = await ann.http.post('/v1/scheduling/suggestions', { userIds: [ann.id], groupIds: [group.id], durationMinutes: 60, from: '2026-12-14T14:00:00Z', to: '2026-12-14T15:00:00Z' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.participantCount).toBe(4);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({
      start: '2026-12-14T14:00:00.000Z',
      breakdown: { availability: 0.25, dateProximity: 1 },
      available: [ann.id],
      conflicts: [
        { userId: ben.id, reason: 'busy', busy: { start: '2026-12-14T13:30:00.000Z', end: '2026-12-14T16:00:00.000Z', kind: 'ticketed-event' } },
        { userId: cid.id, reason: 'no-availability' },
        { userId: dee.id, reason: 'outside-hours' },
      ],
    });
  });

  it('offers nothing when nobody can come, and counts core hours in each person’s zone (coreHours)', async () => {
    const { owner: ann } = await team(['Europe/Berlin']);
    const weekend = await ann.http.post('/v1/scheduling/suggestions', { userIds: [ann.id], durationMinutes: 60, from: '2026-12-19T00:00:00Z', to: '2026-12-21T00:00:00Z' });
    expect(weekend.body).toEqual({ participantCount: 1, items: [] });
    // Core hours 08:00–09:00 Berlin (07:00–08:00Z) lie before the hours begin: the first slot, 08:00Z, is 60 minutes outside.
    const early = await ann.http.post('/v1/scheduling/suggestions', { userIds: [ann.id], durationMinutes: 60, from: '2026-12-14T00:00:00Z', to: '2026-12-15T00:00:00Z', limit: 1, step: 60, coreHours: { start: '08:00', end: '09:00' } });
    expect(early.body.items[0]).toMatchObject({ start: '2026-12-14T08:00:00.000Z', breakdown: { timeOfDay: round4(1 - 60 / 180) } });
  });

  it('shares only the caller, co-members and the caller’s groups: others are 403 not-shareable, listed', async () => {
    const { owner: ann, people } = await team(['Europe/Berlin', 'Europe/Berlin']);
    const { owner: other, group: foreignGroup } = await team(['Europe/Berlin']);
    const stranger = await register(app.url);
    const res = await ann.http.post('/v1/scheduling/suggestions', { userIds: [people[1]!.id, stranger.id, other.id], groupIds: [foreignGroup.id], durationMinutes: 30, ...WEEK });
    expectProblem(res, 403, 'not-shareable');
    expect(res.body.ids).toEqual([stranger.id, other.id, foreignGroup.id]);
  });

  it('refuses bad input with problem+json', async () => {
    const { owner: ann } = await team(['Europe/Berlin']);
    const post = (body: Record<string, unknown>) => ann.http.post('/v1/scheduling/suggestions', { userIds: [ann.id], durationMinutes: 60, ...WEEK, ...body });
    const ids = (n: number) => Array.from({ length: n }, () => randomUUID());
    expectProblem(await post({ userIds: ids(1001) }), 422, 'too-many-participants');
    expectProblem(await post({ userIds: ids(1000) }), 403, 'not-shareable');
    expectProblem(await post({ userIds: [] }), 422, 'no-participants');
    expectProblem(await post({ to: new Date(Date.parse(WEEK.from) + 63 * 24 * HOUR).toISOString() }), 422, 'range-too-long');
    expect((await post({ to: new Date(Date.parse(WEEK.from) + 62 * 24 * HOUR).toISOString() })).status).toBe(200);
    expectProblem(await post({ to: WEEK.from }), 422, 'invalid-range');
    expectProblem(await post({ from: WEEK.to, to: WEEK.from }), 422, 'invalid-range');
    expectProblem(await post({ coreHours: { start: '16:00', end: '10:00' } }), 422, 'invalid-core-hours');
    for (const bad of [
      { coreHours: { start: '25:00', end: '16:00' } },
      { coreHours: { start: '10:00', end: '24:30' } },
      { coreHours: { start: '10:60', end: '16:00' } },
      { coreHours: { start: '24:00', end: '24:00' } },
      { from: '0000-12-14T00:00:00Z' },
      { to: '10000-01-01T00:00:00Z' },
      { from: '2026-12-14T00:00:00' },
      { durationMinutes: 4 },
      { durationMinutes: 1441 },
      { limit: 51 },
      { step: 7 },
      { userIds: ['not-a-uuid'] },
    ]) {
      expectProblem(await post(bad), 400, 'validation-failed');
    }
    expect((await post({ coreHours: { start: '00:00', end: '24:00' } })).status).toBe(200);
  });
});
