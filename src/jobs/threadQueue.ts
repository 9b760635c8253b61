/**
 * A job queue across threads: the projector thread of `npm start` (src/main.ts) enqueues
 * into the main thread's queue through a MessagePort. Needed for the in-process queue
 * (no REDIS_URL), which lives in the memory of the thread that runs its jobs.
 */
import type { MessagePort } from 'node:worker_threads';
import type { FailedJob, JobData, JobHandlers, JobName, JobQueue, JobRunner, EnqueueOptions } from './jobs.js';

type Method = 'enqueue' | 'cancel' | 'failed' | 'retryFailed' | 'counts';
interface Call {
  id: number;
  method: Method;
  args: unknown[];
}
type Answer = { id: number; result: unknown } | { id: number; error: string };

/** Answers the calls of a ThreadJobQueue on the other end of `port` from `jobs`. */
export function serveJobQueue(port: MessagePort, jobs: JobQueue): void {
  port.on('message', (call: Call) => {
    const run = jobs[call.method] as (...args: unknown[]) => Promise<unknown>;
    run.apply(jobs, call.args).then(
      (result) => port.postMessage({ id: call.id, result } satisfies Answer),
      (error: unknown) => port.postMessage({ id: call.id, error: error instanceof Error ? error.message : String(error) } satisfies Answer),
    );
  });
}

/** A JobQueue whose calls run on the queue served at the other end of `port`. Enqueue only: it runs no jobs. */
export class ThreadJobQueue implements JobQueue, JobRunner {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  constructor(private readonly port: MessagePort) {
    port.on('message', (answer: Answer) => {
      const call = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      if ('error' in answer) call?.reject(new Error(answer.error));
      else call?.resolve(answer.result);
    });
  }

  enqueue<N extends JobName>(name: N, data: JobData<N>, options: EnqueueOptions): Promise<void> {
    return this.call('enqueue', name, data, options) as Promise<void>;
  }

  cancel(jobId: string): Promise<void> {
    return this.call('cancel', jobId) as Promise<void>;
  }

  failed(limit?: number): Promise<FailedJob[]> {
    return this.call('failed', limit) as Promise<FailedJob[]>;
  }

  retryFailed(): Promise<number> {
    return this.call('retryFailed') as Promise<number>;
  }

  counts(): Promise<Record<string, number>> {
    return this.call('counts') as Promise<Record<string, number>>;
  }

  start(_handlers: JobHandlers): void {
    throw new Error('a thread queue only enqueues; jobs run where the queue is served');
  }

  async close(): Promise<void> {
    this.port.close();
    for (const call of this.waiting.values()) call.reject(new Error('job queue closed'));
    this.waiting.clear();
  }

  private call(method: Method, ...args: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      this.port.postMessage({ id, method, args } satisfies Call);
    });
  }
}
