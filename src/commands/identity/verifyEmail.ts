/** VerifyEmail: the user followed the signed link mailed to their address (issue 13 item 7). */
import { z } from 'zod';
import type { CommandRuntime } from '../runtime.js';
import { runOnUser, type IdentityCommandMetadata, type UserCommandResult } from './result.js';

export const confirmEmailInput = z.object({ token: z.string().min(1).max(2000) });

export async function verifyEmail(
  deps: { commands: CommandRuntime },
  userId: string,
  data: { email: string; grantAdmin: boolean },
  meta: IdentityCommandMetadata,
): Promise<UserCommandResult> {
  return runOnUser(deps.commands, userId, { type: 'VerifyEmail', data }, meta);
}
