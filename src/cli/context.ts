/**
 * The CLI's composition function: builds, on first use, the dependencies a command
 * needs from the same configuration as the server (DATABASE_URL or embedded
 * PostgreSQL, EVENT_STORE/ESDB_URL, REDIS_URL, …), and closes every one of them at
 * the end so the process exits by itself. One context per CLI run; nothing global.
 */
import type { Knex } from 'knex';
import { Redis } from 'ioredis';
import { destination, pino, type Logger } from 'pino';
import { migrationSource } from '../../migrations/index.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { createKnex } from '../database.js';
import { startEmbeddedPostgres } from '../embeddedPostgres.js';
import type { EventStore } from '../eventstore/eventStore.js';
import { createEsdbEventStore } from '../eventstore/esdb/esdbEventStore.js';
import { createPostgresEventStore } from '../eventstore/postgres/postgresEventStore.js';
import { BullmqJobs } from '../jobs/bullmqQueue.js';
import { InProcessJobs } from '../jobs/inProcessQueue.js';
import type { JobQueue } from '../jobs/jobs.js';
import type { Projection } from '../projections/projection.js';
import { consumersOf, contexts as applicationContexts, type BoundedContext } from '../contexts.js';
import type { StreamModel } from './streamModels.js';
import { CliError, Output, type CliIo } from './output.js';

export type CliEnv = Record<string, string | undefined>;

export class CliContext {
  readonly out: Output;
  private readonly cleanups: Array<() => Promise<void>> = [];
  private configValue: Config | undefined;
  private loggerValue: Logger | undefined;
  private databaseUrlValue: Promise<string> | undefined;
  private knexValue: Promise<Knex> | undefined;
  private migrationsChecked: Promise<void> | undefined;
  private storeValue: Promise<EventStore> | undefined;
  private jobsValue: Promise<JobQueue> | undefined;

  constructor(
    readonly env: CliEnv,
    readonly io: CliIo,
    /** The bounded contexts whose streams, read models and reactors the commands see. */
    readonly contexts: readonly BoundedContext<any>[] = applicationContexts,
  ) {
    this.out = new Output(io);
  }

  get config(): Config {
    if (!this.configValue) {
      try {
        this.configValue = loadConfig(this.env);
      } catch (error) {
        if (error instanceof ConfigError) throw new CliError(error.message, 1);
        throw error;
      }
    }
    return this.configValue;
  }

  /** Logs to stderr (stdout carries results); quieter than the server unless LOG_LEVEL is set. */
  get logger(): Logger {
    this.loggerValue ??= pino({ level: this.env.LOG_LEVEL ? this.config.logLevel : 'warn', base: { service: 'tessera-cli' } }, destination(2));
    return this.loggerValue;
  }

  get projections(): Projection[] {
    return consumersOf(this.contexts, new InProcessJobs()).projections;
  }

  /** Everything with a checkpoint: the read models and the reactors (for status; the CLI never runs a reactor, so its queue stays unused). */
  get consumers(): Projection[] {
    return consumersOf(this.contexts, new InProcessJobs()).consumers;
  }

  /** Every context's stream categories, for `stream state` and `verify`. */
  get streamModels(): StreamModel[] {
    return this.contexts.flatMap((context) => context.streams());
  }

  databaseUrl(): Promise<string> {
    this.databaseUrlValue ??= (async () => {
      const { databaseUrl, dataDir, embeddedPostgresPort } = this.config;
      if (databaseUrl) return databaseUrl;
      const embedded = await startEmbeddedPostgres({ dataDir, port: embeddedPostgresPort, logger: this.logger });
      this.cleanups.push(() => embedded.stop());
      return embedded.url;
    })();
    return this.databaseUrlValue;
  }

  /** The PostgreSQL connection, without any schema check (for `migrate`). */
  rawKnex(): Promise<Knex> {
    this.knexValue ??= (async () => {
      // knex warns with a stack on a failed connection; the CLI reports the error in one line (stacks with --verbose).
      const log = (message: unknown) => this.logger.debug(String(message));
      const knex = createKnex(await this.databaseUrl(), { max: 4 }, { warn: log, error: log, deprecate: log, debug: log });
      this.cleanups.push(() => knex.destroy());
      return knex;
    })();
    return this.knexValue;
  }

  /** The PostgreSQL connection of a migrated database; otherwise a clear error. */
  async knex(): Promise<Knex> {
    const knex = await this.rawKnex();
    this.migrationsChecked ??= (async () => {
      const unreachable = (error: unknown): never => {
        throw new CliError(`cannot reach PostgreSQL: ${error instanceof Error ? error.message : String(error)}`);
      };
      // knex.migrate.list would create its bookkeeping tables in a database that has none.
      const { rows } = await knex.raw<{ rows: Array<{ table: string | null }> }>("SELECT to_regclass('knex_migrations')::text AS table").catch(unreachable);
      if (!rows[0]?.table) throw new CliError('the database is not migrated: run `tessera migrate` first');
      const [, pending] = (await knex.migrate.list({ migrationSource }).catch(unreachable)) as [unknown[], unknown[]];
      if (pending.length > 0) {
        const names = (pending as Array<string | { file?: string; name?: string }>).map((p) => (typeof p === 'string' ? p : (p.file ?? p.name ?? '?')));
        throw new CliError(`the database is not migrated (pending: ${names.join(', ')}): run \`tessera migrate\` first`);
      }
    })();
    await this.migrationsChecked;
    return knex;
  }

  store(): Promise<EventStore> {
    this.storeValue ??= (async () => {
      const { eventStore } = this.config;
      let store: EventStore;
      if (eventStore.kind === 'esdb') {
        store = createEsdbEventStore(eventStore.url);
      } else {
        await this.knex(); // the event store's tables come from the migrations
        store = createPostgresEventStore(await this.databaseUrl(), {
          poolSize: 4,
          onError: (error) => this.logger.warn({ err: error }, 'event store connection error'),
        });
      }
      this.cleanups.push(() => store.close());
      return store;
    })();
    return this.storeValue;
  }

  /** How many events the store holds up to `head` (for a progress line); unknown for EventStoreDB. */
  async eventCount(head: bigint): Promise<number | undefined> {
    if (this.config.eventStore.kind !== 'postgres' || head < 0n) return head < 0n ? 0 : undefined;
    const knex = await this.knex();
    const [row] = await knex('eventstore.events').where('position', '<=', head.toString()).count<Array<{ count: string }>>({ count: '*' });
    return Number(row?.count ?? 0);
  }

  /** The BullMQ queue; without REDIS_URL the dead-letter list only exists inside the server process. */
  jobs(): Promise<JobQueue> {
    this.jobsValue ??= (async () => {
      const { redisUrl, jobs } = this.config;
      if (!redisUrl) {
        throw new CliError(
          'REDIS_URL is not set: jobs then run inside the server process, and their failed jobs are only visible to that process',
        );
      }
      await assertRedisAnswers(redisUrl);
      const queue = new BullmqJobs({ redisUrl, queueName: jobs.queueName, logger: this.logger });
      this.cleanups.push(() => queue.close());
      return queue;
    })();
    return this.jobsValue;
  }

  async close(): Promise<void> {
    for (const cleanup of this.cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => this.logger.warn({ err: error }, 'error while closing'));
    }
  }
}

/** BullMQ's connection retries forever; probe once so a dead Redis is an error, not a hang. */
async function assertRedisAnswers(url: string): Promise<void> {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    throw new CliError(`cannot reach Redis (REDIS_URL): ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    probe.disconnect();
  }
}

export async function withContext<T>(env: CliEnv, io: CliIo, action: (ctx: CliContext) => Promise<T>, contexts?: readonly BoundedContext<any>[]): Promise<T> {
  const ctx = new CliContext(env, io, contexts);
  try {
    return await action(ctx);
  } finally {
    await ctx.close();
  }
}
