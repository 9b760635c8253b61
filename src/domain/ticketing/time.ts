/** Pure helpers over ISO-8601 strings (never a clock). */

// A full date-time with an explicit offset: Date.parse alone accepts too much (local times, "2024").
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export const isIsoDateTime = (value: string): boolean =>
  ISO_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));

export const toMillis = (iso: string): number => Date.parse(iso);

/** Normalises any ISO date-time to UTC `YYYY-MM-DDTHH:mm:ss.sssZ`, the form events record. */
export const toUtcIso = (iso: string): string => new Date(Date.parse(iso)).toISOString();

export const addMinutes = (iso: string, minutes: number): string =>
  new Date(Date.parse(iso) + minutes * 60_000).toISOString();

/** a ≥ b, as instants (works across offsets). */
export const isAtOrAfter = (a: string, b: string): boolean => Date.parse(a) >= Date.parse(b);

export const isValidTimeZone = (timeZone: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
};
