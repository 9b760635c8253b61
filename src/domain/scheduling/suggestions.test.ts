import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InstantInterval } from '../shared/time.js';
import { CORE_HOURS_SLACK_MS, WEIGHTS, coreHoursIn, suggestTimes, type BusyInterval, type Conflict, type Suggestion, type SuggestionInput, type SuggestionParticipant } from './suggestions.js';

const MIN = 60_000;
const at = (iso: string) => Date.parse(iso);
const FROM = at('2026-03-02T00:00:00Z'); // a Monday

/** The naive loop the engine must agree with: every candidate × every person × their intervals. */
function naiveSuggestions(input: SuggestionInput): Suggestion[] {
  const { from, to, durationMs, stepMs, participants } = input;
  const people = participants.length;
  const span = to - durationMs - from;
  const candidates: Array<Suggestion & { k: number }> = [];
  for (let k = 0, start = from; start + durationMs <= to; k++, start = from + k * stepMs) {
    const end = start + durationMs;
    const available: string[] = [];
    const conflicts: Conflict[] = [];
    let inside = 0;
    for (const p of participants) {
      const busy = p.busy.find((b) => b.start < end && b.end > start);
      const covered = (p.hours ?? []).some((h) => h.start <= start && h.end >= end);
      if (covered && !busy) available.push(p.userId);
      else if (busy) conflicts.push({ userId: p.userId, reason: 'busy', busy });
      else conflicts.push({ userId: p.userId, reason: p.hours === null ? 'no-availability' : 'outside-hours' });
      let core = 0;
      for (const c of input.coreHours.get(p.zone) ?? []) core += Math.max(0, Math.min(end, c.end) - Math.max(start, c.start));
      inside += Math.max(0, CORE_HOURS_SLACK_MS - (durationMs - core));
    }
    if (available.length === 0) continue;
    const breakdown = { availability: available.length / people, dateProximity: span === 0 ? 1 : 1 - (k * stepMs) / span, timeOfDay: inside / (CORE_HOURS_SLACK_MS * people) };
    const score = WEIGHTS.availability * breakdown.availability + WEIGHTS.dateProximity * breakdown.dateProximity + WEIGHTS.timeOfDay * breakdown.timeOfDay;
    candidates.push({ k, start, end, score, breakdown, available, conflicts });
  }
  candidates.sort((a, b) => b.score - a.score || a.start - b.start);
  const chosen: Suggestion[] = [];
  for (const c of candidates) {
    if (chosen.length < input.limit && chosen.every((x) => x.end <= c.start || c.end <= x.start)) {
      const { k: _k, ...suggestion } = c;
      chosen.push(suggestion);
    }
  }
  return chosen;
}

const person = (userId: string, hours: InstantInterval[] | null, busy: BusyInterval[] = [], zone = 'UTC'): SuggestionParticipant => ({ userId, hours, busy, zone });
const utcCore = (from: number, to: number) => new Map([['UTC', coreHoursIn('UTC', { start: '10:00', end: '16:00' }, from, to)]]);

describe('suggestTimes', () => {
  const day = { start: FROM + 9 * 60 * MIN, end: FROM + 17 * 60 * MIN }; // 09:00–17:00Z
  const base = { from: FROM, to: FROM + 24 * 60 * MIN, durationMs: 60 * MIN, stepMs: 15 * MIN, limit: 3, coreHours: utcCore(FROM, FROM + 24 * 60 * MIN) };

  it('ranks by availability, then earlier dates and core hours, without overlaps', () => {
    const meeting: BusyInterval = { start: FROM + 9 * 60 * MIN, end: FROM + 10 * 60 * MIN, kind: 'meeting' };
    const items = suggestTimes({ ...base, participants: [person('ann', [day], [meeting]), person('ben', [day])] });
    // 10:00 is the first slot both can make that is inside core hours.
    expect(items.map((i) => new Date(i.start).toISOString())).toEqual(['2026-03-02T10:00:00.000Z', '2026-03-02T11:00:00.000Z', '2026-03-02T12:00:00.000Z']);
    expect(items[0]).toMatchObject({ available: ['ann', 'ben'], conflicts: [], breakdown: { availability: 1, timeOfDay: 1 } });
  });

  it('explains who cannot come: busy (with the item), outside hours, no availability', () => {
    const ticket: BusyInterval = { start: FROM + 8 * 60 * MIN, end: FROM + 18 * 60 * MIN, kind: 'ticketed-event' };
    const [best] = suggestTimes({ ...base, limit: 1, participants: [person('ann', [day]), person('ben', [day], [ticket]), person('cid', [{ start: FROM + 18 * 60 * MIN, end: FROM + 23 * 60 * MIN }]), person('dee', null)] });
    expect(best!.start).toBe(FROM + 10 * 60 * MIN);
    expect(best!.available).toEqual(['ann']);
    expect(best!.conflicts).toEqual([
      { userId: 'ben', reason: 'busy', busy: ticket },
      { userId: 'cid', reason: 'outside-hours' },
      { userId: 'dee', reason: 'no-availability' },
    ]);
  });

  it('offers nothing where nobody can come, and nothing when the span does not fit', () => {
    expect(suggestTimes({ ...base, participants: [person('dee', null)] })).toEqual([]);
    expect(suggestTimes({ ...base, to: FROM + 30 * MIN, participants: [person('ann', [{ start: FROM, end: FROM + 30 * MIN }])] })).toEqual([]);
  });

  it('dateProximity is 1 when exactly one candidate fits', () => {
    const [only] = suggestTimes({ ...base, to: FROM + 60 * MIN, participants: [person('ann', [{ start: FROM, end: FROM + 60 * MIN }])] });
    expect(only!.breakdown.dateProximity).toBe(1);
  });

  it('counts minutes outside core hours in each person’s own zone (Kolkata +05:30 vs UTC)', () => {
    const from = at('2026-03-02T04:30:00Z'); // 10:00 in Kolkata, 04:30 in UTC
    const coreHours = new Map(['UTC', 'Asia/Kolkata'].map((zone) => [zone, coreHoursIn(zone, { start: '10:00', end: '16:00' }, from, from + 60 * MIN)]));
    const open = [{ start: from, end: from + 60 * MIN }];
    const [only] = suggestTimes({ from, to: from + 60 * MIN, durationMs: 60 * MIN, stepMs: 15 * MIN, limit: 1, coreHours, participants: [person('in', open, [], 'Asia/Kolkata'), person('uk', open, [], 'UTC')] });
    // Kolkata: inside (1); UTC: 60 of 60 minutes outside → 1 − 60/180.
    expect(only!.breakdown.timeOfDay).toBeCloseTo((1 + (1 - 60 / 180)) / 2, 12);
  });

  it('core hours follow DST: 10:00 Berlin is 09:00Z before 29 Mar 2026 and 08:00Z after', () => {
    const core = coreHoursIn('Europe/Berlin', { start: '10:00', end: '16:00' }, at('2026-03-28T00:00:00Z'), at('2026-03-31T00:00:00Z'));
    expect(core.map((c) => new Date(c.start).toISOString())).toEqual(['2026-03-28T09:00:00.000Z', '2026-03-29T08:00:00.000Z', '2026-03-30T08:00:00.000Z']);
  });

  it('agrees with the naive loop on small random inputs (property)', () => {
    const DAY = 24 * 60;
    const interval = fc.tuple(fc.integer({ min: 0, max: 2 * DAY }), fc.integer({ min: 1, max: 600 })).map(([s, len]) => ({ start: FROM + s * MIN, end: FROM + (s + len) * MIN }));
    const merged = (list: InstantInterval[]) =>
      list
        .sort((a, b) => a.start - b.start)
        .reduce<InstantInterval[]>((acc, i) => {
          const last = acc.at(-1);
          if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
          else acc.push({ ...i });
          return acc;
        }, []);
    const zone = fc.constantFrom('UTC', 'Asia/Kolkata', 'America/New_York');
    const participant = fc.record({
      hours: fc.option(fc.array(interval, { maxLength: 4 }).map(merged), { nil: null }),
      busy: fc.array(fc.tuple(interval, fc.constantFrom<BusyInterval['kind']>('meeting', 'ticketed-event')), { maxLength: 3 }).map((list) => list.map(([i, kind]) => ({ ...i, kind })).sort((a, b) => a.start - b.start)),
      zone,
    });
    fc.assert(
      fc.property(
        fc.array(participant, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 2 * DAY }),
        fc.constantFrom(5, 10, 15, 30, 60),
        fc.integer({ min: 5, max: 240 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 59 }),
        (list, rangeMinutes, step, duration, limit, offset) => {
          const from = FROM + offset * MIN;
          const to = from + rangeMinutes * MIN;
          const coreHours = new Map(['UTC', 'Asia/Kolkata', 'America/New_York'].map((z) => [z, coreHoursIn(z, { start: '10:00', end: '16:00' }, from, to)]));
          const participants = list.map((p, i) => ({ userId: `u${i}`, ...p }));
          const input = { from, to, durationMs: duration * MIN, stepMs: step * MIN, limit, participants, coreHours };
          expect(suggestTimes(input)).toEqual(naiveSuggestions(input));
        },
      ),
      { numRuns: 200 },
    );
  });
});
