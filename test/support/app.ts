/**
 * Starts a real Tessera (all roles by default) on 127.0.0.1 with a fresh database,
 * in this process or in a child process, for integration tests.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { AccessTokens } from '../../src/api/auth/accessTokens.js';
import { loadConfig } from '../../src/config.js';
import { startTessera, type StartOptions, type Tessera } from '../../src/main.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { exited, forkTs } from './processes.js';

export const TEST_JWT_SECRET = 'test-secret-test-secret-test-secret-0123456789';

export function testEnv(databaseUrl: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HEALTH_PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    JWT_SECRET: TEST_JWT_SECRET,
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'tessera-test-')),
    RATE_LIMIT_AUTH_PER_MIN: '100000',
    RATE_LIMIT_USER_PER_MIN: '100000',
    // Two test files run at once, some with several processes each: the default pools
    // would pass PostgreSQL's 100 connections.
    DATABASE_POOL_MAX: '6',
    // Many test servers share two cores: a projection can fall seconds behind, which is not what these tests test.
    READ_YOUR_WRITES_TIMEOUT_MS: '20000',
    ...env,
  };
}

export interface TestApp {
  tessera: Tessera;
  url: string;
  db: TestDatabase;
  tokens: AccessTokens;
  /** A valid access token for any user id (identity is tested elsewhere). */
  tokenFor(userId: string, roles?: string[]): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestApp(opts: { env?: Record<string, string>; db?: TestDatabase; clock?: () => Date; contexts?: StartOptions['contexts'] } = {}): Promise<TestApp> {
  const db = opts.db ?? (await createTestDatabase('app'));
  const config = loadConfig(testEnv(db.url, opts.env));
  const tessera = await startTessera(config, pino({ level: config.logLevel }), { clock: opts.clock, contexts: opts.contexts });
  const tokens = new AccessTokens(TEST_JWT_SECRET, 3600);
  return {
    tessera,
    db,
    url: `http://127.0.0.1:${tessera.port}`,
    tokens,
    tokenFor: (userId, roles = []) => tokens.issue({ userId, roles }, new Date()),
    async stop() {
      await tessera.stop();
      await rm(config.dataDir, { recursive: true, force: true });
      if (!opts.db) await db.drop();
    },
  };
}

export interface ChildApp {
  url: string;
  /** The health listener of a child without the api role (HEALTH_PORT=0 picks a free port); empty otherwise. */
  healthUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** A Tessera in its own process (e.g. a second API instance), with the given env. */
export async function startChildApp(env: Record<string, string>): Promise<ChildApp> {
  const child = forkTs('test/support/serverProcess.ts', [], env);
  const { port, healthPort } = await new Promise<{ port?: number; healthPort?: number }>((resolve, reject) => {
    child.once('message', (message: { ready?: boolean; port?: number; healthPort?: number }) => (message.ready ? resolve(message) : reject(new Error('not ready'))));
    child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
  });
  return {
    // empty when the child runs no api role
    url: port ? `http://127.0.0.1:${port}` : '',
    healthUrl: healthPort ? `http://127.0.0.1:${healthPort}` : '',
    process: child,
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}

/** A clock tests can move forward (holds and offers expire by rule, not by waiting). */
export function testClock(start = Date.now()) {
  let offset = start - Date.now();
  const now = () => new Date(Date.now() + offset);
  return {
    now,
    advance(ms: number) {
      offset += ms;
    },
  };
}
