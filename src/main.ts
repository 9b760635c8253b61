/**
 * The composition root: builds every dependency from the configuration and passes
 * it down. Nothing else creates pools, stores, queues or servers.
 */
import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker, isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { Knex } from 'knex';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { createApp } from './api/app.js';
import { ConfigError, loadConfig, packageVersion, type Config } from './config.js';
import { CommandRuntime } from './commands/runtime.js';
import { createKnex, migrateToLatest } from './database.js';
import { EmbeddedPostgresError, readOrCreateSecret, startEmbeddedPostgres } from './embeddedPostgres.js';
import type { EventStore } from './eventstore/eventStore.js';
import { createEsdbEventStore } from './eventstore/esdb/esdbEventStore.js';
import { createPostgresEventStore } from './eventstore/postgres/postgresEventStore.js';
import { createMetrics, type Metrics } from './metrics.js';
import { DEFAULT_LAG_COUNT_LIMIT, ProjectionRunner, SharedBatches, projectionReadiness, projectionStatuses } from './projections/runtime.js';
import { startHealthServer, type HealthCheck } from './health.js';
import { BullmqJobs } from './jobs/bullmqQueue.js';
import { InProcessJobs } from './jobs/inProcessQueue.js';
import type { JobQueue, JobRunner } from './jobs/jobs.js';
import { serveJobQueue, ThreadJobQueue } from './jobs/threadQueue.js';
import { platformJobs, startLoops, startSweeper } from './jobs/platform.js';
import { IdempotencyStore } from './api/idempotency.js';
import { RefreshTokenStore } from './api/auth/refreshTokens.js';
import { ProjectionProgress } from './api/consistency.js';
import { buildServices, consumersOf, contexts as applicationContexts, jobsOf, roleLoadersOf, type BoundedContext, type PlatformParts, type ServicesOf } from './contexts.js';
import { buildRoutes, buildRouteDependencies } from './api/index.js';
import { AccessTokens } from './api/auth/accessTokens.js';
import { createIdentity, createRateLimit } from './api/auth/index.js';
import { ResourceAccess, channelAuthorizers } from './api/access.js';
import { LiveHub } from './api/live/index.js';
import { answerClientError } from './api/problem.js';
import type { RouteDefinition } from './api/routes.js';
import { Redis } from 'ioredis';
import { createHmac } from 'node:crypto';
import { LinkTokens } from './jobs/mail/linkTokens.js';
import { smtpTransport } from './jobs/mail/transport.js';

export interface Tessera {
  config: Config;
  logger: Logger;
  knex: Knex;
  databaseUrl: string;
  store: EventStore;
  metrics: Metrics;
  commands: CommandRuntime;
  /** A context's own services, by its descriptor: `tessera.services(ticketingContext).commands`. */
  services: ServicesOf;
  jobs: JobQueue & JobRunner;
  /** The HTTP server when the api role runs. */
  server: http.Server | undefined;
  /** The route table the server serves ([] without the api role). */
  routes: RouteDefinition[];
  /** Bound address (useful with PORT=0). */
  port: number | undefined;
  /** Port of the health listener of a process without the api role (useful with HEALTH_PORT=0). */
  healthPort: number | undefined;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** The one clock of the process; tests pass a controllable one. */
  clock?: () => Date;
  /** The bounded contexts to run (default: the application's, src/contexts.ts); tests add throwaway ones. */
  contexts?: readonly BoundedContext<any>[];
  /** The job queue to use instead of building one (the projector thread's, which enqueues into the main thread's). */
  jobs?: JobQueue & JobRunner;
  /** Without the api role, serve /health/* on HEALTH_PORT (default true; the projector thread does not: the api answers for it). */
  healthServer?: boolean;
  /**
   * Run the projector role (projections and reactors) in a worker thread of this process,
   * built by this module too (runProjectorThread), so one machine's default start uses two
   * cores. `npm start` and `tessera serve` pass PROJECTOR_THREAD (default true); the api and
   * worker roles stay on this thread. Without Redis the thread enqueues its jobs into this
   * thread's in-process queue.
   */
  projectorThread?: boolean;
}

export async function startTessera(config: Config, logger: Logger = createLogger(config), options: StartOptions = {}): Promise<Tessera> {
  const clock = options.clock ?? (() => new Date());
  const contexts = options.contexts ?? applicationContexts;
  const version = packageVersion();
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => logger.error({ err: error }, 'error during shutdown'));
    }
  };
  try {
    let databaseUrl = config.databaseUrl;
    if (!databaseUrl) {
      const embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPostgresPort, logger });
      cleanups.push(() => embedded.stop());
      databaseUrl = embedded.url;
    }
    const knex = createKnex(databaseUrl, { max: config.databasePoolMax });
    cleanups.push(() => knex.destroy());
    await migrateToLatest(knex);

    const metrics = createMetrics();
    const store =
      config.eventStore.kind === 'esdb'
        ? createEsdbEventStore(config.eventStore.url)
        : createPostgresEventStore(databaseUrl, { poolSize: config.databasePoolMax, onError: (error) => logger.warn({ err: error }, 'event store connection error') });
    cleanups.push(() => store.close());

    const commands = new CommandRuntime(store, {
      onOutcome: (outcome) => metrics.commandOutcomes.inc({ outcome }),
      onAppend: (seconds) => metrics.appendDuration.observe(seconds),
    });

    if (!config.redisUrl) logger.info('REDIS_URL is not set: jobs run in-process and rate limits are kept in memory');
    const jwtSecret = config.jwt.secret ?? (await readOrCreateSecret(path.join(path.resolve(config.dataDir), 'jwt-secret'), 48));

    // One of each per process, shared by the routes and the housekeeping job; closed after
    // the jobs and the server. Idempotency-Key claims are advisory locks on connections of their own.
    const idempotencyClaims = new pg.Pool({ connectionString: databaseUrl, max: config.databasePoolMax, connectionTimeoutMillis: 5000, application_name: 'tessera-idempotency' });
    idempotencyClaims.on('error', (error) => logger.warn({ err: error }, 'idempotency claim connection error'));
    cleanups.push(() => idempotencyClaims.end());
    const idempotency = new IdempotencyStore(idempotencyClaims);
    const refreshTokens = new RefreshTokenStore(knex, config.jwt.refreshTokenTtlDays);

    const jobs: JobQueue & JobRunner = options.jobs ?? createJobs(config, logger, clock);
    cleanups.push(() => jobs.close());
    // Only a worker sends; the pool is closed after the jobs (cleanups run in reverse).
    const transport = config.mail.smtpUrl && config.roles.includes('worker') ? smtpTransport(config.mail.smtpUrl, config.mail.from, config.jobs.concurrency) : undefined;
    if (transport) cleanups.splice(cleanups.length - 1, 0, async () => transport.close());
    if (!config.mail.smtpUrl) logger.info('SMTP_URL is not set: no e-mail is sent (`tessera mail preview <kind>` shows the templates)');
    const mail = { transport, links: new LinkTokens(createHmac('sha256', jwtSecret).update('mail links').digest('base64url')) };
    const platform: PlatformParts = { config, logger, knex, store, commands, jobs, clock, mail };
    const services = buildServices(contexts, platform);

    const { projections, consumers } = consumersOf(contexts, jobs);
    if (config.roles.includes('projector') && options.projectorThread) {
      // Before the API listens, so a started server has its projections running.
      const thread = await startProjectorThread({ ...config, roles: ['projector'], databaseUrl }, jobs, logger);
      cleanups.push(() => thread.stop());
    } else if (config.roles.includes('projector')) {
      const sharedBatches = new SharedBatches(knex);
      for (const projection of consumers) {
        const runner = new ProjectionRunner(knex, databaseUrl, store, projection, { logger, metrics, sharedBatches });
        runner.start();
        cleanups.push(() => runner.stop());
      }
    }
    const lagCountLimit = Math.max(DEFAULT_LAG_COUNT_LIMIT, config.readyMaxLagEvents + 1);
    const stopGauges = refreshEvery(5000, logger, async () => {
      for (const status of await projectionStatuses(knex, store, consumers, { lagCountLimit })) {
        metrics.projectionLagEvents.set({ projection: status.name }, status.lagEvents);
        metrics.projectionFailed.set({ projection: status.name }, status.failure ? 1 : 0);
        metrics.projectionRunnerActive.set({ projection: status.name }, status.runnerActive ? 1 : 0);
      }
      for (const [state, count] of Object.entries(await jobs.counts())) metrics.queueDepth.set({ queue: config.jobs.queueName, state }, count);
    });
    cleanups.push(async () => stopGauges());

    const readinessChecks: HealthCheck[] = [
      { name: 'postgres', check: async () => void (await knex.raw('SELECT 1')) },
      { name: 'eventStore', check: () => store.ping() },
      { name: 'projections', check: () => projectionReadiness(knex, store, consumers, config.readyMaxLagEvents) },
    ];
    if (config.redisUrl) {
      // Its own fail-fast connection, so a Redis outage shows at once instead of queueing the ping.
      const redis = new Redis(config.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
      redis.on('error', (error) => logger.debug({ err: error }, 'health-check Redis connection error'));
      cleanups.push(async () => redis.disconnect());
      await redis.connect().catch(() => undefined); // down now: readiness says so, and ioredis keeps reconnecting
      readinessChecks.push({ name: 'redis', check: async () => void (await redis.ping()) });
    }

    const progress = new ProjectionProgress(knex, () => projections.map((p) => p.name), { timeoutMs: config.readYourWritesTimeoutMs });

    if (config.roles.includes('worker')) {
      const contextJobs = jobsOf(contexts, platform, services, platformJobs({ knex, idempotency, refreshTokens, now: clock }));
      jobs.start(contextJobs.handlers);
      const stopSweeper = startSweeper(jobs, config.jobs.sweeperIntervalMs, contextJobs.periodic, logger, clock);
      cleanups.push(async () => stopSweeper());
      const stopLoops = startLoops(contextJobs.loops ?? [], logger);
      cleanups.push(stopLoops);
    }

    let server: http.Server | undefined;
    let port: number | undefined;
    let routes: RouteDefinition[] = [];
    if (config.roles.includes('api')) {
      const accessTokens = new AccessTokens(jwtSecret, config.jwt.accessTokenTtlSeconds);
      const smtpConfigured = config.mail.smtpUrl !== undefined;
      const identity = createIdentity({
        knex,
        store,
        commands,
        accessTokens,
        refreshTokens,
        progress,
        // with SMTP, ADMIN_EMAILS grants admin only to a verified address (issue 13 item 7)
        adminEmails: smtpConfigured ? [] : config.adminEmails,
        verifyEmail: { jobs, links: mail.links, publicUrl: config.mail.publicUrl, smtpConfigured, adminEmails: config.adminEmails },
        clock,
      });
      const loaders = roleLoadersOf(contexts, services);
      const resources = new ResourceAccess(loaders);
      const parts = { knex, store, commands, projections, consumers, accessTokens, jobs, clock, identity, resources };
      routes = buildRoutes(parts, contexts, services);
      let rateLimitRedis: Redis | undefined;
      if (config.redisUrl) {
        // Its own connection: fail fast (no offline queue) so the in-memory insurance limiter takes over while Redis is away.
        const redis = new Redis(config.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
        redis.on('error', (error) => logger.warn({ err: error }, 'rate-limit Redis connection error'));
        cleanups.push(async () => void (await redis.quit().catch(() => redis.disconnect())));
        await redis.connect();
        rateLimitRedis = redis;
      }
      const app = createApp({
        config,
        logger,
        metrics,
        routes,
        routeDependencies: buildRouteDependencies({ ...parts, idempotency, progress }),
        beforeRoutes: [
          createRateLimit({
            ...config.rateLimits,
            ...(rateLimitRedis ? { redis: rateLimitRedis } : {}),
            authenticate: (req) => identity.credentials.authenticate(req),
            logger,
          }),
        ],
        readinessChecks,
        version,
      });
      server = http.createServer(app);
      server.requestTimeout = config.http.requestTimeoutMs;
      server.headersTimeout = Math.min(config.http.requestTimeoutMs, 60_000);
      server.on('clientError', answerClientError);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(config.port, config.host, () => resolve());
      });
      const address = server.address();
      port = typeof address === 'object' && address ? address.port : config.port;
      const urls = addresses(config.host, port);
      logger.info({ port, roles: config.roles, ...urls }, `Tessera API listening on ${urls.url} (API docs ${urls.docs}, live updates ${urls.live})`);
      const httpServer = server;
      cleanups.push(
        () =>
          new Promise<void>((resolve) => {
            httpServer.close(() => resolve());
            httpServer.closeIdleConnections();
            setTimeout(() => httpServer.closeAllConnections(), 10_000).unref();
          }),
      );
      // The live hub (DESIGN §9). Its cleanup is pushed after the server's so it runs first:
      // upgraded sockets would otherwise keep server.close() waiting.
      const live = new LiveHub({
        knex,
        databaseUrl,
        tokens: identity.credentials,
        ...channelAuthorizers(contexts.flatMap((context) => context.channels?.({ ...platform, roleLoaders: loaders }, services(context)) ?? [])),
        metrics,
        logger,
        options: {
          heartbeatMs: config.live.heartbeatMs,
          maxBufferedBytes: config.live.maxBufferedBytes,
          maxSocketsPerUser: config.live.maxSocketsPerUser,
          messagesPerSecond: config.live.messagesPerSecond,
          messageBurst: config.live.messageBurst,
        },
      });
      cleanups.push(() => live.close());
      await live.start();
      live.attach(httpServer);
    }

    let healthPort: number | undefined;
    if (!config.roles.includes('api') && options.healthServer !== false) {
      const health = await startHealthServer({ host: config.host, port: config.healthPort, checks: readinessChecks, version, logger });
      cleanups.push(() => health.close());
      healthPort = health.port;
    }

    return { config, logger, knex, databaseUrl, store, metrics, commands, services, jobs, server, port, healthPort, routes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

interface ProjectorThreadData {
  projectorThread: { config: Config; prettyLogs: boolean; jobs: MessagePort | undefined };
}
type ThreadMessage = { type: 'started' } | { type: 'failed'; error: string } | { type: 'stop' };

/** Starts the projector thread; should it die later, it is started again (after a second) until stop(). */
async function startProjectorThread(config: Config, jobs: JobQueue, logger: Logger): Promise<{ stop(): Promise<void> }> {
  let stopping = false;
  let current: Worker;
  const spawn = () =>
    new Promise<Worker>((resolve, reject) => {
      const channel = config.redisUrl ? undefined : new MessageChannel();
      if (channel) serveJobQueue(channel.port1, jobs);
      const data: ProjectorThreadData = { projectorThread: { config, prettyLogs: process.stdout.isTTY === true, jobs: channel?.port2 } };
      const worker = threadRunningThisModule(data, channel ? [channel.port2] : []);
      let started = false;
      worker.on('message', (message: ThreadMessage) => {
        if (message.type === 'started') {
          started = true;
          resolve(worker);
        } else if (message.type === 'failed') reject(new Error(`the projector thread could not start: ${message.error}`));
      });
      worker.on('error', (error) => {
        if (started) logger.error({ err: error }, 'projector thread failed');
        else reject(error);
      });
      worker.on('exit', (code) => {
        channel?.port1.close();
        if (!started) return reject(new Error(`the projector thread exited with code ${code} while starting`));
        if (stopping) return;
        logger.error({ code }, 'projector thread ended; starting it again in a second');
        setTimeout(() => {
          if (!stopping) spawn().then((next) => (current = next), (error: unknown) => logger.error({ err: error }, 'projector thread did not start again'));
        }, 1000).unref();
      });
    });
  current = await spawn();
  logger.info('projections and reactors run in a worker thread of this process (PROJECTOR_THREAD=false keeps them on the main thread)');
  return {
    async stop() {
      stopping = true;
      const exited = new Promise((resolve) => current.once('exit', resolve));
      current.postMessage({ type: 'stop' } satisfies ThreadMessage);
      const killer = setTimeout(() => void current.terminate(), 20_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** A worker thread that imports this module. Run as TypeScript through tsx, the thread registers tsx first (loader hooks are per thread). */
function threadRunningThisModule(workerData: ProjectorThreadData, transferList: MessagePort[]): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL(self), { workerData, transferList });
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `const { register } = await import(${JSON.stringify(tsx)}); register(); await import(${JSON.stringify(self)});`;
  return new Worker(bootstrap, { eval: true, workerData, transferList, execArgv: [] });
}

/** The projector thread's side: its own Tessera of the projector role, stopped when the main thread says so. */
async function runProjectorThread({ config, prettyLogs, jobs }: ProjectorThreadData['projectorThread'], parent: MessagePort): Promise<void> {
  // Its lines go to the process's stdout like the main thread's, formatted alike on a terminal.
  const logger = createLogger(config, prettyLogs ? { isTTY: true, write: (line: string) => process.stdout.write(line) } : process.stdout);
  try {
    const tessera = await startTessera(config, logger, { healthServer: false, ...(jobs ? { jobs: new ThreadJobQueue(jobs) } : {}) });
    parent.on('message', (message: ThreadMessage) => {
      if (message.type !== 'stop') return;
      void tessera.stop().finally(() => logger.flush(() => process.exit(0)));
    });
    parent.postMessage({ type: 'started' } satisfies ThreadMessage);
  } catch (error) {
    parent.postMessage({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies ThreadMessage);
    process.exit(1);
  }
}

function createJobs(config: Config, logger: Logger, clock: () => Date): JobQueue & JobRunner {
  return config.redisUrl
    ? new BullmqJobs({ redisUrl: config.redisUrl, queueName: config.jobs.queueName, concurrency: config.jobs.concurrency, stalledIntervalMs: config.jobs.stalledIntervalMs, logger, clock })
    : new InProcessJobs({ logger, clock, concurrency: config.jobs.concurrency });
}

/** Gauges that are read, not pushed (projection lag in events, queue depth), refreshed every few seconds; a failure is logged once until it recovers. */
function refreshEvery(everyMs: number, logger: Logger, refresh: () => Promise<void>): () => void {
  let warned = false;
  const timer = setInterval(() => {
    refresh().then(
      () => {
        warned = false;
      },
      (error: unknown) => {
        if (!warned) logger.warn({ err: error }, 'could not refresh the projection and queue gauges; retrying quietly');
        warned = true;
      },
    );
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** What a person opens: the wildcard addresses are reached as localhost. */
export function addresses(host: string, port: number): { url: string; docs: string; live: string } {
  const name = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return { url: `http://${name}:${port}`, docs: `http://${name}:${port}/docs`, live: `ws://${name}:${port}/v1/live` };
}

/** JSON lines (for log collectors); readable lines when a person watches a terminal. */
export function createLogger(config: Pick<Config, 'logLevel'>, stdout: { isTTY?: boolean; write(line: string): unknown } = process.stdout): Logger {
  const options = { level: config.logLevel, base: { service: 'tessera' } };
  if (!stdout.isTTY) return stdout === process.stdout ? pino(options) : pino(options, stdout);
  // Formatted in-line (no worker thread), so nothing is lost when the process exits.
  // The addresses and data location are in the messages; a request is one line (method, path, status).
  const pretty = prettyFactory({
    colorize: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,service,url,docs,live,roles,clusterDir,req,res,responseTime',
    messageFormat: (log, messageKey) => {
      const req = log.req as { method?: string; url?: string } | undefined;
      const res = log.res as { statusCode?: number } | undefined;
      return req ? `${req.method} ${req.url} ${res?.statusCode ?? ''} ${String(log[messageKey])}` : String(log[messageKey]);
    },
  });
  return pino(options, { write: (line: string) => void stdout.write(pretty(line)) });
}

/** Startup failures a person can fix from one line (no stack): a taken HTTP port, an embedded PostgreSQL that cannot start. */
function startupProblem(error: unknown, config: Config): string | undefined {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    return `failed to start: port ${config.port} on ${config.host} is already in use; set PORT to a free port (PORT=0 picks one)`;
  }
  if (error instanceof EmbeddedPostgresError) return `failed to start: ${error.message}`;
  return undefined;
}

/** Entry point: `npm start`, `tessera serve`. */
export async function main(env: Record<string, string | undefined> = process.env): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config);
  // Signals are handled from the first moment: one that arrives while starting
  // (the "listening" line is already out) stops the server once it has started.
  const starting = startTessera(config, logger, { projectorThread: config.projectorThread });
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    void starting.then((tessera) => tessera.stop()).then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  await starting.catch((error: unknown) => {
    const problem = startupProblem(error, config);
    if (problem) logger.fatal(problem);
    else logger.fatal({ err: error }, 'failed to start');
    process.exit(1);
  });
}

const projectorThread = isMainThread ? undefined : (workerData as Partial<ProjectorThreadData> | undefined)?.projectorThread;
if (projectorThread) {
  void runProjectorThread(projectorThread, parentPort!);
} else if (isMainThread && process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  void main();
}
