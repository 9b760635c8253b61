/**
 * Golden time-zone tests of availability, end to end (issue 11 "Time-zone tests", never
 * skipped): rules are set over the REST API, read back from the people read model
 * (rm_scheduling_people, as free/busy and suggestions read them) and expanded with the
 * shared time module. Transitions are those of notes/scheduling-anchors.md §4 (tz 2025c
 * as Node 20 carries it); the unit-level goldens are in src/domain/shared/time.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandWeeklyHours, localDateOf, localTimeOf, resolveLocal, WEEKDAYS, type InstantInterval } from '../../src/domain/shared/time.js';
import { loadPeople } from '../../src/projections/scheduling/people.js';
import { register, type Account } from '../identity/helpers.js';
import { startTestApp, type TestApp } from '../support/app.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

const BERLIN = 'Europe/Berlin';
const QUARTER = 15 * 60_000;
const iso = (instant: number) => new Date(instant).toISOString();
const isoIntervals = (intervals: InstantInterval[]) => intervals.map(({ start, end }) => ({ start: iso(start), end: iso(end) }));
const total = (intervals: InstantInterval[]) => intervals.reduce((sum, { start, end }) => sum + end - start, 0);
const allDay = WEEKDAYS.map((day) => ({ day, start: '00:00', end: '24:00' }));
const weekdays = (start: string, end: string) => WEEKDAYS.slice(0, 5).map((day) => ({ day, start, end }));

async function ok(res: Promise<{ status: number; body: any; headers: Headers }>) {
  const answer = await res;
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer;
}

/** A user with these weekly hours (and overrides), as the read model holds them after the last write. */
async function userWith(zone: string, intervals: object[], overrides: Record<string, object[]> = {}): Promise<{ account: Account; expand(from: number, to: number): Promise<InstantInterval[]> }> {
  const account = await register(app.url, { timezone: 'UTC' });
  let last = await ok(account.http.put('/v1/me/availability', { timezone: zone, intervals }));
  for (const [date, dayIntervals] of Object.entries(overrides)) last = await ok(account.http.put(`/v1/me/availability/overrides/${date}`, { intervals: dayIntervals }));
  const position = last.body.position as string;
  return {
    account,
    async expand(from, to) {
      await ok(account.http.get('/v1/me/availability', { 'X-Min-Position': position }));
      const person = (await loadPeople(app.tessera.knex, [account.id])).get(account.id);
      expect(person?.hours, 'hours in the read model').not.toBeNull();
      return expandWeeklyHours(person!.hours!, from, to);
    },
  };
}

/** The instants of a whole local day in `zone`. */
const localDay = (date: string, zone: string) => [resolveLocal(date, '00:00', zone), resolveLocal(date, '24:00', zone)] as const;

describe('availability across DST, through the API and the read model', () => {
  it('Europe/Berlin: 92 quarter-hours on 29 Mar 2026, 100 on 25 Oct 2026, 96 on an ordinary day', async () => {
    const user = await userWith(BERLIN, allDay);
    for (const [date, quarters] of [['2026-03-29', 92], ['2026-10-25', 100], ['2026-03-28', 96], ['2026-10-26', 96]] as const) {
      expect(total(await user.expand(...localDay(date, BERLIN))) / QUARTER, date).toBe(quarters);
    }
  });

  it('keeps Berlin’s wall clock across the transitions and lets UTC move (09:00–17:00 is 08:00Z before, 07:00Z after 29 Mar)', async () => {
    const user = await userWith(BERLIN, weekdays('09:00', '17:00'));
    expect(isoIntervals(await user.expand(Date.parse('2026-03-27T00:00:00Z'), Date.parse('2026-03-31T00:00:00Z')))).toEqual([
      { start: '2026-03-27T08:00:00.000Z', end: '2026-03-27T16:00:00.000Z' },
      { start: '2026-03-30T07:00:00.000Z', end: '2026-03-30T15:00:00.000Z' },
    ]);
    expect(isoIntervals(await user.expand(Date.parse('2026-10-23T00:00:00Z'), Date.parse('2026-10-27T00:00:00Z')))).toEqual([
      { start: '2026-10-23T07:00:00.000Z', end: '2026-10-23T15:00:00.000Z' },
      { start: '2026-10-26T08:00:00.000Z', end: '2026-10-26T16:00:00.000Z' },
    ]);
  });

  it('reads a time in the gap with the offset from before it and a time in the fold as its first occurrence', async () => {
    const user = await userWith(BERLIN, [], {
      // 02:30 does not exist on 29 Mar: 02:30+01:00 = 01:30Z; 04:00 CEST = 02:00Z.
      '2026-03-29': [{ start: '02:30', end: '04:00' }],
      // 02:30 happens twice on 25 Oct: the first, 00:30Z (+02:00); 03:00 CET = 02:00Z.
      '2026-10-25': [{ start: '02:30', end: '03:00' }],
    });
    expect(isoIntervals(await user.expand(...localDay('2026-03-29', BERLIN)))).toEqual([{ start: '2026-03-29T01:30:00.000Z', end: '2026-03-29T02:00:00.000Z' }]);
    expect(isoIntervals(await user.expand(...localDay('2026-10-25', BERLIN)))).toEqual([{ start: '2026-10-25T00:30:00.000Z', end: '2026-10-25T02:00:00.000Z' }]);
  });

  it('shows America/New_York hours to a Berlin viewer 5 h apart from 8 to 28 Mar and 25 Oct to 1 Nov 2026, 6 h otherwise', async () => {
    const user = await userWith('America/New_York', weekdays('09:00', '17:00'));
    const berlinStarts = async (from: string, to: string) =>
      (await user.expand(Date.parse(from), Date.parse(to))).map(({ start }) => `${localDateOf(start, BERLIN)} ${localTimeOf(start, BERLIN)}`);
    expect(await berlinStarts('2026-03-02T00:00:00Z', '2026-03-07T00:00:00Z')).toEqual(['2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06'].map((d) => `${d} 15:00`));
    expect(await berlinStarts('2026-03-09T00:00:00Z', '2026-03-14T00:00:00Z')).toEqual(['2026-03-09', '2026-03-10', '2026-03-11', '2026-03-12', '2026-03-13'].map((d) => `${d} 14:00`));
    expect(await berlinStarts('2026-03-27T00:00:00Z', '2026-04-01T00:00:00Z')).toEqual(['2026-03-27 14:00', '2026-03-30 15:00', '2026-03-31 15:00']);
    expect(await berlinStarts('2026-10-23T00:00:00Z', '2026-11-04T00:00:00Z')).toEqual([
      '2026-10-23 15:00',
      ...['2026-10-26', '2026-10-27', '2026-10-28', '2026-10-29', '2026-10-30'].map((d) => `${d} 14:00`),
      '2026-11-02 15:00',
      '2026-11-03 15:00',
    ]);
  });

  it('Asia/Kolkata (+05:30 all year): 09:00–17:00 is 03:30–11:30Z in January and July', async () => {
    const user = await userWith('Asia/Kolkata', weekdays('09:00', '17:00'));
    expect(isoIntervals(await user.expand(...localDay('2026-01-15', 'Asia/Kolkata')))).toEqual([{ start: '2026-01-15T03:30:00.000Z', end: '2026-01-15T11:30:00.000Z' }]);
    expect(isoIntervals(await user.expand(...localDay('2026-07-15', 'Asia/Kolkata')))).toEqual([{ start: '2026-07-15T03:30:00.000Z', end: '2026-07-15T11:30:00.000Z' }]);
  });

  it('Australia/Lord_Howe (30-minute DST): 94 quarter-hours on 4 Oct 2026, 98 on 5 Apr 2026, and 02:15 in its gap read at +10:30', async () => {
    const zone = 'Australia/Lord_Howe';
    const user = await userWith(zone, allDay);
    expect(total(await user.expand(...localDay('2026-10-04', zone))) / QUARTER).toBe(94);
    expect(total(await user.expand(...localDay('2026-04-05', zone))) / QUARTER).toBe(98);
    const gapUser = await userWith(zone, [], { '2026-10-04': [{ start: '02:15', end: '03:00' }] });
    // 02:15 does not exist (02:00 +10:30 → 02:30 +11:00): 02:15+10:30 = 15:45Z the day before; 03:00 +11:00 = 16:00Z.
    expect(isoIntervals(await gapUser.expand(...localDay('2026-10-04', zone)))).toEqual([{ start: '2026-10-03T15:45:00.000Z', end: '2026-10-03T16:00:00.000Z' }]);
  });

  it('applies an override to its local date even when its UTC instants fall on the next (or previous) day', async () => {
    const la = await userWith('America/Los_Angeles', weekdays('09:00', '17:00'), { '2026-06-10': [{ start: '18:00', end: '23:00' }], '2026-06-12': [] });
    expect(isoIntervals(await la.expand(Date.parse('2026-06-10T00:00:00Z'), Date.parse('2026-06-14T00:00:00Z')))).toEqual([
      // Wed 10 Jun, 18:00–23:00 PDT: Thu 01:00–06:00Z; the weekly 09:00–17:00 of that Wednesday is gone.
      { start: '2026-06-11T01:00:00.000Z', end: '2026-06-11T06:00:00.000Z' },
      // Thu 11 Jun keeps its weekly hours; Fri 12 Jun is off.
      { start: '2026-06-11T16:00:00.000Z', end: '2026-06-12T00:00:00.000Z' },
    ]);
    const auckland = await userWith('Pacific/Auckland', weekdays('09:00', '17:00'), { '2026-06-10': [{ start: '06:00', end: '10:00' }] });
    // Wed 10 Jun in Auckland (+12:00) begins on Tue 9 Jun in UTC: 06:00–10:00 is 9 Jun 18:00–22:00Z, and the
    // Wednesday's weekly 09:00–17:00 (9 Jun 21:00Z – 10 Jun 05:00Z) is replaced.
    expect(isoIntervals(await auckland.expand(Date.parse('2026-06-09T06:00:00Z'), Date.parse('2026-06-10T12:00:00Z')))).toEqual([
      { start: '2026-06-09T18:00:00.000Z', end: '2026-06-09T22:00:00.000Z' },
    ]);
  });

  it('re-resolves the same wall clock when the user moves their hours to another zone; a profile zone change alone moves nothing', async () => {
    const user = await userWith(BERLIN, weekdays('09:00', '17:00'), { '2026-06-16': [{ start: '13:00', end: '15:00' }] });
    const range = [Date.parse('2026-06-15T00:00:00Z'), Date.parse('2026-06-17T00:00:00Z')] as const;
    expect(isoIntervals(await user.expand(...range))).toEqual([
      { start: '2026-06-15T07:00:00.000Z', end: '2026-06-15T15:00:00.000Z' },
      { start: '2026-06-16T11:00:00.000Z', end: '2026-06-16T13:00:00.000Z' },
    ]);
    const profile = await ok(user.account.http.patch('/v1/me', { timezone: 'America/New_York' }));
    await ok(user.account.http.get('/v1/me/availability', { 'X-Min-Position': profile.headers.get('x-position')! }));
    expect(isoIntervals(await user.expand(...range))).toEqual([
      { start: '2026-06-15T07:00:00.000Z', end: '2026-06-15T15:00:00.000Z' },
      { start: '2026-06-16T11:00:00.000Z', end: '2026-06-16T13:00:00.000Z' },
    ]);
    const moved = await ok(user.account.http.put('/v1/me/availability', { timezone: 'Asia/Kolkata', intervals: weekdays('09:00', '17:00') }));
    await ok(user.account.http.get('/v1/me/availability', { 'X-Min-Position': moved.body.position }));
    // The override stays on its local date, now read in Kolkata.
    expect(isoIntervals(await user.expand(...range))).toEqual([
      { start: '2026-06-15T03:30:00.000Z', end: '2026-06-15T11:30:00.000Z' },
      { start: '2026-06-16T07:30:00.000Z', end: '2026-06-16T09:30:00.000Z' },
    ]);
    const person = (await loadPeople(app.tessera.knex, [user.account.id])).get(user.account.id)!;
    expect(person.profileTimezone).toBe('America/New_York');
    expect(person.hours?.zone).toBe('Asia/Kolkata');
  });
});
