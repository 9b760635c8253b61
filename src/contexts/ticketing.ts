/** The ticketing context: ticketed events, reservations, the waitlist (DESIGN §2). */
import { ResourceAccess } from '../api/access.js';
import { readModelProbes, roleLoaders } from '../api/ticketing/eventAccess.js';
import { ticketingRoutes } from '../api/ticketing/ticketingRoutes.js';
import { ticketingStreamModels } from '../cli/streamModels.js';
import { TicketedEventChecker } from '../cli/verifyStreams.js';
import { TicketingCommands } from '../commands/ticketing/ticketingCommands.js';
import { ticketedEventStreamName } from '../domain/ticketing/events.js';
import { ticketingJobs, ticketingReactor } from '../jobs/ticketingJobs.js';
import { ticketingProjection } from '../projections/ticketing/ticketingProjection.js';
import type { BoundedContext } from '../contexts.js';

export interface TicketingServices {
  commands: TicketingCommands;
}

export const ticketingContext: BoundedContext<TicketingServices> = {
  name: 'ticketing',
  streams: () => ticketingStreamModels().map((model) => ({ ...model, check: () => new TicketedEventChecker() })),
  projections: () => [ticketingProjection()],
  services: ({ commands }) => ({ commands: new TicketingCommands(commands) }),
  reactors: (jobs) => [ticketingReactor(jobs)],
  jobs: ({ jobs, knex, logger, clock }, { commands }) => ticketingJobs({ ticketing: commands, jobs, knex, logger, now: clock }),
  roleLoaders: ({ commands }) => roleLoaders({ ticketing: commands }),
  channels: ({ knex, store, roleLoaders: loaders }) => {
    // A random event id costs a read-model lookup and a stream-head probe, never a fold.
    const streamExists = async (id: string) => (await store.readStream(ticketedEventStreamName(id), { direction: 'backwards', maxCount: 1 })).length > 0;
    const resources = new ResourceAccess(loaders, readModelProbes({ knex, streamExists }));
    // `event:<uuid>` ids are validated and lower-cased by the live protocol itself (src/api/live/protocol.ts).
    return [{ kind: 'event', authorize: resources.channelAccess, seesTeamUpdates: resources.seesTeamUpdates }];
  },
  routes: ({ knex, store, resources }, { commands }) => ticketingRoutes({ knex, store, resources, ticketing: commands }),
};
