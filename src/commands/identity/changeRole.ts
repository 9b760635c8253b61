/** GrantRole / RevokeRole of the global `admin` role (admins only; the decider checks again). */
import { z } from 'zod';
import { GLOBAL_ROLES, type GlobalRole, type UserCommand } from '../../domain/identity/index.js';
import type { WithoutMeta } from '../meta.js';
import type { CommandRuntime } from '../runtime.js';
import { runOnUser, type IdentityCommandMetadata, type UserCommandResult } from './result.js';

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
  const request: WithoutMeta<UserCommand> =
    input.action === 'grant'
      ? { type: 'GrantRole', data: { role: input.role, ...(input.reason !== undefined ? { reason: input.reason } : {}) } }
      : { type: 'RevokeRole', data: { role: input.role } };
  return runOnUser(deps.commands, userId, request, meta);
}
