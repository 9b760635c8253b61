/** Reads of group membership (rm_groups / rm_group_members, migration 011), in one query each. */
import type { Knex } from 'knex';
import type { GroupRole } from '../../domain/scheduling/events.js';

export interface GroupMembership {
  groupId: string;
  userId: string;
  role: GroupRole;
}

/** Every member (owner and admins included) of each of `groupIds` that exists. */
export async function membersOfGroups(knex: Knex | Knex.Transaction, groupIds: readonly string[]): Promise<Map<string, GroupMembership[]>> {
  const members = new Map<string, GroupMembership[]>();
  if (groupIds.length === 0) return members;
  const rows: Array<{ group_id: string; user_id: string; role: GroupRole }> = await knex('rm_group_members')
    .whereIn('group_id', [...new Set(groupIds)])
    .orderBy(['group_id', 'joined_at', 'user_id']);
  for (const row of rows) {
    const list = members.get(row.group_id) ?? [];
    list.push({ groupId: row.group_id, userId: row.user_id, role: row.role });
    members.set(row.group_id, list);
  }
  return members;
}

/** The ids of everyone who shares at least one group with `userId` (themself included when in a group). */
export async function coMemberIds(knex: Knex | Knex.Transaction, userId: string): Promise<Set<string>> {
  const rows: Array<{ user_id: string }> = await knex('rm_group_members as other')
    .distinct('other.user_id')
    .join('rm_group_members as mine', 'mine.group_id', 'other.group_id')
    .where('mine.user_id', userId);
  return new Set(rows.map((row) => row.user_id));
}
