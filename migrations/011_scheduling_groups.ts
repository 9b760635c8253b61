import type { Knex } from 'knex';

/**
 * Groups and their members (docs/scheduling.md §3 Groups) are a read model: like every
 * projection's, its tables live in the projection's own schema (`rm_groups.groups`,
 * `rm_groups.members`, created by groupsProjection's setup), so the runner can rebuild
 * it into a shadow schema and `tessera verify` can replay it. The public tables the
 * skeleton reserved here are therefore not created; nothing else needs a migration.
 */
export async function up(_knex: Knex): Promise<void> {}

export async function down(_knex: Knex): Promise<void> {}
