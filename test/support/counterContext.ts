/**
 * A throwaway bounded context for the descriptor test (test/contexts): the counter of
 * counterDecider with a stream category, an invariant checker, a projection, a reactor
 * and its job, a live channel and two routes. Nothing outside this file names it.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { route } from '../../src/api/routes.js';
import { model } from '../../src/cli/streamModels.js';
import type { CheckedEvent, StreamChecker } from '../../src/cli/verifyStreams.js';
import type { BoundedContext } from '../../src/contexts.js';
import type { JobQueue } from '../../src/jobs/jobs.js';
import type { Projection } from '../../src/projections/projection.js';
import { counterDecider } from './counterDecider.js';
import { counterProjection } from './counterProjection.js';

export const COUNTER_CAPACITY = 10;
const NOTED_JOB = 'counter-noted';

// The context declares its job type where it defines the job, as every context does.
declare module '../../src/jobs/jobs.js' {
  interface JobTypes {
    'counter-noted': { stream: string; amount: number };
  }
}

export interface CounterServices {
  take(counterId: string, by: string, amount: number, now: Date): Promise<{ position: bigint | undefined }>;
  /** What the counter's job handler has run on (per process: no module-level state). */
  noted: Array<{ stream: string; amount: number }>;
}

/** Flags a counter whose total exceeds its capacity (the invariant `verify` checks). */
class CounterChecker implements StreamChecker {
  private taken = 0;
  check(event: CheckedEvent): string[] {
    if (event.type !== 'Taken') return [`${event.type} is not a counter event`];
    this.taken += (event.data as { amount: number }).amount;
    return this.taken > COUNTER_CAPACITY ? [`taken ${this.taken} exceeds the capacity of ${COUNTER_CAPACITY}`] : [];
  }
  finish(): string[] {
    return [];
  }
}

/** Turns every Taken into a job. */
function counterReactor(jobs: JobQueue): Projection {
  return {
    name: 'counterReactor',
    version: 1,
    eventTypes: ['Taken'],
    setup: async () => undefined,
    async apply(event) {
      const data = { stream: event.streamName, amount: (event.data as { amount: number }).amount };
      await jobs.enqueue(NOTED_JOB, data, { jobId: `counter-noted_${event.position}` });
    },
  };
}

export function counterContext(): BoundedContext<CounterServices> {
  return {
    name: 'counter',
    streams: () => [
      {
        ...model({ category: 'counter', decider: counterDecider(COUNTER_CAPACITY), eventTypes: ['Taken'], summary: (s) => [['taken', String(s.taken)]] }),
        check: () => new CounterChecker(),
      },
    ],
    projections: () => [counterProjection()],
    services: ({ commands }) => ({
      noted: [],
      take: (counterId, by, amount, now) =>
        commands.execute(counterDecider(COUNTER_CAPACITY), `counter-${counterId}`, { type: 'Take', by, amount }, { actorId: by, correlationId: randomUUID(), now }),
    }),
    reactors: (jobs) => [counterReactor(jobs)],
    jobs: (_platform, services) => ({
      handlers: { [NOTED_JOB]: async (data: { stream: string; amount: number }) => void services.noted.push(data) },
      periodic: [],
    }),
    // `counter:counter-<uuid>`, the stream's name, lower-cased; anything else is an invalid channel.
    channels: () => [{ kind: 'counter', parseId: (id) => (/^counter-[0-9a-f-]{36}$/i.test(id) ? id.toLowerCase() : undefined), authorize: async () => true }],
    routes: (_parts, services) => [
      route({
        method: 'post',
        path: '/v1/counters/:id/take',
        summary: 'Take from a counter',
        tags: ['Counters'],
        access: { kind: 'user' },
        params: z.object({ id: z.uuid() }),
        body: z.object({ amount: z.number().int().min(1) }),
        response: z.object({ stream: z.string() }),
        handler: async ({ params, body, principal, now }) => {
          const result = await services.take(params.id, principal!.userId, body.amount, now);
          return { body: { stream: `counter-${params.id}` }, ...(result.position === undefined ? {} : { position: result.position }) };
        },
      }),
    ],
  };
}
