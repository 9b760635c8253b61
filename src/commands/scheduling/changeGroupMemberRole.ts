/** ChangeGroupMemberRole: the owner makes a member an admin or an admin a member. */
import { z } from 'zod';
import type { RequestMeta } from '../meta.js';
import { memberRole } from './addGroupMember.js';
import { runOnGroup, type GroupDeps, type GroupResult } from './groupStream.js';

export const memberRoleInput = z.object({ role: memberRole }).strict();
export type MemberRoleInput = z.output<typeof memberRoleInput>;

export function changeGroupMemberRole(deps: GroupDeps, groupId: string, userId: string, input: MemberRoleInput, meta: RequestMeta): Promise<GroupResult> {
  return runOnGroup(deps, groupId, { type: 'ChangeGroupMemberRole', data: { userId, role: input.role } }, meta);
}
