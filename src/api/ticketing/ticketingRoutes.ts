/** Ticketing endpoints (DESIGN §8 Ticketing): one module per resource, assembled into the route table here. */
import type { RouteDefinition } from '../routes.js';
import { analyticsRoutes } from './analyticsRoutes.js';
import { eventRoutes } from './eventRoutes.js';
import { reservationRoutes } from './reservationRoutes.js';
import type { TicketingRouteDeps } from './routeHelpers.js';
import { waitlistRoutes } from './waitlistRoutes.js';

export type { TicketingRouteDeps } from './routeHelpers.js';

export function ticketingRoutes(deps: TicketingRouteDeps): RouteDefinition[] {
  const events = eventRoutes(deps);
  const analytics = analyticsRoutes(deps);
  // The order of the table is the order of the published OpenAPI document: kept as it was.
  return [
    ...events.lifecycle,
    ...reservationRoutes(deps),
    ...waitlistRoutes(deps),
    events.history,
    analytics.ofEvent,
    ...events.collaborators,
    analytics.overview,
  ];
}
