/**
 * Background jobs (DESIGN §7). Every job is idempotent: handlers run commands whose
 * deciders return [] when there is nothing (left) to do, so at-least-once delivery,
 * retries and the sweeper's re-enqueues are all safe.
 */
export type Job =
  | { name: 'promote-waitlist'; data: { eventId: string } }
  | { name: 'expire-hold'; data: { eventId: string; reservationId: string } }
  | { name: 'expire-offer'; data: { eventId: string; offerId: string } }
  | { name: 'sweep'; data: Record<string, never> };

export type JobName = Job['name'];
export type JobData<N extends JobName> = Extract<Job, { name: N }>['data'];

export interface EnqueueOptions {
  /** Deterministic id: a job with the same id that is still waiting or delayed is not added twice. */
  jobId: string;
  /** Run no earlier than this. */
  runAt?: Date;
}

export interface JobQueue {
  enqueue<N extends JobName>(name: N, data: JobData<N>, options: EnqueueOptions): Promise<void>;
  /** Jobs that exhausted their retries (the dead-letter view). */
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

export type JobHandlers = { [N in JobName]: (data: JobData<N>) => Promise<void> };

export interface JobRunner {
  /** Starts consuming (worker role). */
  start(handlers: JobHandlers): void;
}

/** BullMQ rejects ':' in custom ids; keep ids to a safe alphabet. */
export const jobId = (...parts: string[]) => parts.join('_').replace(/[^A-Za-z0-9_-]/g, '-');

export const RETRY = { attempts: 8, backoffMs: 500 };
