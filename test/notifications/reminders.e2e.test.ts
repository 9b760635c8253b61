/**
 * Reminders end to end (issue 13 item 5): real server, PostgreSQL, Redis and a BullMQ
 * worker. Time is driven by the jobs' delays: each occurrence starts a few seconds after
 * "now + lead time", so its reminder is due a few seconds into the test, and the order in
 * which reminders arrive (store positions) shows which time each was sent at — no
 * assertion reads the wall clock.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReminderSent } from '../../src/domain/notifications/reminder.js';
import { meetingStreamName, type MeetingEvent } from '../../src/domain/scheduling/events.js';
import type { RecordedEvent } from '../../src/eventstore/eventStore.js';
import { startChildApp, startTestApp, testClock, testEnv, type TestApp } from '../support/app.js';
import { createTestDatabase } from '../support/db.js';
import { register } from '../identity/helpers.js';
import type { client } from '../support/http.js';
import { eventually } from '../support/processes.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtpServer.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const DAY = 24 * 3600_000;
type Api = ReturnType<typeof client>;

let app: TestApp;
let smtp: TestSmtpServer;
// the process's own clock: the e-mail dispatcher compares it with the store's recordedAt
const clock = testClock();
beforeAll(async () => {
  smtp = await startSmtpServer();
  app = await startTestApp({
    clock: clock.now,
    env: { REDIS_URL, JOBS_QUEUE: `test-${randomUUID()}`, SMTP_URL: smtp.url, MAIL_FROM: 'Tessera <mail@tessera.example>', MAIL_DISPATCH_INTERVAL_MS: '100' },
  });
});
afterAll(async () => {
  await app?.stop();
  await smtp?.close();
});

async function person(): Promise<{ id: string; email: string; api: Api }> {
  const account = await register(app.url, { timezone: 'Europe/Berlin' });
  return { id: account.id, email: account.email, api: account.http };
}

const mailsOf = (address: string, kind: string) => smtp.received.filter((m) => m.envelopeTo.includes(address) && m.header('X-Tessera-Kind') === kind);

const span = (start: number) => ({ startsAt: new Date(start).toISOString(), endsAt: new Date(start + 7_200_000).toISOString() });

async function eventWithHolder(organizer: Api, holder: Api, title: string, start: number): Promise<string> {
  const created = await organizer.post('/v1/events', { title, ...span(start), timezone: 'Europe/Berlin', capacity: 10, publish: true });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const reserved = await holder.post(`/v1/events/${created.body.id}/reservations`, { quantity: 1 });
  expect(reserved.body.status).toBe('confirmed');
  return created.body.id;
}

async function remindersSent(): Promise<Array<RecordedEvent & ReminderSent>> {
  const events = await app.tessera.store.readAll({ fromPosition: 0n, maxCount: 100_000 });
  return events.filter((e) => e.type === 'ReminderSent') as Array<RecordedEvent & ReminderSent>;
}

const remindersOf = async (api: Api) =>
  (await api.get('/v1/me/notifications')).body.items.filter((n: { kind: string }) => n.kind.endsWith('-reminder')) as Array<{ kind: string; data: Record<string, string> }>;

describe('event reminders (24 h before the start, to holders of confirmed seats)', () => {
  it('an event moved earlier is reminded at its new time only; a cancelled event never', async () => {
    const [organizer, holder, other] = await Promise.all([person(), person(), person()]);
    const t0 = clock.now().getTime() + DAY;
    const moved = await eventWithHolder(organizer.api, holder.api, 'Moved earlier', t0 + 9_000);
    const cancelled = await eventWithHolder(organizer.api, holder.api, 'Cancelled', t0 + 5_000);
    const between = await eventWithHolder(organizer.api, other.api, 'Between the new and the old time', t0 + 6_000);
    const last = await eventWithHolder(organizer.api, other.api, 'After every other', t0 + 12_000);

    expect((await organizer.api.patch(`/v1/events/${moved}`, span(t0 + 3_000))).status).toBe(200);
    expect((await organizer.api.post(`/v1/events/${cancelled}/cancel`, { reason: 'storm' })).status).toBe(200);

    await eventually('the last event is reminded', async () => (await remindersSent()).some((e) => e.data.subjectId === last), 30_000);
    const sent = await remindersSent();
    const order = sent.map((e) => e.data.subjectId).filter((id) => [moved, cancelled, between, last].includes(id));
    // the moved event's reminder came before the one due between its new and its old time, and only once
    expect(order).toEqual([moved, between, last]);
    const movedReminder = sent.find((e) => e.data.subjectId === moved)!;
    expect(movedReminder.data).toMatchObject({ kind: 'event-reminder', title: 'Moved earlier', start: new Date(t0 + 3_000).toISOString(), recipients: [holder.id] });

    // the holder is told once, about the new time; the organizer (no seats) not at all
    await eventually('the holder’s notification', async () => (await remindersOf(holder.api)).length > 0);
    expect(await remindersOf(holder.api)).toEqual([
      expect.objectContaining({ kind: 'event-reminder', data: { eventId: moved, title: 'Moved earlier', start: new Date(t0 + 3_000).toISOString(), end: new Date(t0 + 3_000 + 7_200_000).toISOString() } }),
    ]);
    expect(await remindersOf(organizer.api)).toEqual([]);

    // and by mail: once, with the new time, when the last reminder's mail is out
    await eventually('the last reminder mailed', () => mailsOf(other.email, 'event-reminder').some((m) => m.parsed.subject?.includes('After every other')));
    await eventually('the holder’s reminder mailed', () => mailsOf(holder.email, 'event-reminder').length > 0);
    expect(mailsOf(holder.email, 'event-reminder').map((m) => m.parsed.subject)).toEqual([expect.stringContaining('Moved earlier')]);
  });
});

describe('meeting reminders (reminderMinutes before the start, to the organizer and accepted participants)', () => {
  it('goes to the organizer and who accepted, not to who declined or has not answered', async () => {
    const [organizer, accepted, declined, pending] = await Promise.all([person(), person(), person(), person()]);
    const meetingId = randomUUID();
    const start = new Date(clock.now().getTime() + 30 * 60_000 + 2_000);
    const end = new Date(start.getTime() + 3_600_000);
    const events: MeetingEvent[] = [
      {
        type: 'MeetingProposed',
        data: {
          meetingId,
          title: 'Retro',
          description: '',
          location: '',
          organizerId: organizer.id,
          durationMinutes: 60,
          timezone: 'Europe/Berlin',
          proposedWindows: [],
          participants: [accepted, declined, pending].map((p) => ({ userId: p.id, required: true, viaGroupId: null })),
          groupIds: [],
          deadline: null,
          autoSchedule: false,
          resultsVisibility: 'participants',
          reminderMinutes: 30,
        },
      },
      { type: 'MeetingScheduled', data: { meetingId, start: start.toISOString(), end: end.toISOString(), by: 'organizer', answers: { [accepted.id]: 'accepted' } } },
      { type: 'InvitationAnswered', data: { meetingId, participantId: declined.id, response: 'declined' } },
    ];
    await app.tessera.store.appendToStream(meetingStreamName(meetingId), events.map((e) => ({ id: randomUUID(), ...e })), { expectedRevision: 'no_stream' });

    await eventually('the meeting is reminded', async () => (await remindersSent()).some((e) => e.data.subjectId === meetingId), 30_000);
    const reminder = (await remindersSent()).find((e) => e.data.subjectId === meetingId)!;
    expect(reminder.data).toEqual({ kind: 'meeting-reminder', subjectId: meetingId, title: 'Retro', start: start.toISOString(), end: end.toISOString(), recipients: [organizer.id, accepted.id] });
    await eventually('the accepted participant’s notification', async () => (await remindersOf(accepted.api)).length > 0);
    expect((await remindersOf(organizer.api)).map((n) => n.data)).toEqual([
      expect.objectContaining({ meetingId, title: 'Retro', start: start.toISOString(), end: end.toISOString(), organizerId: organizer.id, durationMinutes: 60 }),
    ]);
    expect(await remindersOf(declined.api)).toEqual([]);
    expect(await remindersOf(pending.api)).toEqual([]);
    await eventually('the organizer’s reminder mailed', () => mailsOf(organizer.email, 'meeting-reminder').length > 0);
    expect(mailsOf(organizer.email, 'meeting-reminder')[0]!.parsed.subject).toContain('Retro');
  });
});

describe('a reminder whose job was lost', () => {
  it('is re-derived by the sweeper and sent once', async () => {
    const db = await createTestDatabase('reminder_sweep');
    const queueName = `test-${randomUUID()}`;
    // no worker here: the reminder's delayed job waits in Redis
    const planner = await startTestApp({ db, env: { REDIS_URL, JOBS_QUEUE: queueName, PROCESS_ROLES: 'api,projector' } });
    const queue = new Queue(queueName, { connection: { url: REDIS_URL } });
    try {
      const organizer = await register(planner.url);
      const holder = await register(planner.url);
      const created = await organizer.http.post('/v1/events', { title: 'Lost job', ...span(Date.now() + DAY + 1_000), timezone: 'Europe/Berlin', capacity: 3, publish: true });
      expect((await holder.http.post(`/v1/events/${created.body.id}/reservations`, { quantity: 1 })).body.status).toBe('confirmed');
      await eventually('the reminder is planned', async () => (await queue.getDelayedCount()) === 1);
      await queue.obliterate({ force: true }); // Redis lost it

      const worker = await startChildApp(testEnv(db.url, { REDIS_URL, JOBS_QUEUE: queueName, PROCESS_ROLES: 'worker', SWEEPER_INTERVAL_MS: '300' }));
      try {
        const sent = async () => (await planner.tessera.store.readAll({ fromPosition: 0n, maxCount: 10_000 })).filter((e) => e.type === 'ReminderSent');
        await eventually('the sweeper’s reminder', async () => (await sent()).length > 0, 30_000);
        // a few more sweeps find it sent
        await eventually('the sweeps go on', async () => (await queue.getCompletedCount()) > 5, 30_000);
        expect((await sent()).map((e) => (e.data as { subjectId: string; recipients: string[] }))).toEqual([expect.objectContaining({ subjectId: created.body.id, recipients: [holder.id] })]);
      } finally {
        await worker.stop();
      }
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      await planner.stop();
      await db.drop();
    }
  });
});

