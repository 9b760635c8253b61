/**
 * The scheduling context: weekly availability, groups, busy time, suggestions and
 * meetings (docs/scheduling.md).
 */
import type { BoundedContext } from '../contexts.js';
import { meetingsProjection } from '../projections/scheduling/meetingsProjection.js';
import { busyTimeProjection } from '../projections/scheduling/busyTimeProjection.js';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SchedulingServices {}

export const schedulingContext: BoundedContext<SchedulingServices> = {
  name: 'scheduling',
  streams: () => [],
  projections: () => [meetingsProjection(), busyTimeProjection()],
  services: () => ({}),
  routes: () => [],
};
