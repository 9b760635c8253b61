/** GrantRole / RevokeRole of the global `admin` role (admins only; the decider checks again). */
import { z } from 'zod';
import { GLOBAL_ROLES, userDecider, type GlobalRole } from '../../domain/identity/index.js';
import type { CommandRuntime } from '../runtime.js';
import { activeResult, userDecisionMeta, type IdentityCommandMetadata, type UserCommandResult } from './result.js';
import { userStream } from './streams.js';

export const changeRoleInput = z.object({
  role: z.enum(GLOBAL_ROLES as [GlobalRole, ...GlobalRole[]]),
  action: z.enum(['grant', 'revoke']),
  reason: z.string().max(500).optional(),
});
export type ChangeRoleInput = z.output<typeof changeRoleInput>;

export async function changeRole(
  deps: { commands: CommandRuntime },
  userId: string,
  input: ChangeRoleInput,
  meta: IdentityCommandMetadata,
): Promise<UserCommandResult> {
  const domainMeta = userDecisionMeta(meta);
  const result = await deps.commands.execute(
    userDecider,
    userStream(userId),
    input.action === 'grant'
      ? { type: 'GrantRole', data: { role: input.role, ...(input.reason !== undefined ? { reason: input.reason } : {}) }, meta: domainMeta }
      : { type: 'RevokeRole', data: { role: input.role }, meta: domainMeta },
    meta,
  );
  return activeResult(result);
}
