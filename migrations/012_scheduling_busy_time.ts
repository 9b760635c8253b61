import type { Knex } from 'knex';

/** Reserved for busy time (issue 11 item 3); filled in by that work. */
export async function up(_knex: Knex): Promise<void> {}

export async function down(_knex: Knex): Promise<void> {}
