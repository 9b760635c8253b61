/**
 * Recommendations for a meeting poll (docs/scheduling.md §3 "Recommendations"). Pure and
 * on numbers: instants are epoch milliseconds, every interval list is merged once per
 * participant, and each candidate is classified with binary searches. Two passes keep the
 * lists small: the first only counts (to rank every candidate), the second names the
 * participants of the candidates that are returned.
 */
import { hoursExpander, mergeIntervals, type Instant, type InstantInterval, type WeeklyHours } from '../shared/time.js';
import type { InvitationResponse, SlotPreference } from './events.js';

export type UnavailableReason = 'no' | 'declined' | 'busy' | 'outside-hours' | 'not-submitted';

export interface RecommendationParticipant {
  userId: string;
  required: boolean;
  /** The current submission; null (or []) when the participant has not submitted or withdrew. */
  slots: ReadonlyArray<InstantInterval & { preference: SlotPreference }> | null;
  response: InvitationResponse | 'pending';
  /** Weekly hours and overrides; null when the person never set any. */
  hours: WeeklyHours | null;
  busy: readonly InstantInterval[];
}

export interface RecommendationInput {
  windows: readonly InstantInterval[];
  durationMinutes: number;
  stepMinutes: number;
  participants: readonly RecommendationParticipant[];
  limit: number;
}

export interface Recommendation {
  start: Instant;
  end: Instant;
  yes: string[];
  ifNeedBe: string[];
  calendarFree: string[];
  unavailable: Array<{ userId: string; reason: UnavailableReason }>;
  requiredAvailable: boolean;
  availableCount: number;
  participantCount: number;
}

export type Verdict = 'yes' | 'ifNeedBe' | 'calendarFree' | UnavailableReason;

const MINUTE_MS = 60_000;

/** The candidates of the windows: every `step` from each window's start while the duration fits; a start once. */
export function candidateStarts(windows: readonly InstantInterval[], durationMinutes: number, stepMinutes: number): Instant[] {
  const duration = durationMinutes * MINUTE_MS;
  const step = stepMinutes * MINUTE_MS;
  const starts = new Set<Instant>();
  for (const window of windows) {
    for (let start = window.start; start + duration <= window.end; start += step) starts.add(start);
  }
  return [...starts].sort((a, b) => a - b);
}

/** A participant's intervals, merged once so that each question is a binary search. */
interface PreparedParticipant {
  userId: string;
  required: boolean;
  declined: boolean;
  /** null: not submitted. */
  yes: InstantInterval[] | null;
  /** Yes and if-need-be together: a span they cover (but yes alone does not) is if-need-be. */
  yesOrIfNeedBe: InstantInterval[] | null;
  hours: InstantInterval[] | null;
  busy: InstantInterval[];
}

function prepare(participant: RecommendationParticipant, expand: (hours: WeeklyHours) => InstantInterval[]): PreparedParticipant {
  const submitted = participant.slots !== null && participant.slots.length > 0;
  return {
    userId: participant.userId,
    required: participant.required,
    declined: participant.response === 'declined',
    yes: submitted ? mergeIntervals(participant.slots!.filter((slot) => slot.preference === 'yes')) : null,
    yesOrIfNeedBe: submitted ? mergeIntervals(participant.slots!) : null,
    hours: participant.hours === null ? null : expand(participant.hours),
    busy: mergeIntervals(participant.busy),
  };
}

// Index of the last interval starting at or before `at`, or -1 (intervals sorted and disjoint).
function lastStartingBy(intervals: readonly InstantInterval[], at: Instant): number {
  let low = 0;
  let high = intervals.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (intervals[middle]!.start <= at) {
      found = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found;
}

const covers = (intervals: readonly InstantInterval[], start: Instant, end: Instant): boolean => {
  const index = lastStartingBy(intervals, start);
  return index >= 0 && intervals[index]!.end >= end;
};

const overlaps = (intervals: readonly InstantInterval[], start: Instant, end: Instant): boolean => {
  // Disjoint and sorted: if the last interval starting before `end` ends by `start`, every earlier one does too.
  const index = lastStartingBy(intervals, end - 1);
  return index >= 0 && intervals[index]!.end > start;
};

/** What one participant is for the span [start, end): the first rule that applies, in the documented order. */
function verdictOf(participant: PreparedParticipant, start: Instant, end: Instant): Verdict {
  if (participant.declined) return 'declined';
  if (participant.yesOrIfNeedBe !== null) {
    if (covers(participant.yes!, start, end)) return 'yes';
    return covers(participant.yesOrIfNeedBe, start, end) ? 'ifNeedBe' : 'no';
  }
  if (overlaps(participant.busy, start, end)) return 'busy';
  if (participant.hours === null) return 'not-submitted';
  return covers(participant.hours, start, end) ? 'calendarFree' : 'outside-hours';
}

interface Tally {
  start: Instant;
  requiredAvailable: boolean;
  available: number;
  yes: number;
  calendarFree: number;
}

/** Rank: required participants available, then yes + if-need-be, then yes, then calendar-free, then earliest start. */
export const compareTallies = (a: Tally, b: Tally): number =>
  Number(b.requiredAvailable) - Number(a.requiredAvailable) ||
  b.available - a.available ||
  b.yes - a.yes ||
  b.calendarFree - a.calendarFree ||
  a.start - b.start;

/** The `limit` best candidates of the poll, each with every participant's verdict. */
export function recommend(input: RecommendationInput): Recommendation[] {
  const starts = candidateStarts(input.windows, input.durationMinutes, input.stepMinutes);
  if (starts.length === 0 || input.limit <= 0) return [];
  const duration = input.durationMinutes * MINUTE_MS;
  const range = { start: starts[0]!, end: starts.at(-1)! + duration };
  const { expand } = hoursExpander(range.start, range.end);
  const participants = input.participants.map((participant) => prepare(participant, expand));

  const tallies: Tally[] = starts.map((start) => {
    const tally = { start, requiredAvailable: true, available: 0, yes: 0, calendarFree: 0 };
    for (const participant of participants) {
      const verdict = verdictOf(participant, start, start + duration);
      if (verdict === 'yes') tally.yes += 1;
      if (verdict === 'yes' || verdict === 'ifNeedBe') tally.available += 1;
      else if (participant.required) tally.requiredAvailable = false;
      if (verdict === 'calendarFree') tally.calendarFree += 1;
    }
    return tally;
  });

  return tallies
    .sort(compareTallies)
    .slice(0, input.limit)
    .map((tally) => explain(participants, tally, duration));
}

function explain(participants: readonly PreparedParticipant[], tally: Tally, duration: number): Recommendation {
  const recommendation: Recommendation = {
    start: tally.start,
    end: tally.start + duration,
    yes: [],
    ifNeedBe: [],
    calendarFree: [],
    unavailable: [],
    requiredAvailable: tally.requiredAvailable,
    availableCount: tally.available,
    participantCount: participants.length,
  };
  for (const participant of participants) {
    const verdict = verdictOf(participant, recommendation.start, recommendation.end);
    if (verdict === 'yes' || verdict === 'ifNeedBe' || verdict === 'calendarFree') recommendation[verdict].push(participant.userId);
    else recommendation.unavailable.push({ userId: participant.userId, reason: verdict });
  }
  return recommendation;
}
