/**
 * Shared bench plumbing: fresh databases (dropped at the end), one JSON line per
 * figure on stdout (progress goes to stderr), latency percentiles, bounded loops.
 */
import { performance } from 'node:perf_hooks';
import { createTestDatabase, type TestDatabase } from '../test/support/db.js';

export type Figure = { bench: string } & Record<string, unknown>;

export interface BenchOptions {
  /** Shorter phases (for trying the harness out); the figures are then noisier. */
  quick: boolean;
  /** HTTP bench: server in a child process (default) or in this process. */
  server: 'inprocess' | 'child';
}

/** Collects figures, prints each as one JSON line, and owns every resource to release at the end. */
export class BenchContext {
  readonly figures: Figure[] = [];
  private readonly cleanups: Array<{ what: string; run: () => Promise<void> }> = [];

  constructor(readonly options: BenchOptions) {}

  emit(figure: Figure): void {
    this.figures.push(figure);
    process.stdout.write(`${JSON.stringify(figure)}\n`);
  }

  /** Scales a phase duration down in --quick mode. */
  seconds(full: number): number {
    return this.options.quick ? Math.max(1, Math.round(full / 4)) : full;
  }

  /** Scales an event count down in --quick mode. */
  count(full: number): number {
    return this.options.quick ? Math.max(1000, Math.round(full / 10)) : full;
  }

  async database(prefix: string): Promise<TestDatabase> {
    const db = await createTestDatabase(`tessera_bench_${prefix}`);
    this.defer(`drop database ${db.name}`, () => db.drop());
    return db;
  }

  /** Registers a cleanup; cleanups run last-in first-out in `release`. */
  defer(what: string, run: () => Promise<void>): () => Promise<void> {
    const entry = { what, run };
    this.cleanups.push(entry);
    // Returned runner: release early (and only once).
    return async () => {
      const index = this.cleanups.indexOf(entry);
      if (index < 0) return;
      this.cleanups.splice(index, 1);
      await run();
    };
  }

  async release(): Promise<void> {
    for (const { what, run } of this.cleanups.splice(0).reverse()) {
      await run().catch((error: unknown) => log(`cleanup failed (${what}): ${String(error)}`));
    }
  }
}

export function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export const now = (): number => performance.now();

export const round = (value: number, digits = 0): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

export const perSecond = (count: number, ms: number): number => (ms > 0 ? round((count * 1000) / ms) : 0);

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles in milliseconds, 2 decimals. */
export function percentiles(samples: number[]): Percentiles {
  if (samples.length === 0) return { p50: 0, p95: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!, 2);
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: round(sorted[sorted.length - 1]!, 2) };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `workers` closed loops until `durationMs` passes or `maxOps` operations have
 * started. Each loop awaits its operation before starting the next. Returns the
 * completed operation count and the elapsed time up to the last completion.
 */
export async function closedLoop(
  workers: number,
  limits: { durationMs: number; maxOps?: number },
  op: (worker: number, iteration: number) => Promise<void>,
): Promise<{ ops: number; elapsedMs: number }> {
  const started = now();
  const deadline = started + limits.durationMs;
  const maxOps = limits.maxOps ?? Number.POSITIVE_INFINITY;
  let startedOps = 0;
  let completed = 0;
  let lastDone = started;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      for (let i = 0; now() < deadline && startedOps < maxOps; i++) {
        startedOps++;
        await op(worker, i);
        completed++;
        lastDone = now();
      }
    }),
  );
  return { ops: completed, elapsedMs: lastDone - started };
}

/** A counter of values by key, for status-code tallies. */
export function tally(): { add(key: string | number): void; toJSON(): Record<string, number> } {
  const counts = new Map<string, number>();
  return {
    add(key) {
      const k = String(key);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    },
    toJSON() {
      return Object.fromEntries([...counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
    },
  };
}
