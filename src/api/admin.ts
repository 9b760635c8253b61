/** Operations endpoints for administrators. */
import type { Knex } from 'knex';
import type { EventStore } from '../eventstore/eventStore.js';
import type { Projection } from '../projections/projection.js';
import { projectionStatuses } from '../projections/runtime.js';
import { projectionStatusPageSchema } from './adminDtos.js';
import { access, route, type RouteDefinition } from './routes.js';

export function adminRoutes(deps: { knex: Knex; store: EventStore; consumers: Projection[] }): RouteDefinition[] {
  return [
    route({
      method: 'get',
      path: '/v1/admin/projections',
      summary: 'Projection and reactor positions, lag (events and seconds), state, runner lease, and the event a failed one stopped at',
      tags: ['admin'],
      access: access.admin,
      response: projectionStatusPageSchema,
      handler: async () => ({ body: { items: await projectionStatuses(deps.knex, deps.store, deps.consumers) } }),
    }),
  ];
}
