/**
 * Meeting endpoints (docs/scheduling.md §3 Meetings). Reads of one meeting answer from
 * its folded stream (through the command runtime's cache), so a read right after a write
 * sees it; the list of one's meetings reads the meetings read model.
 *
 * Access: the organizer everything; participants read, submit, answer and leave; anyone
 * else 404 (src/api/access.ts, the meeting role loader of the scheduling descriptor).
 * Concurrency: If-Match with a stale revision → 412; two schedules of the same poll race
 * on the stream's revision, so exactly one wins and the other is a 409 whose body carries
 * the meeting as it now is (`current`).
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import type { MeetingCommands } from '../../commands/scheduling/meetingCommands.js';
import type { MeetingResult } from '../../commands/scheduling/meetingStream.js';
import { cancelMeetingInput, inviteParticipantsInput, meetingTimeInput, proposeMeetingInput, rsvpInput, submitAvailabilityInput } from '../../commands/scheduling/index.js';
import { meetingStreamName } from '../../domain/scheduling/events.js';
import type { ProposedMeeting } from '../../domain/scheduling/meeting.js';
import { DomainError } from '../../domain/shared/errors.js';
import type { EventStore } from '../../eventstore/eventStore.js';
import { readAtCheckpoint } from '../../projections/runtime.js';
import { listMeetingsOf, participantsOfMeetings } from '../../projections/scheduling/meetings.js';
import { MEETINGS_PROJECTION } from '../../projections/scheduling/meetingsProjection.js';
import { resourceRolesOf, type ResourceAccess } from '../access.js';
import { cursorKeys, decodeCursor, page } from '../pagination.js';
import { HttpError } from '../problem.js';
import type { ProblemCode } from '../problemCodes.js';
import { access, positionHeader, route, schemas, type RouteDefinition } from '../routes.js';
import { historyQuery, streamHistory } from '../streamHistory.js';
import { historySchema } from '../ticketing/dtos.js';
import { commandResult, meta } from '../ticketing/routeHelpers.js';
import { availabilityCheckOf, meetingBodyOf, meetingDto, namesOf } from './meetingDtoBuilders.js';
import { meetingAvailabilitySchema, meetingPageSchema, meetingSchema, proposedMeetingSchema, submissionSchema } from './meetingDtos.js';

export interface MeetingRouteDeps {
  knex: Knex;
  store: EventStore;
  resources: ResourceAccess;
  meetings: MeetingCommands;
}

const meetingParams = z.object({ id: z.uuid() });
const participantParams = z.object({ id: z.uuid(), userId: z.string().min(1).max(100) });

/** Every meeting command can lose a race (If-Match, contention), find no meeting, or find it cancelled. */
const COMMAND: ProblemCode[] = ['meeting-not-found', 'revision-mismatch', 'contention', 'meeting-cancelled'];
const INVITEES: ProblemCode[] = ['unknown-users', 'not-group-member', 'organizer-not-participant', 'too-many-participants'];
const TIMES: ProblemCode[] = ['not-organizer', 'outside-proposed-windows'];

export function meetingRoutes(deps: MeetingRouteDeps): RouteDefinition[] {
  const { knex, meetings } = deps;
  const organizer = deps.resources.meeting(['organizer']);
  const everyone = deps.resources.meeting(['organizer', 'participant']);
  const participant = deps.resources.meeting(['participant']);

  const answer = async (result: MeetingResult) => commandResult(await meetingBodyOf(knex, result.state as ProposedMeeting, result.revision!), result);

  /** A conflict of a scheduling command answers with the meeting as it now is, so the losing tab can show it. */
  const withCurrentState = async (meetingId: string, run: () => Promise<MeetingResult>) => {
    try {
      return await answer(await run());
    } catch (error) {
      if (!(error instanceof DomainError) || error.kind !== 'conflict') throw error;
      const { state, revision } = await meetings.load(meetingId);
      throw new HttpError(409, error.code, error.message, {}, { current: await meetingBodyOf(knex, state, revision) });
    }
  };

  return [
    route({
      method: 'post',
      path: '/v1/meetings',
      summary: 'Propose a meeting: a poll over proposedWindows, or a fixed-time meeting with start (scheduled at once, with each invitee’s availability check)',
      tags: ['meetings'],
      response: proposedMeetingSchema,
      problems: [...COMMAND, ...INVITEES, 'invalid-duration', 'poll-or-fixed-time', 'invalid-windows', 'window-shorter-than-duration', 'duplicate-participant', 'not-a-poll', 'deadline-in-past', 'meeting-exists'],
      access: access.user,
      body: proposeMeetingInput,
      successStatus: 201,
      handler: async (ctx) => {
        const result = await meetings.propose(ctx.body, meta(ctx));
        const state = result.state as ProposedMeeting;
        const body = await meetingBodyOf(knex, state, result.revision!);
        const fixed = state.proposedWindows.length === 0 && state.scheduled;
        const availabilityCheck = fixed ? await availabilityCheckOf(knex, result.meetingId, [...state.participants.keys()], fixed.start, fixed.end) : undefined;
        return {
          ...commandResult({ ...body, ...(availabilityCheck ? { availabilityCheck } : {}) }, result),
          headers: { Location: `/v1/meetings/${result.meetingId}` },
        };
      },
    }),
    route({
      method: 'get',
      path: '/v1/me/meetings',
      summary: 'The meetings I organise or take part in, newest first (filters, cursor pagination)',
      tags: ['meetings'],
      response: meetingPageSchema,
      problems: ['invalid-cursor'],
      access: access.user,
      readsProjections: [MEETINGS_PROJECTION],
      query: schemas.pagination.extend({
        role: z.enum(['organizer', 'participant']).optional(),
        status: z.enum(['polling', 'scheduled', 'cancelled']).optional(),
      }),
      handler: async (ctx) => {
        const after = decodeCursor(ctx.query.cursor, cursorKeys.createdAt);
        const { value, position } = await readAtCheckpoint(knex, MEETINGS_PROJECTION, async (db) => {
          const rows = await listMeetingsOf(db, {
            userId: ctx.principal!.userId,
            limit: ctx.query.limit,
            ...(ctx.query.role ? { role: ctx.query.role } : {}),
            ...(ctx.query.status ? { status: ctx.query.status } : {}),
            ...(after ? { after: { createdAt: after.c, id: after.id } } : {}),
          });
          const result = page(rows, ctx.query.limit, (m) => ({ c: m.createdAt, id: m.id }));
          return { result, participants: await participantsOfMeetings(db, result.items.map((m) => m.id)) };
        });
        const names = await namesOf(knex, [...value.participants.values()].flat().map((p) => p.userId));
        const items = value.result.items.map((m) => meetingDto(m, value.participants.get(m.id) ?? [], m.revision, names));
        return { body: { items, nextCursor: value.result.nextCursor }, headers: positionHeader(position) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/meetings/:id',
      summary: 'Get a meeting; ?asOfRevision=N folds its history up to N',
      tags: ['meetings'],
      response: meetingSchema,
      problems: ['meeting-not-found', 'revision-not-found'],
      access: everyone,
      params: meetingParams,
      query: z.object({ asOfRevision: schemas.revision.optional() }),
      readsProjections: [],
      handler: async (ctx) => {
        const asOf = ctx.query.asOfRevision;
        const { state, revision, position } = asOf === undefined ? await meetings.load(ctx.params.id) : await meetings.stateAt(ctx.params.id, asOf);
        if (asOf !== undefined && revision < asOf) {
          throw new HttpError(404, 'revision-not-found', `The meeting's latest revision is ${revision}; ${asOf} does not exist (yet)`);
        }
        return { body: await meetingBodyOf(knex, state, revision), revision, headers: positionHeader(position) };
      },
    }),
    route({
      method: 'get',
      path: '/v1/meetings/:id/history',
      summary: 'Every change of the meeting with its actor, correlation id and time: each submission with its slots, each answer',
      tags: ['meetings'],
      response: historySchema,
      access: everyone,
      params: meetingParams,
      query: historyQuery,
      readsProjections: [],
      handler: (ctx) => streamHistory(deps.store, meetingStreamName(ctx.params.id), ctx.query),
    }),
    route({
      method: 'post',
      path: '/v1/meetings/:id/availability',
      summary: 'Submit the times I can make inside the proposed windows (replaces my previous submission; [] withdraws it)',
      tags: ['meetings'],
      response: submissionSchema,
      problems: [...COMMAND, 'not-a-participant', 'meeting-not-polling', 'deadline-passed', 'outside-proposed-windows', 'invalid-slot', 'too-many-slots'],
      access: participant,
      params: meetingParams,
      body: submitAvailabilityInput,
      handler: async (ctx) => {
        const result = await meetings.submit(ctx.params.id, ctx.body.slots, meta(ctx));
        const me = (result.state as ProposedMeeting).participants.get(ctx.principal!.userId);
        return { body: { participantId: ctx.principal!.userId, slots: [...(me?.slots ?? [])], position: result.position!.toString() }, revision: result.revision!, position: result.position! };
      },
    }),
    route({
      method: 'get',
      path: '/v1/meetings/:id/availability',
      summary: 'Every participant’s current slots (the organizer; participants unless resultsVisibility is organizer)',
      tags: ['meetings'],
      response: meetingAvailabilitySchema,
      problems: ['meeting-not-found', 'results-hidden'],
      access: everyone,
      params: meetingParams,
      readsProjections: [],
      handler: async (ctx) => {
        const { state, revision, position } = await meetings.load(ctx.params.id);
        const { roles, asAdmin } = resourceRolesOf(ctx);
        if (state.resultsVisibility === 'organizer' && !roles.includes('organizer') && !asAdmin) {
          throw new HttpError(403, 'results-hidden', 'Only the organizer sees the submissions of this meeting');
        }
        const items = [...state.participants.values()].map((p) => ({ participantId: p.userId, slots: [...p.slots] }));
        return { body: { items, revision: revision.toString() }, revision, headers: positionHeader(position) };
      },
    }),
    route({
      method: 'post',
      path: '/v1/meetings/:id/schedule',
      summary: 'Schedule the poll at start (the duration must fit one window); answers are pre-filled from the submissions',
      tags: ['meetings'],
      response: meetingSchema,
      problems: [...COMMAND, ...TIMES, 'meeting-not-polling'],
      access: organizer,
      params: meetingParams,
      body: meetingTimeInput,
      handler: (ctx) => withCurrentState(ctx.params.id, () => meetings.schedule(ctx.params.id, ctx.body.start, 'organizer', meta(ctx))),
    }),
    route({
      method: 'post',
      path: '/v1/meetings/:id/reschedule',
      summary: 'Move a scheduled meeting to start; every answer goes back to pending',
      tags: ['meetings'],
      response: meetingSchema,
      problems: [...COMMAND, ...TIMES, 'meeting-not-scheduled'],
      access: organizer,
      params: meetingParams,
      body: meetingTimeInput,
      handler: (ctx) => withCurrentState(ctx.params.id, () => meetings.reschedule(ctx.params.id, ctx.body.start, meta(ctx))),
    }),
    route({
      method: 'post',
      path: '/v1/meetings/:id/rsvp',
      summary: 'Answer the invitation to a scheduled meeting (participants)',
      tags: ['meetings'],
      response: meetingSchema,
      problems: [...COMMAND, 'not-a-participant', 'meeting-not-scheduled'],
      access: participant,
      params: meetingParams,
      body: rsvpInput,
      handler: async (ctx) => answer(await meetings.answer(ctx.params.id, ctx.body.response, meta(ctx))),
    }),
    route({
      method: 'post',
      path: '/v1/meetings/:id/cancel',
      summary: 'Cancel the meeting; it accepts nothing afterwards',
      tags: ['meetings'],
      response: meetingSchema,
      problems: [...COMMAND, 'not-organizer'],
      access: organizer,
      params: meetingParams,
      body: cancelMeetingInput,
      handler: async (ctx) => answer(await meetings.cancel(ctx.params.id, ctx.body?.reason, meta(ctx))),
    }),
    route({
      method: 'post',
      path: '/v1/meetings/:id/participants',
      summary: 'Invite more people and groups (groups are expanded now; people already invited stay as they are)',
      tags: ['meetings'],
      response: meetingSchema,
      problems: [...COMMAND, ...INVITEES, 'not-organizer'],
      access: organizer,
      params: meetingParams,
      body: inviteParticipantsInput,
      handler: async (ctx) => {
        const { state } = await meetings.load(ctx.params.id);
        return answer(await meetings.invite(ctx.params.id, ctx.body, state.organizerId, meta(ctx)));
      },
    }),
    route({
      method: 'delete',
      path: '/v1/meetings/:id/participants/:userId',
      summary: 'Remove a participant (the organizer), or leave the meeting (the participant themself)',
      tags: ['meetings'],
      response: meetingSchema,
      problems: [...COMMAND, 'not-organizer', 'participant-not-found'],
      access: everyone,
      params: participantParams,
      handler: async (ctx) => answer(await meetings.removeParticipant(ctx.params.id, ctx.params.userId, meta(ctx))),
    }),
  ];
}
