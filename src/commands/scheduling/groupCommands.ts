/**
 * The group use cases bound to one command runtime, for the routes and access rules that
 * take them as one part. Each use case is its own module in this folder.
 */
import type { GroupRole } from '../../domain/scheduling/index.js';
import type { RequestMeta } from '../meta.js';
import type { CommandRuntime } from '../runtime.js';
import { addGroupMember, type AddMemberInput } from './addGroupMember.js';
import { changeGroupDetails, type ChangeGroupInput } from './changeGroupDetails.js';
import { changeGroupMemberRole, type MemberRoleInput } from './changeGroupMemberRole.js';
import { createGroup, type CreateGroupInput } from './createGroup.js';
import { groupMembershipOf, loadGroup, type GroupDeps, type LoadedGroup } from './groupStream.js';
import { removeGroupMember } from './removeGroupMember.js';
import { transferGroupOwnership, type TransferInput } from './transferGroupOwnership.js';

export class GroupCommands {
  private readonly deps: GroupDeps;

  constructor(runtime: CommandRuntime) {
    this.deps = { commands: runtime };
  }

  load = (groupId: string): Promise<LoadedGroup> => loadGroup(this.deps, groupId);
  membershipOf = (groupId: string, userId: string, opts?: { fresh: boolean }): Promise<{ public: boolean; roles: GroupRole[] } | undefined> =>
    groupMembershipOf(this.deps, groupId, userId, opts);

  create = (input: CreateGroupInput, meta: RequestMeta) => createGroup(this.deps, input, meta);
  change = (groupId: string, input: ChangeGroupInput, meta: RequestMeta) => changeGroupDetails(this.deps, groupId, input, meta);
  addMember = (groupId: string, input: AddMemberInput, meta: RequestMeta) => addGroupMember(this.deps, groupId, input, meta);
  changeMemberRole = (groupId: string, userId: string, input: MemberRoleInput, meta: RequestMeta) => changeGroupMemberRole(this.deps, groupId, userId, input, meta);
  removeMember = (groupId: string, userId: string, meta: RequestMeta) => removeGroupMember(this.deps, groupId, userId, meta);
  transfer = (groupId: string, input: TransferInput, meta: RequestMeta) => transferGroupOwnership(this.deps, groupId, input, meta);
}
