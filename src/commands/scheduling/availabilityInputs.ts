/**
 * The HTTP bodies of the availability use cases (zod, strict). They check the shape and
 * the `HH:mm` spelling (400); what needs the rules — start before end, intervals per day,
 * overrides kept — is the decider's (422), so both entry points refuse the same things.
 */
import { z } from 'zod';
import { localDate, timeZone } from '../../api/schemas.js';
import { isWallClockTime, WEEKDAYS } from '../../domain/shared/time.js';

/** Before normalisation: merging may make fewer of them (docs/scheduling.md, limits). */
export const MAX_INTERVALS_PER_REQUEST = 100;

const startTime = z.string().max(5).refine((value) => isWallClockTime(value), 'must be a time HH:mm from 00:00 to 23:59');
const endTime = z.string().max(5).refine((value) => isWallClockTime(value, { allowEndOfDay: true }), 'must be a time HH:mm from 00:01 to 24:00');
const wallClockInterval = z.object({ start: startTime, end: endTime }).strict();
const weeklyInterval = wallClockInterval.extend({ day: z.enum(WEEKDAYS) }).strict();

export const weeklyAvailabilityInput = z
  .object({ timezone: timeZone(), intervals: z.array(weeklyInterval).max(MAX_INTERVALS_PER_REQUEST) })
  .strict();

export const availabilityOverrideInput = z
  .object({
    // Documented here: the glossary's `intervals` example is of weekly hours (with `day`).
    intervals: z.array(wallClockInterval).max(MAX_INTERVALS_PER_REQUEST).meta({
      description: 'The date’s intervals `{start, end}` (HH:mm, 24:00 may end one; start before end), replacing its weekly hours; [] = unavailable all day.',
      example: [{ start: '10:00', end: '12:00' }],
    }),
  })
  .strict();

/** A local date in the user's hours' zone, 1970–2199. */
export const overrideDateParams = z.object({ date: localDate() });
