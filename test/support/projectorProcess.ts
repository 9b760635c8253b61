/**
 * Child process for projection tests: runs one ProjectionRunner for the counter
 * projection until killed. argv: databaseUrl runnerName slowMs
 */
import { createKnex } from '../../src/database.js';
import { createPostgresEventStore } from '../../src/eventstore/postgres/postgresEventStore.js';
import { ProjectionRunner } from '../../src/projections/runtime.js';
import { counterProjection } from './counterProjection.js';

const [databaseUrl, runner, slowMs] = process.argv.slice(2);
const knex = createKnex(databaseUrl!);
const store = createPostgresEventStore(databaseUrl!, { pollIntervalMs: 100 });
const projector = new ProjectionRunner(knex, databaseUrl!, store, counterProjection({ runner, slowMs: Number(slowMs ?? 0) }), {
  batchSize: 20,
  standbyRetryMs: 100,
});
projector.start();
process.send?.('started');
const stop = async () => {
  await projector.stop();
  await store.close();
  await knex.destroy();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
