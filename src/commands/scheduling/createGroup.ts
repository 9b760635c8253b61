/** CreateGroup: a new group owned by the caller. */
import { z } from 'zod';
import { GROUP_COLOR_PATTERN, GROUP_LIMITS } from '../../domain/scheduling/index.js';
import type { RequestMeta } from '../meta.js';
import { requestId } from '../ticketing/ticketedEventStream.js';
import { runOnGroup, type GroupDeps, type GroupResult } from './groupStream.js';

/** The group's details as the HTTP body gives them; the decider applies the same limits (GROUP_LIMITS). */
export const groupDetailFields = {
  name: z.string().trim().min(1).max(GROUP_LIMITS.nameMaxLength),
  description: z.string().max(GROUP_LIMITS.descriptionMaxLength),
  color: z.string().regex(GROUP_COLOR_PATTERN, 'must be #RRGGBB').nullable(),
};

export const createGroupInput = z
  .object({ name: groupDetailFields.name, description: groupDetailFields.description.optional(), color: groupDetailFields.color.optional() })
  .strict();
export type CreateGroupInput = z.output<typeof createGroupInput>;

export async function createGroup(deps: GroupDeps, input: CreateGroupInput, meta: RequestMeta): Promise<GroupResult & { groupId: string }> {
  const groupId = requestId(meta, 'group');
  const result = await runOnGroup(deps, groupId, { type: 'CreateGroup', data: { groupId, ...input } }, meta);
  return { ...result, groupId };
}
