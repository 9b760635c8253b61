/**
 * `tessera stream read|state`, `tail`, `projections status|rebuild` against a running
 * Tessera (real HTTP, PostgreSQL, projector and worker) on a fresh database.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupStreamName } from '../../src/domain/scheduling/index.js';
import { ticketedEventStreamName } from '../../src/domain/ticketing/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { cliEnv, lines, runCli, startCli } from './cli.js';
import { person, projectionsCaughtUp, seed, type Seeded } from './fixtures.js';

let app: TestApp;
let seeded: Seeded;
let env: Record<string, string>;

beforeAll(async () => {
  app = await startTestApp();
  env = cliEnv(app.db.url);
  seeded = await seed(app);
});
afterAll(async () => {
  await app?.stop();
});

describe('tessera stream', () => {
  it('stream read prints every event of a ticketedEvent stream in revision order', async () => {
    const stream = ticketedEventStreamName(seeded.eventId);
    const result = await runCli(['stream', 'read', stream], env);
    expect(result.code, result.stderr).toBe(0);
    const [header, ...events] = lines(result.stdout);
    expect(header).toMatch(new RegExp(`^${stream}: revisions 0\\.\\.\\d+$`));
    expect(events.map((l) => l.split(/\s+/)[4])).toEqual([
      'TicketedEventScheduled',
      'TicketedEventPublished',
      'SeatsReserved',
      'ReservationConfirmed',
      'SeatsReserved',
      'WaitlistJoined',
      'ReservationCancelled',
      'SeatsReserved',
      'WaitlistPromoted',
      'CollaboratorAdded',
    ]);
    expect(events[0]).toMatch(/^#0 {2}position \d+ {2}\S+Z {2}TicketedEventScheduled {2}actor=/);
    expect(events[0]).toContain('"title":"Jazz night"');
  });

  it('stream read --json --from --limit gives the export shape with string revisions and positions', async () => {
    const stream = ticketedEventStreamName(seeded.eventId);
    const result = await runCli(['stream', 'read', stream, '--from', '2', '--limit', '2', '--json'], env);
    expect(result.code, result.stderr).toBe(0);
    const events = JSON.parse(result.stdout) as Array<Record<string, unknown>>;
    expect(events).toHaveLength(2);
    expect(events.map((e) => [e.revision, e.type])).toEqual([
      ['2', 'SeatsReserved'],
      ['3', 'ReservationConfirmed'],
    ]);
    expect(Object.keys(events[0]!)).toEqual(['stream', 'type', 'id', 'data', 'metadata', 'revision', 'position', 'recordedAt']);
    expect(events[0]!.position).toMatch(/^\d+$/);
    expect(BigInt(events[1]!.position as string)).toBeGreaterThan(BigInt(events[0]!.position as string));
  });

  it('stream read of a missing stream fails with exit code 1', async () => {
    const result = await runCli(['stream', 'read', ticketedEventStreamName(randomUUID())], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: stream ticketedEvent-\S+ not found/);
  });

  it('stream state folds the stream through the ticketing decider, now and --at a revision', async () => {
    const stream = ticketedEventStreamName(seeded.eventId);
    const now = await runCli(['stream', 'state', stream, '--json'], env);
    expect(now.code, now.stderr).toBe(0);
    const state = JSON.parse(now.stdout);
    expect(state).toMatchObject({ stream, category: 'ticketedEvent', revision: '9', lastRevision: '9' });
    expect(state.state).toMatchObject({ status: 'published', capacity: 6, held: 2, confirmed: 3, offered: 0, derived: { freeSeats: 1, waitlistLength: 0 } });
    expect(Object.values(state.state.reservations).map((r: any) => r.status).sort()).toEqual(['cancelled', 'confirmed', 'held']);

    const past = await runCli(['stream', 'state', stream, '--at', '4'], env);
    expect(past.code, past.stderr).toBe(0);
    expect(past.stdout).toMatch(new RegExp(`^${stream} at revision 4 \\(of 9\\), last event SeatsReserved`));
    expect(past.stdout).toContain('capacity 6, held 3, confirmed 3, offered 0, free 0, for sale 0');
    expect(past.stdout).toContain('"status": "published"');

    const beyond = await runCli(['stream', 'state', stream, '--at', '99'], env);
    expect(beyond.code).toBe(1);
    expect(beyond.stderr).toContain('ends at revision 9; --at 99 is beyond it');
  });

  it('stream state works for other categories with a decider (user-, userEmail-) and hides password hashes', async () => {
    const { rows } = await app.tessera.knex.raw<{ rows: Array<{ stream_name: string }> }>(
      "SELECT stream_name FROM eventstore.streams WHERE stream_name LIKE 'user-%' ORDER BY stream_name LIMIT 1",
    );
    const result = await runCli(['stream', 'state', rows[0]!.stream_name, '--json'], env);
    expect(result.code, result.stderr).toBe(0);
    const state = JSON.parse(result.stdout);
    expect(state).toMatchObject({ category: 'user', state: { status: 'active', passwordHash: '[redacted]' } });
  });

  it('stream state folds a group stream through the group decider, now and --at a revision', async () => {
    const stream = groupStreamName(seeded.groupId);
    const now = JSON.parse((await runCli(['stream', 'state', stream, '--json'], env)).stdout);
    expect(now).toMatchObject({ stream, category: 'group', revision: '5', lastRevision: '5' });
    expect(now.state).toMatchObject({ status: 'active', name: 'Jazz crew', color: '#aa3300' });
    expect(Object.fromEntries(Object.entries(now.state.members).map(([id, m]: [string, any]) => [id, m.role]))).toEqual({
      [seeded.organizerId]: 'admin',
      [now.state.ownerId]: 'owner',
    });

    const past = await runCli(['stream', 'state', stream, '--at', '2'], env);
    expect(past.code, past.stderr).toBe(0);
    expect(past.stdout).toMatch(new RegExp(`^${stream} at revision 2 \\(of 5\\), last event GroupMemberAdded`));
    expect(past.stdout).toMatch(new RegExp(`owner +${seeded.organizerId}`));
    expect(past.stdout).toContain('members  3 (owner 1, admins 1, members 1)');
    expect(past.stdout).toMatch(/color +-/);
  });

  it('stream state of an unknown category is a usage error (exit 2)', async () => {
    const result = await runCli(['stream', 'state', `meetingRoom-${randomUUID()}`], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no decider for stream category "meetingRoom" .*known categories: ticketedEvent, reminder, user, userEmail, availability, group, meeting/);
  });
});

describe('tessera tail', () => {
  it('--from <position> --limit prints the stored events from that position, then exits', async () => {
    const stream = ticketedEventStreamName(seeded.eventId);
    const first = JSON.parse((await runCli(['stream', 'read', stream, '--limit', '1', '--json'], env)).stdout)[0];
    const result = await runCli(['tail', '--from', first.position, '--limit', '3', '--json'], env);
    expect(result.code, result.stderr).toBe(0);
    const events = lines(result.stdout).map((l) => JSON.parse(l));
    expect(events).toHaveLength(3);
    expect(events[0]).toMatchObject({ stream, type: 'TicketedEventScheduled', position: first.position, revision: '0' });
    expect(events.map((e) => BigInt(e.position))).toEqual([...events.map((e) => BigInt(e.position))].sort((a, b) => (a < b ? -1 : 1)));
  });

  it('follows new events with --type until --limit', async () => {
    const tail = startCli(['tail', '--type', 'SeatsReserved', '--limit', '1'], env);
    await tail.waitFor('stderr', /tailing SeatsReserved events after position \d+/);
    const organizer = await person(app);
    const buyer = await person(app);
    const { body: event } = await organizer.api.post('/v1/events', {
      title: 'Tail me',
      // A week out: an event 24 h away is due for its reminder at once, and the reminder's
      // append would move the head under the next test's `projections status`.
      startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      endsAt: new Date(Date.now() + 7 * 86_400_000 + 3_600_000).toISOString(),
      timezone: 'UTC',
      capacity: 5,
      publish: true,
    });
    expect((await buyer.api.post(`/v1/events/${event.id}/reservations`, { quantity: 2 })).status).toBe(201);
    const result = await tail.done;
    expect(result.code, result.stderr).toBe(0);
    const [line, ...rest] = lines(result.stdout);
    expect(rest).toEqual([]);
    expect(line).toMatch(new RegExp(`^\\d+ {2}\\S+Z {2}ticketedEvent-${event.id}#2 {2}SeatsReserved {2}actor=${buyer.id} {2}\\{.*"quantity":2`));
  });

  it('stops cleanly on Ctrl-C (SIGINT) and exits by itself', async () => {
    const tail = startCli(['tail'], env);
    await tail.waitFor('stderr', /tailing all events/);
    tail.child.kill('SIGINT');
    const result = await tail.done;
    expect(result.code).toBe(0);
    expect(result.signal).toBeNull();
  });
});

describe('tessera projections', () => {
  it('projections status lists every projection with its position and state', async () => {
    await projectionsCaughtUp(app);
    const head = (await app.tessera.store.headPosition()).toString();
    const json = await runCli(['projections', 'status', '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    const status = JSON.parse(json.stdout);
    expect(status.head).toBe(head);
    expect(status.items.map((i: { name: string }) => i.name)).toEqual(['ticketing', 'notifications', 'users', 'schedulingPeople', 'groups', 'schedulingBusyTime', 'meetings', 'ticketingReactor', 'remindersReactor', 'schedulingReactor']);
    const versions = { ticketing: 2, users: 2, notifications: 3, schedulingPeople: 1, groups: 1, schedulingBusyTime: 1, meetings: 1, ticketingReactor: 1, remindersReactor: 1, schedulingReactor: 1 } as Record<string, number>;
    for (const item of status.items) expect(item).toMatchObject({ version: versions[item.name], position: head, lagEvents: 0, state: 'live', runnerActive: true, failure: null });

    const human = await runCli(['projections', 'status'], env);
    expect(human.code).toBe(0);
    expect(lines(human.stdout)[0]).toMatch(/^NAME +VERSION +POSITION +STATE +LAG EVENTS +LAG SECONDS +CHECKPOINT AT +RUNNER$/);
    expect(human.stdout).toMatch(new RegExp(`ticketing +2 +${head} +live +0 `));
  });

  it('projections rebuild ticketing while the live runner runs and commands keep coming', async () => {
    const organizer = await person(app);
    const buyers = await Promise.all(Array.from({ length: 8 }, () => person(app)));
    const { body: event } = await organizer.api.post('/v1/events', {
      title: 'Rebuild under load',
      startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      endsAt: new Date(Date.now() + 90_000_000).toISOString(),
      timezone: 'UTC',
      capacity: 100,
      publish: true,
    });
    const rebuild = startCli(['projections', 'rebuild', 'ticketing'], env);
    const positions: string[] = [];
    for (const buyer of buyers) {
      const res = await buyer.api.post(`/v1/events/${event.id}/reservations`, { quantity: 1 });
      expect(res.status).toBe(201);
      positions.push(res.headers.get('x-position')!);
    }
    const result = await rebuild.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('rebuilding ticketing (version 2) from position 0');
    expect(result.stdout).toMatch(/^ticketing: rebuilt from \d+ events up to position \d+ in \d+\.\d\d s \(\d+ events\/s\); swapped in$/m);

    // The live runner carries on after the swap: reads see every reservation.
    const seen = await organizer.api.get(`/v1/events/${event.id}`, { 'X-Min-Position': positions.at(-1)! });
    expect(seen.status).toBe(200);
    expect(seen.body.confirmed).toBe(8);
    const more = await buyers[0]!.api.post(`/v1/events/${event.id}/reservations`, { quantity: 2 });
    const after = await organizer.api.get(`/v1/events/${event.id}`, { 'X-Min-Position': more.headers.get('x-position')! });
    expect(after.body.confirmed).toBe(10);

    const verify = await runCli(['verify'], env);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });

  it('projections rebuild --all --json reports every projection', async () => {
    const result = await runCli(['projections', 'rebuild', '--all', '--json'], env);
    expect(result.code, result.stderr).toBe(0);
    const { items } = JSON.parse(result.stdout);
    expect(items.map((i: { name: string }) => i.name)).toEqual(['ticketing', 'notifications', 'users', 'schedulingPeople', 'groups', 'schedulingBusyTime', 'meetings']);
    for (const item of items) {
      expect(item.events).toBeGreaterThan(0);
      expect(item.position).toMatch(/^\d+$/);
      expect(typeof item.eventsPerSecond).toBe('number');
    }
  });

  it('projections rebuild with an unknown name, or with neither a name nor --all, is a usage error', async () => {
    const unknown = await runCli(['projections', 'rebuild', 'nope'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown projection "nope" (projections: ticketing, notifications, users, schedulingPeople, groups, schedulingBusyTime, meetings)');
    const none = await runCli(['projections', 'rebuild'], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('name a projection or pass --all');
  });
});
