/**
 * The groups read model (schema rm_groups, docs/scheduling.md §3 Groups): one row per
 * group and one per member, the owner included (role `owner`). Member names are not
 * copied: readers join them from the people read model at read time (loadPeople).
 * Feeds `GET /v1/me/groups` and the membership reads of the other scheduling parts
 * (groupMembers.ts).
 */
import type { Knex } from 'knex';
import { assertNever } from '../../domain/shared/decider.js';
import { groupEventTypes, type GroupEvent } from '../../domain/scheduling/events.js';
import type { RecordedEvent } from '../../eventstore/eventStore.js';
import type { Projection, ProjectionContext } from '../projection.js';

export const GROUPS_PROJECTION = 'groups';

export const groupsProjection = (): Projection => ({
  name: GROUPS_PROJECTION,
  version: 1,
  eventTypes: groupEventTypes,
  setup,
  apply: (event, ctx) => apply(event as RecordedEvent & GroupEvent, ctx),
});

async function setup(db: Knex | Knex.Transaction, s: string): Promise<void> {
  await db.raw(`
    CREATE TABLE ${s}.groups (
      group_id uuid PRIMARY KEY,
      name text NOT NULL,
      description text NOT NULL,
      color text,
      owner_id text NOT NULL,
      revision bigint NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );
    CREATE TABLE ${s}.members (
      group_id uuid NOT NULL,
      user_id text NOT NULL,
      role text NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
      joined_at timestamptz NOT NULL,
      PRIMARY KEY (group_id, user_id)
    );
    -- "my groups", newest membership first (GET /v1/me/groups), and co-members
    CREATE INDEX members_user_idx ON ${s}.members (user_id, joined_at DESC, group_id);
  `);
}

async function apply(event: RecordedEvent & GroupEvent, { trx, schema }: ProjectionContext): Promise<void> {
  const groups = () => trx(`${schema}.groups`);
  const members = () => trx(`${schema}.members`);
  const { groupId } = event.data;
  const touched = { revision: event.revision.toString(), updated_at: event.recordedAt };
  switch (event.type) {
    case 'GroupCreated': {
      const d = event.data;
      const row = { group_id: groupId, name: d.name, description: d.description, color: d.color, owner_id: d.ownerId, created_at: d.createdAt, ...touched };
      await groups().insert(row).onConflict('group_id').ignore();
      await members().insert({ group_id: groupId, user_id: d.ownerId, role: 'owner', joined_at: d.createdAt }).onConflict(['group_id', 'user_id']).ignore();
      return;
    }
    case 'GroupDetailsChanged': {
      const { groupId: _id, ...changes } = event.data;
      await groups().where({ group_id: groupId }).update({ ...changes, ...touched });
      return;
    }
    case 'GroupMemberAdded': {
      const d = event.data;
      await members().insert({ group_id: groupId, user_id: d.userId, role: d.role, joined_at: d.joinedAt }).onConflict(['group_id', 'user_id']).merge();
      break;
    }
    case 'GroupMemberRoleChanged':
      await members().where({ group_id: groupId, user_id: event.data.userId }).update({ role: event.data.role });
      break;
    case 'GroupMemberRemoved':
      await members().where({ group_id: groupId, user_id: event.data.userId }).delete();
      break;
    case 'GroupOwnershipTransferred': {
      const { from, to } = event.data;
      await members().where({ group_id: groupId, user_id: from }).update({ role: 'admin' });
      await members().where({ group_id: groupId, user_id: to }).update({ role: 'owner' });
      await groups().where({ group_id: groupId }).update({ owner_id: to, ...touched });
      return;
    }
    default:
      return assertNever(event);
  }
  await groups().where({ group_id: groupId }).update(touched);
}
