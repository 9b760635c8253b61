/**
 * Read-your-writes (DESIGN §6): a GET with X-Min-Position waits until the projections
 * behind it have applied that position, up to a deadline, else 503 + Retry-After.
 * One poller per process serves every waiting request.
 */
import type { Knex } from 'knex';
import { checkpointPositions } from '../projections/runtime.js';
import { HttpError } from './problem.js';

interface Waiter {
  position: bigint;
  projections: string[];
  resolve(): void;
}

export class ProjectionProgress {
  private readonly waiters = new Set<Waiter>();
  private polling = false;

  constructor(
    private readonly knex: Knex,
    private readonly allProjections: () => string[],
    private readonly options: { timeoutMs?: number; pollMs?: number } = {},
  ) {}

  async waitFor(position: bigint, projections: string[] | undefined): Promise<void> {
    const names = projections ?? this.allProjections();
    if (names.length === 0) return;
    if (await this.reached(names, position)) return;
    const timeoutMs = this.options.timeoutMs ?? 5000;
    let waiter: Waiter | undefined;
    const reached = new Promise<boolean>((resolve) => {
      waiter = { position, projections: names, resolve: () => resolve(true) };
      this.waiters.add(waiter);
      setTimeout(() => resolve(false), timeoutMs).unref();
    });
    void this.poll();
    const ok = await reached;
    this.waiters.delete(waiter!);
    if (!ok) {
      throw new HttpError(503, 'projection-behind', `The read model has not reached position ${position} yet; retry shortly`, {
        'Retry-After': '1',
      });
    }
  }

  private async reached(names: string[], position: bigint): Promise<boolean> {
    const positions = await checkpointPositions(this.knex);
    return names.every((n) => (positions.get(n) ?? -1n) >= position);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      while (this.waiters.size > 0) {
        await new Promise((r) => setTimeout(r, this.options.pollMs ?? 15));
        const positions = await checkpointPositions(this.knex);
        for (const waiter of this.waiters) {
          if (waiter.projections.every((n) => (positions.get(n) ?? -1n) >= waiter.position)) {
            this.waiters.delete(waiter);
            waiter.resolve();
          }
        }
      }
    } finally {
      this.polling = false;
    }
  }
}
