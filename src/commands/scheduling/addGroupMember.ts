/** AddGroupMember: a registered user joins with the role member (default) or admin. */
import { z } from 'zod';
import { notFound } from '../../domain/shared/errors.js';
import { loadUser } from '../identity/loadUser.js';
import type { RequestMeta } from '../meta.js';
import { runOnGroup, type GroupDeps, type GroupResult } from './groupStream.js';

export const memberRole = z.enum(['admin', 'member']);
export const addMemberInput = z.object({ userId: z.uuid(), role: memberRole.optional() }).strict();
export type AddMemberInput = z.output<typeof addMemberInput>;

export async function addGroupMember(deps: GroupDeps, groupId: string, input: AddMemberInput, meta: RequestMeta): Promise<GroupResult> {
  // The user's own stream, not a read model: someone who registered a moment ago can be added at once.
  if (!(await loadUser(deps.commands, input.userId))) throw notFound('user-not-found', 'No user with this id.');
  return runOnGroup(deps, groupId, { type: 'AddGroupMember', data: input }, meta);
}
