/**
 * The recommendations body (docs/scheduling.md §3): one schema and one builder, used by
 * `GET /v1/meetings/:id/recommendations` and by the `meeting:<id>` live update's `top`.
 */
import { z } from 'zod';
import type { Recommendation } from '../../domain/scheduling/recommendations.js';
import { isoOf } from '../../domain/shared/time.js';
import { EXAMPLE, field, instantField } from '../dtoFields.js';

const userIds = (what: string) => field(z.array(z.string()), what, [EXAMPLE.userId]);

export const recommendationSchema = z
  .object({
    start: instantField('Start of the candidate time'),
    end: instantField('End of the candidate time (start + the meeting duration)'),
    yes: userIds('Participants with a yes slot covering the whole time.'),
    ifNeedBe: userIds('Participants whose slots cover it only with if-need-be.'),
    calendarFree: userIds('Participants who have not submitted, whose weekly hours cover the time and who are not busy then.'),
    unavailable: field(
      z.array(
        z.object({
          userId: field(z.string(), 'The participant.', EXAMPLE.userId),
          reason: field(
            z.enum(['no', 'declined', 'busy', 'outside-hours', 'not-submitted']),
            'The first that applies: declined (the invitation); no (submitted, but no slot covers the time); busy (not submitted, and a meeting or a ticketed event overlaps); not-submitted (no submission and no weekly hours); outside-hours (not submitted, and the weekly hours do not cover the time).',
            'busy',
          ),
        }),
      ),
      'Everyone else, each with why the time does not work for them.',
      [{ userId: EXAMPLE.userId, reason: 'busy' }],
    ),
    requiredAvailable: field(z.boolean(), 'Whether every required participant is yes or if-need-be.', true),
    availableCount: field(z.number().int().min(0), 'yes + if-need-be.', 2),
    participantCount: field(z.number().int().min(0), 'Participants of the meeting.', 3),
  })
  .meta({ id: 'Recommendation', description: 'A candidate time of a poll, with every participant explained.' });

export const recommendationsSchema = z.object({
  items: field(
    z.array(recommendationSchema),
    'The best candidates first: required participants available, then yes + if-need-be, then yes, then calendar-free, then the earliest start.',
    [],
  ),
});

export type RecommendationBody = z.input<typeof recommendationSchema>;

export function recommendationDto(r: Recommendation): RecommendationBody {
  return {
    start: isoOf(r.start),
    end: isoOf(r.end),
    yes: r.yes,
    ifNeedBe: r.ifNeedBe,
    calendarFree: r.calendarFree,
    unavailable: r.unavailable,
    requiredAvailable: r.requiredAvailable,
    availableCount: r.availableCount,
    participantCount: r.participantCount,
  };
}
