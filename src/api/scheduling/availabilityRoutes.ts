/**
 * The caller's availability (docs/scheduling.md §3 Availability): weekly hours and date
 * overrides. Answers come from the `availability-<userId>` stream itself (the state a
 * write is decided on), so a write is visible to the next read at once.
 */
import type { AvailabilityCommands, AvailabilityResult } from '../../commands/scheduling/availabilityCommands.js';
import { availabilityOverrideInput, overrideDateParams, weeklyAvailabilityInput } from '../../commands/scheduling/availabilityInputs.js';
import type { CommandRuntime } from '../../commands/runtime.js';
import { loadUser } from '../../commands/identity/loadUser.js';
import type { AvailabilityState } from '../../domain/scheduling/index.js';
import { notFound } from '../../domain/shared/errors.js';
import { SCHEDULING_PEOPLE_PROJECTION } from '../../projections/scheduling/availabilityProjection.js';
import type { ProblemCode } from '../problemCodes.js';
import { access, positionHeader, route, type ResponseBody, type RouteDefinition } from '../routes.js';
// the platform's request meta and command answer, which happen to live with the ticketing routes
import { commandResult, meta } from '../ticketing/routeHelpers.js';
import { availabilitySchema } from './availabilityDtos.js';

export interface AvailabilityRouteDeps {
  availability: AvailabilityCommands;
  /** For the profile zone of a user who never set hours. */
  commands: CommandRuntime;
}

const WRITE: ProblemCode[] = ['revision-mismatch', 'contention'];
const INTERVALS: ProblemCode[] = ['invalid-availability-interval', 'too-many-intervals'];

export function availabilityRoutes(deps: AvailabilityRouteDeps): RouteDefinition[] {
  const { availability } = deps;
  /** Until a user sets weekly hours their profile zone stands in (identity's own stream, never a lagging read model). */
  const zoneOf = async (userId: string, state: AvailabilityState): Promise<string> => {
    if (state.timezone !== null) return state.timezone;
    const user = await loadUser(deps.commands, userId);
    if (!user) throw notFound('user-not-found', 'No such user.');
    return user.user.timezone;
  };
  const answer = async (userId: string, result: AvailabilityResult) =>
    commandResult(availabilityDto(userId, result.state, await zoneOf(userId, result.state), result.revision), result);

  return [
    route({
      method: 'get',
      path: '/v1/me/availability',
      summary: "The caller's weekly hours and date overrides (a user who never set hours: no intervals, in their profile zone)",
      tags: ['availability'],
      response: availabilitySchema,
      problems: ['user-not-found'],
      access: access.user,
      // Answered from the stream; X-Min-Position waits for the people read model that free/busy and suggestions read.
      readsProjections: [SCHEDULING_PEOPLE_PROJECTION],
      handler: async (ctx) => {
        const userId = ctx.principal!.userId;
        const { state, revision, position } = await availability.load(userId);
        return { body: availabilityDto(userId, state, await zoneOf(userId, state), revision), ...(revision !== undefined ? { revision } : {}), headers: positionHeader(position) };
      },
    }),
    route({
      method: 'put',
      path: '/v1/me/availability',
      summary: 'Replace the weekly hours and their time zone (normalised: sorted, overlapping or touching intervals merged); honours If-Match',
      tags: ['availability'],
      response: availabilitySchema,
      problems: [...WRITE, 'invalid-timezone', ...INTERVALS],
      access: access.user,
      body: weeklyAvailabilityInput,
      handler: async (ctx) => answer(ctx.principal!.userId, await availability.setWeekly(ctx.body, meta(ctx))),
    }),
    route({
      method: 'put',
      path: '/v1/me/availability/overrides/:date',
      summary: 'Replace the hours of one local date ([] = unavailable all day); needs weekly hours first; honours If-Match',
      tags: ['availability'],
      response: availabilitySchema,
      problems: [...WRITE, 'availability-not-set', 'invalid-date', 'too-many-overrides', ...INTERVALS],
      access: access.user,
      params: overrideDateParams,
      body: availabilityOverrideInput,
      handler: async (ctx) => answer(ctx.principal!.userId, await availability.setOverride(ctx.params.date, ctx.body.intervals, meta(ctx))),
    }),
    route({
      method: 'delete',
      path: '/v1/me/availability/overrides/:date',
      summary: 'Remove the override of one local date (it follows the weekly hours again); honours If-Match',
      tags: ['availability'],
      response: availabilitySchema,
      problems: [...WRITE, 'availability-override-not-found', 'invalid-date'],
      access: access.user,
      params: overrideDateParams,
      handler: async (ctx) => answer(ctx.principal!.userId, await availability.removeOverride(ctx.params.date, meta(ctx))),
    }),
  ];
}

type AvailabilityDto = ResponseBody<typeof availabilitySchema>;

function availabilityDto(userId: string, state: AvailabilityState, timezone: string, revision: bigint | undefined): AvailabilityDto {
  return {
    userId,
    timezone,
    intervals: state.intervals.map(({ day, start, end }) => ({ day, start, end })),
    overrides: Object.fromEntries(Object.entries(state.overrides).map(([date, intervals]) => [date, intervals.map(({ start, end }) => ({ start, end }))])),
    revision: revision === undefined ? null : revision.toString(),
  };
}
