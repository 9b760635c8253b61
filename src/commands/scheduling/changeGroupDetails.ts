/** ChangeGroupDetails: absent fields stay; `color: null` removes the colour. */
import { z } from 'zod';
import type { RequestMeta } from '../meta.js';
import { groupDetailFields } from './createGroup.js';
import { runOnGroup, type GroupDeps, type GroupResult } from './groupStream.js';

export const changeGroupInput = z.object(groupDetailFields).partial().strict();
export type ChangeGroupInput = z.output<typeof changeGroupInput>;

export function changeGroupDetails(deps: GroupDeps, groupId: string, input: ChangeGroupInput, meta: RequestMeta): Promise<GroupResult> {
  return runOnGroup(deps, groupId, { type: 'ChangeGroupDetails', data: input }, meta);
}
