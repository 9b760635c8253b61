import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expandWeeklyHours, type InstantInterval, type WeeklyHours } from '../shared/time.js';
import type { SlotPreference } from './events.js';
import { candidateStarts, recommend, type Recommendation, type RecommendationInput, type RecommendationParticipant, type Verdict } from './recommendations.js';

const at = (iso: string) => Date.parse(iso);
const span = (start: string, end: string): InstantInterval => ({ start: at(start), end: at(end) });
const slot = (start: string, end: string, preference: SlotPreference = 'yes') => ({ ...span(start, end), preference });
const WEEKDAYS_9_TO_5_BERLIN: WeeklyHours = {
  zone: 'Europe/Berlin',
  intervals: (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((day) => ({ day, start: '09:00', end: '17:00' })),
};
const participant = (userId: string, extra: Partial<RecommendationParticipant> = {}): RecommendationParticipant => ({
  userId,
  required: true,
  slots: null,
  response: 'pending',
  hours: null,
  busy: [],
  ...extra,
});

/** given a poll, when recommending, then …: the whole answer for small cases. */
const given = (input: Partial<RecommendationInput> & Pick<RecommendationInput, 'windows' | 'participants'>) => ({
  recommendations: recommend({ durationMinutes: 60, stepMinutes: 15, limit: 100, ...input }),
});
const iso = (recommendation: Recommendation) => new Date(recommendation.start).toISOString();

describe('candidates', () => {
  it('start every step from each window start while the whole duration fits, a start once when windows overlap', () => {
    const starts = candidateStarts([span('2030-01-07T09:00:00Z', '2030-01-07T10:40:00Z'), span('2030-01-07T09:30:00Z', '2030-01-07T10:30:00Z')], 60, 15);
    expect(starts.map((start) => new Date(start).toISOString())).toEqual([
      '2030-01-07T09:00:00.000Z',
      '2030-01-07T09:15:00.000Z',
      '2030-01-07T09:30:00.000Z',
    ]);
  });

  it('a window exactly the duration long has one candidate; a shorter one none', () => {
    expect(candidateStarts([span('2030-01-07T09:00:00Z', '2030-01-07T10:00:00Z')], 60, 15)).toHaveLength(1);
    expect(candidateStarts([span('2030-01-07T09:00:00Z', '2030-01-07T09:59:00Z')], 60, 15)).toHaveLength(0);
  });
});

describe('verdicts, in the documented order', () => {
  const window = [span('2030-01-07T09:00:00Z', '2030-01-07T10:00:00Z')]; // a Monday; Berlin is UTC+1
  const verdictOf = (p: RecommendationParticipant): { bucket: string; reason?: string } => {
    const [only] = given({ windows: window, participants: [p] }).recommendations;
    for (const bucket of ['yes', 'ifNeedBe', 'calendarFree'] as const) if (only![bucket].includes(p.userId)) return { bucket };
    return { bucket: 'unavailable', reason: only!.unavailable[0]!.reason };
  };

  it('declined comes first, even over a yes slot', () => {
    expect(verdictOf(participant('a', { response: 'declined', slots: [slot('2030-01-07T09:00:00Z', '2030-01-07T10:00:00Z')] }))).toEqual({
      bucket: 'unavailable',
      reason: 'declined',
    });
  });

  it('a submission decides alone: yes, if-need-be, or no — busy time and hours are not asked', () => {
    const busy = [span('2030-01-07T09:00:00Z', '2030-01-07T10:00:00Z')];
    expect(verdictOf(participant('a', { busy, slots: [slot('2030-01-07T09:00:00Z', '2030-01-07T10:00:00Z')] }))).toEqual({ bucket: 'yes' });
    expect(verdictOf(participant('a', { slots: [slot('2030-01-07T08:00:00Z', '2030-01-07T11:00:00Z', 'if-need-be')] }))).toEqual({ bucket: 'ifNeedBe' });
    expect(verdictOf(participant('a', { hours: WEEKDAYS_9_TO_5_BERLIN, slots: [slot('2030-01-07T09:00:00Z', '2030-01-07T09:59:00Z')] }))).toEqual({
      bucket: 'unavailable',
      reason: 'no',
    });
  });

  it('touching slots cover together; yes next to if-need-be covers as if-need-be', () => {
    const yesYes = [slot('2030-01-07T09:00:00Z', '2030-01-07T09:30:00Z'), slot('2030-01-07T09:30:00Z', '2030-01-07T10:00:00Z')];
    const yesMaybe = [slot('2030-01-07T09:00:00Z', '2030-01-07T09:30:00Z'), slot('2030-01-07T09:30:00Z', '2030-01-07T10:00:00Z', 'if-need-be')];
    expect(verdictOf(participant('a', { slots: yesYes }))).toEqual({ bucket: 'yes' });
    expect(verdictOf(participant('a', { slots: yesMaybe }))).toEqual({ bucket: 'ifNeedBe' });
  });

  it('without a submission: busy, then outside-hours, then not-submitted (no hours known), else calendar-free', () => {
    const busy = [span('2030-01-07T09:59:00Z', '2030-01-07T11:00:00Z')];
    expect(verdictOf(participant('a', { busy }))).toEqual({ bucket: 'unavailable', reason: 'busy' });
    expect(verdictOf(participant('a', { busy, hours: WEEKDAYS_9_TO_5_BERLIN }))).toEqual({ bucket: 'unavailable', reason: 'busy' });
    // 09:00Z is 10:00 in Berlin: inside; 07:30Z would be 08:30, outside.
    expect(verdictOf(participant('a', { hours: WEEKDAYS_9_TO_5_BERLIN }))).toEqual({ bucket: 'calendarFree' });
    expect(verdictOf(participant('a', { hours: { ...WEEKDAYS_9_TO_5_BERLIN, overrides: { '2030-01-07': [] } } }))).toEqual({
      bucket: 'unavailable',
      reason: 'outside-hours',
    });
    expect(verdictOf(participant('a'))).toEqual({ bucket: 'unavailable', reason: 'not-submitted' });
    // A withdrawn submission ([]) is no submission.
    expect(verdictOf(participant('a', { slots: [], hours: WEEKDAYS_9_TO_5_BERLIN }))).toEqual({ bucket: 'calendarFree' });
  });

  it('busy time that only touches the span is not a conflict', () => {
    const busy = [span('2030-01-07T08:00:00Z', '2030-01-07T09:00:00Z'), span('2030-01-07T10:00:00Z', '2030-01-07T11:00:00Z')];
    expect(verdictOf(participant('a', { busy, hours: WEEKDAYS_9_TO_5_BERLIN }))).toEqual({ bucket: 'calendarFree' });
  });
});

describe('ranking', () => {
  it('required participants first, then yes + if-need-be, then yes, then calendar-free, then the earliest start', () => {
    const windows = [span('2030-01-07T09:00:00Z', '2030-01-07T13:00:00Z')];
    const { recommendations } = given({
      windows,
      stepMinutes: 60,
      participants: [
        // required: can 09, 10, 11
        participant('boss', { slots: [slot('2030-01-07T09:00:00Z', '2030-01-07T12:00:00Z', 'if-need-be')] }),
        participant('x', { required: false, slots: [slot('2030-01-07T12:00:00Z', '2030-01-07T13:00:00Z'), slot('2030-01-07T10:00:00Z', '2030-01-07T12:00:00Z', 'if-need-be')] }),
        participant('y', { required: false, slots: [slot('2030-01-07T11:00:00Z', '2030-01-07T13:00:00Z'), slot('2030-01-07T09:00:00Z', '2030-01-07T10:00:00Z', 'if-need-be')] }),
        participant('z', { required: false, hours: WEEKDAYS_9_TO_5_BERLIN, busy: [span('2030-01-07T10:00:00Z', '2030-01-07T11:00:00Z')] }),
      ],
    });
    // 11: boss, x, y (1 yes) · 10: boss, x (0 yes) · 09: boss, y, z free · 12: x, y but boss cannot.
    expect(recommendations.map((r) => [iso(r).slice(11, 16), r.requiredAvailable, r.availableCount])).toEqual([
      ['11:00', true, 3],
      ['09:00', true, 2],
      ['10:00', true, 2],
      ['12:00', false, 2],
    ]);
    expect(recommendations[1]).toMatchObject({ yes: [], ifNeedBe: ['boss', 'y'], calendarFree: ['z'], unavailable: [{ userId: 'x', reason: 'no' }] });
    expect(recommendations[2]).toMatchObject({ calendarFree: [], unavailable: [{ userId: 'y', reason: 'no' }, { userId: 'z', reason: 'busy' }] });
  });

  it('returns at most `limit` items, each with participantCount', () => {
    const { recommendations } = given({ windows: [span('2030-01-07T09:00:00Z', '2030-01-07T17:00:00Z')], participants: [participant('a'), participant('b')], limit: 3 });
    expect(recommendations).toHaveLength(3);
    expect(recommendations.map((r) => r.participantCount)).toEqual([2, 2, 2]);
  });
});

/**
 * "Q1 Planning", the seed's worked example made concrete: 60 minutes, two windows, three
 * people, step 15. The seed called one slot 100 % because it counted a slot that merely
 * overlaps the candidate: Alice's yes ends at 10:30, so Monday 10:00–11:00 has only Bob,
 * and nobody can make any time with all three. The real winner is Tuesday 14:00: both
 * required people can come (Alice if need be) and Carol's calendar is free.
 */
describe('Q1 Planning (the seed example, computed)', () => {
  const windows = [span('2026-01-12T09:00:00Z', '2026-01-12T11:00:00Z'), span('2026-01-13T14:00:00Z', '2026-01-13T16:00:00Z')];
  const participants = [
    participant('alice', { slots: [slot('2026-01-12T09:00:00Z', '2026-01-12T10:30:00Z'), slot('2026-01-13T14:00:00Z', '2026-01-13T15:00:00Z', 'if-need-be')] }),
    participant('bob', { slots: [slot('2026-01-12T10:00:00Z', '2026-01-12T11:00:00Z'), slot('2026-01-13T14:00:00Z', '2026-01-13T16:00:00Z')] }),
    participant('carol', { required: false, hours: WEEKDAYS_9_TO_5_BERLIN, busy: [span('2026-01-13T15:00:00Z', '2026-01-13T15:30:00Z')] }),
  ];

  it('ranks Tuesday 14:00 first, then the Monday times with one yes, and no candidate reaches 3 of 3', () => {
    const { recommendations } = given({ windows, participants });
    expect(recommendations[0]).toEqual({
      start: at('2026-01-13T14:00:00Z'),
      end: at('2026-01-13T15:00:00Z'),
      yes: ['bob'],
      ifNeedBe: ['alice'],
      calendarFree: ['carol'],
      unavailable: [],
      requiredAvailable: true,
      availableCount: 2,
      participantCount: 3,
    });
    expect(recommendations.map((r) => `${iso(r).slice(5, 16)} ${r.requiredAvailable ? 'R' : '-'}${r.availableCount}/${r.yes.length}/${r.calendarFree.length}`)).toEqual([
      '01-13T14:00 R2/1/1',
      '01-12T09:00 -1/1/1',
      '01-12T09:15 -1/1/1',
      '01-12T09:30 -1/1/1',
      '01-12T10:00 -1/1/1',
      '01-13T14:15 -1/1/0',
      '01-13T14:30 -1/1/0',
      '01-13T14:45 -1/1/0',
      '01-13T15:00 -1/1/0',
      '01-12T09:45 -0/0/1',
    ]);
    expect(Math.max(...recommendations.map((r) => r.availableCount))).toBe(2);
  });

  it('Monday 10:00 is not 100 %: Alice said yes only until 10:30', () => {
    const monday10 = given({ windows, participants }).recommendations.find((r) => r.start === at('2026-01-12T10:00:00Z'))!;
    expect(monday10).toMatchObject({ yes: ['bob'], calendarFree: ['carol'], unavailable: [{ userId: 'alice', reason: 'no' }], availableCount: 1 });
  });
});

// ---- Against a naive reference: every minute checked one by one, every candidate classified ----

const T0 = Date.parse('2030-01-07T00:00:00Z');
const MIN = 60_000;

function naiveRecommend(input: RecommendationInput): Recommendation[] {
  const starts: number[] = [];
  for (const w of input.windows) {
    for (let s = w.start; s + input.durationMinutes * MIN <= w.end; s += input.stepMinutes * MIN) if (!starts.includes(s)) starts.push(s);
  }
  const inAny = (intervals: readonly InstantInterval[], minute: number) => intervals.some((i) => i.start <= minute && minute + MIN <= i.end);
  const allMinutes = (s: number, e: number, test: (minute: number) => boolean) => {
    for (let m = s; m < e; m += MIN) if (!test(m)) return false;
    return true;
  };
  const verdict = (p: RecommendationParticipant, s: number, e: number): Verdict => {
    if (p.response === 'declined') return 'declined';
    if (p.slots !== null && p.slots.length > 0) {
      if (allMinutes(s, e, (m) => inAny(p.slots!.filter((x) => x.preference === 'yes'), m))) return 'yes';
      return allMinutes(s, e, (m) => inAny(p.slots!, m)) ? 'ifNeedBe' : 'no';
    }
    if (!allMinutes(s, e, (m) => !inAny(p.busy, m))) return 'busy';
    if (p.hours === null) return 'not-submitted';
    const hours = expandWeeklyHours(p.hours, s - 2 * 86_400_000, e + 2 * 86_400_000);
    return allMinutes(s, e, (m) => inAny(hours, m)) ? 'calendarFree' : 'outside-hours';
  };
  const all = starts.map((start) => {
    const end = start + input.durationMinutes * MIN;
    const r: Recommendation = { start, end, yes: [], ifNeedBe: [], calendarFree: [], unavailable: [], requiredAvailable: true, availableCount: 0, participantCount: input.participants.length };
    for (const p of input.participants) {
      const v = verdict(p, start, end);
      if (v === 'yes' || v === 'ifNeedBe' || v === 'calendarFree') r[v].push(p.userId);
      else r.unavailable.push({ userId: p.userId, reason: v });
      if (v === 'yes' || v === 'ifNeedBe') r.availableCount++;
      else if (p.required) r.requiredAvailable = false;
    }
    return r;
  });
  const key = (r: Recommendation) => [r.requiredAvailable ? 0 : 1, -r.availableCount, -r.yes.length, -r.calendarFree.length, r.start];
  all.sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
    return 0;
  });
  return all.slice(0, input.limit);
}

const minuteSpan = (maxStart: number, maxLength: number) =>
  fc.tuple(fc.nat({ max: maxStart }), fc.integer({ min: 1, max: maxLength })).map(([start, length]) => ({ start: T0 + start * MIN, end: T0 + (start + length) * MIN }));
const hoursArb: fc.Arbitrary<WeeklyHours | null> = fc.option(
  fc.record({
    zone: fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'),
    intervals: fc.array(
      fc.tuple(fc.constantFrom('mon' as const, 'tue' as const), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 1, max: 8 })).map(([day, hour, length]) => ({
        day,
        start: `${String(hour).padStart(2, '0')}:00`,
        end: hour + length >= 24 ? '24:00' : `${String(hour + length).padStart(2, '0')}:00`,
      })),
      { maxLength: 3 },
    ),
  }),
);
const participantArb = (userId: string): fc.Arbitrary<RecommendationParticipant> =>
  fc.record({
    userId: fc.constant(userId),
    required: fc.boolean(),
    slots: fc.option(fc.array(fc.tuple(minuteSpan(2_000, 300), fc.constantFrom<SlotPreference>('yes', 'if-need-be')).map(([s, preference]) => ({ ...s, preference })), { maxLength: 4 })),
    response: fc.constantFrom('pending' as const, 'accepted' as const, 'declined' as const, 'tentative' as const),
    hours: hoursArb,
    busy: fc.array(minuteSpan(2_000, 200), { maxLength: 3 }),
  });
const inputArb: fc.Arbitrary<RecommendationInput> = fc
  .record({
    windows: fc.array(minuteSpan(1_800, 600), { minLength: 1, maxLength: 3 }),
    durationMinutes: fc.constantFrom(15, 30, 45, 60, 90),
    stepMinutes: fc.constantFrom(5, 10, 15, 30, 60),
    limit: fc.integer({ min: 1, max: 100 }),
    count: fc.integer({ min: 0, max: 5 }),
  })
  .chain(({ count, ...rest }) =>
    fc.tuple(...Array.from({ length: count }, (_, i) => participantArb(`u${i}`))).map((participants) => ({ ...rest, participants })),
  );

describe('recommend (property)', () => {
  it('equals the naive minute-by-minute reference on random polls', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        expect(recommend(input)).toEqual(naiveRecommend(input));
      }),
      { numRuns: 150 },
    );
  });
});
