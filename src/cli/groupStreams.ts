/**
 * The `group-<id>` category for `tessera stream state` and `tessera verify`
 * (docs/scheduling.md §5). The checker folds each stream through the group decider and
 * reports, at every revision:
 * - nothing before GroupCreated, and GroupCreated only once;
 * - exactly one owner, who is a member, and who is the group's ownerId;
 * - members are added once (not while they are members), removed, re-roled and handed
 *   ownership only while they are members; roles change only between admin and member;
 * - ownership moves from the current owner to a member;
 * - at most GROUP_LIMITS.maxMembers members.
 * Evolve ignores impossible moves, so what an event intends is judged against the state
 * before it, and the invariants against the state after it.
 */
import {
  GROUP_LIMITS,
  GROUP_STREAM_CATEGORY,
  groupDecider,
  groupEventTypes,
  type GroupEvent,
  type GroupState,
} from '../domain/scheduling/index.js';
import { model, type StreamModel } from './streamModels.js';
import { RevisionChecker, type CheckedEvent } from './verifyStreams.js';

export function groupStreamModel(): StreamModel {
  return {
    ...model({ category: GROUP_STREAM_CATEGORY, decider: groupDecider, eventTypes: groupEventTypes, summary: groupSummary }),
    check: () => new GroupChecker(),
  };
}

function groupSummary(s: GroupState): Array<[string, string]> {
  if (s.status !== 'active') return [['status', 'none (no GroupCreated yet)']];
  const byRole = { owner: 0, admin: 0, member: 0 };
  for (const member of s.members.values()) byRole[member.role]++;
  return [
    ['name', s.name],
    ['owner', s.ownerId],
    ['members', `${s.members.size} (owner ${byRole.owner}, admins ${byRole.admin}, members ${byRole.member})`],
    ['color', s.color ?? '-'],
  ];
}

const KNOWN = new Set<string>(groupEventTypes);

export class GroupChecker extends RevisionChecker {
  private state: GroupState = groupDecider.initialState();

  protected apply(raw: CheckedEvent, problems: string[]): void {
    if (!KNOWN.has(raw.type)) {
      problems.push(`${raw.type} is not a group event`);
      return;
    }
    const event = { type: raw.type, data: raw.data } as GroupEvent;
    this.checkIntent(this.state, event, problems);
    try {
      this.state = groupDecider.evolve(this.state, event);
    } catch (error) {
      problems.push(`the decider cannot fold ${event.type}: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    this.checkOwnership(this.state, problems);
  }

  private checkIntent(s: GroupState, e: GroupEvent, problems: string[]): void {
    if (e.type === 'GroupCreated') {
      if (s.status === 'active') problems.push('GroupCreated for a group that already exists');
      return;
    }
    if (s.status !== 'active') {
      problems.push(`${e.type} before GroupCreated`);
      return;
    }
    const roleOf = (userId: string) => s.members.get(userId)?.role;
    switch (e.type) {
      case 'GroupDetailsChanged':
        return;
      case 'GroupMemberAdded':
        if (roleOf(e.data.userId)) problems.push(`${e.data.userId} is added but is already a member (${roleOf(e.data.userId)})`);
        if (s.members.size >= GROUP_LIMITS.maxMembers) problems.push(`${e.data.userId} is added to a group that already has ${s.members.size} members (at most ${GROUP_LIMITS.maxMembers})`);
        return checkAssignableRole(e.type, e.data.userId, e.data.role, problems);
      case 'GroupMemberRoleChanged':
        if (!roleOf(e.data.userId)) problems.push(`the role of ${e.data.userId} changes, who is not a member (a role change only for members)`);
        else if (roleOf(e.data.userId) === 'owner') problems.push(`the owner ${e.data.userId} changes role without a transfer`);
        return checkAssignableRole(e.type, e.data.userId, e.data.role, problems);
      case 'GroupMemberRemoved':
        if (!roleOf(e.data.userId)) problems.push(`${e.data.userId} is removed but is not a member`);
        else if (roleOf(e.data.userId) === 'owner') problems.push(`the owner ${e.data.userId} is removed (the owner must transfer first)`);
        return;
      case 'GroupOwnershipTransferred':
        if (e.data.from !== s.ownerId) problems.push(`ownership is transferred from ${e.data.from}, but the owner is ${s.ownerId}`);
        if (!roleOf(e.data.to)) problems.push(`ownership is transferred to ${e.data.to}, who is not a member`);
        return;
      default:
        return;
    }
  }

  /** Exactly one owner, a member, and the one the group names. */
  private checkOwnership(s: GroupState, problems: string[]): void {
    if (s.status !== 'active') return;
    const owners = [...s.members].filter(([, member]) => member.role === 'owner').map(([userId]) => userId);
    if (owners.length !== 1) problems.push(`the group has ${owners.length} owners (${owners.join(', ') || 'none'}); exactly one is allowed`);
    if (s.members.get(s.ownerId)?.role !== 'owner') problems.push(`the owner ${s.ownerId} is not a member with the role owner`);
  }
}

function checkAssignableRole(type: string, userId: string, role: unknown, problems: string[]): void {
  if (role !== 'admin' && role !== 'member') problems.push(`${type} gives ${userId} the role ${String(role)} (only admin or member; ownership moves by transfer)`);
}
