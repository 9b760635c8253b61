/**
 * Live `meeting:<id>` under load (issue 12, "What it must show"): 200 participants submit
 * concurrently over HTTP while the organizer watches the channel. Every submission is in
 * the history exactly once; the final recommendations equal a recomputation from the
 * history alone; the subscriber's last update equals the REST answers (meeting and top 3);
 * updates come in position order with increasing eventPosition, and a second subscriber
 * replaying from the same point gets exactly the same updates (no gap, no duplicate).
 * Then access: a participant removed while subscribed is dropped before the update that
 * removes them, and outsiders cannot subscribe at all.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverMessageSchemas, updatePayloads } from '../../src/api/live/asyncapi.js';
import { recommendationDto } from '../../src/api/scheduling/recommendationDtos.js';
import type { AvailabilitySlot } from '../../src/domain/scheduling/events.js';
import { recommend } from '../../src/domain/scheduling/recommendations.js';
import { loadPeople } from '../../src/projections/scheduling/people.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';
import { eventually } from '../support/processes.js';
import { Clients, type ServerMessage } from '../live/support.js';

const PARTICIPANTS = 200;
const HOUR = 3_600_000;
// Five windows of 4 h on consecutive days, far enough ahead.
const FIRST = Date.parse('2027-03-01T08:00:00.000Z');
const WINDOWS = Array.from({ length: 5 }, (_, day) => ({ start: new Date(FIRST + day * 24 * HOUR).toISOString(), end: new Date(FIRST + day * 24 * HOUR + 4 * HOUR).toISOString() }));

let app: TestApp;
const clients = new Clients();
const wsUrl = (token: string) => `${app.url.replace(/^http/, 'ws')}/v1/live?access_token=${encodeURIComponent(token)}`;

/** People the scheduling context knows: their registration events, as identity's decider appends them. */
async function people(n: number): Promise<Array<{ id: string; token: string; http: ReturnType<typeof client> }>> {
  const ids = Array.from({ length: n }, () => randomUUID());
  for (const id of ids) {
    const data = { userId: id, email: `${id}@example.com`, name: `P ${id.slice(0, 4)}`, timezone: 'UTC', passwordHash: 'x', registeredAt: new Date().toISOString() };
    await app.tessera.store.appendToStream(`user-${id}`, [{ id: randomUUID(), type: 'UserRegistered', data }], { expectedRevision: 'no_stream' });
  }
  await eventually('people known to scheduling', async () => (await loadPeople(app.tessera.knex, ids)).size === n, 30_000);
  return Promise.all(ids.map(async (id) => {
    const token = await app.tokenFor(id);
    return { id, token, http: client(app.url, token) };
  }));
}

/** A deterministic spread of answers: 1–3 slots per person, yes or if-need-be, 15-minute aligned, inside the windows. */
function slotsOf(i: number): AvailabilitySlot[] {
  return Array.from({ length: 1 + (i % 3) }, (_, k) => {
    const window = WINDOWS[(i * 7 + k * 3) % WINDOWS.length]!;
    const offset = ((i * 13 + k * 5) % 12) * 15 * 60_000;
    const length = (4 + ((i + k) % 9)) * 15 * 60_000;
    const start = Date.parse(window.start) + offset;
    const end = Math.min(start + length, Date.parse(window.end));
    return { start: new Date(start).toISOString(), end: new Date(end).toISOString(), preference: (i + k) % 4 === 0 ? 'if-need-be' : 'yes' };
  });
}

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  await clients.closeAll();
  await app?.stop();
});

describe('meeting:<id> while 200 participants submit at once', () => {
  it('every submission once in the history; recommendations = recomputation; the last update = REST; no gap, no duplicate', async () => {
    const [organizer, ...participants] = await people(PARTICIPANTS + 1);
    const proposed = await organizer!.http.post('/v1/meetings', {
      title: 'All hands',
      durationMinutes: 60,
      timezone: 'UTC',
      proposedWindows: WINDOWS,
      participantIds: participants.slice(0, 20).map((p) => p.id),
      optionalParticipantIds: participants.slice(20).map((p) => p.id),
    });
    expect(proposed.status, JSON.stringify(proposed.body)).toBe(201);
    const meetingId = proposed.body.id as string;
    const channel = `meeting:${meetingId}`;

    const watcher = await clients.connect(wsUrl(organizer!.token));
    const subscribed = await watcher.subscribe(channel);
    expect(subscribed.type).toBe('subscribed');

    const answers = await Promise.all(participants.map((p, i) => p.http.post(`/v1/meetings/${meetingId}/availability`, { slots: slotsOf(i) })));
    for (const answer of answers) expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const newest = answers.map((a) => BigInt(a.body.position)).reduce((a, b) => (a > b ? a : b));
    await watcher.waitFor((m) => m.type === 'update' && BigInt(m.eventPosition!) >= newest, 'the update reflecting every submission');

    // the history: each participant's submission exactly once, with its slots
    const history: Array<{ type: string; data: { participantId: string; slots: AvailabilitySlot[] }; actorId: string }> = [];
    for (let from = 0; ; ) {
      const page = (await organizer!.http.get(`/v1/meetings/${meetingId}/history?fromRevision=${from}&limit=100`)).body;
      history.push(...page.items);
      if (page.nextFromRevision === null) break;
      from = Number(page.nextFromRevision);
    }
    const submissions = history.filter((e) => e.type === 'AvailabilitySubmitted');
    expect(submissions).toHaveLength(PARTICIPANTS);
    expect(new Set(submissions.map((e) => e.data.participantId)).size).toBe(PARTICIPANTS);
    const sent = new Map(participants.map((p, i) => [p.id, slotsOf(i)]));
    for (const e of submissions) {
      expect(e.actorId).toBe(e.data.participantId);
      expect(e.data.slots.map((s) => [Date.parse(s.start), Date.parse(s.end), s.preference])).toEqual(
        [...sent.get(e.data.participantId)!].sort((a, b) => Date.parse(a.start) - Date.parse(b.start) || Date.parse(a.end) - Date.parse(b.end)).map((s) => [Date.parse(s.start), Date.parse(s.end), s.preference]),
      );
    }

    // the final recommendations, recomputed from the history alone (nobody has hours or busy time here)
    const required = new Set(participants.slice(0, 20).map((p) => p.id));
    const recomputed = recommend({
      windows: WINDOWS.map((w) => ({ start: Date.parse(w.start), end: Date.parse(w.end) })),
      durationMinutes: 60,
      stepMinutes: 15,
      limit: 100,
      participants: participants.map((p) => ({
        userId: p.id,
        required: required.has(p.id),
        slots: submissions.find((e) => e.data.participantId === p.id)!.data.slots.map((s) => ({ start: Date.parse(s.start), end: Date.parse(s.end), preference: s.preference })),
        response: 'pending',
        hours: null,
        busy: [],
      })),
    }).map(recommendationDto);
    const rest = await organizer!.http.get(`/v1/meetings/${meetingId}/recommendations?limit=100`, { 'X-Min-Position': newest.toString() });
    expect(rest.status).toBe(200);
    expect(rest.body.items).toEqual(recomputed);
    expect(rest.body.items[0].availableCount).toBeGreaterThan(0);

    // the subscriber's last update is what REST answers now
    const updates = watcher.updates(channel);
    const last = updates.at(-1)!.data as { type: string; meeting: unknown; top: unknown[] };
    const meeting = await organizer!.http.get(`/v1/meetings/${meetingId}`);
    expect(last.type).toBe('meeting');
    // as the AsyncAPI document describes it
    expect(() => serverMessageSchemas.update.parse(updates.at(-1))).not.toThrow();
    expect(updatePayloads.meeting.parse(last)).toEqual(last);
    expect(last.meeting).toEqual(meeting.body);
    expect(last.top).toEqual(rest.body.items.slice(0, 3));
    expect((last.meeting as { participants: Array<{ submitted: boolean }> }).participants.every((p) => p.submitted)).toBe(true);

    // in order, each eventPosition newer than the last, the revision growing to the stream's head
    const increasing = (values: bigint[]) => values.every((v, i) => i === 0 || v > values[i - 1]!);
    expect(increasing(updates.map((u) => BigInt(u.position!)))).toBe(true);
    expect(increasing(updates.map((u) => BigInt(u.eventPosition!)))).toBe(true);
    expect(BigInt(updates.at(-1)!.eventPosition!)).toBe(newest);
    const revisions = updates.map((u) => BigInt((u.data as { meeting: { revision: string } }).meeting.revision));
    expect(increasing(revisions)).toBe(true);
    expect(revisions.at(-1)).toBe(BigInt(PARTICIPANTS));

    // a second subscriber replaying from where the first one started gets exactly the same updates
    const replayer = await clients.connect(wsUrl(organizer!.token));
    await replayer.subscribe(channel, subscribed.position);
    await replayer.waitForPosition(channel, BigInt(updates.at(-1)!.position!));
    const strip = (list: ServerMessage[]) => list.map((u) => ({ position: u.position, eventPosition: u.eventPosition, data: u.data }));
    expect(strip(replayer.updates(channel))).toEqual(strip(updates));
  });
});

describe('meeting:<id> access', () => {
  it('outsiders cannot subscribe; a removed participant is dropped before the update that removes them', async () => {
    const [organizer, ann, bob, outsider] = await people(4);
    const created = await organizer!.http.post('/v1/meetings', { title: 'Small', durationMinutes: 30, timezone: 'UTC', proposedWindows: [WINDOWS[0]], participantIds: [ann!.id, bob!.id] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const channel = `meeting:${created.body.id}`;

    const stranger = await clients.connect(wsUrl(outsider!.token));
    expect(await stranger.subscribe(channel)).toMatchObject({ type: 'error', code: 'forbidden' });

    const annLive = await clients.connect(wsUrl(ann!.token));
    const bobLive = await clients.connect(wsUrl(bob!.token));
    expect((await annLive.subscribe(channel)).type).toBe('subscribed');
    expect((await bobLive.subscribe(channel)).type).toBe('subscribed');

    const submitted = await ann!.http.post(`/v1/meetings/${created.body.id}/availability`, { slots: [{ ...WINDOWS[0]!, preference: 'yes' }] });
    await annLive.waitFor((m) => m.type === 'update' && m.eventPosition === submitted.body.position, 'ann sees her submission');
    const removed = await organizer!.http.delete(`/v1/meetings/${created.body.id}/participants/${ann!.id}`);
    expect(removed.status, JSON.stringify(removed.body)).toBe(200);

    await bobLive.waitFor((m) => m.type === 'update' && m.eventPosition === removed.body.position, 'bob sees the removal');
    await annLive.waitFor((m) => m.type === 'error' && m.code === 'forbidden', 'ann is dropped');
    expect(annLive.updates(channel).map((u) => u.eventPosition)).not.toContain(removed.body.position);
    const lastForBob = bobLive.updates(channel).at(-1)!.data as { meeting: { participants: Array<{ userId: string }> } };
    expect(lastForBob.meeting.participants.map((p) => p.userId)).toEqual([bob!.id]);
  });
});
