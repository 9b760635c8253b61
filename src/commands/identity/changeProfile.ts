/** ChangeProfile: name and/or time zone of `user-<id>`; only the changed fields are recorded. */
import { z } from 'zod';
import type { CommandRuntime } from '../runtime.js';
import { runOnUser, type IdentityCommandMetadata, type UserCommandResult } from './result.js';
import { nameSchema, timeZoneSchema } from './schemas.js';

export const changeProfileInput = z
  .object({ name: nameSchema.optional(), timezone: timeZoneSchema.optional() })
  .refine((v) => v.name !== undefined || v.timezone !== undefined, { message: 'give name and/or timezone' });
export type ChangeProfileInput = z.output<typeof changeProfileInput>;

export async function changeProfile(
  deps: { commands: CommandRuntime },
  userId: string,
  input: ChangeProfileInput,
  meta: IdentityCommandMetadata,
): Promise<UserCommandResult> {
  const data = { ...(input.name !== undefined ? { name: input.name } : {}), ...(input.timezone !== undefined ? { timezone: input.timezone } : {}) };
  return runOnUser(deps.commands, userId, { type: 'ChangeProfile', data }, meta);
}
