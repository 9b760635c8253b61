/**
 * The scheduling context: weekly availability, groups, busy time, suggestions and
 * meetings (docs/scheduling.md).
 */
import { availabilityRoutes } from '../api/scheduling/availabilityRoutes.js';
import { availabilityStreamModel } from '../cli/streamModels.js';
import { AvailabilityChecker } from '../cli/verifyAvailability.js';
import { AvailabilityCommands } from '../commands/scheduling/availabilityCommands.js';
import { availabilityProjection } from '../projections/scheduling/availabilityProjection.js';
import type { BoundedContext } from '../contexts.js';

export interface SchedulingServices {
  availability: AvailabilityCommands;
}

export const schedulingContext: BoundedContext<SchedulingServices> = {
  name: 'scheduling',
  streams: () => [{ ...availabilityStreamModel(), check: () => new AvailabilityChecker() }],
  projections: () => [availabilityProjection()],
  services: ({ commands }) => ({ availability: new AvailabilityCommands(commands) }),
  routes: ({ commands }, { availability }) => [...availabilityRoutes({ availability, commands })],
};
