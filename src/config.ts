/**
 * Environment → typed configuration (DESIGN §11). The only module that reads
 * process.env; main.ts passes the result down.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DEFAULT_JOB_CONCURRENCY } from './jobs/jobs.js';

const ROLES = ['api', 'projector', 'worker'] as const;
export type ProcessRole = (typeof ROLES)[number];

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine((value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    }, `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default('0.0.0.0'),
    HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(3001),
    READY_MAX_LAG_EVENTS: positiveInt(10_000),
    PROCESS_ROLES: z
      .string()
      .default(ROLES.join(','))
      .transform(list)
      .pipe(z.array(z.enum(ROLES, { message: `each role must be one of ${ROLES.join(', ')}` })).min(1)),
    EVENT_STORE: z.enum(['postgres', 'esdb']).default('postgres'),
    ESDB_URL: url(['esdb:', 'esdb+discover:']).optional(),
    DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
    DATABASE_POOL_MAX: positiveInt(20),
    READ_YOUR_WRITES_TIMEOUT_MS: positiveInt(5000),
    REDIS_URL: url(['redis:', 'rediss:']).optional(),
    DATA_DIR: z.string().default('.data'),
    EMBEDDED_POSTGRES_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    ACCESS_TOKEN_TTL_SECONDS: positiveInt(900),
    REFRESH_TOKEN_TTL_DAYS: positiveInt(30),
    ADMIN_EMAILS: z
      .string()
      .optional()
      .transform((v) => list(v).map((e) => e.toLowerCase())),
    SMTP_URL: url(['smtp:', 'smtps:']).optional(),
    MAIL_FROM: z.string().default('Tessera <no-reply@tessera.local>'),
    PUBLIC_URL: url(['http:', 'https:']).default('http://localhost:3000').transform((v) => v.replace(/\/+$/, '')),
    MAIL_DISPATCH_INTERVAL_MS: positiveInt(1000),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    CORS_ORIGINS: z.string().optional().transform(list),
    TRUST_PROXY: z.string().default('loopback'),
    RATE_LIMIT_AUTH_PER_MIN: positiveInt(5),
    RATE_LIMIT_USER_PER_MIN: positiveInt(100),
    RATE_LIMIT_KEY_PREFIX: z.string().regex(/^[\w:.-]{1,100}$/, 'must be letters, digits, _ : . or -').default('tessera:ratelimit'),
    BODY_LIMIT: z.string().default('100kb'),
    REQUEST_TIMEOUT_MS: positiveInt(30_000),
    JOBS_QUEUE: z.string().regex(/^[\w-]{1,64}$/, 'must be letters, digits, _ or -').default('tessera'),
    SWEEPER_INTERVAL_MS: positiveInt(30_000),
    JOBS_STALLED_MS: positiveInt(30_000),
    JOBS_CONCURRENCY: positiveInt(DEFAULT_JOB_CONCURRENCY),
    LIVE_HEARTBEAT_MS: positiveInt(30_000),
    LIVE_MAX_BUFFERED_BYTES: positiveInt(1024 * 1024),
    LIVE_MAX_SOCKETS_PER_USER: positiveInt(10),
    LIVE_MESSAGES_PER_SECOND: positiveInt(20),
    LIVE_MESSAGE_BURST: positiveInt(100),
    PROJECTOR_THREAD: z.enum(['true', 'false']).default('true'),
  })
  .superRefine((env, ctx) => {
    if (env.EVENT_STORE === 'esdb' && !env.ESDB_URL) {
      ctx.addIssue({ code: 'custom', path: ['ESDB_URL'], message: 'is required when EVENT_STORE=esdb' });
    }
    if (env.NODE_ENV === 'production' && !env.JWT_SECRET) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'is required when NODE_ENV=production' });
    }
  });

type Env = z.output<typeof schema>;

export interface Config {
  env: Env['NODE_ENV'];
  port: number;
  host: string;
  /** Where a process without the api role serves /health/live and /health/ready. */
  healthPort: number;
  /** /health/ready fails when a projection has more unapplied events than this. */
  readyMaxLagEvents: number;
  roles: ProcessRole[];
  eventStore: { kind: 'postgres' } | { kind: 'esdb'; url: string };
  databaseUrl: string | undefined;
  /** Connections each of the process's PostgreSQL pools may open (read models, event store, idempotency claims). */
  databasePoolMax: number;
  /** How long a request waits for the projections to reach its X-Min-Position (or a login for its user) before a 503. */
  readYourWritesTimeoutMs: number;
  redisUrl: string | undefined;
  /** Absolute: DATA_DIR resolved against the project root. */
  dataDir: string;
  embeddedPostgresPort: number;
  jwt: { secret: string | undefined; accessTokenTtlSeconds: number; refreshTokenTtlDays: number };
  adminEmails: string[];
  /**
   * E-mail (issue 13): nothing is sent without smtpUrl. publicUrl is where links in mails
   * point; dispatchIntervalMs how often new notifications are turned into send-email jobs.
   */
  mail: { smtpUrl: string | undefined; from: string; publicUrl: string; dispatchIntervalMs: number };
  logLevel: Env['LOG_LEVEL'];
  corsOrigins: string[];
  trustProxy: string;
  /** keyPrefix: Redis key prefix, so deployments (and test runs) sharing one Redis keep separate counters. */
  rateLimits: { authPerMinute: number; userPerMinute: number; keyPrefix: string };
  http: { bodyLimit: string; requestTimeoutMs: number };
  jobs: { queueName: string; sweeperIntervalMs: number; stalledIntervalMs: number; concurrency: number };
  /** The live hub: ping interval, the send buffer past which a socket is dropped as a slow consumer, and the per-user/per-socket limits. */
  live: { heartbeatMs: number; maxBufferedBytes: number; maxSocketsPerUser: number; messagesPerSecond: number; messageBurst: number };
  /** `npm start` with the api and projector roles runs the projector in a worker thread (a second core); false keeps one thread. */
  projectorThread: boolean;
}

/**
 * The checkout this code runs from (the nearest directory above it with a package.json):
 * a relative DATA_DIR means the same place from any working directory (`cd docs && tessera …`).
 */
export function projectRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

/** Tessera's version, as package.json states it (the one place it is written): CLI, health and API documents. */
export function packageVersion(root: string = projectRoot()): string {
  const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  return version;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Throws ConfigError whose message names each bad variable on one line. */
export function loadConfig(source: Record<string, string | undefined>): Config {
  // Empty strings mean "unset", as in most twelve-factor tooling.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'environment'} ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const env = parsed.data;
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    healthPort: env.HEALTH_PORT,
    readyMaxLagEvents: env.READY_MAX_LAG_EVENTS,
    roles: [...new Set(env.PROCESS_ROLES)],
    eventStore: env.EVENT_STORE === 'esdb' ? { kind: 'esdb', url: env.ESDB_URL! } : { kind: 'postgres' },
    databaseUrl: env.DATABASE_URL,
    databasePoolMax: env.DATABASE_POOL_MAX,
    readYourWritesTimeoutMs: env.READ_YOUR_WRITES_TIMEOUT_MS,
    redisUrl: env.REDIS_URL,
    dataDir: path.resolve(projectRoot(), env.DATA_DIR),
    embeddedPostgresPort: env.EMBEDDED_POSTGRES_PORT,
    jwt: { secret: env.JWT_SECRET, accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS, refreshTokenTtlDays: env.REFRESH_TOKEN_TTL_DAYS },
    adminEmails: env.ADMIN_EMAILS,
    mail: { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM, publicUrl: env.PUBLIC_URL, dispatchIntervalMs: env.MAIL_DISPATCH_INTERVAL_MS },
    logLevel: env.LOG_LEVEL,
    corsOrigins: env.CORS_ORIGINS,
    trustProxy: env.TRUST_PROXY,
    rateLimits: { authPerMinute: env.RATE_LIMIT_AUTH_PER_MIN, userPerMinute: env.RATE_LIMIT_USER_PER_MIN, keyPrefix: env.RATE_LIMIT_KEY_PREFIX },
    http: { bodyLimit: env.BODY_LIMIT, requestTimeoutMs: env.REQUEST_TIMEOUT_MS },
    jobs: { queueName: env.JOBS_QUEUE, sweeperIntervalMs: env.SWEEPER_INTERVAL_MS, stalledIntervalMs: env.JOBS_STALLED_MS, concurrency: env.JOBS_CONCURRENCY },
    live: {
      heartbeatMs: env.LIVE_HEARTBEAT_MS,
      maxBufferedBytes: env.LIVE_MAX_BUFFERED_BYTES,
      maxSocketsPerUser: env.LIVE_MAX_SOCKETS_PER_USER,
      messagesPerSecond: env.LIVE_MESSAGES_PER_SECOND,
      messageBurst: env.LIVE_MESSAGE_BURST,
    },
    projectorThread: env.PROJECTOR_THREAD === 'true',
  };
}
