/**
 * The scheduling context: weekly availability, groups, busy time, suggestions and
 * meetings (docs/scheduling.md).
 */
import { groupRoutes } from '../api/scheduling/groupRoutes.js';
import { GroupCommands } from '../commands/scheduling/groupCommands.js';
import type { BoundedContext } from '../contexts.js';
import { groupsProjection } from '../projections/scheduling/groupsProjection.js';

export interface SchedulingServices {
  groups: GroupCommands;
}

export const schedulingContext: BoundedContext<SchedulingServices> = {
  name: 'scheduling',
  streams: () => [],
  projections: () => [groupsProjection()],
  services: ({ commands }) => ({ groups: new GroupCommands(commands) }),
  // Groups are decided on the domain state, like events: a check right after a write must see it.
  roleLoaders: ({ groups }) => ({ group: (groupId, userId, opts) => groups.membershipOf(groupId, userId, opts) }),
  routes: ({ knex, resources }, { groups }) => groupRoutes({ knex, resources, groups }),
};
