/**
 * The job queues (DESIGN §7): open job types (a context declares its own), a cap on
 * jobs run at once, and permanent failures — the same behaviour in-process and on a
 * real BullMQ worker on Redis.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { conflict } from '../../src/domain/shared/errors.js';
import { BullmqJobs } from '../../src/jobs/bullmqQueue.js';
import { InProcessJobs } from '../../src/jobs/inProcessQueue.js';
import { combineJobs, jobId, type ContextJobs, type JobQueue, type JobRunner } from '../../src/jobs/jobs.js';
import { startSweeper } from '../../src/jobs/platform.js';
import { eventually } from '../support/processes.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

// A tiny context of the tests' own: its job types are declared here, not in src/jobs/jobs.ts.
declare module '../../src/jobs/jobs.js' {
  interface JobTypes {
    'test-greet': { name: string };
    'test-block': { n: number };
    'test-refuse': Record<string, never>;
  }
}

function testContextJobs(greeted: string[]): ContextJobs {
  return {
    periodic: [],
    handlers: {
      'test-greet': async ({ name }) => void greeted.push(name),
    },
  };
}

const queues: Array<JobQueue & JobRunner> = [];
const bullQueueNames: string[] = [];
afterAll(async () => {
  for (const queue of queues) await queue.close();
  for (const name of bullQueueNames) {
    const queue = new Queue(name, { connection: { url: REDIS_URL } });
    await queue.obliterate({ force: true });
    await queue.close();
  }
});

function inProcess(concurrency?: number): InProcessJobs {
  const jobs = new InProcessJobs(concurrency ? { concurrency } : {});
  queues.push(jobs);
  return jobs;
}

function bullmq(): BullmqJobs {
  const queueName = `jobs-test-${randomUUID()}`;
  bullQueueNames.push(queueName);
  const jobs = new BullmqJobs({ redisUrl: REDIS_URL, queueName });
  queues.push(jobs);
  return jobs;
}

describe.each([
  ['in-process', () => inProcess()],
  ['BullMQ', () => bullmq()],
])('%s jobs', (_, makeQueue) => {
  it('a job type declared by another context is enqueued and handled next to the platform jobs', async () => {
    const jobs = makeQueue();
    const greeted: string[] = [];
    const all = combineJobs(testContextJobs(greeted), { periodic: ['test-refuse'], handlers: { 'test-refuse': async () => undefined } });
    jobs.start(all.handlers);
    await jobs.enqueue('test-greet', { name: 'ada' }, { jobId: jobId('greet', randomUUID()) });
    await eventually('the greeting ran', () => greeted.length === 1);
    expect(greeted).toEqual(['ada']);
    expect(all.periodic).toEqual(['test-refuse']);
  });

  it('a DomainError is permanent: attempted once, then failed, not retried', async () => {
    const jobs = makeQueue();
    let attempts = 0;
    jobs.start({
      'test-refuse': async () => {
        attempts += 1;
        throw conflict('event-cancelled', 'The event is cancelled');
      },
    });
    const id = jobId('refuse', randomUUID());
    await jobs.enqueue('test-refuse', {}, { jobId: id });
    await eventually('the job is failed', async () => (await jobs.failed()).some((job) => job.id === id), 10_000);
    const [failed] = (await jobs.failed()).filter((job) => job.id === id);
    expect(failed).toMatchObject({ name: 'test-refuse', attempts: 1, error: 'The event is cancelled' });
    expect(attempts).toBe(1);
    const counts = await jobs.counts();
    expect(counts.waiting ?? 0).toBe(0);
    expect(counts.delayed ?? 0).toBe(0);
  });

  it('a cancelled delayed job never runs; a later one does', async () => {
    const jobs = makeQueue();
    const greeted: string[] = [];
    jobs.start(testContextJobs(greeted).handlers);
    const soon = new Date(Date.now() + 300);
    const cancelled = jobId('cancelled', randomUUID());
    await jobs.enqueue('test-greet', { name: 'dropped' }, { jobId: cancelled, runAt: soon });
    await jobs.cancel(cancelled);
    await jobs.cancel(jobId('never-enqueued', randomUUID()));
    await jobs.enqueue('test-greet', { name: 'later' }, { jobId: jobId('later', randomUUID()), runAt: new Date(soon.getTime() + 400) });
    await eventually('the later job ran', () => greeted.length > 0, 10_000);
    expect(greeted).toEqual(['later']);
  });

  it('any other error is retried', async () => {
    const jobs = makeQueue();
    let attempts = 0;
    jobs.start({
      'test-greet': async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('event store unavailable');
      },
    });
    await jobs.enqueue('test-greet', { name: 'x' }, { jobId: jobId('retry', randomUUID()) });
    await eventually('the retry ran', () => attempts === 2, 10_000);
    expect(await jobs.failed()).toEqual([]);
  });
});

describe('in-process jobs', () => {
  it('run at most `concurrency` jobs at once; the others wait their turn', async () => {
    const jobs = inProcess(3);
    let active = 0;
    let most = 0;
    let done = 0;
    const releases: Array<() => void> = [];
    jobs.start({
      'test-block': async () => {
        active += 1;
        most = Math.max(most, active);
        await new Promise<void>((resolve) => releases.push(resolve));
        active -= 1;
        done += 1;
      },
    });
    for (let n = 0; n < 12; n++) await jobs.enqueue('test-block', { n }, { jobId: jobId('block', String(n)) });
    while (done < 12) {
      await eventually('a full set of jobs runs', () => active === Math.min(3, 12 - done));
      releases.shift()!();
      await eventually('the released job finished', () => releases.length < active || done === 12);
    }
    expect(most).toBe(3);
  });

  it('the default is the same as BullMQ’s worker concurrency (JOBS_CONCURRENCY, 8)', async () => {
    const jobs = inProcess();
    let active = 0;
    const releases: Array<() => void> = [];
    jobs.start({
      'test-block': async () => {
        active += 1;
        await new Promise<void>((resolve) => releases.push(resolve));
        active -= 1;
      },
    });
    for (let n = 0; n < 10; n++) await jobs.enqueue('test-block', { n }, { jobId: jobId('default', String(n)) });
    await eventually('eight jobs run', () => active === 8);
    expect((await jobs.counts()).waiting).toBe(10);
    for (const release of releases.splice(0)) release();
    await eventually('the last two run', () => releases.length === 2);
    for (const release of releases.splice(0)) release();
    await eventually('all done', () => active === 0);
  });
});

describe('the sweeper', () => {
  it('logs a periodic job it could not enqueue instead of dropping the error', async () => {
    const jobs = new BullmqJobs({ redisUrl: REDIS_URL, queueName: `jobs-test-${randomUUID()}` });
    await jobs.close(); // enqueue now rejects: the connection is closed
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, new Writable({ write: (chunk, _, next) => void (lines.push(String(chunk)), next()) }));
    const stop = startSweeper(jobs, 60_000, ['test-refuse'], logger);
    await eventually('the failure is logged', () => lines.length > 0, 10_000);
    stop();
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, msg: expect.stringContaining('could not enqueue the periodic jobs') });
  });
});
