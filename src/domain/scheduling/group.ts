/**
 * The `group-<id>` decider (docs/scheduling.md §3 Groups, §5): a named group of users
 * with one owner, admins and members. Who may do what:
 *
 *   change details, add members, remove members   owner, admins
 *   change a member's role, transfer ownership    owner
 *   leave                                         any member but the owner (409 owner-must-transfer)
 *
 * Platform administrators (meta.actorIsAdmin) act as the owner, as on every resource.
 * Pure: time and actor arrive in `meta`; the group id comes from the caller.
 */
import { isValidName, normalizeName } from '../identity/profile.js';
import { assertNever, type Decider } from '../shared/decider.js';
import { conflict, forbidden, invalid, notFound } from '../shared/errors.js';
import type { Command, DecisionMeta } from '../shared/messages.js';
import type { GroupEvent, GroupMemberRole, GroupRole } from './events.js';

/** Limits of a group (docs/scheduling.md §3 Groups), shared with the HTTP input schemas. */
export const GROUP_LIMITS = {
  nameMaxLength: 100,
  descriptionMaxLength: 2000,
  /** Owner and admins included. */
  maxMembers: 1000,
} as const;
/** `#RRGGBB`; stored lower-cased. */
export const GROUP_COLOR_PATTERN = /^#[0-9a-fA-F]{6}$/;

export type CreateGroup = Command<'CreateGroup', { groupId: string; name: string; description?: string; color?: string | null }>;
/** Absent fields stay as they are; `color: null` removes the colour. */
export type ChangeGroupDetails = Command<'ChangeGroupDetails', { name?: string; description?: string; color?: string | null }>;
export type AddGroupMember = Command<'AddGroupMember', { userId: string; role?: GroupMemberRole }>;
export type ChangeGroupMemberRole = Command<'ChangeGroupMemberRole', { userId: string; role: GroupMemberRole }>;
/** By an owner or admin, or by the member themself (leaving). */
export type RemoveGroupMember = Command<'RemoveGroupMember', { userId: string }>;
export type TransferGroupOwnership = Command<'TransferGroupOwnership', { userId: string }>;

export type GroupCommand = CreateGroup | ChangeGroupDetails | AddGroupMember | ChangeGroupMemberRole | RemoveGroupMember | TransferGroupOwnership;

export interface GroupMember {
  role: GroupRole;
  joinedAt: string;
}

export interface ActiveGroup {
  status: 'active';
  id: string;
  name: string;
  description: string;
  color: string | null;
  ownerId: string;
  /** In the order they joined; the owner is a member with the role `owner`. */
  members: ReadonlyMap<string, GroupMember>;
}

export type GroupState = { status: 'none' } | ActiveGroup;

export const initialGroupState = (): GroupState => ({ status: 'none' });

export function evolveGroup(state: GroupState, event: GroupEvent): GroupState {
  if (event.type === 'GroupCreated') {
    const d = event.data;
    const members = new Map([[d.ownerId, { role: 'owner' as const, joinedAt: d.createdAt }]]);
    return { status: 'active', id: d.groupId, name: d.name, description: d.description, color: d.color, ownerId: d.ownerId, members };
  }
  if (state.status !== 'active') return state;
  switch (event.type) {
    case 'GroupDetailsChanged': {
      const { groupId: _id, ...changes } = event.data;
      return { ...state, ...changes };
    }
    case 'GroupMemberAdded':
      return withMembers(state, (members) => members.set(event.data.userId, { role: event.data.role, joinedAt: event.data.joinedAt }));
    case 'GroupMemberRoleChanged': {
      const member = state.members.get(event.data.userId);
      return member ? withMembers(state, (members) => members.set(event.data.userId, { ...member, role: event.data.role })) : state;
    }
    case 'GroupMemberRemoved':
      return withMembers(state, (members) => members.delete(event.data.userId));
    case 'GroupOwnershipTransferred': {
      const { from, to } = event.data;
      const next = withMembers(state, (members) => {
        const previous = members.get(from);
        const heir = members.get(to);
        if (previous) members.set(from, { ...previous, role: 'admin' });
        if (heir) members.set(to, { ...heir, role: 'owner' });
      });
      return { ...next, ownerId: to };
    }
    default:
      return assertNever(event);
  }
}

export function decideGroup(command: GroupCommand, state: GroupState): GroupEvent[] {
  const { meta } = command;
  if (command.type === 'CreateGroup') return createGroup(command, state);
  const group = requireGroup(state);
  const groupId = group.id;
  switch (command.type) {
    case 'ChangeGroupDetails': {
      requireManager(group, meta);
      const changes = detailChanges(group, command.data);
      return Object.keys(changes).length === 0 ? [] : [{ type: 'GroupDetailsChanged', data: { groupId, ...changes } }];
    }
    case 'AddGroupMember': {
      requireManager(group, meta);
      const { userId } = command.data;
      const role = command.data.role ?? 'member';
      const existing = group.members.get(userId);
      if (existing) {
        // a retried add is a no-op; a different role is a role change, which is the owner's
        if (existing.role === role) return [];
        throw conflict('already-member', 'This user is already a member; change their role instead.');
      }
      if (group.members.size >= GROUP_LIMITS.maxMembers) throw conflict('group-full', `A group has at most ${GROUP_LIMITS.maxMembers} members.`);
      return [{ type: 'GroupMemberAdded', data: { groupId, userId, role, by: meta.actorId, joinedAt: meta.now } }];
    }
    case 'ChangeGroupMemberRole': {
      requireOwner(group, meta);
      const { userId, role } = command.data;
      const member = requireMember(group, userId);
      if (member.role === 'owner') throw conflict('owner-must-transfer', 'The owner keeps that role until ownership is transferred.');
      if (member.role === role) return [];
      return [{ type: 'GroupMemberRoleChanged', data: { groupId, userId, role, by: meta.actorId } }];
    }
    case 'RemoveGroupMember': {
      const { userId } = command.data;
      if (userId !== meta.actorId) requireManager(group, meta);
      const member = requireMember(group, userId);
      if (member.role === 'owner') throw conflict('owner-must-transfer', 'The owner cannot leave or be removed; transfer ownership first.');
      return [{ type: 'GroupMemberRemoved', data: { groupId, userId, by: meta.actorId } }];
    }
    case 'TransferGroupOwnership': {
      requireOwner(group, meta);
      const { userId } = command.data;
      if (!group.members.has(userId)) throw invalid('new-owner-not-member', 'Ownership can only go to a member of the group.');
      if (userId === group.ownerId) return [];
      return [{ type: 'GroupOwnershipTransferred', data: { groupId, from: group.ownerId, to: userId } }];
    }
    default:
      return assertNever(command);
  }
}

export const groupDecider: Decider<GroupState, GroupCommand, GroupEvent> = {
  initialState: initialGroupState,
  evolve: evolveGroup,
  decide: decideGroup,
};

/** The role `userId` holds in the group, if any. */
export const groupRoleOf = (state: GroupState, userId: string): GroupRole | undefined =>
  state.status === 'active' ? state.members.get(userId)?.role : undefined;

function createGroup(command: CreateGroup, state: GroupState): GroupEvent[] {
  const { meta, data } = command;
  const details = { name: requireGroupName(data.name), description: requireDescription(data.description ?? ''), color: requireColor(data.color ?? null) };
  if (state.status === 'active') {
    // a retried create of the same group is a no-op; anything else is a clash of ids
    const same = state.ownerId === meta.actorId && state.name === details.name && state.description === details.description && state.color === details.color;
    if (same) return [];
    throw conflict('group-exists', 'This group already exists.');
  }
  return [{ type: 'GroupCreated', data: { groupId: data.groupId, ...details, ownerId: meta.actorId, createdAt: meta.now } }];
}

function detailChanges(group: ActiveGroup, data: ChangeGroupDetails['data']) {
  const changes: { name?: string; description?: string; color?: string | null } = {};
  if (data.name !== undefined) {
    const name = requireGroupName(data.name);
    if (name !== group.name) changes.name = name;
  }
  if (data.description !== undefined) {
    const description = requireDescription(data.description);
    if (description !== group.description) changes.description = description;
  }
  if (data.color !== undefined) {
    const color = requireColor(data.color);
    if (color !== group.color) changes.color = color;
  }
  return changes;
}

function withMembers(group: ActiveGroup, change: (members: Map<string, GroupMember>) => unknown): ActiveGroup {
  const members = new Map(group.members);
  change(members);
  return { ...group, members };
}

function requireGroup(state: GroupState): ActiveGroup {
  if (state.status !== 'active') throw notFound('group-not-found', 'No such group.');
  return state;
}

function requireMember(group: ActiveGroup, userId: string): GroupMember {
  const member = group.members.get(userId);
  if (!member) throw notFound('member-not-found', 'This user is not a member of the group.');
  return member;
}

function requireManager(group: ActiveGroup, meta: DecisionMeta): void {
  const role = group.members.get(meta.actorId)?.role;
  if (meta.actorIsAdmin !== true && role !== 'owner' && role !== 'admin') throw forbidden('not-group-admin', "Only the group's owner and admins can do this.");
}

function requireOwner(group: ActiveGroup, meta: DecisionMeta): void {
  if (meta.actorIsAdmin !== true && meta.actorId !== group.ownerId) throw forbidden('not-group-owner', "Only the group's owner can do this.");
}

function requireGroupName(raw: string): string {
  const name = normalizeName(raw);
  if (!isValidName(name) || name.length > GROUP_LIMITS.nameMaxLength) {
    throw invalid('invalid-group-name', `The name must be 1–${GROUP_LIMITS.nameMaxLength} printable characters.`);
  }
  return name;
}

function requireDescription(description: string): string {
  if (description.length > GROUP_LIMITS.descriptionMaxLength) {
    throw invalid('invalid-group-description', `The description must be at most ${GROUP_LIMITS.descriptionMaxLength} characters.`);
  }
  return description;
}

function requireColor(color: string | null): string | null {
  if (color === null) return null;
  if (!GROUP_COLOR_PATTERN.test(color)) throw invalid('invalid-group-color', 'The colour must be #RRGGBB (hexadecimal).');
  return color.toLowerCase();
}
