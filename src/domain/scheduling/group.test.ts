import { describe, expect, it } from 'vitest';
import { deciderSpec } from '../../../test/support/deciderSpec.js';
import type { DecisionMeta } from '../shared/messages.js';
import type { GroupCreated, GroupEvent, GroupMemberAdded } from './events.js';
import { GROUP_LIMITS, groupDecider, groupRoleOf, type GroupCommand } from './group.js';

const given = deciderSpec(groupDecider);

const GROUP = '9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d';
const OWNER = 'owner-0000';
const ADMIN = 'admin-0000';
const MEMBER = 'member-000';
const OUTSIDER = 'outsider-0';
const PLATFORM_ADMIN = 'platform-0';
const NOW = '2030-05-01T12:00:00.000Z';
const LATER = '2030-05-02T08:00:00.000Z';

const as = (actorId: string, extra: Partial<DecisionMeta> = {}): DecisionMeta => ({ now: NOW, actorId, ...extra });
const command = (type: GroupCommand['type'], data: object, actorId = OWNER, extra: Partial<DecisionMeta> = {}) =>
  ({ type, data, meta: as(actorId, extra) }) as GroupCommand;

const created: GroupCreated = {
  type: 'GroupCreated',
  data: { groupId: GROUP, name: 'Platform team', description: '', color: null, ownerId: OWNER, createdAt: NOW },
};
const added = (userId: string, role: 'admin' | 'member', joinedAt = NOW): GroupMemberAdded => ({
  type: 'GroupMemberAdded',
  data: { groupId: GROUP, userId, role, by: OWNER, joinedAt },
});
/** owner, an admin and a member */
const team: GroupEvent[] = [created, added(ADMIN, 'admin'), added(MEMBER, 'member')];

describe('group decider: create and details', () => {
  it('creates a group owned by the caller, with the name trimmed and the colour lower-cased', () => {
    given([])
      .when(command('CreateGroup', { groupId: GROUP, name: '  Platform team ', description: 'On call', color: '#1A2B3C' }))
      .then([{ type: 'GroupCreated', data: { groupId: GROUP, name: 'Platform team', description: 'On call', color: '#1a2b3c', ownerId: OWNER, createdAt: NOW } }]);
  });

  it('the owner is the only member after creation, with the role owner', () => {
    const state = given([]).when(command('CreateGroup', { groupId: GROUP, name: 'Platform team' })).thenState();
    expect(groupRoleOf(state, OWNER)).toBe('owner');
    expect(state.status === 'active' && [...state.members.keys()]).toEqual([OWNER]);
  });

  it('a retried create is a no-op; another create on the id is a conflict', () => {
    given([created]).when(command('CreateGroup', { groupId: GROUP, name: 'Platform team' })).then([]);
    given([created]).when(command('CreateGroup', { groupId: GROUP, name: 'Other' })).thenThrows('group-exists', 'conflict');
    given([created]).when(command('CreateGroup', { groupId: GROUP, name: 'Platform team' }, MEMBER)).thenThrows('group-exists', 'conflict');
  });

  it('refuses blank or long names, long descriptions and colours that are not #RRGGBB', () => {
    const create = (data: object) => given([]).when(command('CreateGroup', { groupId: GROUP, name: 'Team', ...data }));
    create({ name: '   ' }).thenThrows('invalid-group-name', 'invalid');
    create({ name: 'x'.repeat(GROUP_LIMITS.nameMaxLength + 1) }).thenThrows('invalid-group-name', 'invalid');
    create({ name: 'a\u0007b' }).thenThrows('invalid-group-name', 'invalid');
    create({ description: 'd'.repeat(GROUP_LIMITS.descriptionMaxLength + 1) }).thenThrows('invalid-group-description', 'invalid');
    for (const color of ['red', '#abc', '#12345g', '#1234567', ' #123456']) create({ color }).thenThrows('invalid-group-color', 'invalid');
  });

  it('owner and admins change details; only what changed is recorded; null removes the colour', () => {
    given([...team])
      .when(command('ChangeGroupDetails', { name: 'Platform team', description: 'Infra', color: '#FFFFFF' }, ADMIN))
      .then([{ type: 'GroupDetailsChanged', data: { groupId: GROUP, description: 'Infra', color: '#ffffff' } }]);
    const coloured: GroupEvent = { type: 'GroupDetailsChanged', data: { groupId: GROUP, color: '#ffffff' } };
    given([...team, coloured]).when(command('ChangeGroupDetails', { color: null })).then([{ type: 'GroupDetailsChanged', data: { groupId: GROUP, color: null } }]);
    given([...team]).when(command('ChangeGroupDetails', { name: ' Platform team ' })).then([]);
  });

  it('members cannot change details; a platform admin can; unknown groups are not found', () => {
    given([...team]).when(command('ChangeGroupDetails', { name: 'Mine' }, MEMBER)).thenThrows('not-group-admin', 'forbidden');
    given([...team]).when(command('ChangeGroupDetails', { name: 'Mine' }, OUTSIDER)).thenThrows('not-group-admin', 'forbidden');
    given([...team])
      .when(command('ChangeGroupDetails', { name: 'Ops' }, PLATFORM_ADMIN, { actorIsAdmin: true }))
      .then([{ type: 'GroupDetailsChanged', data: { groupId: GROUP, name: 'Ops' } }]);
    given([]).when(command('ChangeGroupDetails', { name: 'x' })).thenThrows('group-not-found', 'not-found');
  });
});

describe('group decider: members', () => {
  it('owner and admins add members (role member unless given), recording who added them and when', () => {
    given([created])
      .when(command('AddGroupMember', { userId: MEMBER }, OWNER, { now: LATER }))
      .then([{ type: 'GroupMemberAdded', data: { groupId: GROUP, userId: MEMBER, role: 'member', by: OWNER, joinedAt: LATER } }]);
    given([...team])
      .when(command('AddGroupMember', { userId: OUTSIDER, role: 'admin' }, ADMIN))
      .then([{ type: 'GroupMemberAdded', data: { groupId: GROUP, userId: OUTSIDER, role: 'admin', by: ADMIN, joinedAt: NOW } }]);
  });

  it('members and outsiders cannot add anyone', () => {
    given([...team]).when(command('AddGroupMember', { userId: OUTSIDER }, MEMBER)).thenThrows('not-group-admin', 'forbidden');
    given([...team]).when(command('AddGroupMember', { userId: OUTSIDER }, OUTSIDER)).thenThrows('not-group-admin', 'forbidden');
  });

  it('adding a member again with the same role is a no-op, with another role a conflict (the owner included)', () => {
    given([...team]).when(command('AddGroupMember', { userId: MEMBER })).then([]);
    given([...team]).when(command('AddGroupMember', { userId: MEMBER, role: 'admin' })).thenThrows('already-member', 'conflict');
    given([...team]).when(command('AddGroupMember', { userId: OWNER, role: 'member' }, ADMIN)).thenThrows('already-member', 'conflict');
  });

  it(`a group holds at most ${GROUP_LIMITS.maxMembers} members, the owner included`, () => {
    const full = [created, ...Array.from({ length: GROUP_LIMITS.maxMembers - 1 }, (_, i) => added(`user-${i}`, 'member'))];
    given(full).when(command('AddGroupMember', { userId: OUTSIDER })).thenThrows('group-full', 'conflict');
    const removed: GroupEvent = { type: 'GroupMemberRemoved', data: { groupId: GROUP, userId: 'user-0', by: OWNER } };
    given([...full, removed]).when(command('AddGroupMember', { userId: OUTSIDER })).then([added(OUTSIDER, 'member')]);
  });

  it('only the owner changes roles, of members only; the owner role moves only by transfer', () => {
    given([...team])
      .when(command('ChangeGroupMemberRole', { userId: MEMBER, role: 'admin' }))
      .then([{ type: 'GroupMemberRoleChanged', data: { groupId: GROUP, userId: MEMBER, role: 'admin', by: OWNER } }]);
    given([...team]).when(command('ChangeGroupMemberRole', { userId: MEMBER, role: 'member' })).then([]);
    given([...team]).when(command('ChangeGroupMemberRole', { userId: MEMBER, role: 'admin' }, ADMIN)).thenThrows('not-group-owner', 'forbidden');
    given([...team]).when(command('ChangeGroupMemberRole', { userId: OUTSIDER, role: 'admin' })).thenThrows('member-not-found', 'not-found');
    given([...team]).when(command('ChangeGroupMemberRole', { userId: OWNER, role: 'admin' }, PLATFORM_ADMIN, { actorIsAdmin: true })).thenThrows('owner-must-transfer', 'conflict');
  });

  it('owner and admins remove members; a member may leave; others may not remove anyone', () => {
    const removed = (userId: string, by: string): GroupEvent => ({ type: 'GroupMemberRemoved', data: { groupId: GROUP, userId, by } });
    given([...team]).when(command('RemoveGroupMember', { userId: MEMBER }, ADMIN)).then([removed(MEMBER, ADMIN)]);
    given([...team]).when(command('RemoveGroupMember', { userId: ADMIN })).then([removed(ADMIN, OWNER)]);
    given([...team]).when(command('RemoveGroupMember', { userId: MEMBER }, MEMBER)).then([removed(MEMBER, MEMBER)]);
    given([...team]).when(command('RemoveGroupMember', { userId: ADMIN }, MEMBER)).thenThrows('not-group-admin', 'forbidden');
    given([...team]).when(command('RemoveGroupMember', { userId: OUTSIDER })).thenThrows('member-not-found', 'not-found');
    const state = given([...team]).when(command('RemoveGroupMember', { userId: MEMBER }, MEMBER)).thenState();
    expect(groupRoleOf(state, MEMBER)).toBeUndefined();
  });

  it('the owner can neither leave nor be removed: owner-must-transfer', () => {
    given([...team]).when(command('RemoveGroupMember', { userId: OWNER })).thenThrows('owner-must-transfer', 'conflict');
    given([...team]).when(command('RemoveGroupMember', { userId: OWNER }, ADMIN)).thenThrows('owner-must-transfer', 'conflict');
  });

  it('a member removed and added again joins anew', () => {
    const removed: GroupEvent = { type: 'GroupMemberRemoved', data: { groupId: GROUP, userId: MEMBER, by: MEMBER } };
    const state = given([...team, removed]).when(command('AddGroupMember', { userId: MEMBER }, OWNER, { now: LATER })).thenState();
    expect(state.status === 'active' && state.members.get(MEMBER)).toEqual({ role: 'member', joinedAt: LATER });
  });
});

describe('group decider: transfer of ownership', () => {
  it('the owner hands over to a member; the previous owner becomes an admin', () => {
    const transferred: GroupEvent = { type: 'GroupOwnershipTransferred', data: { groupId: GROUP, from: OWNER, to: MEMBER } };
    given([...team]).when(command('TransferGroupOwnership', { userId: MEMBER })).then([transferred]);
    const state = given([...team]).when(command('TransferGroupOwnership', { userId: MEMBER })).thenState();
    expect(state.status === 'active' && state.ownerId).toBe(MEMBER);
    expect([groupRoleOf(state, MEMBER), groupRoleOf(state, OWNER), groupRoleOf(state, ADMIN)]).toEqual(['owner', 'admin', 'admin']);
    // the previous owner may now leave; the new one may not
    given([...team, transferred]).when(command('RemoveGroupMember', { userId: OWNER }, OWNER)).then([{ type: 'GroupMemberRemoved', data: { groupId: GROUP, userId: OWNER, by: OWNER } }]);
    given([...team, transferred]).when(command('RemoveGroupMember', { userId: MEMBER }, MEMBER)).thenThrows('owner-must-transfer', 'conflict');
  });

  it('only to a member, only by the owner (or a platform admin); to the owner themself is a no-op', () => {
    given([...team]).when(command('TransferGroupOwnership', { userId: OUTSIDER })).thenThrows('new-owner-not-member', 'invalid');
    given([...team]).when(command('TransferGroupOwnership', { userId: MEMBER }, ADMIN)).thenThrows('not-group-owner', 'forbidden');
    given([...team]).when(command('TransferGroupOwnership', { userId: OWNER })).then([]);
    given([...team])
      .when(command('TransferGroupOwnership', { userId: ADMIN }, PLATFORM_ADMIN, { actorIsAdmin: true }))
      .then([{ type: 'GroupOwnershipTransferred', data: { groupId: GROUP, from: OWNER, to: ADMIN } }]);
  });
});
