/**
 * The groups projection: given group events → expected rows of rm_groups.groups and
 * rm_groups.members (the owner is a member row with role owner), on a real database.
 */
import { randomUUID } from 'node:crypto';
import { describe, it } from 'vitest';
import { groupStreamName, type GroupEvent } from '../../src/domain/scheduling/index.js';
import { groupsProjection } from '../../src/projections/scheduling/groupsProjection.js';
import { expectRows, projectionSpecForFile, specRecordedAt as at, type SpecEvent } from '../support/projectionSpec.js';

const spec = projectionSpecForFile(groupsProjection(), 'groups_spec');

const groupId = randomUUID();
const ev = <E extends GroupEvent>(type: E['type'], data: Omit<E['data'], 'groupId'>): SpecEvent => ({ type, data: { groupId, ...data }, stream: groupStreamName(groupId) });
const CREATED_AT = '2030-03-01T09:00:00.000Z';
const JOINED_AT = '2030-03-02T09:00:00.000Z';

const created = () => ev('GroupCreated', { name: 'Platform', description: 'Infra', color: '#00aaff', ownerId: 'ann', createdAt: CREATED_AT });
const added = (userId: string, role: 'admin' | 'member') => ev('GroupMemberAdded', { userId, role, by: 'ann', joinedAt: JOINED_AT });

const groupColumns = ['group_id', 'name', 'description', 'color', 'owner_id', 'revision', 'created_at', 'updated_at'];
const memberColumns = ['group_id', 'user_id', 'role', 'joined_at'];
const member = (user_id: string, role: string, joined_at = JOINED_AT) => ({ group_id: groupId, user_id, role, joined_at });

describe('groups projection', () => {
  it('a new group has one row and its owner as a member with role owner, joined when it was created', async () => {
    await spec
      .given()
      .when(created())
      .then(
        expectRows('groups', {
          columns: groupColumns,
          rows: [{ group_id: groupId, name: 'Platform', description: 'Infra', color: '#00aaff', owner_id: 'ann', revision: 0, created_at: CREATED_AT, updated_at: at(0) }],
        }),
        expectRows('members', { columns: memberColumns, rows: [member('ann', 'owner', CREATED_AT)] }),
      );
  });

  it('members are added with their role; every event moves the revision and updated_at', async () => {
    await spec
      .given(created())
      .when(added('bob', 'admin'), added('cy', 'member'))
      .then(
        expectRows('members', { columns: memberColumns, rows: [member('ann', 'owner', CREATED_AT), member('bob', 'admin'), member('cy', 'member')] }),
        expectRows('groups', { columns: ['group_id', 'revision', 'updated_at'], rows: [{ group_id: groupId, revision: 2, updated_at: at(2) }] }),
      );
  });

  it('details change only the fields the event names; a colour can be removed', async () => {
    await spec
      .given(created())
      .when(ev('GroupDetailsChanged', { name: 'Platform team', color: null }))
      .then(
        expectRows('groups', {
          columns: ['name', 'description', 'color', 'revision'],
          rows: [{ name: 'Platform team', description: 'Infra', color: null, revision: 1 }],
        }),
      );
  });

  it('role changes and removals touch only that member', async () => {
    await spec
      .given(created(), added('bob', 'member'), added('cy', 'member'))
      .when(ev('GroupMemberRoleChanged', { userId: 'bob', role: 'admin', by: 'ann' }), ev('GroupMemberRemoved', { userId: 'cy', by: 'cy' }))
      .then(expectRows('members', { columns: memberColumns, rows: [member('ann', 'owner', CREATED_AT), member('bob', 'admin')] }));
  });

  it('a transfer makes the new owner owner and the previous owner admin', async () => {
    await spec
      .given(created(), added('bob', 'member'))
      .when(ev('GroupOwnershipTransferred', { from: 'ann', to: 'bob' }))
      .then(
        expectRows('members', { columns: ['user_id', 'role'], rows: [{ user_id: 'ann', role: 'admin' }, { user_id: 'bob', role: 'owner' }] }),
        expectRows('groups', { columns: ['owner_id', 'revision'], rows: [{ owner_id: 'bob', revision: 2 }] }),
      );
  });

  it('a member who left and is added again joins anew', async () => {
    const rejoined = ev('GroupMemberAdded', { userId: 'bob', role: 'admin', by: 'ann', joinedAt: '2030-04-01T00:00:00.000Z' });
    await spec
      .given(created(), added('bob', 'member'), ev('GroupMemberRemoved', { userId: 'bob', by: 'bob' }))
      .when(rejoined)
      .then(expectRows('members', { columns: memberColumns, rows: [member('ann', 'owner', CREATED_AT), member('bob', 'admin', '2030-04-01T00:00:00.000Z')] }));
  });
});
