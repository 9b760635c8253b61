/**
 * Suggestions over HTTP (issue 11): POST /v1/scheduling/suggestions for 100, 300 and
 * 1,000 participants × 28 days (60-minute span, 15-minute step) against a real Tessera
 * (all roles) on a fresh database, one client at a time, next to the p50 of a trivial
 * authenticated GET (`GET /v1/me`) measured in the same run, as a ratio. The server's
 * Server-Timing header splits each answer into its load phase (the read-model queries)
 * and its compute phase (expanding hours, the engine, the DTO).
 *
 * Seeding appends events straight to the store (what the commands would append), which
 * the projections then apply: 1,000 users in five zones with weekly hours from a few
 * dozen team templates (some with a lunch break, some with an override), one group
 * holding them all (the caller owns it, so everyone is shareable), 300 scheduled meetings
 * of 10 accepted participants each and 50 ticketed events with 20 seat holders each.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Pool } from 'undici';
import { userStreamName, type UserEvent } from '../src/domain/identity/events.js';
import { availabilityStreamName, groupStreamName, meetingStreamName, type SchedulingEvent } from '../src/domain/scheduling/events.js';
import { ticketedEventStreamName, type TicketedEventEvent } from '../src/domain/ticketing/events.js';
import { createPostgresEventStore, type PostgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { apiClient } from './http.js';
import { startBenchServer } from './server.js';
import { log, now, percentiles, round, sleep, type BenchContext } from './support.js';

const PARTICIPANTS = [100, 300, 1000] as const;
const USERS = 1000;
const FROM = Date.parse('2027-01-04T00:00:00Z'); // a Monday
const DAYS = 28;
const DAY_MS = 86_400_000;
const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Europe/London', 'America/Los_Angeles'];
const GOALS = { 300: 20, 1000: 60 } as Record<number, number>;

type Api = ReturnType<typeof apiClient>;
/** What the seed appends: typed, so a changed event shape breaks the build, not the projections. */
type SeedEvent = Pick<SchedulingEvent | UserEvent | TicketedEventEvent, 'type' | 'data'>;

export async function benchSuggestions(ctx: BenchContext): Promise<void> {
  const server = await startBenchServer(ctx, 'suggestions');
  log(`suggestions: server ${server.mode} at ${server.url}`);
  const store = createPostgresEventStore(server.databaseUrl, { poolSize: 2 });
  ctx.defer('close seeding store', () => store.close());
  const pool = new Pool(server.url, { connections: 4, pipelining: 1, keepAliveTimeout: 30_000 });
  ctx.defer('close HTTP client pool', () => pool.close());
  const api = apiClient(pool);

  const seedStarted = now();
  const { userIds, last } = await seed(store);
  const token = await server.tokenFor(userIds[0]!);
  await caughtUp(api, token, userIds[0]!, last);
  await analyzed(server.databaseUrl);
  log(`suggestions: seeded ${USERS} users in ${round(now() - seedStarted)} ms`);

  const body = (participants: number) => ({
    userIds: userIds.slice(0, participants),
    durationMinutes: 60,
    from: new Date(FROM).toISOString(),
    to: new Date(FROM + DAYS * DAY_MS).toISOString(),
    step: 15,
    limit: 5,
  });
  // Warm-up (JIT, pools, plans): not reported.
  for (let i = 0; i < 20; i++) {
    await timed(() => api('GET', '/v1/me', token));
    for (const n of PARTICIPANTS) await suggest(api, token, body(n));
  }

  const trivial = await repeat(ctx, () => timed(() => api('GET', '/v1/me', token)).then((t) => ({ ms: t.ms, status: t.res.status })));
  const trivialP50 = percentiles(trivial.map((s) => s.ms)).p50;
  ctx.emit({ bench: 'suggestions.trivialGet', path: 'GET /v1/me', requests: trivial.length, latencyMs: percentiles(trivial.map((s) => s.ms)), non200: trivial.filter((s) => s.status !== 200).length });

  for (const participants of PARTICIPANTS) {
    log(`suggestions: ${participants} participants`);
    const samples = await repeat(ctx, () => suggest(api, token, body(participants)));
    const latency = percentiles(samples.map((s) => s.ms));
    const first = samples[0]!;
    ctx.emit({
      bench: 'suggestions.http',
      participants,
      days: DAYS,
      durationMinutes: 60,
      stepMinutes: 15,
      candidates: (DAYS * 24 * 60 - 60) / 15 + 1,
      requests: samples.length,
      latencyMs: latency,
      // Measured inside the handler (Server-Timing): the read-model queries, then the rest.
      loadMs: percentiles(samples.map((s) => s.loadMs)),
      computeMs: percentiles(samples.map((s) => s.computeMs)),
      trivialGetP50Ms: trivialP50,
      ratioToTrivialGet: round(latency.p50 / trivialP50, 1),
      ...(GOALS[participants] ? { goalRatio: GOALS[participants], withinGoal: latency.p50 / trivialP50 <= GOALS[participants]! } : {}),
      non200: samples.filter((s) => s.status !== 200).length,
      items: first.items,
      responseBytes: first.bytes,
    });
  }
}

/** Requests in a row for a fixed time (or count), one at a time. */
export async function repeat<T>(ctx: BenchContext, op: () => Promise<T>): Promise<T[]> {
  const samples: T[] = [];
  const deadline = now() + ctx.seconds(8) * 1000;
  while (now() < deadline && samples.length < 2000) samples.push(await op());
  return samples;
}

export async function timed<T>(op: () => Promise<T>): Promise<{ ms: number; res: T }> {
  const started = now();
  const res = await op();
  return { ms: now() - started, res };
}

async function suggest(api: Api, token: string, body: unknown) {
  const { ms, res } = await timed(() => api('POST', '/v1/scheduling/suggestions', token, body));
  if (res.status !== 200) throw new Error(`suggestions answered ${res.status}: ${JSON.stringify(res.body)}`);
  const timing = String(res.headers['server-timing'] ?? '');
  const phase = (name: string) => Number(new RegExp(`${name};dur=([\\d.]+)`).exec(timing)?.[1] ?? Number.NaN);
  return { ms, status: res.status, loadMs: phase('load'), computeMs: phase('compute'), items: (res.body as { items: unknown[] }).items.length, bytes: JSON.stringify(res.body).length };
}

/** Waits (bounded) until every read model has applied the seed: a GET with X-Min-Position waits for all of them. */
export async function caughtUp(api: Api, token: string, userId: string, position: bigint): Promise<void> {
  const started = now();
  for (;;) {
    const res = await api('GET', `/v1/users/${userId}/free-busy?from=2027-01-04T00:00:00Z&to=2027-01-05T00:00:00Z`, token, undefined, { 'X-Min-Position': position.toString() });
    if (res.status === 200) return;
    if (now() - started > 120_000) throw new Error(`the read models did not catch up with the seed: ${res.status} ${JSON.stringify(res.body)}`);
    await sleep(200);
  }
}

/**
 * ANALYZE, which autovacuum runs by itself within a minute or so of a bulk load: without
 * it a freshly seeded read model is planned on default estimates, which no running
 * server sees for long, and the figures would depend on when autovacuum got to it.
 */
export async function analyzed(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}

/** Appends the seed in chunks of parallel appends; answers the users and the last position. */
export async function seed(store: PostgresEventStore): Promise<{ userIds: string[]; last: bigint }> {
  let last = 0n;
  const append = async (stream: string, events: SeedEvent[]) => {
    const result = await store.appendToStream(stream, events.map((e) => ({ id: randomUUID(), ...e })), { expectedRevision: 'no_stream' });
    if (result.position > last) last = result.position;
  };
  const inChunks = async <T>(items: T[], op: (item: T, index: number) => Promise<void>) => {
    for (let i = 0; i < items.length; i += 4) await Promise.all(items.slice(i, i + 4).map((item, j) => op(item, i + j)));
  };
  const at = new Date(FROM - 30 * DAY_MS).toISOString();
  const userIds = Array.from({ length: USERS }, () => randomUUID());
  await inChunks(userIds, (userId, i) =>
    append(userStreamName(userId), [
      { type: 'UserRegistered', data: { userId, email: `bench-${i}@example.com`, name: `Bench ${i}`, timezone: ZONES[i % ZONES.length]!, passwordHash: 'x', registeredAt: at } },
    ]),
  );
  await inChunks(userIds, (userId, i) => append(availabilityStreamName(userId), availabilityOf(userId, i)));
  const groupId = randomUUID();
  await append(groupStreamName(groupId), [
    { type: 'GroupCreated', data: { groupId, name: 'Everyone', description: '', color: null, ownerId: userIds[0]!, createdAt: at } },
    ...userIds.slice(1).map((userId): SeedEvent => ({ type: 'GroupMemberAdded', data: { groupId, userId, role: 'member', by: userIds[0]!, joinedAt: at } })),
  ]);
  const random = lcg(42);
  const slot = () => FROM + Math.floor(random() * DAYS * 96) * 15 * 60_000;
  await inChunks(Array.from({ length: 300 }), async () => {
    const meetingId = randomUUID();
    const start = slot();
    const end = start + (2 + Math.floor(random() * 5)) * 15 * 60_000;
    const invited = [...new Set(Array.from({ length: 10 }, () => userIds[Math.floor(random() * USERS)]!))];
    const [organizerId, ...participants] = invited;
    await append(meetingStreamName(meetingId), [
      { type: 'MeetingProposed', data: { meetingId, title: 'Sync', description: '', location: '', organizerId, durationMinutes: (end - start) / 60_000, timezone: 'UTC', proposedWindows: [], participants: participants.map((userId) => ({ userId, required: true, viaGroupId: null })), groupIds: [], deadline: null, autoSchedule: false, resultsVisibility: 'participants' } },
      { type: 'MeetingScheduled', data: { meetingId, start: new Date(start).toISOString(), end: new Date(end).toISOString(), by: 'organizer', answers: Object.fromEntries(participants.map((userId) => [userId, 'accepted'])) } },
    ]);
  });
  await inChunks(Array.from({ length: 50 }), async () => {
    const eventId = randomUUID();
    const start = slot();
    const details = { title: 'Concert', description: '', venue: 'Hall', startsAt: new Date(start).toISOString(), endsAt: new Date(start + 3 * 3_600_000).toISOString(), timezone: 'UTC', maxPerReservation: 4, pricing: { currency: 'EUR', basePrice: 1000, demandTiers: [] }, holdMinutes: 0, waitlist: { enabled: false, mode: 'auto' as const, offerMinutes: 30 } };
    const holders = [...new Set(Array.from({ length: 20 }, () => userIds[Math.floor(random() * USERS)]!))];
    await append(ticketedEventStreamName(eventId), [
      { type: 'TicketedEventScheduled', data: { eventId, capacity: 100, organizerId: 'bench-organizer', ...details } },
      { type: 'TicketedEventPublished', data: {} },
      ...holders.map((userId): SeedEvent => ({ type: 'SeatsReserved', data: { reservationId: randomUUID(), userId, quantity: 1, unitPrice: 1000, currency: 'EUR', status: 'confirmed' as const, reservedAt: at } })),
    ]);
  });
  return { userIds, last };
}

/** Team templates: a zone, a start hour 07–10, a lunch break for every third, an override for every seventh. */
function availabilityOf(userId: string, i: number): SeedEvent[] {
  const timezone = ZONES[i % ZONES.length]!;
  const startHour = 7 + (i % 4);
  const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
  const day = ['mon', 'tue', 'wed', 'thu', 'fri'] as const;
  const intervals =
    i % 3 === 0
      ? day.flatMap((d) => [{ day: d, start: hh(startHour), end: '12:00' }, { day: d, start: '13:00', end: hh(startHour + 9) }])
      : day.map((d) => ({ day: d, start: hh(startHour), end: hh(startHour + 8) }));
  const events: SeedEvent[] = [{ type: 'WeeklyAvailabilitySet', data: { userId, timezone, intervals } }];
  if (i % 7 === 0) events.push({ type: 'AvailabilityOverrideSet', data: { userId, date: '2027-01-13', intervals: [] } });
  return events;
}

/** A small deterministic generator, so every run seeds the same busy times. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}
