/**
 * Platform housekeeping (DESIGN §7), no context's business: pruning the changefeed
 * and purging expired idempotency keys and refresh tokens. One periodic job, enqueued
 * by the sweeper like the contexts' sweeps.
 */
import type { Knex } from 'knex';
import type { IdempotencyStore } from '../api/idempotency.js';
import type { RefreshTokenStore } from '../api/auth/refreshTokens.js';
import { pruneChangefeed } from '../projections/changefeed.js';
import { jobId, type ContextJobs, type JobQueue, type PeriodicJobName, type PollingLoop } from './jobs.js';
import type { Logger } from 'pino';

declare module './jobs.js' {
  interface JobTypes {
    housekeeping: Record<string, never>;
  }
}

export function platformJobs(deps: { knex: Knex; idempotency: IdempotencyStore; refreshTokens: RefreshTokenStore; now: () => Date }): ContextJobs {
  return {
    periodic: ['housekeeping'],
    handlers: {
      housekeeping: async () => {
        await pruneChangefeed(deps.knex);
        await deps.idempotency.purgeExpired();
        await deps.refreshTokens.purgeExpired(deps.now());
      },
    },
  };
}

/**
 * Enqueues every periodic job each `everyMs`; the time-bucketed id keeps several
 * workers from doubling it. A failed enqueue (Redis away) is logged once until it works again.
 */
export function startSweeper(jobs: JobQueue, everyMs: number, periodic: PeriodicJobName[], logger?: Logger, clock: () => Date = () => new Date()): () => void {
  let warned = false;
  const tick = () => {
    const bucket = String(Math.floor(clock().getTime() / everyMs));
    Promise.all(periodic.map((name) => jobs.enqueue(name, {}, { jobId: jobId(name, bucket) }))).then(
      () => (warned = false),
      (error: unknown) => {
        if (!warned) logger?.warn({ err: error }, 'could not enqueue the periodic jobs (sweep, housekeeping); retrying every tick');
        warned = true;
      },
    );
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  tick();
  return () => clearInterval(timer);
}

/** Starts each loop: a pass, then the next one `everyMs` after it ended. A failing pass is logged once until one succeeds. */
export function startLoops(loops: readonly PollingLoop[], logger?: Logger): () => Promise<void> {
  let stopped = false;
  const sleepers = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      sleepers.add(wake);
    });
  const running = loops.map(async (loop) => {
    let warned = false;
    while (!stopped) {
      try {
        await loop.run();
        warned = false;
      } catch (error) {
        if (!warned) logger?.warn({ err: error, loop: loop.name }, 'a polling loop pass failed; retrying quietly');
        warned = true;
      }
      if (!stopped) await sleep(loop.everyMs);
    }
  });
  return async () => {
    stopped = true;
    for (const wake of [...sleepers]) wake();
    await Promise.allSettled(running);
  };
}
