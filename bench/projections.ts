/**
 * Projection figures (issue #3):
 * - projections.rebuild: events/s that rebuildProjection replays into a shadow schema
 *   and swaps in, for the real ticketing and notifications projections and for the test counterProjection
 *   (two round trips per event: the runtime's own floor).
 * - projections.lag: append → live delivery at a steady 500 and 2,000 reservations/s on
 *   one event of a real Tessera (all roles). Reservations go through the server's own
 *   command path (tessera.ticketing.reserve, as the HTTP route calls it) so the offered
 *   rate does not depend on HTTP throughput; t0 is when the append has committed
 *   (the command resolved with its revision). Two lines per rate: delivery of the
 *   `event:<id>` update carrying that revision (or a later one) to a real `ws` client of
 *   WebSocket /v1/live (`measuredTo: "websocket-update"`), and the commit of the
 *   ticketing projection's checkpoint at or past the event's position
 *   (`measuredTo: "projection-checkpoint"`, read on the changefeed NOTIFY the hub tails):
 *   the gap between the two is the hub's share. When the hub does not answer, only the
 *   checkpoint line is printed, with a note.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import pg from 'pg';
import WebSocket from 'ws';
import type { RequestMeta } from '../src/commands/meta.js';
import { ticketingContext } from '../src/contexts/ticketing.js';
import { createKnex, migrateToLatest } from '../src/database.js';
import {
  ticketedEventDecider,
  ticketedEventStreamName,
  type TicketedEventCommand,
  type TicketedEventState,
} from '../src/domain/ticketing/index.js';
import type { NewEvent } from '../src/eventstore/eventStore.js';
import { createPostgresEventStore, type PostgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { CHANGEFEED_NOTIFY_CHANNEL } from '../src/projections/changefeed.js';
import type { Projection } from '../src/projections/projection.js';
import { rebuildProjection } from '../src/projections/runtime.js';
import { NOTIFICATIONS_PROJECTION, notificationsProjection } from '../src/projections/notifications/notificationsProjection.js';
import { TICKETING_PROJECTION, ticketingProjection } from '../src/projections/ticketing/ticketingProjection.js';
import { counterProjection } from '../test/support/counterProjection.js';
import { startBenchServer } from './server.js';
import { log, now, percentiles, perSecond, postgresCpu, round, sleep, type BenchContext } from './support.js';

export async function benchProjections(ctx: BenchContext): Promise<void> {
  await benchRebuild(ctx);
  await benchLag(ctx);
}

// ---------------------------------------------------------------- rebuild

const DAY = 86_400_000;

/** Appends `total` valid ticketing events (100 events, then reservations), decided by the real decider. */
async function seedTicketing(store: PostgresEventStore, total: number): Promise<void> {
  const eventCount = 100;
  const perEvent = Math.max(3, Math.floor(total / eventCount));
  const at = new Date().toISOString();
  const organizer = 'bench-organizer';
  for (let e = 0; e < eventCount; e++) {
    const eventId = randomUUID();
    let state: TicketedEventState = ticketedEventDecider.initialState();
    let pending: NewEvent[] = [];
    let revision: bigint | 'no_stream' = 'no_stream';
    const stream = ticketedEventStreamName(eventId);
    const run = (command: TicketedEventCommand) => {
      for (const event of ticketedEventDecider.decide(command, state)) {
        state = ticketedEventDecider.evolve(state, event);
        pending.push({ id: randomUUID(), type: event.type, data: event.data, metadata: { actorId: command.meta.actorId, correlationId: randomUUID(), schemaVersion: 1 } });
      }
    };
    const flush = async () => {
      if (!pending.length) return;
      const result = await store.appendToStream(stream, pending, { expectedRevision: revision });
      revision = result.nextExpectedRevision;
      pending = [];
    };
    run({
      type: 'ScheduleTicketedEvent',
      data: {
        eventId,
        title: `Rebuild ${e}`,
        startsAt: new Date(Date.now() + 30 * DAY).toISOString(),
        endsAt: new Date(Date.now() + 30 * DAY + 3 * 3_600_000).toISOString(),
        timezone: 'Europe/Berlin',
        capacity: 1_000_000,
        pricing: { currency: 'EUR', basePrice: 2500, demandTiers: [{ minSoldRatio: 0.5, multiplier: 1.2 }] },
        publish: true,
      },
      meta: { now: at, actorId: organizer },
    });
    while (state.held + state.confirmed < perEvent - 2) {
      const userId = `bench-user-${(state.confirmed * 31 + e) % 5000}`;
      run({ type: 'ReserveSeats', data: { reservationId: randomUUID(), userId, quantity: 1 }, meta: { now: at, actorId: userId } });
      if (pending.length >= 500) await flush();
    }
    await flush();
  }
}

async function seedCounter(store: PostgresEventStore, total: number): Promise<void> {
  const streams = Array.from({ length: 100 }, () => `benchCounter-${randomUUID()}`);
  for (let done = 0, i = 0; done < total; i++) {
    const count = Math.min(500, total - done);
    const events: NewEvent[] = Array.from({ length: count }, (_, k) => ({
      id: randomUUID(),
      type: 'Taken',
      data: { by: `c${done + k}`, amount: 1 },
      metadata: { actorId: 'bench', correlationId: randomUUID(), schemaVersion: 1 },
    }));
    await store.appendToStream(streams[i % streams.length]!, events, { expectedRevision: 'any' });
    done += count;
  }
}

async function benchRebuild(ctx: BenchContext): Promise<void> {
  const cases: Array<{ name: string; total: number; projection: Projection; seed: (store: PostgresEventStore, total: number) => Promise<void> }> = [
    { name: TICKETING_PROJECTION, total: ctx.count(50_000), projection: ticketingProjection(), seed: seedTicketing },
    { name: NOTIFICATIONS_PROJECTION, total: ctx.count(50_000), projection: notificationsProjection(), seed: seedTicketing },
    { name: 'testCounter', total: ctx.count(50_000), projection: counterProjection(), seed: seedCounter },
  ];
  for (const c of cases) {
    const db = await ctx.database('rebuild');
    const knex = createKnex(db.url, { max: 4 });
    ctx.defer('destroy knex', () => knex.destroy());
    await migrateToLatest(knex);
    const store = createPostgresEventStore(db.url, { poolSize: 4 });
    ctx.defer('close event store', () => store.close());
    log(`projections.rebuild ${c.name}: seeding ${c.total} events`);
    await c.seed(store, c.total);
    const events = Number((await store.headPosition()) + 1n);
    log(`projections.rebuild ${c.name}: rebuilding over ${events} events`);
    const started = now();
    const result = await rebuildProjection(knex, store, c.projection);
    const elapsedMs = now() - started;
    ctx.emit({
      bench: 'projections.rebuild',
      projection: c.name,
      events: result.events,
      eventsPerSec: perSecond(result.events, elapsedMs),
      pageSize: 1000,
      durationMs: round(elapsedMs),
    });
  }
}

// ---------------------------------------------------------------- lag

interface LagProbe {
  kind: 'websocket' | 'projection-checkpoint';
  /** Resolves once the probe is live. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Subscribes to event:<id> over /v1/live; rejects when the hub does not answer. */
function websocketProbe(url: string, token: string, eventId: string, onRevision: (revision: bigint, at: number) => void): LagProbe {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/live?access_token=${encodeURIComponent(token)}`);
  const channel = `event:${eventId}`;
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no "subscribed" from /v1/live within 5 s')), 5000);
    const subscribe = () => ws.send(JSON.stringify({ type: 'subscribe', channel }));
    let attempts = 0;
    ws.once('open', subscribe);
    ws.once('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      reject(new Error(`/v1/live answered HTTP ${res.statusCode}`));
    });
    ws.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    ws.on('message', (raw) => {
      const at = now();
      let message: { type?: string; channel?: string; data?: { event?: { revision?: string }; revision?: string }; code?: string; message?: string };
      try {
        message = JSON.parse(String(raw));
      } catch {
        return;
      }
      if (message.type === 'subscribed' && message.channel === channel) {
        clearTimeout(timer);
        resolve();
      } else if (message.type === 'error' && message.code === 'unavailable' && ++attempts < 15) {
        setTimeout(subscribe, 250); // the protocol's "try again"
      } else if (message.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`/v1/live error ${message.code}: ${message.message}`));
      } else if (message.type === 'update' && message.channel === channel) {
        const revision = message.data?.event?.revision ?? message.data?.revision;
        if (revision !== undefined) onRevision(BigInt(revision), at);
      }
    });
  });
  ready.catch(() => undefined);
  return {
    kind: 'websocket',
    ready,
    close: async () => {
      if (ws.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.terminate();
      });
    },
  };
}

/** The ticketing checkpoint, read on every changefeed NOTIFY (and every 100 ms as a safety net). */
function checkpointProbe(databaseUrl: string, onPosition: (position: bigint, at: number) => void): LagProbe {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'tessera-bench-lag' });
  let closed = false;
  let reading = false;
  let again = false;
  const read = async () => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        const { rows } = await client.query<{ position: string }>('SELECT position::text FROM projection_checkpoints WHERE name = $1', [TICKETING_PROJECTION]);
        if (rows[0]) onPosition(BigInt(rows[0].position), now());
      } while (again && !closed);
    } catch (error) {
      if (!closed) log(`checkpoint probe: ${String(error)}`);
    } finally {
      reading = false;
    }
  };
  client.on('notification', () => void read());
  client.on('error', (error) => log(`checkpoint probe connection: ${String(error)}`));
  const timer = setInterval(() => void read(), 100);
  const ready = client.connect().then(async () => {
    await client.query(`LISTEN ${CHANGEFEED_NOTIFY_CHANNEL}`);
  });
  return {
    kind: 'projection-checkpoint',
    ready,
    close: async () => {
      closed = true;
      clearInterval(timer);
      await client.end().catch(() => undefined);
    },
  };
}

/**
 * t0s by key — stream revision (WebSocket updates carry the event's revision) or event
 * position (the commands of one group commit share their append's position) — and the
 * lags measured when a delivery covers them.
 */
class LagTracker {
  readonly lags: number[] = [];
  early = 0;
  lastDeliveryAt = 0;
  private readonly sentAt = new Map<bigint, number[]>();
  private deliveredUpTo = -1n;

  constructor(readonly kind: 'websocket-update' | 'projection-checkpoint') {}

  get waiting(): number {
    let n = 0;
    for (const list of this.sentAt.values()) n += list.length;
    return n;
  }

  appended(key: bigint, t0: number): void {
    if (key <= this.deliveredUpTo) {
      // Delivered before the command even returned: zero lag as far as a client can tell.
      this.early++;
      this.lags.push(0);
      return;
    }
    const list = this.sentAt.get(key);
    if (list) list.push(t0);
    else this.sentAt.set(key, [t0]);
  }

  deliver(upTo: bigint, at: number): void {
    if (upTo <= this.deliveredUpTo) return;
    this.deliveredUpTo = upTo;
    for (const [key, t0s] of this.sentAt) {
      if (key > upTo) continue;
      for (const t0 of t0s) this.lags.push(at - t0);
      this.sentAt.delete(key);
      this.lastDeliveryAt = at;
    }
  }
}

async function waitForCheckpoint(knex: Knex, position: bigint, timeoutMs: number): Promise<void> {
  const deadline = now() + timeoutMs;
  while (now() < deadline) {
    const row = await knex('projection_checkpoints').where({ name: TICKETING_PROJECTION }).first<{ position: string } | undefined>();
    if (row && BigInt(row.position) >= position) return;
    await sleep(20);
  }
}

async function benchLag(ctx: BenchContext): Promise<void> {
  // The command path is driven in-process, so this server always runs here.
  const server = await startBenchServer(ctx, 'lag', 'inprocess', 'api,projector,worker');
  const tessera = server.tessera!;
  const organizer = 'bench-organizer';
  const meta = (userId: string): RequestMeta => ({ actor: { userId, isAdmin: false }, correlationId: randomUUID(), now: new Date() });

  for (const rate of [500, 2000]) {
    const created = await tessera.services(ticketingContext).commands.schedule(
      {
        title: `Lag ${rate}/s`,
        startsAt: new Date(Date.now() + 30 * DAY).toISOString(),
        endsAt: new Date(Date.now() + 30 * DAY + 3 * 3_600_000).toISOString(),
        timezone: 'Europe/Berlin',
        capacity: 10_000_000,
        holdMinutes: 0,
        pricing: { currency: 'EUR', basePrice: 2500 },
        publish: true,
      },
      meta(organizer),
    );
    const eventId = created.eventId;

    // The hub may authorise the channel from the read model: let the event reach it first.
    await waitForCheckpoint(tessera.knex, created.position ?? 0n, 10_000);

    // Two views of the same appends: the WebSocket update (the figure) and the projection
    // checkpoint (where the time goes: projection vs hub). The checkpoint view is the
    // figure when the hub is not served.
    const checkpoint = new LagTracker('projection-checkpoint');
    const websocket = new LagTracker('websocket-update');
    const probes: LagProbe[] = [checkpointProbe(server.databaseUrl, (position, at) => checkpoint.deliver(position, at))];
    const wsProbe = websocketProbe(server.url, await server.tokenFor('bench-watcher'), eventId, (revision, at) => websocket.deliver(revision, at));
    let hub = true;
    try {
      await wsProbe.ready;
      probes.push(wsProbe);
    } catch (error) {
      hub = false;
      await wsProbe.close();
      log(`projections.lag: live hub unavailable (${error instanceof Error ? error.message : String(error)}); measuring append → projection checkpoint only`);
    }
    await Promise.all(probes.map((p) => p.ready));
    const closeProbes = ctx.defer('close lag probes', async () => void (await Promise.all(probes.map((p) => p.close()))));

    const durationMs = ctx.seconds(10) * 1000;
    const maxInFlight = 2000;
    let issued = 0;
    let inFlight = 0;
    let shed = 0;
    let failed = 0;
    const pendingCommands = new Set<Promise<void>>();
    log(`projections.lag ${rate}/s for ${durationMs} ms`);
    const cpu = process.cpuUsage();
    const pgCpu = postgresCpu();
    const started = now();
    // Open loop: every 5 ms issue what the schedule says is due, whatever is still running.
    while (now() - started < durationMs) {
      const due = Math.floor(((now() - started) * rate) / 1000);
      for (; issued < due; issued++) {
        if (inFlight >= maxInFlight) {
          shed++;
          continue;
        }
        const userId = `bench-user-${issued % 1000}`;
        inFlight++;
        const p = tessera.services(ticketingContext).commands
          .reserve(eventId, 1, meta(userId))
          .then(
            (result) => {
              const t0 = now();
              if (result.position !== undefined) checkpoint.appended(result.position, t0);
              if (hub && result.revision !== undefined) websocket.appended(result.revision, t0);
            },
            () => {
              failed++;
            },
          )
          .finally(() => {
            inFlight--;
            pendingCommands.delete(p);
          });
        pendingCommands.add(p);
      }
      await sleep(5);
    }
    const offeredMs = now() - started;
    await Promise.all([...pendingCommands]);
    const cpuUsed = process.cpuUsage(cpu);
    const pgCpuUsed = pgCpu();
    const appended = issued - shed - failed;
    // Let the pipeline catch up (bounded), then count what never arrived.
    const loadEnded = now();
    const drainDeadline = loadEnded + 45_000;
    const trackers = hub ? [checkpoint, websocket] : [checkpoint];
    while (trackers.some((t) => t.waiting > 0) && now() < drainDeadline) await sleep(20);
    await closeProbes();

    for (const tracker of hub ? [websocket, checkpoint] : [checkpoint]) {
      const drainMs = tracker.waiting === 0 ? Math.max(0, tracker.lastDeliveryAt - loadEnded) : now() - loadEnded;
      const lat = percentiles(tracker.lags);
      // Lags are recorded in append order: a steady pipeline has the same lag at the start
      // and at the end of the run; a backlog that grows shows as a much larger last fifth.
      const fifth = Math.max(1, Math.floor(tracker.lags.length / 5));
      const firstFifth = percentiles(tracker.lags.slice(0, fifth)).p50;
      const lastFifth = percentiles(tracker.lags.slice(-fifth)).p50;
      ctx.emit({
        bench: 'projections.lag',
        measuredTo: tracker.kind,
        ...(tracker.kind === 'projection-checkpoint' ? { note: hub ? 'diagnostic: same run, lag to the ticketing checkpoint commit' : 'live hub not served: lag to the ticketing checkpoint commit, not to a WebSocket' } : {}),
        targetPerSec: rate,
        achievedPerSec: perSecond(appended, offeredMs),
        appended,
        shed,
        failed,
        samples: tracker.lags.length,
        deliveredBeforeCommandReturned: tracker.early,
        undelivered: tracker.waiting,
        // Backlog left when the offered load stopped, the rate the pipeline delivered at, and
        // the median lag of the first and last fifth of the appends. keptUp false = the
        // pipeline could not follow this rate: the lag grew during the run, so the
        // percentiles depend on the run's length rather than describe a steady state.
        drainMs: round(drainMs),
        deliveredPerSec: perSecond(tracker.lags.length, offeredMs + drainMs),
        firstFifthP50Ms: firstFifth,
        lastFifthP50Ms: lastFifth,
        keptUp: tracker.waiting === 0 && drainMs < 1000 && lastFifth <= firstFifth + 100,
        p50Ms: lat.p50,
        p95Ms: lat.p95,
        p99Ms: lat.p99,
        maxMs: lat.max,
        // % of one core while the load was offered: this process (the whole server and the
        // driver) and PostgreSQL. Near 100 for the process = its event loop was the limit.
        processCpuPct: round(((cpuUsed.user + cpuUsed.system) / 1000 / offeredMs) * 100),
        ...(Number.isFinite(pgCpuUsed) ? { postgresCpuPct: round((pgCpuUsed / offeredMs) * 100) } : {}),
        durationMs: round(offeredMs),
      });
    }
  }
}
