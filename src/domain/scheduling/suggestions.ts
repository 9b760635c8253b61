/**
 * Suggested meeting times for a set of people (docs/scheduling.md §3 Suggestions), on
 * numbers only: every instant is epoch milliseconds, and the work is a sweep over each
 * person's interval boundaries, never candidates × people × intervals.
 *
 * - Candidates start at from + k·step while the span fits before `to`.
 * - A person is available for a candidate when their hours (weekly + overrides) cover the
 *   whole span and nothing busy overlaps it. Their hours minus their busy time are
 *   disjoint "open" intervals, and the candidates one open interval contains are a range
 *   of k: each person adds +1/−1 at the ends of their ranges (a difference array), so
 *   counting everyone's availability for every candidate costs O(people × intervals + K).
 * - Minutes outside core hours depend only on the zone, so they are computed once per zone
 *   (a sweep over that zone's core-hour intervals) and weighted by its head count.
 * - The time-of-day term is kept as an integer sum of milliseconds, so the score is the
 *   same value whatever order people are summed in (the tests compare with a naive loop).
 */
import { expandWeeklyHours, type Instant, type InstantInterval, type ZoneRules, WEEKDAYS } from '../shared/time.js';

export const CORE_HOURS_SLACK_MS = 180 * 60_000;
export const WEIGHTS = { availability: 0.5, dateProximity: 0.3, timeOfDay: 0.2 } as const;

export type BusyKind = 'meeting' | 'ticketed-event';
export interface BusyInterval extends InstantInterval {
  kind: BusyKind;
}

export interface SuggestionParticipant {
  userId: string;
  /** Their weekly hours and overrides within the range, sorted and merged; null: they never set hours. */
  hours: readonly InstantInterval[] | null;
  /** Sorted by start; may overlap each other. */
  busy: readonly BusyInterval[];
  /** Key of their core hours in `coreHours` (their zone). */
  zone: string;
}

export interface SuggestionInput {
  from: Instant;
  to: Instant;
  durationMs: number;
  stepMs: number;
  limit: number;
  participants: readonly SuggestionParticipant[];
  /** Core hours as instants within [from, to), sorted and merged, per zone of the participants. */
  coreHours: ReadonlyMap<string, readonly InstantInterval[]>;
}

export type ConflictReason = 'busy' | 'outside-hours' | 'no-availability';
export interface Conflict {
  userId: string;
  reason: ConflictReason;
  busy?: BusyInterval;
}

export interface Suggestion extends InstantInterval {
  score: number;
  breakdown: { availability: number; dateProximity: number; timeOfDay: number };
  available: string[];
  conflicts: Conflict[];
}

/** The candidates' starts: k = 0 … count − 1 at from + k·step. */
export function candidateCount(from: Instant, to: Instant, durationMs: number, stepMs: number): number {
  return to - durationMs < from ? 0 : Math.floor((to - durationMs - from) / stepMs) + 1;
}

/** The best non-overlapping candidates, best first (score, then earlier start). */
export function suggestTimes(input: SuggestionInput): Suggestion[] {
  const { from, to, durationMs, stepMs, participants } = input;
  const count = candidateCount(from, to, durationMs, stepMs);
  const people = participants.length;
  if (count === 0 || people === 0) return [];
  const open = participants.map((p) => freeIntervals(p.hours ?? [], p.busy));
  const availableCount = countAvailable(open, input, count);
  const insideCoreMs = weightedInsideCore(input, count);
  const span = to - durationMs - from;
  const breakdownOf = (k: number) => ({
    availability: availableCount[k]! / people,
    dateProximity: span === 0 ? 1 : 1 - (k * stepMs) / span,
    timeOfDay: insideCoreMs[k]! / (CORE_HOURS_SLACK_MS * people),
  });
  const scoreOf = (b: Suggestion['breakdown']) => WEIGHTS.availability * b.availability + WEIGHTS.dateProximity * b.dateProximity + WEIGHTS.timeOfDay * b.timeOfDay;
  const scores = new Float64Array(count);
  const ranked: number[] = [];
  for (let k = 0; k < count; k++) {
    if (availableCount[k] === 0) continue;
    scores[k] = scoreOf(breakdownOf(k));
    ranked.push(k);
  }
  ranked.sort((a, b) => scores[b]! - scores[a]! || a - b);
  const chosen: number[] = [];
  for (const k of ranked) {
    if (chosen.length >= input.limit) break;
    if (chosen.every((c) => Math.abs(c - k) * stepMs >= durationMs)) chosen.push(k);
  }
  return chosen.map((k) => {
    const start = from + k * stepMs;
    const end = start + durationMs;
    const { available, conflicts } = whoCanCome(participants, open, start, end);
    return { start, end, score: scores[k]!, breakdown: breakdownOf(k), available, conflicts };
  });
}

/**
 * Sorted, merged hours minus busy time (sorted by start, may overlap): the disjoint,
 * sorted intervals in which someone is free.
 */
export function freeIntervals(hours: readonly InstantInterval[], busyTimes: readonly InstantInterval[]): InstantInterval[] {
  const open: InstantInterval[] = [];
  let b = 0;
  for (const interval of hours) {
    let start = interval.start;
    const hoursEnd = interval.end;
    while (b < busyTimes.length && busyTimes[b]!.end <= start) b++;
    for (let i = b; i < busyTimes.length && busyTimes[i]!.start < hoursEnd; i++) {
      const busy = busyTimes[i]!;
      if (busy.start > start) open.push({ start, end: Math.min(busy.start, hoursEnd) });
      start = Math.max(start, busy.end);
    }
    if (start < hoursEnd) open.push({ start, end: hoursEnd });
  }
  return open;
}

/** For each candidate, how many people have one open interval containing its whole span. */
function countAvailable(open: InstantInterval[][], input: SuggestionInput, count: number): Int32Array {
  const { from, durationMs, stepMs } = input;
  const delta = new Int32Array(count + 1);
  for (const intervals of open) {
    for (const { start, end } of intervals) {
      const first = Math.max(0, Math.ceil((start - from) / stepMs));
      const last = Math.min(count - 1, Math.floor((end - durationMs - from) / stepMs));
      if (first <= last) {
        delta[first]!++;
        delta[last + 1]!--;
      }
    }
  }
  const counts = new Int32Array(count);
  let running = 0;
  for (let k = 0; k < count; k++) counts[k] = running += delta[k]!;
  return counts;
}

/** Σ over people of max(0, slack − ms of the span outside their core hours), per candidate. */
function weightedInsideCore(input: SuggestionInput, count: number): Float64Array {
  const headcount = new Map<string, number>();
  for (const p of input.participants) headcount.set(p.zone, (headcount.get(p.zone) ?? 0) + 1);
  const sums = new Float64Array(count);
  for (const [zone, people] of headcount) {
    const core = input.coreHours.get(zone) ?? [];
    let i = 0;
    for (let k = 0; k < count; k++) {
      const start = input.from + k * input.stepMs;
      const end = start + input.durationMs;
      while (i < core.length && core[i]!.end <= start) i++;
      let inside = 0;
      for (let j = i; j < core.length && core[j]!.start < end; j++) inside += Math.min(end, core[j]!.end) - Math.max(start, core[j]!.start);
      sums[k]! += people * Math.max(0, CORE_HOURS_SLACK_MS - (input.durationMs - inside));
    }
  }
  return sums;
}

function whoCanCome(participants: readonly SuggestionParticipant[], open: InstantInterval[][], start: Instant, end: Instant) {
  const available: string[] = [];
  const conflicts: Conflict[] = [];
  participants.forEach((person, index) => {
    if (containing(open[index]!, start, end)) available.push(person.userId);
    else conflicts.push(conflictOf(person, start, end));
  });
  return { available, conflicts };
}

/** Why a person cannot come: the first busy item overlapping the span, else their hours. */
function conflictOf(person: SuggestionParticipant, start: Instant, end: Instant): Conflict {
  const busy = person.busy.find((b) => b.start < end && b.end > start);
  if (busy) return { userId: person.userId, reason: 'busy', busy };
  return { userId: person.userId, reason: person.hours === null ? 'no-availability' : 'outside-hours' };
}

/** Whether one of the sorted, disjoint intervals contains [start, end] (binary search). */
function containing(intervals: readonly InstantInterval[], start: Instant, end: Instant): boolean {
  let low = 0;
  let high = intervals.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const interval = intervals[mid]!;
    if (interval.end < end) low = mid + 1;
    else if (interval.start > start) high = mid - 1;
    else return true;
  }
  return false;
}

/** Core hours `start`–`end` on every day in `zone`, as instants within [from, to). */
export function coreHoursIn(zone: string, core: { start: string; end: string }, from: Instant, to: Instant, rules?: ZoneRules): InstantInterval[] {
  return expandWeeklyHours({ zone, intervals: WEEKDAYS.map((day) => ({ day, ...core })) }, from, to, rules);
}
