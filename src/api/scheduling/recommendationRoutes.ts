/**
 * `GET /v1/meetings/:id/recommendations` (docs/scheduling.md §3, §6.1): the poll's best
 * candidate times, each participant explained. The meeting is read in one snapshot with
 * the meetings projection's checkpoint (the position answered); people and busy time,
 * separate read models, are then read at once. X-Min-Position waits for all three.
 * Access like the meeting; with `resultsVisibility: organizer` only the organizer sees
 * them (they name who answered what).
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { SCHEDULING_PEOPLE_PROJECTION } from '../../projections/scheduling/availabilityProjection.js';
import { BUSY_TIME_PROJECTION } from '../../projections/scheduling/busyTimeProjection.js';
import { loadMeetingAtCheckpoint } from '../../projections/scheduling/meetings.js';
import { MEETINGS_PROJECTION } from '../../projections/scheduling/meetingsProjection.js';
import { recommendationsOf } from '../../projections/scheduling/recommendationInputs.js';
import { resourceRolesOf, type ResourceAccess } from '../access.js';
import { HttpError } from '../problem.js';
import { positionHeader, route, type RouteContext, type RouteDefinition } from '../routes.js';
import { recommendationDto, recommendationsSchema } from './recommendationDtos.js';

export const RECOMMENDATION_STEPS = [5, 10, 15, 30, 60] as const;

export const recommendationsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(10),
  step: z.coerce
    .number()
    .int()
    .refine((step) => (RECOMMENDATION_STEPS as readonly number[]).includes(step), { message: `must be one of ${RECOMMENDATION_STEPS.join(', ')}` })
    .default(15),
});

/** Whether the caller may see who answered what (the organizer always; participants unless the results are the organizer's). */
export const seesResults = (resultsVisibility: string, ctx: Pick<RouteContext<unknown, unknown, unknown>, 'res'>): boolean => {
  const { roles, asAdmin } = resourceRolesOf(ctx);
  return resultsVisibility !== 'organizer' || roles.includes('organizer') || asAdmin;
};

export function recommendationRoutes(deps: { knex: Knex; resources: ResourceAccess }): RouteDefinition[] {
  return [
    route({
      method: 'get',
      path: '/v1/meetings/:id/recommendations',
      summary: 'The best times of a poll: candidates every step minutes in each window, each participant yes / if-need-be / calendar-free / unavailable with the reason',
      tags: ['meetings'],
      response: recommendationsSchema,
      problems: ['meeting-not-found', 'results-hidden'],
      access: deps.resources.meeting(['organizer', 'participant']),
      params: z.object({ id: z.uuid() }),
      query: recommendationsQuery,
      readsProjections: [MEETINGS_PROJECTION, BUSY_TIME_PROJECTION, SCHEDULING_PEOPLE_PROJECTION],
      handler: async (ctx) => {
        const { value: loaded, position } = await loadMeetingAtCheckpoint(deps.knex, ctx.params.id);
        if (!loaded) throw new HttpError(503, 'projection-behind', 'The meeting is not in the read model yet; retry shortly', { 'Retry-After': '1' });
        if (!seesResults(loaded.meeting.resultsVisibility, ctx)) throw new HttpError(403, 'results-hidden', 'Only the organizer sees the recommendations of this meeting');
        const items = await recommendationsOf(deps.knex, loaded, { limit: ctx.query.limit, stepMinutes: ctx.query.step });
        return { body: { items: items.map(recommendationDto) }, headers: positionHeader(position) };
      },
    }),
  ];
}
