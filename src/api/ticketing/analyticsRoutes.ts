/** Analytics from the read model: one event's figures (its team) and the overview (administrators). */
import { analyticsOverview, eventAnalytics, getEventRow } from '../../projections/ticketing/queries.js';
import { HttpError } from '../problem.js';
import { access, route, type RouteDefinition, positionHeader } from '../routes.js';
import { analyticsOverviewSchema, eventAnalyticsSchema } from './dtos.js';
import { eventAccess, eventParams, readsTicketing, readTicketing, type TicketingRouteDeps } from './routeHelpers.js';

export function analyticsRoutes(deps: TicketingRouteDeps): { ofEvent: RouteDefinition; overview: RouteDefinition } {
  const { knex } = deps;
  const { team } = eventAccess(deps.resources);

  const ofEvent = route({
    method: 'get',
    path: '/v1/events/:id/analytics',
    summary: 'Seats, reservations, utilisation, revenue, waiting-list conversion, reservations per day',
    tags: ['analytics'],
    response: eventAnalyticsSchema,
    access: team,
    params: eventParams,
    readsProjections: readsTicketing,
    handler: async (ctx) => {
      const { value: analytics, position } = await readTicketing(knex, async (db) => {
        const row = await getEventRow(db, ctx.params.id);
        return row && eventAnalytics(db, row);
      });
      if (!analytics) throw new HttpError(503, 'projection-behind', 'The event is not in the read model yet; retry shortly', { 'Retry-After': '1' });
      return { body: analytics, headers: positionHeader(position) };
    },
  });

  const overview = route({
    method: 'get',
    path: '/v1/analytics/overview',
    summary: 'Totals and top events (administrators)',
    tags: ['analytics'],
    response: analyticsOverviewSchema,
    access: access.admin,
    readsProjections: readsTicketing,
    handler: async () => {
      const { value, position } = await readTicketing(knex, (db) => analyticsOverview(db));
      return { body: value, headers: positionHeader(position) };
    },
  });

  return { ofEvent, overview };
}
