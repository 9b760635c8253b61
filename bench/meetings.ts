/**
 * Meetings over HTTP (issue 12) against a real Tessera (all roles) on the suggestions
 * bench's seed (1,000 people with weekly hours in five zones, scheduled meetings and
 * ticket holders in January 2027, so busy time and hours are real):
 *
 * - `meetings.recommendations` — GET /v1/meetings/:id/recommendations (step 15) of a poll
 *   with 200 participants × 5 windows of 4 h, half of them having submitted, one client at
 *   a time, next to the p50 of a trivial GET (`GET /v1/me`) in the same run. Goal ≤ 10×.
 * - `meetings.submit` — POST /v1/meetings/:id/availability on that ONE meeting from 64
 *   keep-alive clients (each request a participant replacing their submission), next to
 *   the hot-event reservation figure (POST /v1/events/:id/reservations, 64 clients, one
 *   event) in the same run: the same single-writer path. Goal ≥ 0.5×. `submissionsMatch`
 *   must be true: as many AvailabilitySubmitted events in the stream as 200 answers.
 */
import { Pool } from 'undici';
import { meetingStreamName } from '../src/domain/scheduling/events.js';
import { createPostgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { apiClient, createEvent, runLoad } from './http.js';
import { startBenchServer } from './server.js';
import { analyzed, caughtUp, repeat, seed, timed } from './suggestions.js';
import { closedLoop, log, now, perSecond, percentiles, round, tally, type BenchContext } from './support.js';

const PARTICIPANTS = 200;
const CLIENTS = 64;
const HOUR = 3_600_000;
// Monday 11 to Friday 15 January 2027, 09:00–13:00 UTC: inside the seed's busy month.
const WINDOWS = Array.from({ length: 5 }, (_, day) => {
  const start = Date.parse('2027-01-11T09:00:00Z') + day * 24 * HOUR;
  return { start: new Date(start).toISOString(), end: new Date(start + 4 * HOUR).toISOString() };
});
const GOALS = { recommendationsRatio: 10, submitRatio: 0.5 };

/** Participant i's answer (variant v): one or two slots inside the windows, 15-minute aligned. */
function slotsOf(i: number, v = 0): Array<{ start: string; end: string; preference: 'yes' | 'if-need-be' }> {
  return Array.from({ length: 1 + ((i + v) % 2) }, (_, k) => {
    const window = WINDOWS[(i + v + k * 2) % WINDOWS.length]!;
    const start = Date.parse(window.start) + ((i * 5 + v + k) % 8) * 15 * 60_000;
    const end = Math.min(start + (4 + ((i + k) % 8)) * 15 * 60_000, Date.parse(window.end));
    return { start: new Date(start).toISOString(), end: new Date(end).toISOString(), preference: (i + k) % 5 === 0 ? 'if-need-be' : 'yes' };
  });
}

export async function benchMeetings(ctx: BenchContext): Promise<void> {
  const server = await startBenchServer(ctx, 'meetings');
  log(`meetings: server ${server.mode} at ${server.url}`);
  const store = createPostgresEventStore(server.databaseUrl, { poolSize: 2 });
  ctx.defer('close seeding store', () => store.close());
  const pool = new Pool(server.url, { connections: CLIENTS, pipelining: 1, keepAliveTimeout: 30_000 });
  ctx.defer('close HTTP client pool', () => pool.close());
  const api = apiClient(pool);

  const { userIds, last } = await seed(store);
  const [organizerId, ...rest] = userIds;
  const participants = rest.slice(0, PARTICIPANTS);
  const organizer = await server.tokenFor(organizerId!);
  const tokens = await Promise.all(participants.map((id) => server.tokenFor(id)));
  await caughtUp(api, organizer, organizerId!, last);

  const proposed = await api('POST', '/v1/meetings', organizer, {
    title: 'Bench poll',
    durationMinutes: 60,
    timezone: 'UTC',
    proposedWindows: WINDOWS,
    participantIds: participants.slice(0, 20),
    optionalParticipantIds: participants.slice(20),
  });
  if (proposed.status !== 201) throw new Error(`proposing the poll failed: ${proposed.status} ${JSON.stringify(proposed.body)}`);
  const meetingId = (proposed.body as { id: string }).id;
  let position = '0';
  for (let i = 0; i < PARTICIPANTS / 2; i++) {
    const res = await api('POST', `/v1/meetings/${meetingId}/availability`, tokens[i]!, { slots: slotsOf(i) });
    if (res.status !== 200) throw new Error(`a submission failed: ${res.status} ${JSON.stringify(res.body)}`);
    position = (res.body as { position: string }).position;
  }
  await analyzed(server.databaseUrl);
  const recommendations = () => api('GET', `/v1/meetings/${meetingId}/recommendations?step=15`, organizer, undefined, { 'X-Min-Position': position });

  // Warm-up (JIT, pools, plans): not reported.
  for (let i = 0; i < 20; i++) {
    await api('GET', '/v1/me', organizer);
    await recommendations();
  }
  const trivial = await repeat(ctx, () => timed(() => api('GET', '/v1/me', organizer)));
  const trivialP50 = percentiles(trivial.map((s) => s.ms)).p50;
  const samples = await repeat(ctx, () => timed(recommendations));
  const latency = percentiles(samples.map((s) => s.ms));
  const first = samples[0]!.res.body as { items: Array<{ availableCount: number }> };
  ctx.emit({
    bench: 'meetings.recommendations',
    participants: PARTICIPANTS,
    submitted: PARTICIPANTS / 2,
    windows: WINDOWS.length,
    windowHours: 4,
    stepMinutes: 15,
    candidates: WINDOWS.length * ((4 * 60 - 60) / 15 + 1),
    requests: samples.length,
    latencyMs: latency,
    trivialGetP50Ms: trivialP50,
    trivialGetRequests: trivial.length,
    ratioToTrivialGet: round(latency.p50 / trivialP50, 1),
    goalRatio: GOALS.recommendationsRatio,
    withinGoal: latency.p50 / trivialP50 <= GOALS.recommendationsRatio,
    non200: samples.filter((s) => s.res.status !== 200).length,
    items: first.items.length,
    topAvailableCount: first.items[0]?.availableCount ?? null,
  });

  // Throughput: 64 clients on one meeting, then 64 clients on one hot event, same server.
  const durationMs = ctx.seconds(10) * 1000;
  const before = (await store.readStream(meetingStreamName(meetingId))).filter((e) => e.type === 'AvailabilitySubmitted').length;
  const latencies: number[] = [];
  const non200 = tally();
  let answered = 0;
  log(`meetings.submit clients=${CLIENTS} for ${durationMs} ms`);
  const { ops, elapsedMs } = await closedLoop(CLIENTS, { durationMs, maxOps: 5_000_000 }, async (worker, i) => {
    const who = (worker + i * CLIENTS) % PARTICIPANTS;
    const t = now();
    const res = await api('POST', `/v1/meetings/${meetingId}/availability`, tokens[who]!, { slots: slotsOf(who, i + 1) });
    latencies.push(now() - t);
    if (res.status === 200) answered++;
    else non200.add(res.status);
  });
  const after = (await store.readStream(meetingStreamName(meetingId))).filter((e) => e.type === 'AvailabilitySubmitted').length;
  const submitPerSec = perSecond(answered, elapsedMs);

  const hotEvent = await createEvent(api, organizer, 'Bench hot event');
  const reserveTokens = tokens.slice(0, CLIENTS);
  log(`meetings: hot-event reservations clients=${CLIENTS} for ${durationMs} ms`);
  const reservations = await runLoad(api, reserveTokens, [hotEvent], CLIENTS, durationMs);
  const reservePerSec = perSecond(reservations.requests - Object.values(reservations.non2xx.toJSON()).reduce((a, b) => a + b, 0), reservations.elapsedMs);
  ctx.emit({
    bench: 'meetings.submit',
    clients: CLIENTS,
    participants: PARTICIPANTS,
    requests: ops,
    submissionsPerSec: submitPerSec,
    latencyMs: percentiles(latencies),
    non200: non200.toJSON(),
    submissionsMatch: after - before === answered,
    hotEventReservationsPerSec: reservePerSec,
    hotEventLatencyMs: percentiles(reservations.latencies),
    ratioToHotEvent: round(submitPerSec / Math.max(1, reservePerSec), 2),
    goalRatio: GOALS.submitRatio,
    withinGoal: submitPerSec / Math.max(1, reservePerSec) >= GOALS.submitRatio,
    durationMs: round(elapsedMs),
  });
}
