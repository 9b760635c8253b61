import type { Knex } from 'knex';

/**
 * Meetings (issue 12) need no table outside their read model: the meetings projection
 * creates its tables in its own schema (rm_meetings) in `setup`, like every projection,
 * so that a rebuild can swap a shadow schema in and `tessera verify` can replay it into a
 * scratch schema (src/projections/scheduling/meetingsProjection.ts). Kept as a no-op so
 * the migration list stays as reserved.
 */
export async function up(_knex: Knex): Promise<void> {}

export async function down(_knex: Knex): Promise<void> {}
