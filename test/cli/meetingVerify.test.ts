/**
 * `tessera verify` and `tessera stream state` for meeting-<id> streams (issue 12 item 8):
 * a history written through the API verifies clean (stream rules and the meetings read
 * model against a replay); an event written past the decider that breaks a rule of
 * docs/scheduling.md §5 exits 1 naming stream, revision and rule.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meetingStreamName } from '../../src/domain/scheduling/events.js';
import { loadPeople } from '../../src/projections/scheduling/people.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';
import { eventually } from '../support/processes.js';
import { cliEnv, runCli } from './cli.js';
import { projectionsCaughtUp } from './fixtures.js';

let app: TestApp;
let env: Record<string, string>;
let meetingId: string;
const window = { start: '2027-02-01T09:00:00.000Z', end: '2027-02-01T12:00:00.000Z' };

beforeAll(async () => {
  app = await startTestApp();
  env = cliEnv(app.db.url);
  const registered = await client(app.url).post('/v1/auth/register', { email: `ann-${randomUUID()}@example.com`, password: 'a long password', name: 'Ann' });
  const annId = registered.body.user.id as string;
  const ann = client(app.url, registered.body.accessToken);
  const org = client(app.url, await app.tokenFor(randomUUID()));
  await eventually('Ann known to scheduling', async () => (await loadPeople(app.tessera.knex, [annId])).size === 1);
  const proposed = await org.post('/v1/meetings', { title: 'Verify me', durationMinutes: 60, timezone: 'UTC', proposedWindows: [window], participantIds: [annId] });
  meetingId = proposed.body.id;
  expect((await ann.post(`/v1/meetings/${meetingId}/availability`, { slots: [window] })).status).toBe(200);
  expect((await org.post(`/v1/meetings/${meetingId}/schedule`, { start: window.start })).status).toBe(200);
  await projectionsCaughtUp(app);
});
afterAll(async () => {
  await app?.stop();
});

describe('tessera verify and stream state for meetings', () => {
  it('stream state folds a meeting now and --at a revision', async () => {
    const stream = meetingStreamName(meetingId);
    const now = JSON.parse((await runCli(['stream', 'state', stream, '--json'], env)).stdout);
    expect(now).toMatchObject({ stream, category: 'meeting', revision: '2', state: { status: 'scheduled', scheduled: { start: window.start, by: 'organizer' } } });
    const past = await runCli(['stream', 'state', stream, '--at', '1'], env);
    expect(past.code, past.stderr).toBe(0);
    expect(past.stdout).toMatch(new RegExp(`^${stream} at revision 1 \\(of 2\\), last event AvailabilitySubmitted`));
    expect(past.stdout).toContain('1 (1 submitted)');
  });

  it('a clean history verifies: the stream rules at every revision and the meetings read model against a replay', async () => {
    const result = await runCli(['verify'], env);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/meeting: 1 stream\(s\), 3 event\(s\) folded through the decider, checked at every revision/);
    expect(result.stdout).toMatch(/meetings \(rm_meetings, checkpoint \d+, \d+ events replayed\): identical \[rows: meetings 1, participants 1, submissions 1\]/);
  });

  it('exits 1 naming stream, revision and rule for a submission written past the decider after scheduling', async () => {
    const stream = meetingStreamName(meetingId);
    const participantId = (await app.tessera.store.readStream(stream))[1]!.data as { participantId: string };
    await app.tessera.store.appendToStream(
      stream,
      [{ id: randomUUID(), type: 'AvailabilitySubmitted', data: { meetingId, participantId: participantId.participantId, slots: [{ start: window.start, end: '2027-02-01T13:00:00.000Z', preference: 'yes' }] } }],
      { expectedRevision: 2n },
    );
    await projectionsCaughtUp(app);
    const result = await runCli(['verify'], env);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout, result.stdout).toContain(`${stream} revision 3 (AvailabilitySubmitted): a submission while the meeting is scheduled`);
    expect(result.stdout).toContain(`${stream} revision 3 (AvailabilitySubmitted): the slot ${window.start}–2027-02-01T13:00:00.000Z is not inside one proposed window`);
    // the read model applied the same event, so it still equals a replay
    expect(result.stdout).toMatch(/meetings \(rm_meetings, checkpoint \d+, \d+ events replayed\): identical/);
  });
});
