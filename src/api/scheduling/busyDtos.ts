/** Response bodies of free/busy and suggestions (docs/scheduling.md §3). */
import { z } from 'zod';
import { EXAMPLE, field, instantField } from '../dtoFields.js';

const userIdField = (description: string) => field(z.string(), description, EXAMPLE.userId);
const kindField = field(z.enum(['meeting', 'ticketed-event']), '`meeting`: a scheduled meeting they organise or accepted (also tentatively); `ticketed-event`: an event they hold seats for.', 'meeting');

export const freeBusySchema = z
  .object({
    userId: userIdField('Whose time this is.'),
    timezone: field(z.string(), 'Their zone: the zone of their weekly hours, else their profile zone.', 'Europe/Berlin'),
    from: instantField('Start of the range asked'),
    to: instantField('End of the range asked (exclusive)'),
    free: field(
      z.array(z.object({ start: instantField('Start'), end: instantField('End') })),
      'Weekly hours and overrides minus busy time, clipped to the range, sorted and merged.',
      [{ start: '2026-12-01T08:00:00.000Z', end: '2026-12-01T12:00:00.000Z' }],
    ),
    busy: field(
      z.array(
        z.object({
          start: instantField('Start (not clipped to the range)'),
          end: instantField('End (not clipped to the range)'),
          kind: kindField,
          title: field(z.string(), 'The meeting’s or event’s title: only in the user’s own free/busy.', 'Q1 Planning').optional(),
        }),
      ),
      'What keeps them busy, overlapping the range, sorted by start.',
      [{ start: '2026-12-01T12:00:00.000Z', end: '2026-12-01T13:00:00.000Z', kind: 'meeting' }],
    ),
  })
  .meta({ id: 'FreeBusy', description: 'A user’s free and busy time over a range.' });

const ratio = (description: string, example: number) => field(z.number().min(0).max(1), `${description} (0..1, 4 decimals).`, example);

export const suggestionsSchema = z
  .object({
    participantCount: field(z.number().int(), 'People counted: the users plus every member of the groups, each once.', 12),
    items: field(
      z.array(
        z.object({
          start: instantField('Start of the suggested time'),
          end: instantField('End (start + durationMinutes)'),
          score: field(z.number(), '0.5·availability + 0.3·dateProximity + 0.2·timeOfDay, rounded to 4 decimals (ranking uses the exact value).', 0.8421),
          breakdown: field(
            z.object({
              availability: ratio('Share of participants available for the whole span', 0.9167),
              dateProximity: ratio('1 at `from`, falling linearly to 0 at the last possible start', 0.75),
              timeOfDay: ratio('Mean over participants of max(0, 1 − minutes outside their core hours / 180)', 1),
            }),
            'The three terms of the score.',
            { availability: 0.9167, dateProximity: 0.75, timeOfDay: 1 },
          ),
          available: field(z.array(z.string()), 'Participants whose hours cover the span with nothing busy in it.', [EXAMPLE.userId]),
          conflicts: field(
            z.array(
              z.object({
                userId: userIdField('Who cannot come.'),
                reason: field(
                  z.enum(['busy', 'outside-hours', 'no-availability']),
                  'The first that applies: `busy` (something overlaps the span), `no-availability` (they never set weekly hours), `outside-hours` (their hours do not cover the span).',
                  'busy',
                ),
                busy: field(
                  z.object({ start: instantField('Start'), end: instantField('End'), kind: kindField }),
                  'The first busy item overlapping the span (reason `busy` only; no title).',
                  { start: '2026-12-01T12:00:00.000Z', end: '2026-12-01T13:00:00.000Z', kind: 'ticketed-event' },
                ).optional(),
              }),
            ),
            'Every participant who cannot come, and why.',
            [{ userId: EXAMPLE.userId, reason: 'outside-hours' }],
          ),
        }),
      ),
      'The best non-overlapping times, best first (at most `limit`); only times at least one participant can make.',
      [],
    ),
  })
  .meta({ id: 'Suggestions', description: 'Suggested meeting times with their scores and who cannot come.' });
