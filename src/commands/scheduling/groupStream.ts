/**
 * What every group use case shares: the `group-<id>` stream and the typed way to run one
 * command on it, and the group's folded state for reads and access checks.
 */
import { groupDecider, groupRoleOf, groupStreamName, type ActiveGroup, type GroupCommand, type GroupEvent, type GroupRole, type GroupState } from '../../domain/scheduling/index.js';
import { notFound } from '../../domain/shared/errors.js';
import { decisionMeta, runtimeMeta, type RequestMeta, type WithoutMeta } from '../meta.js';
import type { CommandResult, CommandRuntime } from '../runtime.js';

export interface GroupDeps {
  commands: CommandRuntime;
}

export type GroupResult = CommandResult<GroupState, GroupEvent>;

/** A group command before its meta is added. */
export type GroupRequest = WithoutMeta<GroupCommand>;

export function runOnGroup(deps: GroupDeps, groupId: string, request: GroupRequest, meta: RequestMeta): Promise<GroupResult> {
  const command = { ...request, meta: decisionMeta(meta.actor, meta.now) } as GroupCommand;
  return deps.commands.execute(groupDecider, groupStreamName(groupId), command, runtimeMeta(meta));
}

export interface LoadedGroup {
  state: ActiveGroup;
  revision: bigint;
  position: bigint | undefined;
}

/** The group's authoritative state (through the runtime's cache). */
export async function loadGroup(deps: GroupDeps, groupId: string): Promise<LoadedGroup> {
  const { state, revision, position } = await deps.commands.load(groupDecider, groupStreamName(groupId));
  if (revision === undefined || state.status !== 'active') throw notFound('group-not-found', 'No such group.');
  return { state, revision, position };
}

/**
 * Does the group exist, and the user's role in it (groups are never public). Unless
 * `fresh`, a state verified within the last second answers without a read; the access
 * rule re-asks fresh before it denies, and the decider re-checks rights on every command.
 */
export async function groupMembershipOf(
  deps: GroupDeps,
  groupId: string,
  userId: string,
  opts: { fresh: boolean } = { fresh: true },
): Promise<{ public: boolean; roles: GroupRole[] } | undefined> {
  const stream = groupStreamName(groupId);
  const { state } = opts.fresh ? await deps.commands.load(groupDecider, stream) : await deps.commands.loadRecent(groupDecider, stream, 1000);
  if (state.status !== 'active') return undefined;
  const role = groupRoleOf(state, userId);
  return { public: false, roles: role ? [role] : [] };
}
