/**
 * ChangePassword: the current password is verified against the folded state's hash
 * (not the read model, which may lag), the new one is hashed, and the decider refuses
 * the change if the hash moved in between.
 */
import { z } from 'zod';
import { userDecider } from '../../domain/identity/index.js';
import { forbidden, invalid, notFound } from '../../domain/shared/errors.js';
import type { CommandRuntime } from '../runtime.js';
import { runOnUser, type IdentityCommandMetadata, type UserCommandResult } from './result.js';
import type { PasswordHasher } from './ports.js';
import { newPasswordSchema, passwordSchema } from './schemas.js';
import { userStream } from './streams.js';

export const changePasswordInput = z.object({ currentPassword: passwordSchema, newPassword: newPasswordSchema });
export type ChangePasswordInput = z.output<typeof changePasswordInput>;

export async function changePassword(
  deps: { commands: CommandRuntime; passwords: PasswordHasher },
  userId: string,
  input: ChangePasswordInput,
  meta: IdentityCommandMetadata,
): Promise<UserCommandResult> {
  const stream = userStream(userId);
  const { state } = await deps.commands.load(userDecider, stream);
  if (state.status !== 'active') throw notFound('user-not-found', 'No such user.');
  if (!(await deps.passwords.verify(input.currentPassword, state.passwordHash))) {
    throw forbidden('invalid-current-password', 'The current password is not correct.');
  }
  if (input.newPassword === input.currentPassword) throw invalid('password-unchanged', 'The new password must differ from the current one.');
  const passwordHash = await deps.passwords.hash(input.newPassword);
  return runOnUser(deps.commands, userId, { type: 'ChangePassword', data: { passwordHash, verifiedAgainst: state.passwordHash } }, meta);
}
