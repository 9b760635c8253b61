/**
 * Jobs without Redis (local mode): the same handlers, run in this process with the
 * same retry policy and concurrency as BullMQ. Delayed jobs live in memory, so a
 * restart drops them; the sweeper finds overdue work in the read models and enqueues it again.
 */
import type { Logger } from 'pino';
import { DEFAULT_JOB_CONCURRENCY, RETRY, handlerFor, isPermanentFailure, type FailedJob, type JobData, type JobHandlers, type JobName, type JobQueue, type JobRunner } from './jobs.js';

interface Pending {
  name: string;
  data: unknown;
  attempts: number;
  timer: NodeJS.Timeout | undefined;
}

export interface InProcessJobsOptions {
  logger?: Logger;
  clock?: () => Date;
  /** Jobs run at once; due jobs beyond it wait their turn in due order. */
  concurrency?: number;
}

export class InProcessJobs implements JobQueue, JobRunner {
  private handlers: JobHandlers | undefined;
  private readonly pending = new Map<string, Pending>();
  /** Ids of due jobs waiting for a free slot, oldest first. */
  private readonly due: string[] = [];
  private readonly dead: FailedJob[] = [];
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: InProcessJobsOptions = {}) {}

  private get concurrency(): number {
    return this.options.concurrency ?? DEFAULT_JOB_CONCURRENCY;
  }

  async enqueue<N extends JobName>(name: N, data: JobData<N>, opts: { jobId: string; runAt?: Date }): Promise<void> {
    if (this.closed || this.pending.has(opts.jobId)) return;
    const now = this.options.clock?.() ?? new Date();
    this.schedule(opts.jobId, name, data, 0, opts.runAt ? Math.max(0, opts.runAt.getTime() - now.getTime()) : 0);
  }

  async cancel(jobId: string): Promise<void> {
    const job = this.pending.get(jobId);
    // a job that is running has no timer and is not due: let it finish
    if (!job || (job.timer === undefined && !this.due.includes(jobId))) return;
    clearTimeout(job.timer);
    this.pending.delete(jobId);
  }

  start(handlers: JobHandlers): void {
    this.handlers = handlers;
  }

  private schedule(id: string, name: string, data: unknown, attempts: number, delayMs: number): void {
    // setTimeout cannot wait longer than ~24.8 days; re-arm in steps.
    const step = Math.min(delayMs, 2 ** 31 - 1);
    const timer = setTimeout(() => {
      if (step < delayMs) return this.schedule(id, name, data, attempts, delayMs - step);
      this.pending.get(id)!.timer = undefined;
      this.due.push(id);
      this.runDue();
    }, step);
    timer.unref();
    this.pending.set(id, { name, data, attempts, timer });
  }

  /** Starts due jobs while a slot is free. */
  private runDue(): void {
    while (!this.closed && this.running.size < this.concurrency && this.due.length > 0) {
      const id = this.due.shift()!;
      const job = this.pending.get(id);
      if (!job) continue;
      const run = this.run(id, job);
      this.running.add(run);
      void run.finally(() => {
        this.running.delete(run);
        this.runDue();
      });
    }
  }

  private async run(id: string, { name, data, attempts }: Pending): Promise<void> {
    const handler = this.handlers && handlerFor(this.handlers, name);
    if (!handler) {
      // no worker role (or no such job) in this process: keep it for later
      this.schedule(id, name, data, attempts, 1000);
      return;
    }
    try {
      await handler(data);
      this.pending.delete(id);
    } catch (error) {
      const made = attempts + 1;
      const permanent = isPermanentFailure(error);
      this.options.logger?.warn({ job: name, jobId: id, attempts: made, permanent, err: error }, 'job failed');
      if (permanent || made >= RETRY.attempts || this.closed) {
        this.pending.delete(id);
        this.dead.push({ id, name, data, attempts: made, error: error instanceof Error ? error.message : String(error), failedAt: new Date().toISOString() });
        return;
      }
      this.schedule(id, name, data, made, RETRY.backoffMs * 2 ** attempts);
    }
  }

  async failed(limit = 100): Promise<FailedJob[]> {
    return this.dead.slice(-limit);
  }

  async retryFailed(): Promise<number> {
    const jobs = this.dead.splice(0);
    for (const job of jobs) this.schedule(job.id, job.name, job.data, 0, 0);
    return jobs.length;
  }

  async counts(): Promise<Record<string, number>> {
    return { waiting: this.pending.size, failed: this.dead.length };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.pending.values()) clearTimeout(pending.timer);
    this.pending.clear();
    this.due.length = 0;
    await Promise.allSettled([...this.running]);
  }
}
