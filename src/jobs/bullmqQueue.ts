/** BullMQ-backed jobs (REDIS_URL set): one queue, one worker per worker-role process. */
import { Queue, UnrecoverableError, Worker, type Job as BullJob } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { DEFAULT_JOB_CONCURRENCY, RETRY, handlerFor, isPermanentFailure, type FailedJob, type JobData, type JobHandlers, type JobName, type JobQueue, type JobRunner } from './jobs.js';

export interface BullmqOptions {
  redisUrl: string;
  /** Queue name; tests use a unique one. */
  queueName?: string;
  /** Jobs this process runs at once (JOBS_CONCURRENCY). */
  concurrency?: number;
  /** How soon a job whose worker died is handed to another worker (BullMQ stalled check). */
  stalledIntervalMs?: number;
  logger?: Logger;
  clock?: () => Date;
}

export class BullmqJobs implements JobQueue, JobRunner {
  private readonly connection: Redis;
  private readonly queue: Queue;
  private worker: Worker | undefined;

  constructor(private readonly options: BullmqOptions) {
    // BullMQ needs maxRetriesPerRequest: null for blocking commands.
    this.connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
    this.queue = new Queue(this.queueName, { connection: this.connection });
  }

  get queueName(): string {
    return this.options.queueName ?? 'tessera';
  }

  async enqueue<N extends JobName>(name: N, data: JobData<N>, opts: { jobId: string; runAt?: Date }): Promise<void> {
    const now = this.options.clock?.() ?? new Date();
    const delay = opts.runAt ? Math.max(0, opts.runAt.getTime() - now.getTime()) : 0;
    await this.queue.add(name, data, {
      jobId: opts.jobId,
      delay,
      attempts: RETRY.attempts,
      backoff: { type: 'exponential', delay: RETRY.backoffMs },
      removeOnComplete: { count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }

  async cancel(jobId: string): Promise<void> {
    // 0 when the job is unknown or locked by a worker (running): nothing to drop then
    await this.queue.remove(jobId);
  }

  start(handlers: JobHandlers): void {
    if (this.worker) return;
    this.worker = new Worker(
      this.queueName,
      async (job: BullJob) => {
        const handler = handlerFor(handlers, job.name);
        if (!handler) throw new Error(`no handler for job ${job.name}`);
        try {
          await handler(job.data);
        } catch (error) {
          // A rule said no: the same answer on every attempt, so no retries.
          if (isPermanentFailure(error)) throw new UnrecoverableError((error as Error).message);
          throw error;
        }
      },
      {
        connection: this.connection.duplicate({ maxRetriesPerRequest: null }),
        concurrency: this.options.concurrency ?? DEFAULT_JOB_CONCURRENCY,
        ...(this.options.stalledIntervalMs ? { stalledInterval: this.options.stalledIntervalMs, lockDuration: this.options.stalledIntervalMs } : {}),
      },
    );
    this.worker.on('failed', (job, error) =>
      this.options.logger?.warn({ job: job?.name, jobId: job?.id, attempts: job?.attemptsMade, err: error }, 'job failed'),
    );
    this.worker.on('error', (error) => this.options.logger?.error({ err: error }, 'job worker error'));
  }

  async failed(limit = 100): Promise<FailedJob[]> {
    const jobs = await this.queue.getFailed(0, limit - 1);
    return jobs.map((job) => ({
      id: String(job.id),
      name: job.name,
      data: job.data,
      attempts: job.attemptsMade,
      error: job.failedReason,
      failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
    }));
  }

  async retryFailed(): Promise<number> {
    const jobs = await this.queue.getFailed(0, -1);
    await Promise.all(jobs.map((job) => job.retry()));
    return jobs.length;
  }

  async counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'delayed', 'active', 'failed');
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    await this.connection.quit().catch(() => undefined);
  }
}
