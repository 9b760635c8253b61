/**
 * `POST /v1/scheduling/suggestions` (docs/scheduling.md §3 Suggestions): everything is
 * loaded in a few queries (groups, the caller's co-members, people, busy time), the hours
 * are expanded once per distinct set of rules, and the engine works on numbers
 * (src/domain/scheduling/suggestions.ts). `Server-Timing` tells the load and compute phases apart.
 */
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import { z } from 'zod';
import { coreHoursIn, suggestTimes, type SuggestionParticipant } from '../../domain/scheduling/suggestions.js';
import { hoursExpander, isoOf, isWallClockTime, minutesOfDay, type HoursExpander } from '../../domain/shared/time.js';
import { readAtCheckpoint } from '../../projections/runtime.js';
import { busyTimeOf, type BusyItem } from '../../projections/scheduling/busyTime.js';
import { BUSY_TIME_PROJECTION } from '../../projections/scheduling/busyTimeProjection.js';
import { membersOfGroups, sharingAGroupWith } from '../../projections/scheduling/groupMembers.js';
import { loadPeople, type SchedulingPerson } from '../../projections/scheduling/people.js';
import { HttpError } from '../problem.js';
import { access, positionHeader, route, type RouteDefinition } from '../routes.js';
import { instant } from '../schemas.js';
import { suggestionsSchema } from './busyDtos.js';
import { checkRange } from './rangeLimits.js';

export const MAX_PARTICIPANTS = 1000;
const MINUTE_MS = 60_000;
const STEPS = [5, 10, 15, 30, 60];

export interface SuggestionRouteDeps {
  knex: Knex;
}

const wallClock = (opts: { allowEndOfDay?: boolean } = {}) =>
  z.string().max(5).refine((value) => isWallClockTime(value, opts), opts.allowEndOfDay ? 'must be a wall-clock time HH:mm from 00:00 to 24:00' : 'must be a wall-clock time HH:mm from 00:00 to 23:59');

// Bounded well above the participant limit, so that 1,001 people are a 422 naming the rule, not a body error.
const idList = z.array(z.uuid()).max(5 * MAX_PARTICIPANTS);

export const suggestionsBody = z.object({
  userIds: idList.default([]),
  groupIds: idList.default([]),
  durationMinutes: z.number().int().min(5).max(1440),
  from: instant(),
  to: instant(),
  limit: z.number().int().min(1).max(50).default(5),
  step: z.number().int().refine((value) => STEPS.includes(value), `must be one of ${STEPS.join(', ')}`).default(15),
  // `start`/`end` are wall-clock times here, instants elsewhere: documented on the fields, not by the glossary.
  coreHours: z
    .object({
      start: wallClock().meta({ description: 'Start of the core hours, HH:mm in each participant’s own zone.', example: '10:00' }),
      end: wallClock({ allowEndOfDay: true }).meta({ description: 'End of the core hours, HH:mm (24:00 allowed), after start.', example: '16:00' }),
    })
    .default({ start: '10:00', end: '16:00' }),
});
type SuggestionsBody = z.output<typeof suggestionsBody>;

const round4 = (value: number) => Math.round(value * 10_000) / 10_000;

export function suggestionRoutes({ knex }: SuggestionRouteDeps): RouteDefinition[] {
  return [
    route({
      method: 'post',
      path: '/v1/scheduling/suggestions',
      summary: 'Suggested meeting times for users and groups, scored, with who cannot come and why',
      tags: ['scheduling'],
      response: suggestionsSchema,
      problems: ['not-shareable', 'invalid-range', 'range-too-long', 'invalid-core-hours', 'no-participants', 'too-many-participants'],
      access: access.user,
      body: suggestionsBody,
      handler: async (ctx) => {
        const body = ctx.body;
        const range = checkRange(body.from, body.to);
        if (minutesOfDay(body.coreHours.end) <= minutesOfDay(body.coreHours.start)) throw new HttpError(422, 'invalid-core-hours', '`coreHours.end` must be after `coreHours.start`');
        const started = performance.now();
        const { loaded, position } = await loadParticipants(knex, ctx.principal!.userId, body);
        const loadedAt = performance.now();
        const expander = hoursExpander(range.from, range.to);
        const participants = loaded.ids.map((id) => participantOf(id, loaded.people.get(id), loaded.busy.get(id)!, expander));
        const zones = new Set(participants.map((p) => p.zone));
        const coreHours = new Map([...zones].map((zone) => [zone, coreHoursIn(zone, body.coreHours, range.from, range.to, expander.rules)]));
        const items = suggestTimes({ ...range, durationMs: body.durationMinutes * MINUTE_MS, stepMs: body.step * MINUTE_MS, limit: body.limit, participants, coreHours });
        const computedAt = performance.now();
        return {
          body: {
            participantCount: participants.length,
            items: items.map((item) => ({
              start: isoOf(item.start),
              end: isoOf(item.end),
              score: round4(item.score),
              breakdown: { availability: round4(item.breakdown.availability), dateProximity: round4(item.breakdown.dateProximity), timeOfDay: round4(item.breakdown.timeOfDay) },
              available: item.available,
              conflicts: item.conflicts.map((c) => ({ userId: c.userId, reason: c.reason, ...(c.busy && { busy: { start: isoOf(c.busy.start), end: isoOf(c.busy.end), kind: c.busy.kind } }) })),
            })),
          },
          headers: {
            ...positionHeader(position),
            'Server-Timing': `load;dur=${(loadedAt - started).toFixed(2)}, compute;dur=${(computedAt - loadedAt).toFixed(2)}`,
          },
        };
      },
    }),
  ];
}

/**
 * The participants (users plus group members, each once) with their rules and busy time,
 * after the sharing rule: the caller, members of groups the caller belongs to, and those groups.
 *
 * Each read model is read on its own connection, all at once: they are separate
 * projections with checkpoints of their own, so one snapshot across them would promise
 * nothing more. Busy time is read in one snapshot with its checkpoint, which is the
 * position answered. Whatever a refused request read is dropped unseen.
 */
async function loadParticipants(knex: Knex, callerId: string, body: SuggestionsBody) {
  const groups = await membersOfGroups(knex, body.groupIds);
  const deniedGroups = [...new Set(body.groupIds)].filter((id) => !(groups.get(id) ?? []).some((m) => m.userId === callerId));
  const ids = [...new Set([...body.userIds, ...[...groups.values()].flat().map((m) => m.userId)])];
  if (ids.length > MAX_PARTICIPANTS) throw new HttpError(422, 'too-many-participants', `At most ${MAX_PARTICIPANTS} participants; these are ${ids.length}`);
  const [coMembers, people, busy] = await Promise.all([
    sharingAGroupWith(knex, callerId, body.userIds),
    loadPeople(knex, ids),
    readAtCheckpoint(knex, BUSY_TIME_PROJECTION, (db) => busyTimeOf(db, ids, body.from, body.to)),
  ]);
  const deniedUsers = [...new Set(body.userIds)].filter((id) => id !== callerId && !coMembers.has(id));
  const denied = [...deniedUsers, ...deniedGroups];
  if (denied.length > 0) throw new HttpError(403, 'not-shareable', 'Only yourself, members of your groups and your groups can be asked', {}, { ids: denied });
  if (ids.length === 0) throw new HttpError(422, 'no-participants', 'Name at least one user or group');
  return { loaded: { ids, people, busy: busy.value }, position: busy.position };
}

function participantOf(userId: string, person: SchedulingPerson | undefined, busy: BusyItem[], expander: HoursExpander): SuggestionParticipant {
  return {
    userId,
    hours: person?.hours ? expander.expand(person.hours) : null,
    busy,
    zone: person?.hours?.zone ?? person?.profileTimezone ?? 'UTC',
  };
}
