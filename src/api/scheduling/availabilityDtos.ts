/** Response DTOs of availability (docs/scheduling.md §3 Availability): wall-clock rules, never instants. */
import { z } from 'zod';
import { WEEKDAYS } from '../../domain/shared/time.js';
import { EXAMPLE, field, positionField, revisionField } from '../dtoFields.js';

const wallClock = (description: string, example: string) => field(z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/), description, example);

export const wallClockIntervalSchema = z
  .object({
    start: wallClock('Start, local wall-clock time HH:mm in the hours’ time zone.', '09:00'),
    end: wallClock('End, local wall-clock time HH:mm (24:00 = the end of the day); after start.', '17:00'),
  })
  .meta({ id: 'WallClockInterval', description: 'A span of one local day, resolved to instants per date (DST moves the instants, not the wall clock).' });

export const weeklyIntervalSchema = wallClockIntervalSchema
  .extend({ day: field(z.enum(WEEKDAYS), 'The weekday.', 'mon') })
  .meta({ id: 'WeeklyInterval', description: 'Available every week on this weekday from start to end (local time).' });

export const availabilitySchema = z
  .object({
    userId: field(z.string(), 'The user.', EXAMPLE.userId),
    timezone: field(z.string(), 'IANA time zone of the weekly hours and of the override dates (the profile zone until hours are set).', 'Europe/Berlin'),
    intervals: field(z.array(weeklyIntervalSchema), 'Weekly hours, normalised: sorted by day then start, overlapping or touching ones merged.', [
      { day: 'mon', start: '09:00', end: '17:00' },
    ]),
    overrides: field(
      z.record(z.string(), z.array(wallClockIntervalSchema)),
      'Dates (YYYY-MM-DD, local in `timezone`) whose intervals replace that day’s weekly hours; [] = unavailable all day.',
      { '2026-12-24': [], '2026-12-27': [{ start: '10:00', end: '12:00' }] },
    ),
    revision: revisionField.nullable(),
    position: positionField.optional(),
  })
  .meta({ id: 'Availability', description: 'A user’s weekly hours and date overrides, as wall-clock rules in their time zone.' });
