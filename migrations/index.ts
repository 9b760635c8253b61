import type { Knex } from 'knex';
import * as eventstore from './001_eventstore.js';
import * as runtime from './002_runtime.js';
import * as identity from './003_identity.js';
import * as ticketing from './004_ticketing.js';
import * as projectionFailures from './005_projection_failures.js';
import * as apiKeys from './006_api_keys.js';
import * as changefeedTeamOnly from './007_changefeed_team_only.js';
import * as notifications from './008_notifications.js';
import * as idempotencyClaims from './009_idempotency_claims.js';
import * as email from './010_email.js';
import * as calendar from './011_calendar.js';

/**
 * Migrations are imported statically (not discovered on disk) so they run the same
 * under tsx, vitest and the compiled build.
 */
const migrations: Record<string, Knex.Migration> = {
  '001_eventstore': eventstore,
  '002_runtime': runtime,
  '003_identity': identity,
  '004_ticketing': ticketing,
  '005_projection_failures': projectionFailures,
  '006_api_keys': apiKeys,
  '007_changefeed_team_only': changefeedTeamOnly,
  '008_notifications': notifications,
  '009_idempotency_claims': idempotencyClaims,
  '010_email': email,
  '011_calendar': calendar,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const migration = migrations[name];
    if (!migration) throw new Error(`unknown migration ${name}`);
    return migration;
  },
};
