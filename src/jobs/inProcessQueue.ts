/**
 * Jobs without Redis (local mode): the same handlers, run in this process with the
 * same retry policy. Delayed jobs live in memory, so a restart drops them; the
 * sweeper finds overdue work in the read models and enqueues it again.
 */
import type { Logger } from 'pino';
import { RETRY, type FailedJob, type JobHandlers, type JobName, type JobQueue, type JobRunner } from './jobs.js';

interface Pending {
  name: JobName;
  data: unknown;
  attempts: number;
  timer: NodeJS.Timeout;
}

export class InProcessJobs implements JobQueue, JobRunner {
  private handlers: JobHandlers | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly dead: FailedJob[] = [];
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly logger?: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async enqueue(name: JobName, data: unknown, opts: { jobId: string; runAt?: Date }): Promise<void> {
    if (this.closed || this.pending.has(opts.jobId)) return;
    this.schedule(opts.jobId, name, data, 0, opts.runAt ? Math.max(0, opts.runAt.getTime() - this.clock().getTime()) : 0);
  }

  start(handlers: JobHandlers): void {
    this.handlers = handlers;
  }

  private schedule(id: string, name: JobName, data: unknown, attempts: number, delayMs: number): void {
    // setTimeout cannot wait longer than ~24.8 days; re-arm in steps.
    const step = Math.min(delayMs, 2 ** 31 - 1);
    const timer = setTimeout(() => {
      if (step < delayMs) return this.schedule(id, name, data, attempts, delayMs - step);
      const run = this.run(id, name, data, attempts);
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    }, step);
    timer.unref();
    this.pending.set(id, { name, data, attempts, timer });
  }

  private async run(id: string, name: JobName, data: unknown, attempts: number): Promise<void> {
    const handler = this.handlers?.[name] as ((data: unknown) => Promise<void>) | undefined;
    if (!handler) {
      // no worker role in this process: keep it for later
      this.schedule(id, name, data, attempts, 1000);
      return;
    }
    try {
      await handler(data);
      this.pending.delete(id);
    } catch (error) {
      const made = attempts + 1;
      this.logger?.warn({ job: name, jobId: id, attempts: made, err: error }, 'job failed');
      if (made >= RETRY.attempts || this.closed) {
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
    for (const job of jobs) this.schedule(job.id, job.name as JobName, job.data, 0, 0);
    return jobs.length;
  }

  async counts(): Promise<Record<string, number>> {
    return { waiting: this.pending.size, failed: this.dead.length };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.pending.values()) clearTimeout(pending.timer);
    this.pending.clear();
    await Promise.allSettled([...this.running]);
  }
}
