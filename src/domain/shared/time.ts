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
  const known = canonicalZones.get(timeZone);
  if (known !== undefined) return known;
  if (timeZone.length > 64 || !IANA_NAME.test(timeZone)) return undefined;
  let canonical: string;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
    canonical = resolved.toLowerCase() === timeZone.toLowerCase() ? resolved : timeZone;
  } catch {
    return undefined;
  }
  if (canonicalZones.size < MAX_REMEMBERED_ZONES) canonicalZones.set(timeZone, canonical);
  return canonical;
}

// Building an Intl.DateTimeFormat costs tens of microseconds, and every expansion checks
// its zone. The answer depends only on the process's tz data, so valid spellings are
// remembered (invalid ones never are, and the spellings kept are bounded).
const MAX_REMEMBERED_ZONES = 4096;
const canonicalZones = new Map<string, string>();

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

/** An instant (epoch ms) as ISO-8601 UTC ('…Z'), as the API writes instants. */
export const isoOf = (instant: Instant): string => new Date(instant).toISOString();

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

/** `offsetAt` gives the zone's UTC offset (minutes) at an instant. */
function resolveInValidZone(date: string, time: string, zone: string, offsetAt = (instant: Instant) => offsetMinutesAt(instant, zone)): Instant {
  const naive = naiveMidnight(date) + minutesOfDay(time) * MINUTE_MS;
  // The offsets in force a day either side: no zone changes its offset twice in two days.
  const before = offsetAt(naive - DAY_MS);
  const after = offsetAt(naive + DAY_MS);
  const readings = [before, after]
    .map((offset) => ({ offset, instant: naive - offset * MINUTE_MS }))
    .filter(({ offset, instant }) => offsetAt(instant) === offset);
  // None: the time is in a gap, read with the offset from before it. Two: a fold, the
  // first occurrence is the earlier instant.
  if (readings.length === 0) return naive - before * MINUTE_MS;
  return Math.min(...readings.map((reading) => reading.instant));
}

/**
 * The zone's offset at any instant from two lookups per UTC day, remembered: when a day
 * starts and ends with the same offset it holds all day (no zone changes its offset twice
 * in two days); otherwise the change is found to the millisecond by bisection.
 */
function offsetsByDay(zone: string): { at(instant: Instant): number; steadyOver(from: Instant, to: Instant): number | undefined } {
  const changes = new Map<number, { at: Instant; before: number; after: number } | null>();
  const midnightOffset = (day: number) => offsetAtUtcMidnight(zone, day);
  const changeOn = (day: number) => {
    if (changes.has(day)) return changes.get(day)!;
    const before = midnightOffset(day);
    const after = midnightOffset(day + 1);
    let change: { at: Instant; before: number; after: number } | null = null;
    if (before !== after) {
      // The first instant of the day with the new offset.
      let low = day * DAY_MS;
      let high = (day + 1) * DAY_MS;
      while (high - low > 1) {
        const mid = Math.floor((low + high) / 2);
        if (offsetMinutesAt(mid, zone) === before) low = mid;
        else high = mid;
      }
      change = { at: high, before, after };
    }
    changes.set(day, change);
    return change;
  };
  return {
    at(instant) {
      const day = Math.floor(instant / DAY_MS);
      const change = changeOn(day);
      if (change === null) return midnightOffset(day);
      return instant < change.at ? change.before : change.after;
    },
    // The offset when every UTC midnight from `from`'s day to the one after `to` has it
    // (then no change falls in between); undefined when one differs.
    steadyOver(from, to) {
      const offset = midnightOffset(Math.floor(from / DAY_MS));
      for (let day = Math.floor(from / DAY_MS) + 1; day <= Math.floor(to / DAY_MS) + 1; day++) if (midnightOffset(day) !== offset) return undefined;
      return offset;
    },
  };
}

// A zone's offset at a UTC midnight depends only on the process's tz data, and asking
// luxon (Intl's formatToParts) costs microseconds: every request expanding hours over the
// same weeks would ask again. Remembered for valid zones, up to a bound.
const MAX_REMEMBERED_MIDNIGHTS = 200_000;
const midnightOffsets = new Map<string, number>();
function offsetAtUtcMidnight(zone: string, day: number): number {
  const key = `${zone} ${day}`;
  let offset = midnightOffsets.get(key);
  if (offset === undefined) {
    offset = offsetMinutesAt(day * DAY_MS, zone);
    if (midnightOffsets.size < MAX_REMEMBERED_MIDNIGHTS) midnightOffsets.set(key, offset);
  }
  return offset;
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
export interface LocalDay {
  date: string;
  weekday: Weekday;
  /**
   * Set when the zone keeps one offset (minutes) over everything a wall-clock time on this
   * date can reach: then every time of the date is `naiveMidnight + time − offset`, with
   * no gap or fold to decide. Unset: each time goes through `resolveLocal`.
   */
  steady?: { naiveMidnight: number; offsetMinutes: number };
}

export interface ZoneRules {
  requireZone(zone: string): void;
  resolveLocal(date: string, time: string, zone: string): Instant;
  /** The local dates (and weekdays) expandWeeklyHours walks for [from, to) in `zone`. */
  localDays(zone: string, from: Instant, to: Instant): readonly LocalDay[];
}

export const zoneRules: ZoneRules = { requireZone, resolveLocal, localDays: (zone, from, to) => localDaysAround(zone, from, to) };

/**
 * Zone rules that remember each answer: for expanding many people's hours over the same
 * range (suggestions), where the same (zone, date, time) recurs for everyone in a zone and
 * luxon's zone arithmetic would otherwise dominate. Make one per request; it grows with
 * the distinct (zone, date, time) triples asked.
 */
export function memoizedZoneRules(): ZoneRules {
  const instants = new Map<string, Instant>();
  const days = new Map<string, LocalDay[]>();
  const offsets = new Map<string, ReturnType<typeof offsetsByDay>>();
  const zones = new Set<string>();
  const checkZone = (zone: string) => {
    if (zones.has(zone)) return;
    requireZone(zone);
    zones.add(zone);
  };
  const offsetsIn = (zone: string) => {
    let found = offsets.get(zone);
    if (!found) offsets.set(zone, (found = offsetsByDay(zone)));
    return found;
  };
  return {
    requireZone: checkZone,
    resolveLocal(date, time, zone) {
      const key = `${zone} ${date} ${time}`;
      let instant = instants.get(key);
      if (instant === undefined) {
        checkZone(zone);
        const zoneOffsets = offsetsIn(zone);
        instants.set(key, (instant = resolveInValidZone(date, time, zone, (at) => zoneOffsets.at(at))));
      }
      return instant;
    },
    localDays(zone, from, to) {
      const key = `${zone} ${from} ${to}`;
      let list = days.get(key);
      if (list === undefined) days.set(key, (list = localDaysAround(zone, from, to).map((day) => withSteadyOffset(day, offsetsIn(zone)))));
      return list;
    },
  };
}

export interface HoursExpander {
  /** The memoised zone rules it expands with (for other expansions over the same range). */
  rules: ZoneRules;
  expand(hours: WeeklyHours): InstantInterval[];
}

/**
 * Expands many people's hours over one range (one per request): zone lookups memoised,
 * and each hours object expanded once — people with the same rules (a team's office
 * hours) share one object when they come from the read model (loadPeople).
 */
export function hoursExpander(from: Instant, to: Instant): HoursExpander {
  const rules = memoizedZoneRules();
  const expanded = new Map<WeeklyHours, InstantInterval[]>();
  return {
    rules,
    expand(hours) {
      let intervals = expanded.get(hours);
      if (!intervals) expanded.set(hours, (intervals = expandWeeklyHours(hours, from, to, rules)));
      return intervals;
    },
  };
}

/**
 * resolveInValidZone reads offsets up to a day either side of the naive time (up to 24:00)
 * and checks them at instants up to 14 h further: steady over two days of margin either
 * side, it can only answer `naive − offset`.
 */
function withSteadyOffset(day: LocalDay, offsets: ReturnType<typeof offsetsByDay>): LocalDay {
  const midnight = naiveMidnight(day.date);
  const offsetMinutes = offsets.steadyOver(midnight - 2 * DAY_MS, midnight + 3 * DAY_MS);
  return offsetMinutes === undefined ? day : { ...day, steady: { naiveMidnight: midnight, offsetMinutes } };
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
  const weekly = byWeekday(hours.intervals);
  const instantOn = (day: LocalDay, time: string) =>
    day.steady ? day.steady.naiveMidnight + (minutesOfDay(time) - day.steady.offsetMinutes) * MINUTE_MS : rules.resolveLocal(day.date, time, hours.zone);
  const intervals: InstantInterval[] = [];
  for (const day of rules.localDays(hours.zone, from, to)) {
    for (const { start, end } of hours.overrides?.[day.date] ?? weekly[day.weekday]) {
      const clipped = { start: Math.max(from, instantOn(day, start)), end: Math.min(to, instantOn(day, end)) };
      if (clipped.start < clipped.end) intervals.push(clipped);
    }
  }
  return mergeIntervals(intervals);
}

function byWeekday(intervals: readonly WeeklyInterval[]): Record<Weekday, WallClockInterval[]> {
  const table = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] } as Record<Weekday, WallClockInterval[]>;
  for (const interval of intervals) table[interval.day].push(interval);
  return table;
}

/**
 * The local dates whose intervals can reach into [from, to) in `zone`, with their weekdays:
 * one date of margin either side, since a date's intervals can reach past its own local
 * day when a gap or fold sits at midnight.
 */
function localDaysAround(zone: string, from: Instant, to: Instant): LocalDay[] {
  const days: LocalDay[] = [];
  const last = addDays(localDateOf(to, zone), 1);
  for (let date = addDays(localDateOf(from, zone), -1); date <= last; date = addDays(date, 1)) days.push({ date, weekday: weekdayOf(date) });
  return days;
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
