/**
 * The shared time module (DESIGN §4 "Time"; the contract is SCHEDULING.md §1). Pure: every
 * instant is passed in, nothing reads a clock. Instants are epoch milliseconds (numbers)
 * or ISO-8601 strings with Z or an offset; local dates are 'YYYY-MM-DD' and wall-clock
 * times 'HH:mm' in an IANA zone.
 *
 * The rules, stated once for every context:
 * - A zone is valid when the runtime's tz database (Intl, which luxon uses) computes with
 *   it; PostgreSQL's zone list is never consulted and no query converts time zones.
 * - A wall-clock time in a DST gap is read with the offset from before the gap (RFC 5545
 *   §3.3.5, Temporal 'compatible'): 02:30 on 29 Mar 2026 in Berlin is 01:30Z.
 * - A repeated wall-clock time (a fold) means its first occurrence: 02:30 on 25 Oct 2026
 *   in Berlin is 00:30Z. Luxon leaves this case undefined, so it is decided here.
 * - Weekly hours are resolved per local date, each end on its own, so on a 23 h or 25 h
 *   day the instants move and the UTC length changes.
 */
import { DateTime } from 'luxon';

// ---- Zones ----

// Region/City style names and the few single-word zones (UTC, GMT, EST5EDT, …); no raw offsets.
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){0,2}$/;

/**
 * `timeZone` with its canonical spelling ('europe/berlin' → 'Europe/Berlin'), or
 * undefined when it is not an IANA time zone. Aliases are kept as given (Intl would
 * turn 'Asia/Kolkata' into 'Asia/Calcutta').
 */
export function canonicalTimeZone(timeZone: string): string | undefined {
  if (timeZone.length > 64 || !IANA_NAME.test(timeZone)) return undefined;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
    return resolved.toLowerCase() === timeZone.toLowerCase() ? resolved : timeZone;
  } catch {
    return undefined;
  }
}

export const isValidTimeZone = (timeZone: string): boolean => canonicalTimeZone(timeZone) !== undefined;

// ---- Instants (ISO-8601 strings) ----

/**
 * The instants Tessera accepts for what it stores and schedules (events, meetings):
 * 1970-01-01T00:00:00Z ≤ t < 2200-01-01T00:00:00Z. Far inside what PostgreSQL, JavaScript
 * dates and the tz database handle well, and wide enough for any real booking.
 */
export const INSTANT_RANGE = { from: Date.parse('1970-01-01T00:00:00Z'), until: Date.parse('2200-01-01T00:00:00Z') } as const;
/** What a read may be bounded by (filters, cursors): any instant with a year 0001–9999 in UTC. */
export const QUERY_INSTANT_RANGE = { from: Date.parse('0001-01-01T00:00:00Z'), until: Date.parse('+010000-01-01T00:00:00Z') } as const;

// A full date-time with an explicit offset (Z or ±hh:mm): Date.parse alone accepts too
// much (local times, "2024", 30 February).
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** Epoch milliseconds of an ISO-8601 date-time with an offset that names a real calendar time, else undefined. */
export function parseIsoDateTime(value: string): number | undefined {
  const m = ISO_DATE_TIME.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second = 0, offsetHours = 0, offsetMinutes = 0] = m.slice(1).map((part) => (part === undefined ? undefined : Number(part)));
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth(year!, month!)) return undefined;
  if (hour! > 23 || minute! > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  const millis = Date.parse(value);
  return Number.isNaN(millis) ? undefined : millis;
}

export const isIsoDateTime = (value: string): boolean => parseIsoDateTime(value) !== undefined;

/** Why `value` is not an instant Tessera stores (see INSTANT_RANGE), or undefined when it is one. */
export function instantProblem(value: string, range: { from: number; until: number } = INSTANT_RANGE): string | undefined {
  const millis = parseIsoDateTime(value);
  if (millis === undefined) return 'must be an ISO-8601 date-time with Z or an offset, such as 2030-06-01T18:00:00Z';
  if (millis < range.from || millis >= range.until) {
    return `must be from ${new Date(range.from).toISOString()} and before ${new Date(range.until).toISOString()}`;
  }
  return undefined;
}

export const toMillis = (iso: string): number => Date.parse(iso);

/** Normalises any ISO date-time to UTC `YYYY-MM-DDTHH:mm:ss.sssZ`, the form events record. */
export const toUtcIso = (iso: string): string => new Date(Date.parse(iso)).toISOString();

export const addMinutes = (iso: string, minutes: number): string =>
  new Date(Date.parse(iso) + minutes * 60_000).toISOString();

/** a ≥ b, as instants (works across offsets). */
export const isAtOrAfter = (a: string, b: string): boolean => Date.parse(a) >= Date.parse(b);

// ---- Local dates and wall-clock times ----

/** Epoch milliseconds. */
export type Instant = number;
export interface InstantInterval {
  start: Instant;
  end: Instant;
}

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const WALL_CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** 'YYYY-MM-DD' naming a real calendar date. */
export function isLocalDate(value: string): boolean {
  const m = LOCAL_DATE.exec(value);
  if (!m) return false;
  const [year, month, day] = m.slice(1).map(Number) as [number, number, number];
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** 'HH:mm' from 00:00 to 23:59; `24:00` too when it may end an interval. */
export const isWallClockTime = (value: string, opts: { allowEndOfDay?: boolean } = {}): boolean =>
  WALL_CLOCK.test(value) || (opts.allowEndOfDay === true && value === '24:00');

/** Minutes since local midnight of a wall-clock time (24:00 → 1440). */
export function minutesOfDay(time: string): number {
  if (!isWallClockTime(time, { allowEndOfDay: true })) throw new RangeError(`not a wall-clock time HH:mm: ${time}`);
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

// The date's midnight read as if the zone were UTC: the "naive" millis that local
// arithmetic happens in before an offset is chosen.
function naiveMidnight(date: string): number {
  if (!isLocalDate(date)) throw new RangeError(`not a local date YYYY-MM-DD: ${date}`);
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
}

const dateOfNaive = (naive: number): string => new Date(naive).toISOString().slice(0, 10);

/** The local date `days` after `date` (calendar arithmetic, no zone involved). */
export const addDays = (date: string, days: number): string => dateOfNaive(naiveMidnight(date) + days * DAY_MS);

function requireZone(zone: string): void {
  if (!isValidTimeZone(zone)) throw new RangeError(`not an IANA time zone: ${zone}`);
}

/** The zone's UTC offset at `instant`, in minutes. */
export const offsetMinutesAt = (instant: Instant, zone: string): number => DateTime.fromMillis(instant, { zone }).offset;

/**
 * The instant of a wall-clock time on a local date in `zone`. `24:00` is the next day's
 * midnight (an interval's end). Gap → the offset from before the gap; fold → the first
 * occurrence (see the module comment).
 */
export function resolveLocal(date: string, time: string, zone: string): Instant {
  requireZone(zone);
  return resolveInValidZone(date, time, zone);
}

function resolveInValidZone(date: string, time: string, zone: string): Instant {
  const naive = naiveMidnight(date) + minutesOfDay(time) * MINUTE_MS;
  // The offsets in force a day either side: no zone changes its offset twice in two days.
  const before = offsetMinutesAt(naive - DAY_MS, zone);
  const after = offsetMinutesAt(naive + DAY_MS, zone);
  const readings = [before, after]
    .map((offset) => ({ offset, instant: naive - offset * MINUTE_MS }))
    .filter(({ offset, instant }) => offsetMinutesAt(instant, zone) === offset);
  // None: the time is in a gap, read with the offset from before it. Two: a fold, the
  // first occurrence is the earlier instant.
  if (readings.length === 0) return naive - before * MINUTE_MS;
  return Math.min(...readings.map((reading) => reading.instant));
}

/** The local date ('YYYY-MM-DD') of an instant in `zone`. */
export function localDateOf(instant: Instant | string, zone: string): string {
  requireZone(zone);
  return DateTime.fromMillis(typeof instant === 'string' ? Date.parse(instant) : instant, { zone }).toFormat('yyyy-MM-dd');
}

/** The local wall-clock time ('HH:mm') of an instant in `zone` (for labels). */
export function localTimeOf(instant: Instant | string, zone: string): string {
  requireZone(zone);
  return DateTime.fromMillis(typeof instant === 'string' ? Date.parse(instant) : instant, { zone }).toFormat('HH:mm');
}

// ---- Weekly hours ----

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** The weekday of a local date. */
export const weekdayOf = (date: string): Weekday => WEEKDAYS[(new Date(naiveMidnight(date)).getUTCDay() + 6) % 7]!;

export interface WallClockInterval {
  start: string;
  end: string;
}
export interface WeeklyInterval extends WallClockInterval {
  day: Weekday;
}
export interface WeeklyHours {
  zone: string;
  intervals: readonly WeeklyInterval[];
  /** Keyed by local date in `zone`; replaces that date's weekly hours ([] = unavailable all day). */
  overrides?: Readonly<Record<string, readonly WallClockInterval[]>>;
}

/** The zone lookups expandWeeklyHours makes; the same answers, only faster when memoised. */
export interface ZoneRules {
  requireZone(zone: string): void;
  resolveLocal(date: string, time: string, zone: string): Instant;
  localDateOf(instant: Instant, zone: string): string;
}

export const zoneRules: ZoneRules = { requireZone, resolveLocal, localDateOf };

/**
 * Zone rules that remember each answer: for expanding many people's hours over the same
 * range (suggestions), where the same (zone, date, time) recurs for everyone in a zone and
 * luxon's zone arithmetic would otherwise dominate. Make one per request; it grows with
 * the distinct (zone, date, time) triples asked.
 */
export function memoizedZoneRules(): ZoneRules {
  const instants = new Map<string, Instant>();
  const dates = new Map<string, string>();
  const zones = new Set<string>();
  const checkZone = (zone: string) => {
    if (zones.has(zone)) return;
    requireZone(zone);
    zones.add(zone);
  };
  return {
    requireZone: checkZone,
    resolveLocal(date, time, zone) {
      const key = `${zone} ${date} ${time}`;
      let instant = instants.get(key);
      if (instant === undefined) {
        checkZone(zone);
        instants.set(key, (instant = resolveInValidZone(date, time, zone)));
      }
      return instant;
    },
    localDateOf(instant, zone) {
      const key = `${zone} ${instant}`;
      let date = dates.get(key);
      if (date === undefined) dates.set(key, (date = localDateOf(instant, zone)));
      return date;
    },
  };
}

/**
 * The instants of `hours` within [from, to): every local date is resolved on its own
 * (each end separately), overrides replace their date's weekly intervals, and the result
 * is clipped, sorted and merged (overlapping or touching intervals become one; none has
 * zero length).
 */
export function expandWeeklyHours(hours: WeeklyHours, from: Instant, to: Instant, rules: ZoneRules = zoneRules): InstantInterval[] {
  rules.requireZone(hours.zone);
  if (!(from < to)) return [];
  const intervals: InstantInterval[] = [];
  // One date of margin either side: a date's intervals can reach past its own local day
  // when a gap or fold sits at midnight.
  const last = addDays(rules.localDateOf(to, hours.zone), 1);
  for (let date = addDays(rules.localDateOf(from, hours.zone), -1); date <= last; date = addDays(date, 1)) {
    for (const { start, end } of wallClockIntervalsOn(hours, date)) {
      const clipped = {
        start: Math.max(from, rules.resolveLocal(date, start, hours.zone)),
        end: Math.min(to, rules.resolveLocal(date, end, hours.zone)),
      };
      if (clipped.start < clipped.end) intervals.push(clipped);
    }
  }
  return mergeIntervals(intervals);
}

function wallClockIntervalsOn(hours: WeeklyHours, date: string): readonly WallClockInterval[] {
  const override = hours.overrides?.[date];
  if (override !== undefined) return override;
  const day = weekdayOf(date);
  return hours.intervals.filter((interval) => interval.day === day);
}

/** Sorted, overlapping or touching intervals merged, zero-length ones dropped. */
export function mergeIntervals(intervals: readonly InstantInterval[]): InstantInterval[] {
  const sorted = intervals.filter((i) => i.start < i.end).sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: InstantInterval[] = [];
  for (const interval of sorted) {
    const previous = merged.at(-1);
    if (previous !== undefined && interval.start <= previous.end) previous.end = Math.max(previous.end, interval.end);
    else merged.push({ ...interval });
  }
  return merged;
}
