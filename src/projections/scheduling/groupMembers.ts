/** Reads of the groups read model (schema rm_groups, groupsProjection.ts), in one query each. */
import type { Knex } from 'knex';
import type { GroupRole } from '../../domain/scheduling/events.js';
import { projectionSchema } from '../projection.js';
import { GROUPS_PROJECTION } from './groupsProjection.js';

const S = projectionSchema(GROUPS_PROJECTION);
const t = (table: 'groups' | 'members') => `${S}.${table}`;

export interface GroupMembership {
  groupId: string;
  userId: string;
  role: GroupRole;
}

/** Every member (owner and admins included) of each of `groupIds` that exists. */
export async function membersOfGroups(knex: Knex | Knex.Transaction, groupIds: readonly string[]): Promise<Map<string, GroupMembership[]>> {
  const members = new Map<string, GroupMembership[]>();
  if (groupIds.length === 0) return members;
  const rows: Array<{ group_id: string; user_id: string; role: GroupRole }> = await knex(t('members'))
    .whereIn('group_id', [...new Set(groupIds)])
    .orderBy(['group_id', 'joined_at', 'user_id']);
  for (const row of rows) {
    const list = members.get(row.group_id) ?? [];
    list.push({ groupId: row.group_id, userId: row.user_id, role: row.role });
    members.set(row.group_id, list);
  }
  return members;
}

/** Those of `candidateIds` who share at least one group with `userId` (themself included when in a group). */
export async function sharingAGroupWith(knex: Knex | Knex.Transaction, userId: string, candidateIds: readonly string[]): Promise<Set<string>> {
  if (candidateIds.length === 0) return new Set();
  const rows: Array<{ user_id: string }> = await knex(`${t('members')} as other`)
    .distinct('other.user_id')
    .join(`${t('members')} as mine`, 'mine.group_id', 'other.group_id')
    .where('mine.user_id', userId)
    .whereRaw('other.user_id = ANY(?::text[])', [[...new Set(candidateIds)]]);
  return new Set(rows.map((row) => row.user_id));
}

export interface MyGroupRow {
  group_id: string;
  name: string;
  description: string;
  color: string | null;
  owner_id: string;
  revision: string;
  role: GroupRole;
  joined_at: Date;
  member_count: number;
}

/** One page (limit + 1 rows) of the groups `userId` belongs to, newest membership first. */
export async function groupsOfUser(
  knex: Knex | Knex.Transaction,
  userId: string,
  page: { limit: number; after?: { c: string; id: string } },
): Promise<MyGroupRow[]> {
  const query = knex(`${t('members')} as mine`)
    .join(`${t('groups')} as g`, 'g.group_id', 'mine.group_id')
    .select('g.group_id', 'g.name', 'g.description', 'g.color', 'g.owner_id', 'g.revision', 'mine.role', 'mine.joined_at')
    .select(knex.raw(`(SELECT count(*)::int FROM ${t('members')} AS m WHERE m.group_id = g.group_id) AS member_count`))
    .where('mine.user_id', userId)
    .orderBy([
      { column: 'mine.joined_at', order: 'desc' },
      { column: 'g.group_id', order: 'desc' },
    ])
    .limit(page.limit + 1);
  if (page.after) query.whereRaw('(mine.joined_at, g.group_id) < (?, ?)', [page.after.c, page.after.id]);
  return query;
}
