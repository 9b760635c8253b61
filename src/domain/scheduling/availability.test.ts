import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../../test/support/deciderSpec.js';
import type { WallClockInterval, WeeklyInterval } from '../shared/time.js';
import {
  AVAILABILITY_LIMITS,
  availabilityDecider,
  availabilityViolations,
  type AvailabilityCommand,
  type AvailabilityState,
} from './availability.js';
import type { AvailabilityEvent } from './events.js';

const given = deciderSpec(availabilityDecider);
const ALICE = 'user-alice';
const NOW = '2026-06-01T10:00:00.000Z';
const meta = (actorId = ALICE, now = NOW) => ({ actorId, now });

const setWeekly = (timezone: string, intervals: WeeklyInterval[], actorId = ALICE): AvailabilityCommand => ({
  type: 'SetWeeklyAvailability',
  data: { userId: ALICE, timezone, intervals },
  meta: meta(actorId),
});
const setOverride = (date: string, intervals: WallClockInterval[], now = NOW): AvailabilityCommand => ({
  type: 'SetAvailabilityOverride',
  data: { userId: ALICE, date, intervals },
  meta: meta(ALICE, now),
});
const removeOverride = (date: string): AvailabilityCommand => ({ type: 'RemoveAvailabilityOverride', data: { userId: ALICE, date }, meta: meta() });

const weeklySet = (timezone: string, intervals: WeeklyInterval[]): AvailabilityEvent => ({
  type: 'WeeklyAvailabilitySet',
  data: { userId: ALICE, timezone, intervals },
});
const overrideSet = (date: string, intervals: WallClockInterval[]): AvailabilityEvent => ({
  type: 'AvailabilityOverrideSet',
  data: { userId: ALICE, date, intervals },
});
const nineToFive = weeklySet('Europe/Berlin', [{ day: 'mon', start: '09:00', end: '17:00' }]);

describe('SetWeeklyAvailability', () => {
  it('records the intervals sorted by day then start, with overlapping and touching ones merged, and the zone’s canonical spelling', () => {
    given([])
      .when(
        setWeekly('europe/berlin', [
          { day: 'wed', start: '13:00', end: '17:00' },
          { day: 'mon', start: '12:00', end: '14:00' },
          { day: 'wed', start: '09:00', end: '13:00' },
          { day: 'mon', start: '09:00', end: '12:30' },
          { day: 'sun', start: '22:00', end: '24:00' },
          { day: 'mon', start: '16:00', end: '18:00' },
          { day: 'mon', start: '16:30', end: '17:00' },
        ]),
      )
      .then([
        weeklySet('Europe/Berlin', [
          { day: 'mon', start: '09:00', end: '14:00' },
          { day: 'mon', start: '16:00', end: '18:00' },
          { day: 'wed', start: '09:00', end: '17:00' },
          { day: 'sun', start: '22:00', end: '24:00' },
        ]),
      ]);
  });

  it('accepts no intervals at all (never available), and records nothing when the hours are unchanged', () => {
    given([]).when(setWeekly('UTC', [])).then([weeklySet('UTC', [])]);
    given([nineToFive]).when(setWeekly('Europe/Berlin', [{ day: 'mon', start: '09:00', end: '17:00' }])).then([]);
    // The same wall clock in another zone is a change.
    given([nineToFive])
      .when(setWeekly('Asia/Kolkata', [{ day: 'mon', start: '09:00', end: '17:00' }]))
      .then([weeklySet('Asia/Kolkata', [{ day: 'mon', start: '09:00', end: '17:00' }])]);
  });

  it('refuses an unknown zone, a time out of range, an end not after its start and a day that is not a weekday', () => {
    given([]).when(setWeekly('Mars/Olympus', [])).thenThrows('invalid-timezone', 'invalid');
    given([]).when(setWeekly('+02:00', [])).thenThrows('invalid-timezone', 'invalid');
    for (const [start, end] of [['24:00', '24:00'], ['09:60', '10:00'], ['9:00', '10:00'], ['10:00', '24:01'], ['10:00', '09:00'], ['10:00', '10:00']]) {
      given([]).when(setWeekly('UTC', [{ day: 'tue', start: start!, end: end! }])).thenThrows('invalid-availability-interval', 'invalid');
    }
    given([]).when(setWeekly('UTC', [{ day: 'xyz' as 'mon', start: '09:00', end: '10:00' }])).thenThrows('invalid-availability-interval');
  });

  it(`allows ${AVAILABILITY_LIMITS.intervalsPerDay} separate intervals a day, counted after merging`, () => {
    const hourly = (count: number, step: number): WeeklyInterval[] =>
      Array.from({ length: count }, (_, i) => ({ day: 'fri', start: `${String(i * step).padStart(2, '0')}:00`, end: `${String(i * step).padStart(2, '0')}:30` }));
    expect(given([]).when(setWeekly('UTC', hourly(12, 2))).thenState().intervals).toHaveLength(12);
    given([]).when(setWeekly('UTC', hourly(13, 1))).thenThrows('too-many-intervals', 'invalid');
    // 24 touching half-hours merge into one interval.
    const touching = Array.from({ length: 24 }, (_, i) => ({ day: 'fri' as const, start: `${String(i).padStart(2, '0')}:00`, end: `${String(i).padStart(2, '0')}:30` }))
      .flatMap((first) => [first, { ...first, start: first.end, end: first.end === '23:30' ? '24:00' : `${String(Number(first.start.slice(0, 2)) + 1).padStart(2, '0')}:00` }]);
    given([]).when(setWeekly('UTC', touching)).then([weeklySet('UTC', [{ day: 'fri', start: '00:00', end: '24:00' }])]);
  });

  it('lets only the user (or an admin) change their hours', () => {
    given([]).when(setWeekly('UTC', [], 'user-mallory')).thenThrows('actor-mismatch', 'forbidden');
    const byAdmin: AvailabilityCommand = { ...setWeekly('UTC', []), meta: { actorId: 'admin', now: NOW, actorIsAdmin: true } };
    given([]).when(byAdmin).then([weeklySet('UTC', [])]);
  });
});

describe('SetAvailabilityOverride', () => {
  it('records one date’s intervals normalised; [] is unavailable all day; unchanged is nothing', () => {
    given([nineToFive])
      .when(setOverride('2026-06-10', [{ start: '18:00', end: '20:00' }, { start: '14:00', end: '18:00' }]))
      .then([overrideSet('2026-06-10', [{ start: '14:00', end: '20:00' }])]);
    given([nineToFive]).when(setOverride('2026-06-12', [])).then([overrideSet('2026-06-12', [])]);
    given([nineToFive, overrideSet('2026-06-12', [])]).when(setOverride('2026-06-12', [])).then([]);
  });

  it('needs weekly hours first: an override is a date in their zone', () => {
    given([]).when(setOverride('2026-06-10', [])).thenThrows('availability-not-set', 'conflict');
  });

  it('refuses a date that is not one and intervals that are not valid', () => {
    given([nineToFive]).when(setOverride('2026-02-30', [])).thenThrows('invalid-date', 'invalid');
    given([nineToFive]).when(setOverride('2026-06-10', [{ start: '12:00', end: '11:00' }])).thenThrows('invalid-availability-interval');
  });

  it(`keeps at most ${AVAILABILITY_LIMITS.upcomingOverrides} overrides from today on (the hours’ zone); past ones do not count`, () => {
    const dates = Array.from({ length: AVAILABILITY_LIMITS.upcomingOverrides }, (_, i) => new Date(Date.parse('2026-06-01') + i * 86_400_000).toISOString().slice(0, 10));
    const full = [nineToFive, ...dates.map((date) => overrideSet(date, []))];
    given(full).when(setOverride('2028-01-01', [])).thenThrows('too-many-overrides', 'invalid');
    // Replacing one that exists, or adding one in the past, is fine.
    given(full).when(setOverride('2026-06-05', [{ start: '10:00', end: '11:00' }])).then([overrideSet('2026-06-05', [{ start: '10:00', end: '11:00' }])]);
    given(full).when(setOverride('2026-05-31', [])).then([overrideSet('2026-05-31', [])]);
    // A day later, 1 June is in the past (in Berlin) and a new date fits.
    given(full).when(setOverride('2028-01-01', [], '2026-06-01T22:30:00.000Z')).then([overrideSet('2028-01-01', [])]);
  });
});

describe('RemoveAvailabilityOverride', () => {
  it('removes an override; a date without one is 404', () => {
    const state = given([nineToFive, overrideSet('2026-06-12', [])]).when(removeOverride('2026-06-12')).thenState();
    expect(state.overrides).toEqual({});
    given([nineToFive]).when(removeOverride('2026-06-12')).thenThrows('availability-override-not-found', 'not-found');
  });
});

describe('evolve and the invariants', () => {
  it('keeps overrides in date order across a zone change (they stay local dates)', () => {
    const state = given([nineToFive, overrideSet('2026-07-02', []), overrideSet('2026-07-01', []), weeklySet('Asia/Kolkata', [])]).state;
    expect(Object.keys(state.overrides)).toEqual(['2026-07-01', '2026-07-02']);
    expect(state.timezone).toBe('Asia/Kolkata');
    expect(availabilityViolations(state)).toEqual([]);
  });

  it('names what a state written by something else than this decider gets wrong', () => {
    const broken: AvailabilityState = {
      timezone: 'Mars/Olympus',
      intervals: [{ day: 'tue', start: '10:00', end: '12:00' }, { day: 'mon', start: '09:00', end: '10:00' }],
      overrides: { '2026-06-01': [{ start: '12:00', end: '11:00' }] },
    };
    expect(availabilityViolations(broken)).toEqual([
      'time zone Mars/Olympus is not a canonical IANA zone',
      'weekly intervals are not normalised',
      expect.stringContaining('override intervals on 2026-06-01: 12:00–11:00'),
    ]);
    expect(availabilityViolations({ timezone: null, intervals: [], overrides: { '2026-06-01': [] } })).toEqual(['overrides before any weekly hours were set']);
  });
});
