/**
 * The availability decider (docs/scheduling.md §1, §2, §3 Availability): one stream per
 * user, `availability-<userId>`, holding weekly hours as wall-clock rules in the user's
 * zone and overrides keyed by local date. Rules are normalised here, once, and the
 * events record the normalised form, so replay and every reader see the same thing.
 */
import { assertNever, type Decider } from '../shared/decider.js';
import { forbidden, invalid, notFound, conflict } from '../shared/errors.js';
import type { Command } from '../shared/messages.js';
import {
  canonicalTimeZone,
  isLocalDate,
  isWallClockTime,
  localDateOf,
  minutesOfDay,
  WEEKDAYS,
  type WallClockInterval,
  type WeeklyInterval,
} from '../shared/time.js';
import type { AvailabilityEvent } from './events.js';

/** What a user may keep (docs/scheduling.md §3 "Availability limits"). */
export const AVAILABILITY_LIMITS = {
  /** Intervals of one weekday, or of one override, after merging. */
  intervalsPerDay: 12,
  /** Overrides dated today or later (in the hours' zone); past ones do not count. */
  upcomingOverrides: 366,
} as const;

export type SetWeeklyAvailability = Command<'SetWeeklyAvailability', { userId: string; timezone: string; intervals: WeeklyInterval[] }>;
export type SetAvailabilityOverride = Command<'SetAvailabilityOverride', { userId: string; date: string; intervals: WallClockInterval[] }>;
export type RemoveAvailabilityOverride = Command<'RemoveAvailabilityOverride', { userId: string; date: string }>;
export type AvailabilityCommand = SetWeeklyAvailability | SetAvailabilityOverride | RemoveAvailabilityOverride;

export interface AvailabilityState {
  /** null until the user first sets weekly hours. */
  timezone: string | null;
  intervals: readonly WeeklyInterval[];
  /** Keyed by local date in `timezone`, in date order. */
  overrides: Readonly<Record<string, readonly WallClockInterval[]>>;
}

export const initialAvailabilityState = (): AvailabilityState => ({ timezone: null, intervals: [], overrides: {} });

export function evolveAvailability(state: AvailabilityState, event: AvailabilityEvent): AvailabilityState {
  switch (event.type) {
    case 'WeeklyAvailabilitySet':
      return { ...state, timezone: event.data.timezone, intervals: event.data.intervals };
    case 'AvailabilityOverrideSet':
      return { ...state, overrides: sortedByDate({ ...state.overrides, [event.data.date]: event.data.intervals }) };
    case 'AvailabilityOverrideRemoved': {
      const { [event.data.date]: _removed, ...rest } = state.overrides;
      return { ...state, overrides: rest };
    }
    default:
      return assertNever(event);
  }
}

export function decideAvailability(command: AvailabilityCommand, state: AvailabilityState): AvailabilityEvent[] {
  if (command.meta.actorId !== command.data.userId && command.meta.actorIsAdmin !== true) {
    throw forbidden('actor-mismatch', 'You can only change your own availability.');
  }
  switch (command.type) {
    case 'SetWeeklyAvailability':
      return setWeekly(command, state);
    case 'SetAvailabilityOverride':
      return setOverride(command, state);
    case 'RemoveAvailabilityOverride':
      return removeOverride(command, state);
    default:
      return assertNever(command);
  }
}

export const availabilityDecider: Decider<AvailabilityState, AvailabilityCommand, AvailabilityEvent> = {
  initialState: initialAvailabilityState,
  evolve: evolveAvailability,
  decide: decideAvailability,
};

function setWeekly({ data }: SetWeeklyAvailability, state: AvailabilityState): AvailabilityEvent[] {
  const timezone = canonicalTimeZone(data.timezone);
  if (timezone === undefined) throw invalid('invalid-timezone', `${data.timezone} is not an IANA time zone.`);
  const intervals = normaliseWeekly(data.intervals);
  if (state.timezone === timezone && sameIntervals(state.intervals, intervals)) return [];
  return [{ type: 'WeeklyAvailabilitySet', data: { userId: data.userId, timezone, intervals } }];
}

function setOverride({ data, meta }: SetAvailabilityOverride, state: AvailabilityState): AvailabilityEvent[] {
  const zone = requireHours(state);
  requireDate(data.date);
  const intervals = normaliseDay(data.intervals, data.date);
  const current = state.overrides[data.date];
  if (current !== undefined && sameIntervals(current, intervals)) return [];
  const today = localDateOf(meta.now, zone);
  const upcoming = Object.keys(state.overrides).filter((date) => date >= today && date !== data.date).length;
  if (data.date >= today && upcoming >= AVAILABILITY_LIMITS.upcomingOverrides) {
    throw invalid('too-many-overrides', `At most ${AVAILABILITY_LIMITS.upcomingOverrides} overrides from today on; remove one first.`);
  }
  return [{ type: 'AvailabilityOverrideSet', data: { userId: data.userId, date: data.date, intervals } }];
}

function removeOverride({ data }: RemoveAvailabilityOverride, state: AvailabilityState): AvailabilityEvent[] {
  requireDate(data.date);
  if (state.overrides[data.date] === undefined) throw notFound('availability-override-not-found', `There is no override on ${data.date}.`);
  return [{ type: 'AvailabilityOverrideRemoved', data: { userId: data.userId, date: data.date } }];
}

function requireHours(state: AvailabilityState): string {
  if (state.timezone === null) {
    throw conflict('availability-not-set', 'Set your weekly hours first (PUT /v1/me/availability): overrides are dates in their time zone.');
  }
  return state.timezone;
}

function requireDate(date: string): void {
  if (!isLocalDate(date)) throw invalid('invalid-date', `${date} is not a date YYYY-MM-DD.`);
}

// ---- Normalisation ----

/** Sorted by day then start; overlapping or touching intervals of a day merged; each checked. */
export function normaliseWeekly(intervals: readonly WeeklyInterval[]): WeeklyInterval[] {
  for (const { day } of intervals) {
    if (!(WEEKDAYS as readonly string[]).includes(day)) throw invalid('invalid-availability-interval', `${day} is not a weekday mon…sun.`);
  }
  return WEEKDAYS.flatMap((day) => normaliseDay(intervals.filter((interval) => interval.day === day), day).map((interval) => ({ day, ...interval })));
}

/** One day's intervals sorted by start, overlapping or touching ones merged. `where` names the day in messages. */
export function normaliseDay(intervals: readonly WallClockInterval[], where: string): WallClockInterval[] {
  const minutes = intervals.map((interval) => minutesOf(interval, where)).sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: Array<{ start: number; end: number }> = [];
  for (const interval of minutes) {
    const previous = merged.at(-1);
    if (previous !== undefined && interval.start <= previous.end) previous.end = Math.max(previous.end, interval.end);
    else merged.push({ ...interval });
  }
  if (merged.length > AVAILABILITY_LIMITS.intervalsPerDay) {
    throw invalid('too-many-intervals', `At most ${AVAILABILITY_LIMITS.intervalsPerDay} separate intervals on ${where} (after merging).`);
  }
  return merged.map(({ start, end }) => ({ start: wallClockOf(start), end: wallClockOf(end) }));
}

function minutesOf({ start, end }: WallClockInterval, where: string): { start: number; end: number } {
  if (!isWallClockTime(start)) throw invalid('invalid-availability-interval', `start ${start} on ${where} is not a time HH:mm from 00:00 to 23:59.`);
  if (!isWallClockTime(end, { allowEndOfDay: true })) throw invalid('invalid-availability-interval', `end ${end} on ${where} is not a time HH:mm from 00:01 to 24:00.`);
  const interval = { start: minutesOfDay(start), end: minutesOfDay(end) };
  if (!(interval.start < interval.end)) throw invalid('invalid-availability-interval', `${start}–${end} on ${where}: the start must be before the end.`);
  return interval;
}

const wallClockOf = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

const sameIntervals = (a: readonly WallClockInterval[], b: readonly WallClockInterval[]): boolean => JSON.stringify(a) === JSON.stringify(b);

const sortedByDate = <T>(record: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));

// ---- Invariants (tessera verify, docs/scheduling.md §5) ----

/** What is wrong with a folded availability state; [] when it holds every invariant. */
export function availabilityViolations(state: AvailabilityState): string[] {
  const problems: string[] = [];
  if (state.timezone === null) {
    if (state.intervals.length > 0) problems.push('weekly intervals without a time zone');
    if (Object.keys(state.overrides).length > 0) problems.push('overrides before any weekly hours were set');
    return problems;
  }
  if (canonicalTimeZone(state.timezone) !== state.timezone) problems.push(`time zone ${state.timezone} is not a canonical IANA zone`);
  const check = (what: string, intervals: readonly WallClockInterval[], normalise: () => readonly WallClockInterval[]) => {
    try {
      if (!sameIntervals(intervals, normalise())) problems.push(`${what} are not normalised`);
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message}`);
    }
  };
  check('weekly intervals', state.intervals, () => normaliseWeekly(state.intervals));
  for (const [date, intervals] of Object.entries(state.overrides)) {
    if (!isLocalDate(date)) problems.push(`override key ${date} is not a date`);
    check(`override intervals on ${date}`, intervals, () => normaliseDay(intervals, date));
  }
  return problems;
}
