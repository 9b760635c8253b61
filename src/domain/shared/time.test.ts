/**
 * Golden tests of the time rules (SCHEDULING.md §1; the transitions are those of
 * notes/scheduling-anchors.md §4, tz 2025c as Node 20 carries it) and property tests
 * of the weekly-hours expansion. None is ever skipped.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  canonicalTimeZone,
  expandWeeklyHours,
  localDateOf,
  localTimeOf,
  memoizedZoneRules,
  minutesOfDay,
  offsetMinutesAt,
  resolveLocal,
  WEEKDAYS,
  weekdayOf,
  type InstantInterval,
  type WeeklyHours,
  type WeeklyInterval,
} from './time.js';

const BERLIN = 'Europe/Berlin';
const NEW_YORK = 'America/New_York';
const ms = Date.parse;
const iso = (instant: number) => new Date(instant).toISOString();
const isoIntervals = (intervals: InstantInterval[]) => intervals.map(({ start, end }) => ({ start: iso(start), end: iso(end) }));
const total = (intervals: InstantInterval[]) => intervals.reduce((sum, { start, end }) => sum + end - start, 0);
const QUARTER = 15 * 60_000;
const HOUR = 60 * 60_000;
const allDay = (zone: string): WeeklyHours => ({ zone, intervals: WEEKDAYS.map((day) => ({ day, start: '00:00', end: '24:00' })) });
const nineToFive = (zone: string, days: WeeklyInterval['day'][] = ['mon', 'tue', 'wed', 'thu', 'fri']): WeeklyHours => ({
  zone,
  intervals: days.map((day) => ({ day, start: '09:00', end: '17:00' })),
});

describe('resolveLocal: a wall-clock time on a local date in a zone', () => {
  it('reads a time in the spring gap with the offset from before the gap (02:30 on 29 Mar 2026 in Berlin = 01:30Z)', () => {
    expect(iso(resolveLocal('2026-03-29', '02:30', BERLIN))).toBe('2026-03-29T01:30:00.000Z');
    // Shown as 03:30 CEST: the gap is crossed forward, the instant is a real one.
    expect(localTimeOf(resolveLocal('2026-03-29', '02:30', BERLIN), BERLIN)).toBe('03:30');
    expect(iso(resolveLocal('2026-03-29', '01:59', BERLIN))).toBe('2026-03-29T00:59:00.000Z');
    expect(iso(resolveLocal('2026-03-29', '03:00', BERLIN))).toBe('2026-03-29T01:00:00.000Z');
  });

  it('reads a repeated time in the autumn fold as its first occurrence (02:30 on 25 Oct 2026 in Berlin = 00:30Z)', () => {
    expect(iso(resolveLocal('2026-10-25', '02:30', BERLIN))).toBe('2026-10-25T00:30:00.000Z');
    expect(iso(resolveLocal('2026-10-25', '02:00', BERLIN))).toBe('2026-10-25T00:00:00.000Z');
    expect(iso(resolveLocal('2026-10-25', '03:00', BERLIN))).toBe('2026-10-25T02:00:00.000Z');
    expect(iso(resolveLocal('2026-10-25', '01:59', BERLIN))).toBe('2026-10-24T23:59:00.000Z');
  });

  it('takes 24:00 as the next day’s midnight', () => {
    expect(resolveLocal('2026-03-28', '24:00', BERLIN)).toBe(resolveLocal('2026-03-29', '00:00', BERLIN));
    expect(iso(resolveLocal('2026-12-31', '24:00', 'UTC'))).toBe('2027-01-01T00:00:00.000Z');
  });

  it('knows half-hour zones: Asia/Kolkata is +05:30 all year', () => {
    expect(iso(resolveLocal('2026-01-15', '09:00', 'Asia/Kolkata'))).toBe('2026-01-15T03:30:00.000Z');
    expect(iso(resolveLocal('2026-07-15', '09:00', 'Asia/Kolkata'))).toBe('2026-07-15T03:30:00.000Z');
    expect(localDateOf(ms('2026-07-15T18:29:00Z'), 'Asia/Kolkata')).toBe('2026-07-15');
    expect(localDateOf(ms('2026-07-15T18:30:00Z'), 'Asia/Kolkata')).toBe('2026-07-16');
  });

  it('knows Lord Howe’s 30-minute DST: a 30-minute gap on 4 Oct 2026 and a 30-minute fold on 5 Apr 2026', () => {
    const zone = 'Australia/Lord_Howe';
    // +10:30 → +11:00 at 02:00 local: 02:15 does not exist, read at +10:30.
    expect(iso(resolveLocal('2026-10-04', '02:15', zone))).toBe('2026-10-03T15:45:00.000Z');
    expect(localTimeOf(resolveLocal('2026-10-04', '02:15', zone), zone)).toBe('02:45');
    // +11:00 → +10:30 at 02:00 local: 01:45 happens twice, the first at +11:00.
    expect(iso(resolveLocal('2026-04-05', '01:45', zone))).toBe('2026-04-04T14:45:00.000Z');
    const dayLength = (date: string) => resolveLocal(date, '24:00', zone) - resolveLocal(date, '00:00', zone);
    expect(dayLength('2026-10-04')).toBe(23.5 * HOUR);
    expect(dayLength('2026-04-05')).toBe(24.5 * HOUR);
  });

  it('refuses what is not a date, a wall-clock time or a zone', () => {
    expect(() => resolveLocal('2026-02-30', '09:00', BERLIN)).toThrow(RangeError);
    expect(() => resolveLocal('2026-02-01', '24:01', BERLIN)).toThrow(RangeError);
    expect(() => resolveLocal('2026-02-01', '9:00', BERLIN)).toThrow(RangeError);
    expect(() => resolveLocal('2026-02-01', '09:00', 'Mars/Olympus')).toThrow(RangeError);
    expect(() => minutesOfDay('24:30')).toThrow(RangeError);
  });
});

describe('the zone rule', () => {
  it('canonicalises the spelling and keeps aliases', () => {
    expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('Asia/Kolkata')).toBe('Asia/Kolkata');
    expect(canonicalTimeZone('+02:00')).toBeUndefined();
    expect(canonicalTimeZone('Mars/Olympus')).toBeUndefined();
  });
});

describe('expandWeeklyHours', () => {
  it('gives 92 quarter-hours on 29 Mar 2026 and 100 on 25 Oct 2026 in Berlin (23 h and 25 h days)', () => {
    for (const [date, quarters] of [['2026-03-29', 92], ['2026-10-25', 100], ['2026-03-28', 96]] as const) {
      const from = resolveLocal(date, '00:00', BERLIN);
      const to = resolveLocal(date, '24:00', BERLIN);
      const free = expandWeeklyHours(allDay(BERLIN), from, to);
      expect(total(free) / QUARTER, date).toBe(quarters);
      // Walking the day in instants (+15 min in UTC) labels each quarter with its local date.
      let count = 0;
      for (let t = from; t < to; t += QUARTER) if (localDateOf(t, BERLIN) === date) count += 1;
      expect(count, date).toBe(quarters);
    }
  });

  it('keeps the wall clock across the Berlin transitions and lets UTC move (anchors §4)', () => {
    const hours = nineToFive(BERLIN);
    const weekOf = (from: string, to: string) => isoIntervals(expandWeeklyHours(hours, ms(from), ms(to)));
    expect(weekOf('2026-03-27T00:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
      { start: '2026-03-27T08:00:00.000Z', end: '2026-03-27T16:00:00.000Z' },
      { start: '2026-03-30T07:00:00.000Z', end: '2026-03-30T15:00:00.000Z' },
    ]);
    expect(weekOf('2026-10-23T00:00:00Z', '2026-10-27T00:00:00Z')).toEqual([
      { start: '2026-10-23T07:00:00.000Z', end: '2026-10-23T15:00:00.000Z' },
      { start: '2026-10-26T08:00:00.000Z', end: '2026-10-26T16:00:00.000Z' },
    ]);
  });

  it('resolves each end on its own: hours across the gap shrink, across the fold grow', () => {
    const night: WeeklyHours = { zone: BERLIN, intervals: [{ day: 'sun', start: '01:00', end: '04:00' }] };
    const on = (date: string) => expandWeeklyHours(night, ms(`${date}T00:00:00Z`) - DAY, ms(`${date}T00:00:00Z`) + DAY);
    expect(isoIntervals(on('2026-03-29'))).toEqual([{ start: '2026-03-29T00:00:00.000Z', end: '2026-03-29T02:00:00.000Z' }]);
    expect(isoIntervals(on('2026-10-25'))).toEqual([{ start: '2026-10-24T23:00:00.000Z', end: '2026-10-25T03:00:00.000Z' }]);
    // An interval wholly inside the gap has no instants at all.
    const inGap: WeeklyHours = { zone: BERLIN, intervals: [{ day: 'sun', start: '02:00', end: '03:00' }] };
    expect(expandWeeklyHours(inGap, ms('2026-03-28T00:00:00Z'), ms('2026-03-30T00:00:00Z'))).toEqual([]);
  });

  it('shows New York hours to a Berlin viewer 5 h apart from 8 to 28 Mar and 25 Oct to 1 Nov 2026, 6 h otherwise', () => {
    const hours = nineToFive(NEW_YORK);
    const berlinStartOn = (date: string) => {
      const [first] = expandWeeklyHours(hours, resolveLocal(date, '00:00', NEW_YORK), resolveLocal(date, '24:00', NEW_YORK));
      return localTimeOf(first!.start, BERLIN);
    };
    expect(berlinStartOn('2026-03-06')).toBe('15:00'); // both on standard time
    expect(berlinStartOn('2026-03-09')).toBe('14:00'); // New York on DST, Berlin not yet
    expect(berlinStartOn('2026-03-27')).toBe('14:00');
    expect(berlinStartOn('2026-03-30')).toBe('15:00'); // both on DST
    expect(berlinStartOn('2026-10-23')).toBe('15:00');
    expect(berlinStartOn('2026-10-26')).toBe('14:00'); // Berlin back on standard time, New York not yet
    expect(berlinStartOn('2026-10-30')).toBe('14:00');
    expect(berlinStartOn('2026-11-02')).toBe('15:00');
    // And the other way: Berlin's 09:00 is 04:00 in New York in those weeks, 03:00 otherwise.
    expect(localTimeOf(resolveLocal('2026-03-16', '09:00', BERLIN), NEW_YORK)).toBe('04:00');
    expect(localTimeOf(resolveLocal('2026-03-02', '09:00', BERLIN), NEW_YORK)).toBe('03:00');
  });

  it('applies an override to its local date even when its UTC instants fall on the next day', () => {
    const hours: WeeklyHours = {
      ...nineToFive('America/Los_Angeles'),
      overrides: { '2026-06-10': [{ start: '18:00', end: '23:00' }], '2026-06-12': [] },
    };
    const free = expandWeeklyHours(hours, ms('2026-06-10T00:00:00Z'), ms('2026-06-14T00:00:00Z'));
    expect(isoIntervals(free)).toEqual([
      // Wed 10 Jun (override): 18:00–23:00 PDT is Thu 01:00–06:00Z; the weekly 09:00–17:00 is gone.
      { start: '2026-06-11T01:00:00.000Z', end: '2026-06-11T06:00:00.000Z' },
      // Thu 11 Jun keeps its weekly hours although the override's instants are on the 11th in UTC.
      { start: '2026-06-11T16:00:00.000Z', end: '2026-06-12T00:00:00.000Z' },
      // Fri 12 Jun: an empty override, unavailable all day.
    ]);
  });

  it('re-resolves the same weekly hours in a user’s new zone when the zone changes (wall clock kept)', () => {
    const intervals = nineToFive(BERLIN).intervals;
    const range = [ms('2026-06-15T00:00:00Z'), ms('2026-06-16T00:00:00Z')] as const;
    expect(isoIntervals(expandWeeklyHours({ zone: BERLIN, intervals }, ...range))).toEqual([
      { start: '2026-06-15T07:00:00.000Z', end: '2026-06-15T15:00:00.000Z' },
    ]);
    expect(isoIntervals(expandWeeklyHours({ zone: 'Asia/Kolkata', intervals }, ...range))).toEqual([
      { start: '2026-06-15T03:30:00.000Z', end: '2026-06-15T11:30:00.000Z' },
    ]);
    expect(isoIntervals(expandWeeklyHours({ zone: NEW_YORK, intervals }, ...range))).toEqual([
      { start: '2026-06-15T13:00:00.000Z', end: '2026-06-15T21:00:00.000Z' },
    ]);
  });

  it('clips to the range and merges touching intervals (24:00 meets the next day’s 00:00)', () => {
    const hours: WeeklyHours = {
      zone: 'UTC',
      intervals: [
        { day: 'mon', start: '20:00', end: '24:00' },
        { day: 'tue', start: '00:00', end: '02:00' },
        { day: 'tue', start: '01:00', end: '03:00' },
      ],
    };
    expect(isoIntervals(expandWeeklyHours(hours, ms('2026-06-15T21:00:00Z'), ms('2026-06-16T02:30:00Z')))).toEqual([
      { start: '2026-06-15T21:00:00.000Z', end: '2026-06-16T02:30:00.000Z' },
    ]);
    expect(expandWeeklyHours(hours, ms('2026-06-16T02:30:00Z'), ms('2026-06-16T02:30:00Z'))).toEqual([]);
  });
});

const DAY = 24 * HOUR;
const ZONES = [BERLIN, NEW_YORK, 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/Santiago', 'Pacific/Auckland', 'America/Sao_Paulo', 'UTC'];
const wallClock = fc.integer({ min: 0, max: 96 }).map((quarter) => `${String(Math.floor(quarter / 4)).padStart(2, '0')}:${String((quarter % 4) * 15).padStart(2, '0')}`);
const weeklyInterval = fc
  .record({ day: fc.constantFrom(...WEEKDAYS), a: wallClock, b: wallClock })
  .filter(({ a, b }) => a !== b)
  .map(({ day, a, b }) => ({ day, start: a < b ? a : b, end: a < b ? b : a }));
const weeklyHours = fc.record({ zone: fc.constantFrom(...ZONES), intervals: fc.array(weeklyInterval, { maxLength: 12 }) });
const instant = fc.integer({ min: ms('2025-01-01T00:00:00Z'), max: ms('2028-01-01T00:00:00Z') });

describe('expandWeeklyHours (properties)', () => {
  it('never yields overlapping, touching, unsorted or zero-length intervals, nor any outside the range', () => {
    fc.assert(
      fc.property(weeklyHours, instant, fc.integer({ min: 0, max: 20 * DAY }), (hours, from, length) => {
        const to = from + length;
        const free = expandWeeklyHours(hours, from, to);
        for (const [i, interval] of free.entries()) {
          expect(interval.start).toBeLessThan(interval.end);
          expect(interval.start).toBeGreaterThanOrEqual(from);
          expect(interval.end).toBeLessThanOrEqual(to);
          if (i > 0) expect(interval.start).toBeGreaterThan(free[i - 1]!.end);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('sums a local week to the nominal hours, off by no more than the DST shift of that week', () => {
    fc.assert(
      fc.property(weeklyHours, instant, (hours, someInstant) => {
        const monday = addDays(localDateOf(someInstant, hours.zone), -WEEKDAYS.indexOf(weekdayOf(localDateOf(someInstant, hours.zone))));
        const from = resolveLocal(monday, '00:00', hours.zone);
        const to = resolveLocal(addDays(monday, 7), '00:00', hours.zone);
        const nominal = WEEKDAYS.reduce((sum, day) => sum + unionMinutes(hours.intervals.filter((i) => i.day === day)) * 60_000, 0);
        const shift = Math.abs(offsetMinutesAt(to, hours.zone) - offsetMinutesAt(from, hours.zone)) * 60_000;
        const actual = total(expandWeeklyHours(hours, from, to));
        expect(Math.abs(actual - nominal)).toBeLessThanOrEqual(shift);
        if (shift === 0) expect(actual).toBe(nominal);
      }),
      { numRuns: 300 },
    );
  });
});

function unionMinutes(intervals: readonly WeeklyInterval[]): number {
  const minutes = new Set<number>();
  for (const { start, end } of intervals) for (let m = minutesOfDay(start); m < minutesOfDay(end); m += 1) minutes.add(m);
  return minutes.size;
}

describe('memoizedZoneRules', () => {
  it('gives expandWeeklyHours the same instants as the plain rules, across DST changes, gaps and folds', () => {
    const times = ['00:00', '01:45', '02:00', '02:15', '02:30', '03:00', '09:00', '17:00', '23:30', '24:00'];
    const intervals = WEEKDAYS.flatMap((day) => times.slice(0, -1).map((start, i) => ({ day, start, end: times[i + 1]! })).filter((_, i) => i % 2 === (day === 'sun' ? 0 : 1)));
    const ranges = [
      ['2026-03-20T00:00:00Z', '2026-04-10T00:00:00Z'],
      ['2026-09-28T00:00:00Z', '2026-11-05T00:00:00Z'],
      ['2026-02-01T00:00:00Z', '2026-03-31T00:00:00Z'],
      ['2026-08-25T00:00:00Z', '2026-09-15T00:00:00Z'],
    ] as const;
    const rules = memoizedZoneRules();
    // Santiago, Beirut and Havana change at local midnight; Casablanca leaves and rejoins
    // its offset for Ramadan, weeks apart (February–March 2026).
    for (const zone of [BERLIN, NEW_YORK, 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/St_Johns', 'America/Santiago', 'Asia/Beirut', 'America/Havana', 'Africa/Casablanca']) {
      const hours = { zone, intervals, overrides: { '2026-10-25': [{ start: '02:30', end: '03:00' }], '2026-10-04': [{ start: '02:00', end: '02:45' }] } };
      for (const [from, to] of ranges) {
        const plain = expandWeeklyHours(hours, ms(from), ms(to));
        expect(plain.length).toBeGreaterThan(20);
        expect(expandWeeklyHours(hours, ms(from), ms(to), rules), `${zone} ${from}`).toEqual(plain);
        expect(expandWeeklyHours(hours, ms(from), ms(to), rules), `${zone} ${from} (remembered)`).toEqual(plain);
      }
    }
    expect(() => expandWeeklyHours({ zone: 'Mars/Olympus', intervals }, 0, 86_400_000, rules)).toThrow(RangeError);
  });
});
