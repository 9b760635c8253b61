import type { Knex } from 'knex';

/**
 * Reserved for availability (issue 11 item 1), which needs no table of its own outside a
 * read model: the people read model (name, profile zone, weekly hours, overrides) is the
 * projection `schedulingPeople`, whose schema rm_scheduling_people the projection runner
 * creates, rebuilds and swaps (src/projections/scheduling/availabilityProjection.ts). A
 * table in the public schema could not be rebuilt or compared by `tessera verify`.
 */
export async function up(_knex: Knex): Promise<void> {}

export async function down(_knex: Knex): Promise<void> {}
