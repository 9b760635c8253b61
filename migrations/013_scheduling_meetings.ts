import type { Knex } from 'knex';

/** Reserved for meetings (issue 12); filled in by that work. */
export async function up(_knex: Knex): Promise<void> {}

export async function down(_knex: Knex): Promise<void> {}
