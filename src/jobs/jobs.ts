/**
 * Background jobs (DESIGN §7). Every job is idempotent: handlers run commands whose
 * deciders return [] when there is nothing (left) to do, so at-least-once delivery,
 * retries and the sweeper's re-enqueues are all safe.
 *
 * Job types are open: each context declares its own by declaration merging, next to
 * its handlers, and nothing here names them —
 *
 *   declare module './jobs.js' { interface JobTypes { 'expire-hold': { eventId: string; reservationId: string } } }
 */
import { DomainError } from '../domain/shared/errors.js';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by each context (declaration merging)
export interface JobTypes {}

export type JobName = keyof JobTypes & string;
export type JobData<N extends JobName> = JobTypes[N];
export type JobHandler<N extends JobName> = (data: JobData<N>) => Promise<void>;

/** The handlers one context contributes: its own job names only. */
export type JobHandlers = { [N in JobName]?: JobHandler<N> };

/** Jobs with no data, enqueued on every sweeper tick (sweeps, housekeeping). */
export type PeriodicJobName = { [N in JobName]: JobData<N> extends Record<string, never> ? N : never }[JobName];

/** What a context adds to the worker: its handlers, its periodic jobs and its polling loops. */
export interface ContextJobs {
  handlers: JobHandlers;
  periodic: PeriodicJobName[];
  /** Work that must follow faster than the sweeper's interval (e.g. turning new notifications into mails). */
  loops?: PollingLoop[];
}

/** Run every `everyMs` in each worker process, one pass at a time; a pass makes itself safe against the other workers' passes. */
export interface PollingLoop {
  name: string;
  everyMs: number;
  run(): Promise<void>;
}

/** All contexts' jobs in one set; a job name claimed twice is a wiring mistake. */
export function combineJobs(...sets: ContextJobs[]): ContextJobs {
  const handlers: Record<string, unknown> = {};
  for (const set of sets) {
    for (const [name, handler] of Object.entries(set.handlers)) {
      if (name in handlers) throw new Error(`job ${name} has two handlers`);
      handlers[name] = handler;
    }
  }
  return { handlers: handlers as JobHandlers, periodic: sets.flatMap((set) => set.periodic), loops: sets.flatMap((set) => set.loops ?? []) };
}

/** The handler of a job read back from a queue (by name, untyped data). */
export const handlerFor = (handlers: JobHandlers, name: string) =>
  (handlers as Record<string, ((data: unknown) => Promise<void>) | undefined>)[name];

export interface EnqueueOptions {
  /** Deterministic id: a job with the same id that is still waiting or delayed is not added twice. */
  jobId: string;
  /** Run no earlier than this. */
  runAt?: Date;
}

export interface JobQueue {
  enqueue<N extends JobName>(name: N, data: JobData<N>, options: EnqueueOptions): Promise<void>;
  /** Drops a job that is still waiting or delayed (one already running finishes); an unknown id is no error. */
  cancel(jobId: string): Promise<void>;
  /** Jobs that exhausted their retries or failed for good (the dead-letter view). */
  failed(limit?: number): Promise<FailedJob[]>;
  retryFailed(): Promise<number>;
  counts(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export interface FailedJob {
  id: string;
  name: string;
  data: unknown;
  attempts: number;
  error: string;
  failedAt: string | null;
}

export interface JobRunner {
  /** Starts consuming (worker role). */
  start(handlers: JobHandlers): void;
}

/** BullMQ rejects ':' in custom ids; keep ids to a safe alphabet. */
export const jobId = (...parts: string[]) => parts.join('_').replace(/[^A-Za-z0-9_-]/g, '-');

export const RETRY = { attempts: 8, backoffMs: 500 };

/** Jobs run at once per worker process (JOBS_CONCURRENCY), in-process and on BullMQ alike. */
export const DEFAULT_JOB_CONCURRENCY = 8;

/** A rule said no (a DomainError): retrying gives the same answer, so the job fails at once. */
export const isPermanentFailure = (error: unknown): boolean => error instanceof DomainError;
