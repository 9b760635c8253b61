import { userDecider, type ActiveUser, type UserCommand, type UserState } from '../../domain/identity/index.js';
import { decisionMeta, type WithoutMeta } from '../meta.js';
import type { CommandMetadata, CommandRuntime } from '../runtime.js';
import { userStream } from './streams.js';

export interface IdentityCommandMetadata extends CommandMetadata {
  /** The actor holds the global admin role (the deciders check it again). */
  actorIsAdmin?: boolean;
}

/** The meta of a user command decided for this request. */
export const userDecisionMeta = (meta: IdentityCommandMetadata) => decisionMeta({ userId: meta.actorId, isAdmin: meta.actorIsAdmin ?? false }, meta.now);

export interface UserCommandResult {
  user: ActiveUser;
  revision: bigint;
  position: bigint | undefined;
}

/** The command result as a user; the user deciders only succeed on active users. */
export function activeResult(result: { state: UserState; revision: bigint | undefined; position: bigint | undefined }): UserCommandResult {
  if (result.state.status !== 'active' || result.revision === undefined) throw new Error('expected an active user');
  return { user: result.state, revision: result.revision, position: result.position };
}

/** Runs one command on `user-<id>` for this request; the answer is the active user. */
export async function runOnUser(commands: CommandRuntime, userId: string, request: WithoutMeta<UserCommand>, meta: IdentityCommandMetadata): Promise<UserCommandResult> {
  return activeResult(await commands.execute(userDecider, userStream(userId), { ...request, meta: userDecisionMeta(meta) }, meta));
}
