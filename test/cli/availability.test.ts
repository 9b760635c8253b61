/**
 * `tessera stream state availability-<id> [--at N]` and `tessera verify` for availability:
 * the stream folds through its decider; verify checks docs/scheduling.md §5's rules
 * (normalised intervals, a valid zone) at every revision and compares the people read
 * model (rm_scheduling_people) with a replay.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availabilityStreamName } from '../../src/domain/scheduling/events.js';
import { register, type Account } from '../identity/helpers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { cliEnv, runCli } from './cli.js';
import { projectionsCaughtUp } from './fixtures.js';

let app: TestApp;
let env: Record<string, string>;
let alice: Account;

beforeAll(async () => {
  app = await startTestApp();
  env = cliEnv(app.db.url);
  alice = await register(app.url, { name: 'Alice', timezone: 'Europe/Berlin' });
  const ok = (res: { status: number; body: unknown }) => expect(res.status, JSON.stringify(res.body)).toBe(200);
  ok(await alice.http.put('/v1/me/availability', { timezone: 'Europe/Berlin', intervals: [{ day: 'mon', start: '09:00', end: '17:00' }] }));
  ok(await alice.http.put('/v1/me/availability/overrides/2026-12-24', { intervals: [] }));
  ok(await alice.http.put('/v1/me/availability', { timezone: 'Asia/Kolkata', intervals: [{ day: 'tue', start: '10:00', end: '12:00' }] }));
  await projectionsCaughtUp(app);
});
afterAll(async () => {
  await app?.stop();
});

describe('tessera stream state availability-<id>', () => {
  it('folds the stream through the availability decider, now and --at a revision', async () => {
    const stream = availabilityStreamName(alice.id);
    const now = await runCli(['stream', 'state', stream, '--json'], env);
    expect(now.code, now.stderr).toBe(0);
    expect(JSON.parse(now.stdout)).toMatchObject({
      stream,
      category: 'availability',
      revision: '2',
      state: { timezone: 'Asia/Kolkata', intervals: [{ day: 'tue', start: '10:00', end: '12:00' }], overrides: { '2026-12-24': [] } },
    });
    const past = await runCli(['stream', 'state', stream, '--at', '0'], env);
    expect(past.code, past.stderr).toBe(0);
    expect(past.stdout).toMatch(new RegExp(`^${stream} at revision 0 \\(of 2\\), last event WeeklyAvailabilitySet`));
    expect(past.stdout).toMatch(/timezone\s+Europe\/Berlin/);
    expect(past.stdout).toMatch(/weekly\s+mon 09:00–17:00/);
    expect(past.stdout).toMatch(/overrides\s+none/);
  });
});

describe('tessera verify (availability)', () => {
  it('checks availability streams and finds the people read model identical to a replay', async () => {
    const result = await runCli(['verify'], env);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/availability: 1 stream\(s\), 3 event\(s\) folded through the decider, checked at every revision/);
    expect(result.stdout).toMatch(/schedulingPeople \(rm_scheduling_people, checkpoint \d+, \d+ events replayed\): identical \[rows: people 1\]/);
  });

  it('names the row and column of the read model changed behind the projector’s back', async () => {
    await app.tessera.knex('rm_scheduling_people.people').where({ user_id: alice.id }).update({ hours_timezone: 'Europe/Berlin' });
    const result = await runCli(['verify'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`rm_scheduling_people.people user_id=${alice.id}: hours_timezone: live Europe/Berlin, replay Asia/Kolkata`);
    expect((await runCli(['projections', 'rebuild', 'schedulingPeople'], env)).code).toBe(0);
    expect((await runCli(['verify'], env)).code).toBe(0);
  });

  it('names stream, revision and rule for events written past the decider', async () => {
    const userId = randomUUID();
    const stream = availabilityStreamName(userId);
    const event = (type: string, data: object) => ({ id: randomUUID(), type, data: { userId, ...data } });
    await app.tessera.store.appendToStream(
      stream,
      [
        event('AvailabilityOverrideSet', { date: '2026-06-01', intervals: [] }),
        event('WeeklyAvailabilitySet', { timezone: 'Mars/Olympus', intervals: [] }),
        event('WeeklyAvailabilitySet', { timezone: 'UTC', intervals: [{ day: 'tue', start: '10:00', end: '12:00' }, { day: 'mon', start: '09:00', end: '10:00' }] }),
        event('AvailabilityOverrideSet', { date: '2026-06-02', intervals: [{ start: '12:00', end: '11:00' }] }),
        event('AvailabilityOverrideRemoved', { date: '2026-07-01' }),
      ],
      { expectedRevision: 'no_stream' },
    );
    await projectionsCaughtUp(app);
    const result = await runCli(['verify', '--json'], env);
    expect(result.code).toBe(1);
    const differences = JSON.parse(result.stdout).streams.differences.filter((d: { stream: string }) => d.stream === stream);
    expect(differences).toEqual(
      expect.arrayContaining([
        { stream, revision: '0', type: 'AvailabilityOverrideSet', message: 'overrides before any weekly hours were set' },
        { stream, revision: '1', type: 'WeeklyAvailabilitySet', message: 'time zone Mars/Olympus is not a canonical IANA zone' },
        { stream, revision: '2', type: 'WeeklyAvailabilitySet', message: 'weekly intervals are not normalised' },
        { stream, revision: '3', type: 'AvailabilityOverrideSet', message: expect.stringContaining('override intervals on 2026-06-02: 12:00–11:00') },
        { stream, revision: '4', type: 'AvailabilityOverrideRemoved', message: 'AvailabilityOverrideRemoved for 2026-07-01, which has no override' },
      ]),
    );
    // The read model applied the same events, so it still matches a replay.
    const models = JSON.parse(result.stdout).readModels.find((r: { projection: string }) => r.projection === 'schedulingPeople');
    expect(models.differences).toEqual([]);
  });
});
