import type { ActiveUser, UserState } from '../../domain/identity/index.js';
import { decisionMeta } from '../meta.js';
import type { CommandMetadata } from '../runtime.js';

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
