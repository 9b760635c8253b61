/**
 * A poll's deadline with autoSchedule fires exactly once even when the worker is SIGKILLed
 * around the deadline (issue 12, "What it must show"; the worker-kill pattern of
 * test/ticketing/waitlist.e2e.test.ts): real server, PostgreSQL, Redis and BullMQ workers
 * in child processes. The delayed job survives in Redis, the stalled job is taken again,
 * the sweeper re-derives the overdue poll from the read model — and the meeting decider
 * decides nothing the second time.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meetingStreamName } from '../../src/domain/scheduling/events.js';
import { loadPeople } from '../../src/projections/scheduling/people.js';
import { register, type Account } from '../identity/helpers.js';
import { startChildApp, startTestApp, testEnv, type ChildApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eventually } from '../support/processes.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const WINDOW = { start: '2027-02-01T09:00:00.000Z', end: '2027-02-01T12:00:00.000Z' };

describe('meeting deadline with a worker that is killed', () => {
  let db: TestDatabase;
  let app: TestApp;
  const queue = `test-${randomUUID()}`;
  const workerEnv = () => testEnv(db.url, { REDIS_URL, JOBS_QUEUE: queue, PROCESS_ROLES: 'worker', JOBS_STALLED_MS: '1000', SWEEPER_INTERVAL_MS: '500' });

  beforeAll(async () => {
    db = await createTestDatabase('deadline_kill');
    app = await startTestApp({ db, env: { REDIS_URL, JOBS_QUEUE: queue, PROCESS_ROLES: 'api,projector' } });
  });
  afterAll(async () => {
    await app?.stop();
    await db?.drop();
  });

  it('schedules the top recommendation once, by the deadline', async () => {
    let worker: ChildApp = await startChildApp(workerEnv());
    try {
      const [organizer, ann, bob] = (await Promise.all(['Org', 'Ann', 'Bob'].map((name) => register(app.url, { name })))) as [Account, Account, Account];
      await eventually('participants known to scheduling', async () => (await loadPeople(app.tessera.knex, [ann.id, bob.id])).size === 2);
      const deadline = Date.now() + 6_000;
      const proposed = await organizer.http.post(
        '/v1/meetings',
        { title: 'Deadline', durationMinutes: 60, timezone: 'UTC', proposedWindows: [WINDOW], participantIds: [ann.id, bob.id], deadline: new Date(deadline).toISOString(), autoSchedule: true },
      );
      expect(proposed.status, JSON.stringify(proposed.body)).toBe(201);
      const meetingId = proposed.body.id as string;
      // both can make 10:00–11:00; only Ann 09:00–10:00
      expect((await ann.http.post(`/v1/meetings/${meetingId}/availability`, { slots: [{ start: WINDOW.start, end: '2027-02-01T11:00:00Z' }] })).status).toBe(200);
      expect((await bob.http.post(`/v1/meetings/${meetingId}/availability`, { slots: [{ start: '2027-02-01T10:00:00Z', end: WINDOW.end }] })).status).toBe(200);

      // kill the worker just before the deadline and once more just after it, restarting it each time
      for (const at of [deadline - 300, deadline + 150]) {
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
        worker.process.kill('SIGKILL');
        await worker.stop();
        worker = await startChildApp(workerEnv());
      }

      await eventually('scheduled by the deadline', async () => (await organizer.http.get(`/v1/meetings/${meetingId}`)).body.status === 'scheduled', 40_000);
      // the sweeper keeps ticking every 500 ms: give it several turns to do something twice
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const events = await app.tessera.store.readStream(meetingStreamName(meetingId));
      const scheduled = events.filter((e) => e.type === 'MeetingScheduled');
      expect(scheduled.map((e) => e.data)).toEqual([
        { meetingId, start: '2027-02-01T10:00:00.000Z', end: '2027-02-01T11:00:00.000Z', by: 'deadline', answers: { [ann.id]: 'accepted', [bob.id]: 'accepted' } },
      ]);
      expect(events.filter((e) => e.type === 'MeetingPollClosed')).toHaveLength(0);
      expect(events.at(-1)!.type).toBe('MeetingScheduled');
    } finally {
      await worker.stop();
    }
  });
});
