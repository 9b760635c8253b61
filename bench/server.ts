/**
 * A real Tessera for the HTTP and lag benches: all roles (or --roles), a fresh database, BullMQ on
 * the local Redis under a queue name of its own (its keys are deleted afterwards),
 * silent logs, rate limits out of the way. In this process (startTessera) or in a
 * child process (bench/serverProcess.ts), per --server.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { AccessTokens } from '../src/api/auth/accessTokens.js';
import { loadConfig } from '../src/config.js';
import { startTessera, type Tessera } from '../src/main.js';
import { exited } from '../test/support/processes.js';
import { countStoreCalls, type StoreCallCounts } from './storeCalls.js';
import { log, processCpuMs, threadsCpuMs, type BenchContext } from './support.js';

export const BENCH_JWT_SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
export const REDIS_URL = 'redis://127.0.0.1:6379';

export interface BenchServer {
  url: string;
  port: number;
  databaseUrl: string;
  mode: 'inprocess' | 'child';
  /** Its PROCESS_ROLES. */
  roles: string;
  /** The in-process Tessera (undefined for a child process). */
  tessera: Tessera | undefined;
  tokenFor(userId: string): Promise<string>;
  /** Starts counting the server's event-store calls; the returned function stops and reports. */
  countStoreCalls(): Promise<() => Promise<StoreCallCounts>>;
  /** CPU time used so far by the server's process, in ms (in-process: this whole process). */
  cpuMs(): number;
  /** The CPU ms of its main thread alone (the API's event loop; the projector thread and V8's helpers are the rest); NaN in process. */
  mainThreadCpuMs(): number;
  /** The CPU ms of each of its other threads (projector thread, V8's helpers, libuv's pool) by thread id; empty in process. */
  otherThreadsCpuMs(): Map<number, number>;
  stop(): Promise<void>;
}

export async function startBenchServer(ctx: BenchContext, name: string, mode = ctx.options.server, roles = ctx.options.roles): Promise<BenchServer> {
  const db = await ctx.database(name);
  const queueName = `bench_${name}_${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'tessera-bench-'));
  ctx.defer(`remove ${dataDir}`, async () => rmSync(dataDir, { recursive: true, force: true }));
  const rateLimitPrefix = `${queueName}:ratelimit`;
  ctx.defer(`delete redis keys of ${queueName}`, () => deleteKeys([`bull:${queueName}:*`, `${rateLimitPrefix}:*`]));
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    REDIS_URL,
    JOBS_QUEUE: queueName,
    PORT: '0',
    HOST: '127.0.0.1',
    PROCESS_ROLES: roles,
    LOG_LEVEL: 'silent',
    JWT_SECRET: BENCH_JWT_SECRET,
    DATA_DIR: dataDir,
    RATE_LIMIT_AUTH_PER_MIN: '10000000',
    RATE_LIMIT_USER_PER_MIN: '10000000',
    RATE_LIMIT_KEY_PREFIX: rateLimitPrefix,
  };
  const tokens = new AccessTokens(BENCH_JWT_SECRET, 3600);
  const tokenFor = (userId: string) => tokens.issue({ userId, roles: [] }, new Date());

  if (mode === 'inprocess') {
    const config = loadConfig(env);
    const tessera = await startTessera(config, pino({ level: 'silent' }));
    const stop = ctx.defer('stop in-process Tessera', () => tessera.stop());
    return {
      url: `http://127.0.0.1:${tessera.port}`,
      port: tessera.port!,
      databaseUrl: db.url,
      mode,
      roles,
      tessera,
      tokenFor,
      async countStoreCalls() {
        const counter = countStoreCalls(tessera.store);
        return async () => {
          counter.stop();
          return counter.counts;
        };
      },
      cpuMs: () => {
        const usage = process.cpuUsage();
        return (usage.user + usage.system) / 1000;
      },
      mainThreadCpuMs: () => Number.NaN,
      otherThreadsCpuMs: () => new Map(),
      stop,
    };
  }

  // Its output goes to stderr: stdout carries only the figures.
  // BENCH_CPU_PROF_DIR=<dir>: the server process writes a V8 CPU profile there when it exits.
  const profileDir = process.env.BENCH_CPU_PROF_DIR;
  const child = fork(path.resolve('bench/serverProcess.ts'), [], {
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_SERVER_NODE_FLAGS?.split(' ').filter(Boolean) ?? []), ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`] : [])],
    env: { ...process.env, ...env },
    stdio: ['ignore', 2, 2, 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port?: number }) => (message.port ? resolve(message.port) : reject(new Error('no port from server process'))));
    child.once('exit', (code) => reject(new Error(`server process exited with ${code}`)));
  });
  log(`server process ${child.pid} listening on ${port}`);
  const stop = ctx.defer(`stop server process ${child.pid}`, async () => {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited(child);
    clearTimeout(killer);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    databaseUrl: db.url,
    mode,
    roles,
    tessera: undefined,
    tokenFor,
    async countStoreCalls() {
      child.send({ type: 'count-start' });
      return () =>
        new Promise<StoreCallCounts>((resolve) => {
          const onMessage = (message: { type?: string; counts?: StoreCallCounts }) => {
            if (message.type !== 'counts' || !message.counts) return;
            child.off('message', onMessage);
            resolve(message.counts);
          };
          child.on('message', onMessage);
          child.send({ type: 'count-stop' });
        });
    },
    cpuMs: () => processCpuMs(child.pid!),
    mainThreadCpuMs: () => processCpuMs(child.pid!, child.pid!),
    otherThreadsCpuMs: () => {
      const threads = threadsCpuMs(child.pid!);
      threads.delete(child.pid!);
      return threads;
    },
    stop,
  };
}

/** Removes what the bench's server left in Redis: its BullMQ queue (bull:<name>:*) and rate-limit counters. */
export async function deleteKeys(patterns: string[]): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 2, lazyConnect: true });
  try {
    await redis.connect();
    for (const pattern of patterns) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}
