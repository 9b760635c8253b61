/**
 * RegisterUser: claim `userEmail-<hash>` (no_stream), then append UserRegistered to
 * `user-<id>`. Of concurrent registrations of one address exactly one claim is
 * written; the others get 409 `email-taken`.
 *
 * A process that dies between the two appends leaves a claim without an account. Such
 * a claim is released on the next registration of the address once it is older than
 * `abandonedClaimAfterMs`: the orphan user stream is first closed with
 * UserRegistrationAbandoned (no_stream), which can only succeed if UserRegistered never
 * landed, and only then is the claim released. The same steps run at once when the
 * UserRegistered append itself fails.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  DEFAULT_TIMEZONE,
  normalizeEmail,
  userDecider,
  userEmailDecider,
  type ActiveUser,
  type UserEmailCommand,
  type UserCommand,
} from '../../domain/identity/index.js';
import { DomainError } from '../../domain/shared/errors.js';
import type { CommandMetadata, CommandRuntime } from '../runtime.js';
import type { PasswordHasher } from './ports.js';
import { emailSchema, nameSchema, newPasswordSchema, timeZoneSchema } from './schemas.js';
import { userEmailStream, userStream } from './streams.js';

export const registerUserInput = z.object({
  email: emailSchema,
  password: newPasswordSchema,
  name: nameSchema,
  timezone: timeZoneSchema.optional(),
});
export type RegisterUserInput = z.output<typeof registerUserInput>;

export interface RegisterUserDeps {
  commands: CommandRuntime;
  passwords: PasswordHasher;
  /** Addresses that become admins on registration (ADMIN_EMAILS), compared in their canonical form. */
  adminEmails: readonly string[];
  /** A claim without an account older than this is taken to be abandoned (default 2 minutes). */
  abandonedClaimAfterMs?: number;
  newUserId?: () => string;
}

export interface RegisterUserResult {
  user: ActiveUser;
  revision: bigint;
  position: bigint | undefined;
}

const DEFAULT_ABANDONED_CLAIM_AFTER_MS = 2 * 60_000;

export async function registerUser(deps: RegisterUserDeps, input: RegisterUserInput, meta: CommandMetadata): Promise<RegisterUserResult> {
  const userId = (deps.newUserId ?? randomUUID)();
  const email = input.email;
  // Hash before claiming, so the window between the two appends stays short.
  const passwordHash = await deps.passwords.hash(input.password);
  const runMeta: CommandMetadata = { ...meta, actorId: userId };
  const domainMeta = { now: meta.now.toISOString(), actorId: userId };
  const emailStream = userEmailStream(email);

  const claim: UserEmailCommand = { type: 'ClaimEmail', data: { userId, email }, meta: domainMeta };
  try {
    await deps.commands.execute(userEmailDecider, emailStream, claim, runMeta);
  } catch (error) {
    if (!isDomainError(error, 'email-taken') || !(await releaseAbandonedClaim(deps, emailStream, runMeta))) throw error;
    await deps.commands.execute(userEmailDecider, emailStream, claim, runMeta);
  }

  const register: UserCommand = {
    type: 'RegisterUser',
    data: {
      userId,
      email,
      name: input.name,
      timezone: input.timezone ?? DEFAULT_TIMEZONE,
      passwordHash,
      // exact, on the canonical form (ADMIN_EMAILS is only for first set-up; see README)
      grantAdmin: deps.adminEmails.some((admin) => normalizeEmail(admin) === email),
    },
    meta: domainMeta,
  };
  try {
    const result = await deps.commands.execute(userDecider, userStream(userId), register, runMeta);
    if (result.state.status !== 'active' || result.revision === undefined) throw new Error(`registration of ${userId} did not produce a user`);
    return { user: result.state, revision: result.revision, position: result.position };
  } catch (error) {
    // Best effort: close the user stream and free the address now rather than after the grace period.
    await abandonRegistration(deps.commands, userId, emailStream, runMeta, 'registration-failed').catch(() => false);
    throw error;
  }
}

/** True when the claim on `emailStream` is gone (released here or meanwhile), so claiming again may succeed. */
async function releaseAbandonedClaim(deps: RegisterUserDeps, emailStream: string, meta: CommandMetadata): Promise<boolean> {
  const { state: claim } = await deps.commands.load(userEmailDecider, emailStream);
  if (claim.status === 'free') return true;
  const age = meta.now.getTime() - Date.parse(claim.claimedAt);
  if (!(age >= (deps.abandonedClaimAfterMs ?? DEFAULT_ABANDONED_CLAIM_AFTER_MS))) return false;
  const { state: owner } = await deps.commands.load(userDecider, userStream(claim.userId));
  if (owner.status === 'active') return false;
  return abandonRegistration(deps.commands, claim.userId, emailStream, meta, 'stale-claim');
}

async function abandonRegistration(
  commands: CommandRuntime,
  userId: string,
  emailStream: string,
  meta: CommandMetadata,
  reason: string,
): Promise<boolean> {
  const domainMeta = { now: meta.now.toISOString(), actorId: 'system' };
  try {
    await commands.execute(userDecider, userStream(userId), { type: 'AbandonRegistration', data: { userId, reason }, meta: domainMeta }, meta);
  } catch (error) {
    if (isDomainError(error, 'user-exists')) return false; // the registration did complete
    throw error;
  }
  try {
    await commands.execute(userEmailDecider, emailStream, { type: 'ReleaseEmail', data: { userId, reason }, meta: domainMeta }, meta);
  } catch (error) {
    if (!isDomainError(error, 'email-claimed-by-another')) throw error;
  }
  return true;
}

const isDomainError = (error: unknown, code: string): error is DomainError => error instanceof DomainError && error.code === code;
