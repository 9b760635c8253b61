/**
 * The zod pieces for values that cross the trust boundary, shared by every route (and
 * the later scheduling routes): instants, local dates, time zones, currencies, bigint
 * strings. Each one accepts exactly what the domain and PostgreSQL can hold, so bad
 * input is a 400 naming the field instead of a 500 or an event a projection cannot apply.
 * Text in general (U+0000, lone surrogates) is checked for every route in src/api/routes.ts.
 */
import { z } from 'zod';
import { isIsoCurrency } from '../domain/shared/currency.js';
import { canonicalTimeZone, INSTANT_RANGE, isLocalDate, QUERY_INSTANT_RANGE, instantProblem, toUtcIso } from '../domain/shared/time.js';

/** Long enough for `2030-06-01T18:00:00.123456789+05:30`. */
const MAX_INSTANT_LENGTH = 40;

function instantIn(range: { from: number; until: number }) {
  return z
    .string()
    .max(MAX_INSTANT_LENGTH)
    .transform((value, ctx) => {
      const problem = instantProblem(value, range);
      if (problem === undefined) return toUtcIso(value);
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    });
}

/**
 * An instant Tessera stores (event times, early-bird ends, later meeting times):
 * ISO-8601 with `Z` or an offset, 1970-01-01T00:00:00Z ≤ t < 2200-01-01T00:00:00Z.
 * Normalised to UTC (`…T18:00:00.000Z`).
 */
export const instant = () => instantIn(INSTANT_RANGE);

/** An instant that only bounds a read (a `from`/`to` filter, a cursor): years 0001–9999 in UTC. */
export const queryInstant = () => instantIn(QUERY_INSTANT_RANGE);

/** A calendar date `YYYY-MM-DD` (no zone) whose days lie within the business range (1970–2199). */
export const localDate = () =>
  z
    .string()
    .max(10)
    .refine((value) => {
      if (!isLocalDate(value)) return false;
      const millis = Date.parse(value);
      return millis >= INSTANT_RANGE.from && millis < INSTANT_RANGE.until;
    }, 'must be a date YYYY-MM-DD from 1970-01-01 to 2199-12-31');

/** An IANA time zone the runtime computes with, in its canonical spelling ('europe/berlin' → 'Europe/Berlin'). */
export const timeZone = () =>
  z
    .string()
    .max(64)
    .transform((value, ctx) => {
      const zone = canonicalTimeZone(value);
      if (zone !== undefined) return zone;
      ctx.addIssue({ code: 'custom', message: 'must be an IANA time zone such as Europe/Berlin' });
      return z.NEVER;
    });

/** An ISO 4217 currency code (`EUR`, `JPY`), as the runtime knows them. */
export const currency = () => z.string().max(3).refine(isIsoCurrency, 'must be an ISO 4217 currency code such as EUR');

const MAX_BIGINT = 2n ** 63n - 1n;

/** A non-negative integer written as digits that fits PostgreSQL's bigint (revisions, positions, sequences). */
export const bigintString = () =>
  z
    .string()
    // one check: zod runs every refinement, and BigInt() would throw on non-digits
    .refine((v) => /^\d{1,19}$/.test(v) && BigInt(v) <= MAX_BIGINT, 'must be a non-negative integer below 2^63');
