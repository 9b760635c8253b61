/**
 * The scheduling context: weekly availability, groups, busy time, suggestions and
 * meetings (docs/scheduling.md).
 */
import { availabilityRoutes } from '../api/scheduling/availabilityRoutes.js';
import { AvailabilityCommands } from '../commands/scheduling/availabilityCommands.js';
import { availabilityProjection } from '../projections/scheduling/availabilityProjection.js';
import type { BoundedContext } from '../contexts.js';
import { freeBusyRoutes } from '../api/scheduling/freeBusyRoutes.js';
import { suggestionRoutes } from '../api/scheduling/suggestionRoutes.js';
import { busyTimeProjection } from '../projections/scheduling/busyTimeProjection.js';

export interface SchedulingServices {
  availability: AvailabilityCommands;
}

export const schedulingContext: BoundedContext<SchedulingServices> = {
  name: 'scheduling',
  streams: () => [],
  projections: () => [availabilityProjection(), busyTimeProjection()],
  services: ({ commands }) => ({ availability: new AvailabilityCommands(commands) }),
  routes: ({ commands, knex }, { availability }) => [...availabilityRoutes({ availability, commands }), ...freeBusyRoutes({ knex }), ...suggestionRoutes({ knex })],
};
