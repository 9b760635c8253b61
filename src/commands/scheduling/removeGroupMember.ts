/** RemoveGroupMember: by the owner or an admin, or the member themself leaving (never the owner). */
import type { RequestMeta } from '../meta.js';
import { runOnGroup, type GroupDeps, type GroupResult } from './groupStream.js';

export function removeGroupMember(deps: GroupDeps, groupId: string, userId: string, meta: RequestMeta): Promise<GroupResult> {
  return runOnGroup(deps, groupId, { type: 'RemoveGroupMember', data: { userId } }, meta);
}
