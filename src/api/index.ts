/** Assembles the route table and what the routes need, from the composition root's parts. */
import type { Knex } from 'knex';
import type { CommandRuntime } from '../commands/runtime.js';
import type { EventStore } from '../eventstore/eventStore.js';
import type { Projection } from '../projections/projection.js';
import type { TicketingCommands } from '../commands/ticketing/ticketingCommands.js';
import type { JobQueue } from '../jobs/jobs.js';
import { adminRoutes } from './admin.js';
import { notificationRoutes } from './notifications/notificationRoutes.js';
import { ticketingRoutes } from './ticketing/ticketingRoutes.js';
import { AccessTokens } from './auth/accessTokens.js';
import { apiKeyRefusal, type Identity } from './auth/index.js';
import type { ResourceAccess } from './access.js';
import type { ProjectionProgress } from './consistency.js';
import type { IdempotencyStore } from './idempotency.js';
import type { RouteDefinition, RouteDependencies } from './routes.js';

export interface ApiParts {
  knex: Knex;
  store: EventStore;
  commands: CommandRuntime;
  projections: Projection[];
  /** Projections and reactors: everything with a checkpoint (for the admin status). */
  consumers: Projection[];
  accessTokens: AccessTokens;
  ticketing: TicketingCommands;
  jobs: JobQueue;
  clock: () => Date;
  /** Passwords, refresh tokens and the identity routes (src/api/auth). */
  identity: Identity;
  /** Per-resource role rules for route modules (src/api/access.ts), e.g. `parts.resources.event(['organizer'])`. */
  resources: ResourceAccess;
}

export function buildRoutes(parts: ApiParts): RouteDefinition[] {
  // notifications right after ticketing: the order of the published OpenAPI document
  return [...adminRoutes(parts), ...ticketingRoutes(parts), ...notificationRoutes(parts), ...parts.identity.routes];
}

export function buildRouteDependencies(
  parts: Pick<ApiParts, 'identity' | 'clock'> & {
    /** Stored answers of Idempotency-Key requests (the process's one store). */
    idempotency: IdempotencyStore;
    /** The process's one read-your-writes poller. */
    progress: ProjectionProgress;
  },
): RouteDependencies {
  const { progress } = parts;
  return {
    // Access tokens and API keys (tsk_…); what a key may not do is decided per route.
    authenticate: (req) => parts.identity.credentials.authenticate(req),
    refuseApiKey: apiKeyRefusal,
    idempotency: parts.idempotency,
    waitForPosition: (position, projections) => progress.waitFor(position, projections),
    now: parts.clock,
  };
}
