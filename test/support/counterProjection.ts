/**
 * A test projection: counts Taken events per stream, and logs every application
 * (which runner applied which position) so double application is visible.
 */
import type { Projection } from '../../src/projections/projection.js';

export const counterProjection = (options: { slowMs?: number; runner?: string; version?: number } = {}): Projection => ({
  name: 'testCounter',
  version: options.version ?? 1,
  eventTypes: ['Taken'],
  async setup(db, schema) {
    await db.raw(`CREATE TABLE ${schema}.totals (stream text PRIMARY KEY, n integer NOT NULL)`);
    await db.raw(`CREATE TABLE ${schema}.applied (position bigint NOT NULL, runner text NOT NULL, version integer NOT NULL)`);
  },
  async apply(event, { trx, schema, publish }) {
    if (options.slowMs) await new Promise((r) => setTimeout(r, options.slowMs));
    const amount = (event.data as { amount: number }).amount;
    await trx.raw(
      `INSERT INTO ${schema}.totals (stream, n) VALUES (?, ?) ON CONFLICT (stream) DO UPDATE SET n = totals.n + EXCLUDED.n`,
      [event.streamName, amount],
    );
    await trx.raw(`INSERT INTO ${schema}.applied (position, runner, version) VALUES (?, ?, ?)`, [
      event.position.toString(),
      options.runner ?? 'main',
      options.version ?? 1,
    ]);
    publish(`counter:${event.streamName}`, { stream: event.streamName, amount });
  },
});
