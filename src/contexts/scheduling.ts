/**
 * The scheduling context: weekly availability, groups, busy time, suggestions and
 * meetings (docs/scheduling.md).
 */
import { availabilityRoutes } from '../api/scheduling/availabilityRoutes.js';
import { freeBusyRoutes } from '../api/scheduling/freeBusyRoutes.js';
import { groupRoutes } from '../api/scheduling/groupRoutes.js';
import { suggestionRoutes } from '../api/scheduling/suggestionRoutes.js';
import { groupStreamModel } from '../cli/groupStreams.js';
import { availabilityStreamModel } from '../cli/streamModels.js';
import { AvailabilityChecker } from '../cli/verifyAvailability.js';
import { AvailabilityCommands } from '../commands/scheduling/availabilityCommands.js';
import { GroupCommands } from '../commands/scheduling/groupCommands.js';
import { availabilityProjection } from '../projections/scheduling/availabilityProjection.js';
import type { BoundedContext } from '../contexts.js';
import { busyTimeProjection } from '../projections/scheduling/busyTimeProjection.js';
import { groupsProjection } from '../projections/scheduling/groupsProjection.js';

export interface SchedulingServices {
  availability: AvailabilityCommands;
  groups: GroupCommands;
}

export const schedulingContext: BoundedContext<SchedulingServices> = {
  name: 'scheduling',
  streams: () => [{ ...availabilityStreamModel(), check: () => new AvailabilityChecker() }, groupStreamModel()],
  projections: () => [availabilityProjection(), groupsProjection(), busyTimeProjection()],
  services: ({ commands }) => ({ availability: new AvailabilityCommands(commands), groups: new GroupCommands(commands) }),
  // Groups are decided on the domain state, like events: a check right after a write must see it.
  roleLoaders: ({ groups }) => ({ group: (groupId, userId, opts) => groups.membershipOf(groupId, userId, opts) }),
  routes: ({ commands, knex, resources }, { availability, groups }) => [...availabilityRoutes({ availability, commands }), ...groupRoutes({ knex, resources, groups }), ...freeBusyRoutes({ knex }), ...suggestionRoutes({ knex })],
};
