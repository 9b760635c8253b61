/**
 * The scheduling context: weekly availability, groups, busy time, suggestions and
 * meetings (docs/scheduling.md).
 */
import type { BoundedContext } from '../contexts.js';
import { freeBusyRoutes } from '../api/scheduling/freeBusyRoutes.js';
import { suggestionRoutes } from '../api/scheduling/suggestionRoutes.js';
import { busyTimeProjection } from '../projections/scheduling/busyTimeProjection.js';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SchedulingServices {}

export const schedulingContext: BoundedContext<SchedulingServices> = {
  name: 'scheduling',
  streams: () => [],
  projections: () => [busyTimeProjection()],
  services: () => ({}),
  routes: ({ knex }) => [...freeBusyRoutes({ knex }), ...suggestionRoutes({ knex })],
};
