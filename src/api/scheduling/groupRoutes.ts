/**
 * Groups (docs/scheduling.md §3 Groups): create, read, change, members and their roles,
 * leave, transfer, and the caller's groups. One group is answered from its stream (the
 * access check has just folded it, so reads see every write and the ETag is exact), with
 * member names from the people read model; the caller's list from the groups read model.
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import { addMemberInput, changeGroupInput, createGroupInput, memberRoleInput, transferInput, type GroupCommands } from '../../commands/scheduling/index.js';
import type { GroupState } from '../../domain/scheduling/index.js';
import { notFound } from '../../domain/shared/errors.js';
import { readAtCheckpoint } from '../../projections/runtime.js';
import { SCHEDULING_PEOPLE_PROJECTION } from '../../projections/scheduling/availabilityProjection.js';
import { groupsOfUser } from '../../projections/scheduling/groupMembers.js';
import { GROUPS_PROJECTION } from '../../projections/scheduling/groupsProjection.js';
import { loadPeople, type SchedulingPerson } from '../../projections/scheduling/people.js';
import type { ResourceAccess } from '../access.js';
import { cursorKeys, decodeCursor, page } from '../pagination.js';
import { isReadModelMissing } from '../problem.js';
import type { ProblemCode } from '../problemCodes.js';
import { access, positionHeader, route, schemas, type RouteDefinition } from '../routes.js';
// the one RequestMeta of a route, kept with the ticketing routes where it began
import { meta } from '../ticketing/routeHelpers.js';
import { groupDto, groupSchema, myGroupDto, myGroupPageSchema } from './groupDtos.js';

export interface GroupRouteDeps {
  knex: Knex;
  resources: ResourceAccess;
  groups: GroupCommands;
}

const groupParams = z.object({ id: z.uuid() });
const memberParams = z.object({ id: z.uuid(), userId: z.uuid() });

/** Every group command can lose a race (If-Match, contention) or find no group. */
const COMMAND: ProblemCode[] = ['group-not-found', 'revision-mismatch', 'contention'];
const DETAILS: ProblemCode[] = ['invalid-group-name', 'invalid-group-description', 'invalid-group-color'];

/**
 * The names the people read model knows. Before any projector has set it up, none: a
 * command that was accepted is answered (names null), not turned into a 503.
 */
async function memberNames(knex: Knex, userIds: string[]) {
  return loadPeople(knex, userIds).catch((error: unknown) => {
    if (isReadModelMissing(error)) return new Map<string, SchedulingPerson>();
    throw error;
  });
}

export function groupRoutes(deps: GroupRouteDeps): RouteDefinition[] {
  const { knex, groups, resources } = deps;
  const members = resources.group(['owner', 'admin', 'member']);
  const managers = resources.group(['owner', 'admin']);
  const owner = resources.group(['owner']);

  /** The group after a command: its state, revision (ETag) and position (X-Position), with member names. */
  const answer = async (result: { state: GroupState; revision: bigint | undefined; position: bigint | undefined }) => {
    if (result.state.status !== 'active' || result.revision === undefined) throw notFound('group-not-found', 'No such group.');
    const people = await memberNames(knex, [...result.state.members.keys()]);
    return {
      body: groupDto(result.state, result.revision, people),
      revision: result.revision,
      ...(result.position !== undefined ? { position: result.position } : {}),
    };
  };

  return [
    route({
      method: 'post',
      path: '/v1/groups',
      summary: 'Create a group; the caller is its owner',
      tags: ['groups'],
      response: groupSchema,
      problems: [...COMMAND, ...DETAILS, 'group-exists'],
      access: access.user,
      body: createGroupInput,
      successStatus: 201,
      handler: async (ctx) => {
        const result = await groups.create(ctx.body, meta(ctx));
        return { ...(await answer(result)), headers: { Location: `/v1/groups/${result.groupId}` } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/groups/:id',
      summary: 'A group with its members and their roles (members only)',
      tags: ['groups'],
      response: groupSchema,
      problems: ['group-not-found'],
      access: members,
      params: groupParams,
      // the group itself comes from its stream; X-Min-Position waits only for the names
      readsProjections: [SCHEDULING_PEOPLE_PROJECTION],
      handler: async (ctx) => {
        const loaded = await groups.load(ctx.params.id);
        const { body, revision } = await answer({ ...loaded, position: undefined });
        return { body, revision, headers: positionHeader(loaded.position) };
      },
    }),
    route({
      method: 'patch',
      path: '/v1/groups/:id',
      summary: 'Change name, description or colour (owner, admins; If-Match: W/"<revision>")',
      tags: ['groups'],
      response: groupSchema,
      problems: [...COMMAND, ...DETAILS, 'not-group-admin'],
      access: managers,
      params: groupParams,
      body: changeGroupInput,
      handler: async (ctx) => answer(await groups.change(ctx.params.id, ctx.body, meta(ctx))),
    }),
    route({
      method: 'post',
      path: '/v1/groups/:id/members',
      summary: 'Add a registered user as a member or admin (owner, admins)',
      tags: ['groups'],
      response: groupSchema,
      problems: [...COMMAND, 'not-group-admin', 'user-not-found', 'already-member', 'group-full'],
      access: managers,
      params: groupParams,
      body: addMemberInput,
      successStatus: 201,
      handler: async (ctx) => answer(await groups.addMember(ctx.params.id, ctx.body, meta(ctx))),
    }),
    route({
      method: 'patch',
      path: '/v1/groups/:id/members/:userId',
      summary: "Change a member's role between admin and member (owner)",
      tags: ['groups'],
      response: groupSchema,
      problems: [...COMMAND, 'not-group-owner', 'member-not-found', 'owner-must-transfer'],
      access: owner,
      params: memberParams,
      body: memberRoleInput,
      handler: async (ctx) => answer(await groups.changeMemberRole(ctx.params.id, ctx.params.userId, ctx.body, meta(ctx))),
    }),
    route({
      method: 'delete',
      path: '/v1/groups/:id/members/:userId',
      summary: 'Remove a member (owner, admins), or leave (your own id); the owner must transfer ownership first',
      tags: ['groups'],
      response: groupSchema,
      problems: [...COMMAND, 'not-group-admin', 'member-not-found', 'owner-must-transfer'],
      access: members,
      params: memberParams,
      handler: async (ctx) => answer(await groups.removeMember(ctx.params.id, ctx.params.userId, meta(ctx))),
    }),
    route({
      method: 'post',
      path: '/v1/groups/:id/transfer',
      summary: 'Hand the group to another member (owner); the previous owner stays as an admin',
      tags: ['groups'],
      response: groupSchema,
      problems: [...COMMAND, 'not-group-owner', 'new-owner-not-member'],
      access: owner,
      params: groupParams,
      body: transferInput,
      handler: async (ctx) => answer(await groups.transfer(ctx.params.id, ctx.body, meta(ctx))),
    }),
    route({
      method: 'get',
      path: '/v1/me/groups',
      summary: 'The groups the caller belongs to, newest membership first',
      tags: ['groups'],
      response: myGroupPageSchema,
      problems: ['invalid-cursor'],
      access: access.user,
      readsProjections: [GROUPS_PROJECTION],
      query: schemas.pagination,
      handler: async (ctx) => {
        const after = decodeCursor(ctx.query.cursor, cursorKeys.createdAt);
        const { value: rows, position } = await readAtCheckpoint(knex, GROUPS_PROJECTION, (db) =>
          groupsOfUser(db, ctx.principal!.userId, { limit: ctx.query.limit, after }),
        );
        const result = page(rows, ctx.query.limit, (r) => ({ c: r.joined_at.toISOString(), id: r.group_id }));
        return { body: { items: result.items.map(myGroupDto), nextCursor: result.nextCursor }, headers: positionHeader(position) };
      },
    }),
  ];
}
