/**
 * Response bodies of the group routes (docs/scheduling.md §3 Groups): one schema and one
 * builder per shape. Member names are joined from the people read model at read time.
 */
import { z } from 'zod';
import type { ActiveGroup } from '../../domain/scheduling/index.js';
import type { MyGroupRow } from '../../projections/scheduling/groupMembers.js';
import type { SchedulingPerson } from '../../projections/scheduling/people.js';
import { EXAMPLE, field, instantField, pageOf, positionField, revisionField } from '../dtoFields.js';

const GROUP_ID = '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9';
const roleField = (description: string) => field(z.enum(['owner', 'admin', 'member']), description, 'member');

const detailFields = {
  id: field(z.uuid(), 'The group id.', GROUP_ID),
  name: field(z.string(), 'Name (1–100 characters).', 'Platform team'),
  description: field(z.string(), 'Description (may be empty; at most 2,000 characters).', 'Infrastructure and on-call.'),
  color: field(z.string().nullable(), 'Colour as #rrggbb (lower case), or null.', '#1a7f5a'),
  ownerId: field(z.string(), "The owner's user id (also a member with the role owner).", EXAMPLE.userId),
  revision: revisionField,
};

export const groupMemberSchema = z
  .object({
    userId: field(z.string(), "The member's user id.", EXAMPLE.userId),
    name: field(z.string().nullable(), "The member's display name; null while the scheduling read model has not seen the user yet.", 'Ada Lovelace'),
    role: roleField('`owner` (exactly one), `admin` (manages details and members) or `member`.'),
    joinedAt: instantField('When they joined (for the owner: when the group was created)'),
  })
  .meta({ id: 'GroupMember', description: 'A member of a group.' });

export const groupSchema = z
  .object({
    ...detailFields,
    members: field(z.array(groupMemberSchema), 'Every member, the owner included, in the order they joined.', []),
    position: positionField.optional(),
  })
  .meta({ id: 'Group', description: 'A group of users with roles (owner, admins, members).' });

export const myGroupSchema = z
  .object({
    ...detailFields,
    role: roleField("The caller's role in the group."),
    memberCount: field(z.number().int().min(1), 'Members, the owner included.', 12),
    joinedAt: instantField('When the caller joined'),
  })
  .meta({ id: 'MyGroup', description: 'A group the caller belongs to, with their role in it.' });

export const myGroupPageSchema = pageOf(myGroupSchema, 'groups');

export type GroupDto = z.input<typeof groupSchema>;
export type MyGroupDto = z.input<typeof myGroupSchema>;

/** The group as folded from its stream, with the names `people` knows. */
export function groupDto(group: ActiveGroup, revision: bigint, people: ReadonlyMap<string, SchedulingPerson>): GroupDto {
  return {
    id: group.id,
    name: group.name,
    description: group.description,
    color: group.color,
    ownerId: group.ownerId,
    members: [...group.members].map(([userId, member]) => ({ userId, name: people.get(userId)?.name ?? null, role: member.role, joinedAt: member.joinedAt })),
    revision: revision.toString(),
  };
}

export function myGroupDto(row: MyGroupRow): MyGroupDto {
  return {
    id: row.group_id,
    name: row.name,
    description: row.description,
    color: row.color,
    ownerId: row.owner_id,
    revision: String(row.revision),
    role: row.role,
    memberCount: row.member_count,
    joinedAt: row.joined_at.toISOString(),
  };
}
