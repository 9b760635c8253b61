/** Pure helpers over ISO-8601 strings (never a clock). */

/**
 * The instants Tessera accepts for what it stores and schedules (events, later meetings):
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

/** The one time-zone rule: the zones Node computes with. */
export { isValidTimeZone } from '../shared/timeZone.js';
