/**
 * The one time-zone rule, for every context: a zone is valid when the runtime's tz
 * database (Intl, which luxon uses too) can compute with it, because that is where all
 * local-time arithmetic happens. PostgreSQL's own zone list is never consulted: no query
 * converts time zones (it may know fewer or other names than Node).
 */

// Region/City style names and the few single-word zones (UTC, GMT, EST5EDT, …); no raw offsets.
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){0,2}$/;

/**
 * `timeZone` with its canonical spelling ('europe/berlin' → 'Europe/Berlin'), or
 * undefined when it is not an IANA time zone. Aliases are kept as given (Intl would
 * turn 'Asia/Kolkata' into 'Asia/Calcutta'). Computation, not I/O.
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
