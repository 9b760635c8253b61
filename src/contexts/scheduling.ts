/**
 * The scheduling context: weekly availability, groups, busy time, suggestions and
 * meetings (docs/scheduling.md).
 */
import { AvailabilityCommands } from '../commands/scheduling/availabilityCommands.js';
import { availabilityProjection } from '../projections/scheduling/availabilityProjection.js';
import type { BoundedContext } from '../contexts.js';
import { busyTimeProjection } from '../projections/scheduling/busyTimeProjection.js';
import { groupsProjection } from '../projections/scheduling/groupsProjection.js';
import { meetingsProjection } from '../projections/scheduling/meetingsProjection.js';

export interface SchedulingServices {
  availability: AvailabilityCommands;
}

export const schedulingContext: BoundedContext<SchedulingServices> = {
  name: 'scheduling',
  streams: () => [],
  projections: () => [availabilityProjection(), groupsProjection(), busyTimeProjection(), meetingsProjection()],
  services: ({ commands }) => ({ availability: new AvailabilityCommands(commands) }),
  routes: () => [],
};
