/**
 * Participants from user ids and groups (docs/scheduling.md §3): groups are expanded to
 * their members when the meeting is proposed or people are invited (later members do not
 * join by themselves), each member keeping the group as `viaGroupId`. Rules:
 * - The caller may invite only groups they are a member of (any role); a group they are
 *   not in, or that does not exist, → 403 `not-group-member` (its existence is not told).
 * - Named users must be known to the scheduling context (rm_scheduling_people) → else 422 `unknown-users`.
 * - A person counts once: named ones before group members; named in both lists → required.
 * - Group members are required, like named participants; the organizer is left out of
 *   the groups (naming themself is the decider's 422 `organizer-not-participant`).
 */
import type { Knex } from 'knex';
import { z } from 'zod';
import type { MeetingParticipant } from '../../domain/scheduling/events.js';
import { forbidden, invalid } from '../../domain/shared/errors.js';
import { membersOfGroups } from '../../projections/scheduling/groupMembers.js';
import { loadPeople } from '../../projections/scheduling/people.js';

const userIds = z.array(z.string().trim().min(1).max(100)).max(1000);

/** The invitee fields of a proposal or an invitation. */
export const inviteesInput = {
  participantIds: userIds.optional(),
  optionalParticipantIds: userIds.optional(),
  groupIds: z.array(z.uuid()).max(50).optional(),
};
export interface Invitees {
  participantIds?: string[] | undefined;
  optionalParticipantIds?: string[] | undefined;
  groupIds?: string[] | undefined;
}

export async function resolveParticipants(knex: Knex, invitees: Invitees, organizerId: string): Promise<{ participants: MeetingParticipant[]; groupIds: string[] }> {
  const required = invitees.participantIds ?? [];
  const optional = invitees.optionalParticipantIds ?? [];
  const groupIds = [...new Set(invitees.groupIds ?? [])];
  const named = [...new Set([...required, ...optional])];
  const [people, groups] = await Promise.all([loadPeople(knex, named), membersOfGroups(knex, groupIds)]);
  const unknown = named.filter((id) => !people.has(id));
  if (unknown.length > 0) throw invalid('unknown-users', `No such users: ${unknown.join(', ')}`);
  const notMember = groupIds.filter((id) => !(groups.get(id) ?? []).some((m) => m.userId === organizerId));
  if (notMember.length > 0) throw forbidden('not-group-member', `You can invite only groups you belong to; not: ${notMember.join(', ')}`);

  const participants = new Map<string, MeetingParticipant>();
  for (const userId of required) participants.set(userId, { userId, required: true, viaGroupId: null });
  for (const userId of optional) if (!participants.has(userId)) participants.set(userId, { userId, required: false, viaGroupId: null });
  for (const groupId of groupIds) {
    for (const { userId } of groups.get(groupId) ?? []) {
      if (userId !== organizerId && !participants.has(userId)) participants.set(userId, { userId, required: true, viaGroupId: groupId });
    }
  }
  return { participants: [...participants.values()], groupIds };
}
