import type { Knex } from 'knex';

/** Reserved for e-mail delivery, sent log, settings (issue 13); filled in by that work. */
export async function up(_knex: Knex): Promise<void> {}

export async function down(_knex: Knex): Promise<void> {}
