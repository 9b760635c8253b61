/**
 * HTTP ticketing figures (issue #5), against a real Tessera (all roles) on a fresh
 * database:
 * - http.updateCeiling: what this PostgreSQL does with `UPDATE bench_counter SET n = n + 1
 *   WHERE id = 1` (autocommit) from 16/64/256 concurrent callers: the single-row write
 *   ceiling that a hot event is compared with.
 * - http.reserve: confirmed reservations/s (POST /v1/events/:id/reservations, quantity 1,
 *   holdMinutes 0) from 16/64/256 keep-alive HTTP clients for a fixed time, on ONE hot
 *   event and spread over 100 events; latency percentiles; non-2xx by status; then the
 *   audit: every event of the run folded from its stream with ticketedEventDecider
 *   (seats sold vs capacity → oversold, must be 0; seats sold vs the sum of the
 *   quantities the 201s reported, must be equal).
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { Pool } from 'undici';
import { ticketedEventDecider, ticketedEventStreamName, type TicketedEventEvent, type TicketedEventState } from '../src/domain/ticketing/index.js';
import { createPostgresEventStore, type PostgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { TICKETING_PROJECTION } from '../src/projections/ticketing/ticketingProjection.js';
import { startBenchServer } from './server.js';
import { closedLoop, log, measureCpu, measureMachine, now, percentiles, perSecond, processCpuMs, round, sleep, tally, type BenchContext } from './support.js';

const CLIENTS = [16, 64, 256] as const;
const SCENARIOS = ['hotEvent', 'spread100'] as const;
const USERS = 1000;
const SPREAD_EVENTS = 100;
const CAPACITY = 10_000_000;
/** max_connections is 100 here: the ceiling's pool is capped, the callers above it queue in the pool. */
const CEILING_MAX_CONNECTIONS = 64;
/** Connections left to the server under test (and to others sharing this PostgreSQL) while the ceiling runs. */
const CEILING_SPARE_CONNECTIONS = 30;

export async function benchHttp(ctx: BenchContext): Promise<void> {
  const server = await startBenchServer(ctx, 'http');
  log(`http: server ${server.mode} at ${server.url}`);

  const clientCounts = CLIENTS.filter((n) => !ctx.options.clients || ctx.options.clients.includes(n));
  const scenarios = SCENARIOS.filter((s) => !ctx.options.scenarios || ctx.options.scenarios.includes(s));
  const ceilings = new Map<number, number>();
  for (const clients of clientCounts) {
    const figure = await updateCeiling(server.databaseUrl, clients, ctx.seconds(10) * 1000);
    ceilings.set(clients, figure.updatesPerSec);
    ctx.emit({ bench: 'http.updateCeiling', clients, ...figure });
  }

  const floors = new Map<number, number>();
  for (const clients of clientCounts) {
    for (const kind of FLOOR_KINDS) {
      const figure = await frameworkFloor(ctx, kind, clients, ctx.seconds(5) * 1000);
      if (kind === 'express') floors.set(clients, figure.cpuUsPerRequest.server);
      ctx.emit({ bench: 'http.frameworkFloor', server: kind, clients, ...figure });
    }
  }

  const pool = new Pool(server.url, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });
  ctx.defer('close HTTP client pool', () => pool.close());
  const api = apiClient(pool);
  const organizer = await server.tokenFor('bench-organizer');
  const tokens = await Promise.all(Array.from({ length: USERS }, (_, i) => server.tokenFor(`bench-user-${i}`)));
  const store = createPostgresEventStore(server.databaseUrl, { poolSize: 4 });
  ctx.defer('close audit store', () => store.close());

  const createEvents = async (count: number) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(await createEvent(api, organizer, `Bench ${i}`));
    return ids;
  };

  // Warm-up (JIT, pools, caches): not reported.
  log('http: warm-up');
  const [warmEvent] = await createEvents(1);
  await runLoad(api, tokens, [warmEvent!], 16, ctx.seconds(Number(process.env.BENCH_HTTP_WARMUP_S ?? 3)) * 1000);

  for (const scenario of scenarios) {
    for (const clients of clientCounts) {
      const events = await createEvents(scenario === 'hotEvent' ? 1 : SPREAD_EVENTS);
      const durationMs = ctx.seconds(10) * 1000;
      log(`http.reserve ${scenario} clients=${clients} for ${durationMs} ms`);
      await openConnections(api, clients, ctx.seconds(1) * 1000);
      const stopCounting = await server.countStoreCalls();
      const cpu = measureCpu(server.cpuMs, server.mode === 'inprocess');
      const mainThreadStart = server.mainThreadCpuMs();
      const othersStart = server.otherThreadsCpuMs();
      const load = await runLoad(api, tokens, events, clients, durationMs);
      const cpuUsed = cpu.stop(load.requests, load.elapsedMs);
      const perRequest = (ms: number) => round((ms * 1000) / Math.max(1, load.requests));
      const mainThreadUs = perRequest(server.mainThreadCpuMs() - mainThreadStart);
      const busiestOtherUs = perRequest(Math.max(0, ...[...server.otherThreadsCpuMs()].map(([thread, ms]) => ms - (othersStart.get(thread) ?? 0))));
      const calls = await stopCounting();
      // The projector runs in the same server and may have fallen behind: let it catch up
      // (bounded) so the next configuration does not pay for this one's backlog.
      const hasProjector = server.roles.split(',').includes('projector');
      const backlog = hasProjector ? await projectionBacklog(server.databaseUrl, ctx.seconds(45) * 1000) : undefined;
      const audit = await auditEvents(store, events, load.seatsByEvent);
      const confirmedPerSec = perSecond(load.confirmed, load.elapsedMs);
      const ceiling = ceilings.get(clients) ?? 0;
      ctx.emit({
        bench: 'http.reserve',
        scenario,
        events: events.length,
        clients,
        server: server.mode,
        roles: server.roles,
        // The headline: CPU µs per request by process (far steadier than req/s on a shared machine).
        ...cpuUsed,
        // The server's µs per request split: its main thread (the API), its busiest other thread (with
        // the projector role: the projector thread; else one of V8's helpers) and the rest (V8's GC and compiler threads).
        ...(Number.isFinite(mainThreadUs)
          ? {
              serverThreadsUsPerRequest: {
                main: mainThreadUs,
                busiestOther: busiestOtherUs,
                rest: round(cpuUsed.cpuUsPerRequest.server - mainThreadUs - busiestOtherUs),
              },
            }
          : {}),
        confirmedPerSec,
        ratioToUpdateCeiling: ceiling ? round(confirmedPerSec / ceiling, 3) : null,
        updateCeilingPerSec: ceiling,
        // Server CPU per request over that of an express app answering the same request with nothing behind it.
        serverCpuToExpressFloor: floors.get(clients) ? round(cpuUsed.cpuUsPerRequest.server / floors.get(clients)!, 2) : null,
        requests: load.requests,
        confirmed: load.confirmed,
        latencyMs: percentiles(load.latencies),
        non2xx: load.non2xx.toJSON(),
        oversoldSeats: audit.oversold,
        seatsSold: audit.seatsSold,
        seatsIn201s: audit.seatsIn201s,
        seatsMatch: audit.seatsSold === audit.seatsIn201s,
        // Events the ticketing projection had not applied when the load stopped, in events and in
        // seconds of this run's confirmations, the age of the oldest of them, and the catch-up time.
        ...(backlog
          ? {
              projectionLagAtEnd: {
                events: backlog.events,
                secondsOfEvents: round(backlog.events / Math.max(1, confirmedPerSec), 2),
                oldestAgeSeconds: backlog.oldestAgeSeconds,
              },
              projectionCatchUpMs: backlog.catchUpMs,
              ...(backlog.caughtUp ? {} : { projectionCaughtUp: false }),
            }
          : {}),
        // The server's event-store calls per request: the database round trips behind one reservation.
        storeCallsPerRequest: {
          streamReads: round(calls.reads / Math.max(1, load.requests), 2),
          eventsRead: round(calls.eventsRead / Math.max(1, load.requests), 2),
          appends: round(calls.appends / Math.max(1, load.requests), 3),
        },
        // Every SQL statement the server process sent (API, command runtime, projections, hub) per request.
        sqlQueriesPerRequest: round(calls.sqlQueries / Math.max(1, load.requests), 2),
        // Mean time a stream read / an append took, as the server awaited it (includes event-loop delay).
        storeCallMs: { read: round(calls.readMs / Math.max(1, calls.reads), 2), append: round(calls.appendMs / Math.max(1, calls.appends), 2) },
        durationMs: round(load.elapsedMs),
      });
    }
  }
}

const FLOOR_KINDS = ['node:http', 'express'] as const;

/**
 * What the HTTP stack alone costs here: bench/floorServer.ts answers the reservation
 * request (same body, same headers, same client) with nothing behind it, on node:http or
 * through express. Tessera's figures read against it (`serverCpuToExpressFloor`).
 */
async function frameworkFloor(ctx: BenchContext, kind: (typeof FLOOR_KINDS)[number], clients: number, durationMs: number) {
  const child = fork(path.resolve('bench/floorServer.ts'), [kind], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 2, 2, 'ipc'] });
  const stop = ctx.defer(`stop floor server ${child.pid}`, async () => {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)));
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (message: { port?: number }) => (message.port ? resolve(message.port) : reject(new Error('no port from floor server'))));
      child.once('exit', (code) => reject(new Error(`floor server exited with ${code}`)));
    });
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 256, pipelining: 1, keepAliveTimeout: 30_000 });
    try {
      const api = apiClient(pool);
      const reserve = async () => {
        const res = await api('POST', '/v1/events/1b6f1a9e-2f3c-4a53-9d3e-2c1d7d9f0a12/reservations', 'bench.floor.token', { quantity: 1 });
        if (res.status !== 201) throw new Error(`floor server answered ${res.status}`);
      };
      await closedLoop(clients, { durationMs: Math.min(2000, durationMs) }, reserve); // warm-up
      log(`http.frameworkFloor ${kind} clients=${clients} for ${durationMs} ms`);
      const cpu = measureCpu(() => processCpuMs(child.pid!));
      const latencies: number[] = [];
      const { ops, elapsedMs } = await closedLoop(clients, { durationMs }, async () => {
        const t = now();
        await reserve();
        latencies.push(now() - t);
      });
      return { ...cpu.stop(ops, elapsedMs), requestsPerSec: perSecond(ops, elapsedMs), requests: ops, latencyMs: percentiles(latencies), durationMs: round(elapsedMs) };
    } finally {
      await pool.close();
    }
  } finally {
    await stop();
  }
}

/**
 * Opens the client pool's connections up to `clients` with cheap requests. The pool opens
 * a connection only when all open ones are busy, so the first requests of a phase with
 * more clients than before queued in the client behind the ramp-up: at 256 clients after
 * the 16-client warm-up, first requests waited up to 6 s, which was the p99 of the whole
 * phase (2.5 s; 0.6 s with the connections open).
 */
async function openConnections(api: Api, clients: number, durationMs: number): Promise<void> {
  await closedLoop(clients, { durationMs }, async () => {
    const res = await api('GET', '/health/live', '');
    if (res.status !== 200) throw new Error(`GET /health/live answered ${res.status}`);
  });
}

/** Events after the ticketing checkpoint now; then waits (up to timeoutMs) until there are none. */
async function projectionBacklog(databaseUrl: string, timeoutMs: number): Promise<{ events: number; oldestAgeSeconds: number; catchUpMs: number; caughtUp: boolean }> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'tessera-bench-backlog' });
  await client.connect();
  try {
    const count = async () => {
      const { rows } = await client.query<{ n: string; age: number | null }>(
        `SELECT count(*)::text AS n, extract(epoch FROM clock_timestamp() - min(recorded_at))::float8 AS age FROM eventstore.events
          WHERE position > coalesce((SELECT position FROM projection_checkpoints WHERE name = $1), -1)`,
        [TICKETING_PROJECTION],
      );
      return { events: Number(rows[0]?.n ?? 0), ageSeconds: round(rows[0]?.age ?? 0, 2) };
    };
    const started = now();
    const atEnd = await count();
    let left = atEnd.events;
    while (left > 0 && now() - started < timeoutMs) {
      await sleep(100);
      left = (await count()).events;
    }
    return { events: atEnd.events, oldestAgeSeconds: atEnd.ageSeconds, catchUpMs: round(now() - started), caughtUp: left === 0 };
  } finally {
    await client.end();
  }
}

/** max_connections minus the connections open now: a shared PostgreSQL may have few left (the figure's `connections` says what was used). */
async function freeConnections(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ free: number }>(`SELECT current_setting('max_connections')::int - count(*)::int AS free FROM pg_stat_activity`);
    return rows[0]?.free ?? CEILING_MAX_CONNECTIONS;
  } finally {
    await client.end();
  }
}

async function updateCeiling(databaseUrl: string, clients: number, durationMs: number) {
  const connections = Math.min(clients, CEILING_MAX_CONNECTIONS, Math.max(4, (await freeConnections(databaseUrl)) - CEILING_SPARE_CONNECTIONS));
  const pool = new pg.Pool({ connectionString: databaseUrl, max: connections });
  pool.on('error', (error) => log(`update ceiling pool: ${String(error)}`));
  try {
    await pool.query('CREATE TABLE IF NOT EXISTS bench_counter (id integer PRIMARY KEY, n bigint NOT NULL)');
    await pool.query('INSERT INTO bench_counter (id, n) VALUES (1, 0) ON CONFLICT (id) DO UPDATE SET n = 0');
    // Open every connection first, so the timed part measures updates, not connects.
    // allSettled: a refused connection (PostgreSQL's max_connections, shared with others) must not
    // leave the opened ones checked out, or pool.end() below would wait for them forever.
    const opened = await Promise.allSettled(Array.from({ length: connections }, () => pool.connect()));
    for (const result of opened) if (result.status === 'fulfilled') result.value.release();
    const refused = opened.find((result) => result.status === 'rejected');
    if (refused) throw refused.reason;
    log(`http.updateCeiling clients=${clients} (connections=${connections}) for ${durationMs} ms`);
    const latencies: number[] = [];
    const machine = measureMachine();
    const { ops, elapsedMs } = await closedLoop(clients, { durationMs, maxOps: 10_000_000 }, async () => {
      const t = now();
      await pool.query('UPDATE bench_counter SET n = n + 1 WHERE id = 1');
      latencies.push(now() - t);
    });
    const { rows } = await pool.query<{ n: string }>('SELECT n::text FROM bench_counter WHERE id = 1');
    return {
      connections,
      updatesPerSec: perSecond(ops, elapsedMs),
      updates: ops,
      counted: Number(rows[0]?.n ?? 0),
      latencyMs: percentiles(latencies),
      durationMs: round(elapsedMs),
      ...machine.stop(elapsedMs),
    };
  } finally {
    await pool.end();
  }
}

interface ApiResponse {
  status: number;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

export function apiClient(pool: Pool) {
  return async (method: 'GET' | 'POST', path: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> => {
    const res = await pool.request({
      method,
      path,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.body.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: res.statusCode, body: parsed, headers: res.headers };
  };
}
type Api = ReturnType<typeof apiClient>;

export async function createEvent(api: Api, token: string, title: string): Promise<string> {
  const day = 86_400_000;
  const res = await api('POST', '/v1/events', token, {
    title,
    startsAt: new Date(Date.now() + 30 * day).toISOString(),
    endsAt: new Date(Date.now() + 30 * day + 3 * 3_600_000).toISOString(),
    timezone: 'Europe/Berlin',
    capacity: CAPACITY,
    holdMinutes: 0,
    pricing: { currency: 'EUR', basePrice: 2500 },
    publish: true,
  });
  if (res.status !== 201) throw new Error(`creating an event failed: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { id: string }).id;
}

export async function runLoad(api: Api, tokens: string[], events: string[], clients: number, durationMs: number) {
  const latencies: number[] = [];
  const non2xx = tally();
  const seatsByEvent = new Map<string, number>(events.map((e) => [e, 0]));
  let requests = 0;
  let confirmed = 0;
  const { elapsedMs } = await closedLoop(clients, { durationMs, maxOps: 5_000_000 }, async (worker, i) => {
    const eventId = events[(worker + i * clients) % events.length]!;
    const token = tokens[(worker * 7919 + i) % tokens.length]!;
    const t = now();
    requests++;
    try {
      const res = await api('POST', `/v1/events/${eventId}/reservations`, token, { quantity: 1 });
      latencies.push(now() - t);
      if (res.status === 201) {
        const reservation = res.body as { status: string; quantity: number };
        seatsByEvent.set(eventId, seatsByEvent.get(eventId)! + reservation.quantity);
        if (reservation.status === 'confirmed') confirmed++;
      } else {
        non2xx.add(res.status);
      }
    } catch (error) {
      latencies.push(now() - t);
      non2xx.add(`error:${(error as { code?: string }).code ?? 'unknown'}`);
      await sleep(10);
    }
  });
  return { latencies, non2xx, seatsByEvent, requests, confirmed, elapsedMs };
}

/** Folds each event's stream with the real decider: seats sold vs capacity and vs the 201s. */
async function auditEvents(store: PostgresEventStore, events: string[], seatsIn201sByEvent: Map<string, number>) {
  let oversold = 0;
  let seatsSold = 0;
  let seatsIn201s = 0;
  for (const eventId of events) {
    let state: TicketedEventState = ticketedEventDecider.initialState();
    const stream = ticketedEventStreamName(eventId);
    for (let from = 0n; ; ) {
      const page = await store.readStream(stream, { fromRevision: from, maxCount: 5000 });
      for (const e of page) state = ticketedEventDecider.evolve(state, { type: e.type, data: e.data } as TicketedEventEvent);
      if (page.length < 5000) break;
      from = page.at(-1)!.revision + 1n;
    }
    const sold = state.held + state.confirmed;
    oversold += Math.max(0, sold - state.capacity);
    seatsSold += sold;
    seatsIn201s += seatsIn201sByEvent.get(eventId) ?? 0;
  }
  return { oversold, seatsSold, seatsIn201s };
}
