/** `GET /v1/users/:id/free-busy` (docs/scheduling.md §3 Availability): weekly hours + overrides − busy time. */
import type { Knex } from 'knex';
import { z } from 'zod';
import { freeIntervals } from '../../domain/scheduling/suggestions.js';
import { expandWeeklyHours, isoOf } from '../../domain/shared/time.js';
import { readAtCheckpoint } from '../../projections/runtime.js';
import { busyTimeOf, organizesMeetingWith } from '../../projections/scheduling/busyTime.js';
import { BUSY_TIME_PROJECTION } from '../../projections/scheduling/busyTimeProjection.js';
import { sharingAGroupWith } from '../../projections/scheduling/groupMembers.js';
import { loadPeople } from '../../projections/scheduling/people.js';
import { notFoundHttp } from '../problem.js';
import { access, positionHeader, route, type RouteContext, type RouteDefinition } from '../routes.js';
import { queryInstant } from '../schemas.js';
import { freeBusySchema } from './busyDtos.js';
import { checkRange } from './rangeLimits.js';

export interface FreeBusyRouteDeps {
  knex: Knex;
}


/** Who may see a user's free/busy: themself, admins, people sharing a group with them, organizers of a meeting they are invited to. */
async function mayViewFreeBusy(knex: Knex, ctx: RouteContext<{ id: string }, unknown, unknown>): Promise<void> {
  const viewer = ctx.principal!;
  const userId = ctx.params.id;
  if (viewer.userId === userId || viewer.roles.includes('admin')) return;
  if ((await sharingAGroupWith(knex, viewer.userId, [userId])).has(userId)) return;
  if (await organizesMeetingWith(knex, viewer.userId, userId)) return;
  throw notFoundHttp('User');
}

export function freeBusyRoutes({ knex }: FreeBusyRouteDeps): RouteDefinition[] {
  return [
    route({
      method: 'get',
      path: '/v1/users/:id/free-busy',
      summary: "A user's free and busy time over at most 62 days (titles only in one's own)",
      tags: ['scheduling'],
      response: freeBusySchema,
      problems: ['invalid-range', 'range-too-long'],
      access: access.resource('free/busy viewer', (ctx) => mayViewFreeBusy(knex, ctx), 'the user, administrators, members of a group the user belongs to, and organizers of a meeting the user is invited to (others get 404).'),
      params: z.object({ id: z.string().min(1).max(100) }),
      query: z.object({
        from: queryInstant().meta({ description: 'Start of the range (ISO-8601 with offset).' }),
        to: queryInstant().meta({ description: 'End of the range, exclusive; after `from`, at most 62 days later.' }),
      }),
      handler: async (ctx) => {
        const range = checkRange(ctx.query.from, ctx.query.to);
        const userId = ctx.params.id;
        const { value, position } = await readAtCheckpoint(knex, BUSY_TIME_PROJECTION, async (db) => ({
          person: (await loadPeople(db, [userId])).get(userId),
          busy: (await busyTimeOf(db, [userId], ctx.query.from, ctx.query.to)).get(userId)!,
        }));
        if (!value.person) throw notFoundHttp('User');
        const { person, busy } = value;
        const hours = person.hours ? expandWeeklyHours(person.hours, range.from, range.to) : [];
        const free = freeIntervals(hours, busy);
        const own = ctx.principal!.userId === userId;
        return {
          body: {
            userId,
            timezone: person.hours?.zone ?? person.profileTimezone,
            from: ctx.query.from,
            to: ctx.query.to,
            free: free.map((f) => ({ start: isoOf(f.start), end: isoOf(f.end) })),
            busy: busy.map((b) => ({ start: isoOf(b.start), end: isoOf(b.end), kind: b.kind, ...(own && { title: b.title }) })),
          },
          headers: positionHeader(position),
        };
      },
    }),
  ];
}
