/**
 * Shared bench plumbing: fresh databases (dropped at the end), one JSON line per
 * figure on stdout (progress goes to stderr), latency percentiles, bounded loops.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createTestDatabase, type TestDatabase } from '../test/support/db.js';

export type Figure = { bench: string } & Record<string, unknown>;

export interface BenchOptions {
  /** Shorter phases (for trying the harness out); the figures are then noisier. */
  quick: boolean;
  /** HTTP bench: server in a child process (default) or in this process. */
  server: 'inprocess' | 'child';
  /** PROCESS_ROLES of the bench's server (default all: api,projector,worker). */
  roles: string;
  /** HTTP bench: only these numbers of clients / these scenarios (default: all). */
  clients?: number[];
  scenarios?: string[];
}

/** Collects figures, prints each as one JSON line, and owns every resource to release at the end. */
export class BenchContext {
  readonly figures: Figure[] = [];
  private readonly cleanups: Array<{ what: string; run: () => Promise<void> }> = [];

  constructor(readonly options: BenchOptions) {}

  /** Prints and keeps a figure, with the 1-minute load average when it was taken (other work on the machine shows in it). */
  emit(measured: Figure): void {
    const figure = { ...measured, loadAvg1m: round(os.loadavg()[0]!, 2) };
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

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process (all its threads) from /proc (Linux), in ms; NaN elsewhere. With `thread`: of that thread only (its main thread: the pid). */
export function processCpuMs(pid: number, thread?: number): number {
  try {
    const stat = readFileSync(thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return Number.NaN;
  }
}

/** The CPU ms of each thread of a process, by thread id (Linux /proc); empty elsewhere. */
export function threadsCpuMs(pid: number): Map<number, number> {
  const byThread = new Map<number, number>();
  try {
    for (const entry of readdirSync(`/proc/${pid}/task`)) {
      const ms = processCpuMs(pid, Number(entry));
      if (Number.isFinite(ms)) byThread.set(Number(entry), ms);
    }
  } catch {
    // not Linux, or the process is gone
  }
  return byThread;
}

/**
 * CPU time of the local `postgres` processes (Linux /proc). Call it at the start; the
 * returned function gives the CPU ms they used since (NaN where /proc is unreadable).
 * Backends that exit in between drop out, so the figure is a lower bound.
 */
export function postgresCpu(): () => number {
  const snapshot = () => {
    const byPid = new Map<number, number>();
    try {
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'postgres') continue;
          const ms = processCpuMs(Number(entry));
          if (Number.isFinite(ms)) byPid.set(Number(entry), ms);
        } catch {
          // exited meanwhile
        }
      }
    } catch {
      return undefined;
    }
    return byPid;
  };
  const start = snapshot();
  return () => {
    const end = snapshot();
    if (!start || !end) return Number.NaN;
    let used = 0;
    for (const [pid, ms] of end) used += ms - (start.get(pid) ?? 0);
    return used;
  };
}

/** The machine's CPU time in ms from /proc/stat (all cores): busy (user, nice, system, irq, softirq), idle (+ iowait), stolen by the hypervisor. */
function machineCpuMs(): { busy: number; idle: number; stolen: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const ms = (ticks: number) => (ticks * 1000) / clockTicks;
    return { busy: ms(user! + nice! + system! + irq! + softirq!), idle: ms(idle! + iowait!), stolen: ms(steal ?? 0) };
  } catch {
    return undefined;
  }
}

/** Call at the start of a phase; the returned function gives the machine's busy, idle and stolen ms since (undefined where /proc/stat is unreadable). */
function machineCpu(): () => { busy: number; idle: number; stolen: number } | undefined {
  const start = machineCpuMs();
  return () => {
    const end = machineCpuMs();
    return start && end ? { busy: end.busy - start.busy, idle: end.idle - start.idle, stolen: end.stolen - start.stolen } : undefined;
  };
}

/** The hypervisor's and the idle share of the machine over a phase, as % of one core: what a figure without a server of its own (the UPDATE ceiling) is read with. */
export function measureMachine(): { stop(elapsedMs: number): { stolenCorePct?: number; idleCorePct?: number } } {
  const used = machineCpu();
  return {
    stop(elapsedMs) {
      const machine = used();
      if (!machine || elapsedMs <= 0) return {};
      return { stolenCorePct: round((machine.stolen / elapsedMs) * 100), idleCorePct: round((machine.idle / elapsedMs) * 100) };
    },
  };
}

/** CPU per request, the headline of every HTTP figure: µs of CPU time (user + system) each request cost, by process. */
export interface CpuPerRequest {
  /** µs per request: the server process (all its threads; in-process: server and load generator together). */
  cpuUsPerRequest: { server: number; postgres: number | null; loadGenerator: number | null };
  /**
   * % of one core over the measured time (the machine has os.cpus().length of them). The
   * noise gauges: `otherProcesses`, what the rest of the machine used; `stolen`, what the
   * hypervisor gave to other machines while this one wanted it; `idle`. A figure taken
   * with much of either of the first two is not comparable with one taken without.
   */
  cpuCorePct: { server: number; postgres: number | null; loadGenerator: number | null; otherProcesses?: number; stolen?: number; idle?: number };
}

/**
 * Starts measuring the CPU of the server process (`serverCpuMs`, e.g. processCpuMs of
 * its pid), of PostgreSQL and of this process, the load generator; `stop` turns it into
 * µs per request and core shares. `serverInThisProcess`: the server runs in this process,
 * so there is no separate load-generator figure. For any HTTP scenario:
 *
 *   const cpu = measureCpu(server.cpuMs, server.mode === 'inprocess');
 *   const load = await runLoad(...);
 *   ctx.emit({ bench: 'x', ...cpu.stop(load.requests, load.elapsedMs), ... });
 */
export function measureCpu(serverCpuMs: () => number, serverInThisProcess = false): { stop(requests: number, elapsedMs: number): CpuPerRequest } {
  const serverStart = serverCpuMs();
  const pgCpu = postgresCpu();
  const ownStart = process.cpuUsage();
  const machineUsed = machineCpu();
  return {
    stop(requests, elapsedMs) {
      const own = process.cpuUsage(ownStart);
      const serverMs = serverCpuMs() - serverStart;
      const pgMs = pgCpu();
      const ownMs = serverInThisProcess ? Number.NaN : (own.user + own.system) / 1000;
      const machine = machineUsed();
      const perRequest = (ms: number) => (Number.isFinite(ms) ? round((ms * 1000) / Math.max(1, requests)) : null);
      const corePct = (ms: number) => (Number.isFinite(ms) && elapsedMs > 0 ? round((ms / elapsedMs) * 100) : null);
      const gauges = machine
        ? {
            otherProcesses: corePct(Math.max(0, machine.busy - serverMs - (Number.isFinite(pgMs) ? pgMs : 0) - (serverInThisProcess ? 0 : ownMs))) ?? undefined,
            stolen: corePct(machine.stolen) ?? undefined,
            idle: corePct(machine.idle) ?? undefined,
          }
        : {};
      return {
        cpuUsPerRequest: { server: perRequest(serverMs) ?? 0, postgres: perRequest(pgMs), loadGenerator: perRequest(ownMs) },
        cpuCorePct: { server: corePct(serverMs) ?? 0, postgres: corePct(pgMs), loadGenerator: corePct(ownMs), ...gauges },
      };
    },
  };
}
