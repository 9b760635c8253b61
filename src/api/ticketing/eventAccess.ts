/** Ticketing's share of per-resource authorisation (src/api/access.ts): the event role loader and the event channel's probes. */
import type { Knex } from 'knex';
import type { TicketingCommands } from '../../commands/ticketing/ticketingCommands.js';
import { getEventRow } from '../../projections/ticketing/queries.js';
import type { ChannelProbes, RoleLoaders } from '../access.js';
import { isReadModelMissing } from '../problem.js';

/**
 * The channel probes: one primary-key lookup in the ticketing read model; on a miss
 * (no such event, or one not projected yet) one indexed read of the stream's newest
 * event. A random id costs those two lookups and never a fold; an event the read model
 * has not seen yet is decided on the domain state, whatever the projection's lag.
 */
export function readModelProbes(deps: { knex: Knex; streamExists: (eventId: string) => Promise<boolean> }): ChannelProbes {
  return {
    eventExists: async (eventId) => {
      // before any projector has set up the read model, every event is "not projected yet"
      const row = await getEventRow(deps.knex, eventId).catch((error: unknown) => {
        if (isReadModelMissing(error)) return undefined;
        throw error;
      });
      const status = row?.status;
      if (status !== undefined) return { draft: status === 'draft' };
      // not projected yet: `draft` makes the caller decide on the domain state
      return (await deps.streamExists(eventId)) ? { draft: true } : undefined;
    },
  };
}

/**
 * The ticketing loader (its descriptor's roleLoaders). A kind without a loader refuses its
 * channels, and declaring a route rule for it fails at start-up.
 *
 * Events are decided on the domain state (through the command runtime's cache, caught
 * up with one read), not the read model: a check right after a write — publish, then
 * reserve — must not see stale roles.
 */
export function roleLoaders(deps: { ticketing: Pick<TicketingCommands, 'membershipOf'> }): RoleLoaders {
  return {
    event: (eventId, userId, opts) => deps.ticketing.membershipOf(eventId, userId, opts),
  };
}
