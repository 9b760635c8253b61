/** TransferGroupOwnership: the owner hands the group to a member and stays on as an admin. */
import { z } from 'zod';
import type { RequestMeta } from '../meta.js';
import { runOnGroup, type GroupDeps, type GroupResult } from './groupStream.js';

export const transferInput = z.object({ userId: z.uuid() }).strict();
export type TransferInput = z.output<typeof transferInput>;

export function transferGroupOwnership(deps: GroupDeps, groupId: string, input: TransferInput, meta: RequestMeta): Promise<GroupResult> {
  return runOnGroup(deps, groupId, { type: 'TransferGroupOwnership', data: { userId: input.userId } }, meta);
}
