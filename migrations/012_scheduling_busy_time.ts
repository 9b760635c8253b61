import type { Knex } from 'knex';

/**
 * Busy time (issue 11 item 3) needs no migration: its tables are a projection's
 * (src/projections/scheduling/busyTimeProjection.ts, schema rm_scheduling_busy_time),
 * created by the projection's setup and rebuilt by replay when its version changes.
 * The file stays so the numbering of the reserved migrations is unchanged.
 */
export async function up(_knex: Knex): Promise<void> {}

export async function down(_knex: Knex): Promise<void> {}
