/**
 * Issue 13 item 3: mails carry calendar files, through a real SMTP server (smtp-server on
 * 127.0.0.1:0), read back with an independent parser (ical.js): a confirmed reservation's
 * event (PUBLISH), and a meeting's invitation on its scheduled, rescheduled and cancelled
 * mails (REQUEST, REQUEST with a higher SEQUENCE, CANCEL) — one UID, times in UTC, across
 * the Berlin DST change of 28 March 2027.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meetingUid, ticketedEventUid } from '../../src/notifications/ics.js';
import { loadPeople } from '../../src/projections/scheduling/people.js';
import { register } from '../identity/helpers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { parseIcs } from '../support/icsParse.js';
import { eventually } from '../support/processes.js';
import { startSmtpServer, type ReceivedMail, type TestSmtpServer } from '../support/smtpServer.js';

let smtp: TestSmtpServer;
let app: TestApp;

beforeAll(async () => {
  smtp = await startSmtpServer();
  app = await startTestApp({
    env: {
      SMTP_URL: smtp.url,
      PUBLIC_URL: 'https://tessera.example',
      MAIL_FROM: 'Tessera <mail@tessera.example>',
      MAIL_DISPATCH_INTERVAL_MS: '100',
      REDIS_URL: 'redis://127.0.0.1:6379',
      JOBS_QUEUE: `test-ics-${randomUUID()}`,
    },
  });
});
afterAll(async () => {
  await app?.stop();
  await smtp?.close();
});

async function mailTo(address: string, kind: string): Promise<ReceivedMail> {
  let found: ReceivedMail | undefined;
  await eventually(`a ${kind} mail to ${address}`, () => (found = smtp.received.find((m) => m.envelopeTo.includes(address) && m.header('X-Tessera-Kind') === kind)) !== undefined);
  return found!;
}

function calendarOf(mail: ReceivedMail) {
  const files = mail.parsed.attachments.filter((a) => a.contentType === 'text/calendar');
  expect(files, 'one calendar file').toHaveLength(1);
  return parseIcs(files[0]!.content.toString('utf8'));
}

describe('calendar files in mails', () => {
  it('a confirmed reservation carries its event as ICS, in UTC', async () => {
    const organizer = await register(app.url, { name: 'Olga', timezone: 'Europe/Berlin' });
    const holder = await register(app.url, { name: 'Hanna', timezone: 'America/New_York' });
    const event = await organizer.http.post('/v1/events', {
      title: 'Spring concert',
      venue: 'Philharmonie',
      startsAt: '2027-03-29T17:30:00+02:00',
      endsAt: '2027-03-29T20:00:00+02:00',
      timezone: 'Europe/Berlin',
      capacity: 10,
      publish: true,
    });
    expect(event.status, JSON.stringify(event.body)).toBe(201);
    expect((await holder.http.post(`/v1/events/${event.body.id}/reservations`, { quantity: 2 })).body.status).toBe('confirmed');

    const ics = calendarOf(await mailTo(holder.email, 'reservation-confirmed'));
    expect(ics.method).toBe('PUBLISH');
    expect(ics.events).toEqual([
      expect.objectContaining({ uid: ticketedEventUid(event.body.id), summary: 'Spring concert', location: 'Philharmonie', start: '2027-03-29T15:30:00.000Z', end: '2027-03-29T18:00:00.000Z' }),
    ]);
  });

  it('a meeting’s scheduled, rescheduled and cancelled mails carry REQUEST, REQUEST (SEQUENCE 1) and CANCEL of one UID', async () => {
    const organizer = await register(app.url, { name: 'Olga Organizer', timezone: 'Europe/Berlin' });
    const ann = await register(app.url, { name: 'Ann', timezone: 'Europe/Berlin' });
    await eventually('participants known to scheduling', async () => (await loadPeople(app.tessera.knex, [ann.id])).size === 1);

    // 10:00 in Berlin on Monday 29 March 2027 (CEST, +02:00) …
    const proposed = await organizer.http.post('/v1/meetings', { title: 'Planning', durationMinutes: 60, timezone: 'Europe/Berlin', start: '2027-03-29T10:00:00+02:00', participantIds: [ann.id] });
    expect(proposed.status, JSON.stringify(proposed.body)).toBe(201);
    const meetingId = proposed.body.id as string;
    const scheduled = calendarOf(await mailTo(ann.email, 'meeting-scheduled'));
    expect(scheduled.method).toBe('REQUEST');
    expect(scheduled.events).toEqual([
      expect.objectContaining({
        uid: meetingUid(meetingId),
        sequence: 0,
        summary: 'Planning',
        start: '2027-03-29T08:00:00.000Z',
        end: '2027-03-29T09:00:00.000Z',
        organizer: organizer.email,
        attendees: [{ email: ann.email, name: 'Ann', partstat: 'NEEDS-ACTION', role: 'REQ-PARTICIPANT' }],
      }),
    ]);

    // … moved to 10:00 on Friday 26 March (CET, +01:00): the same wall clock, an hour later in UTC
    expect((await organizer.http.post(`/v1/meetings/${meetingId}/reschedule`, { start: '2027-03-26T10:00:00+01:00' })).status).toBe(200);
    const rescheduled = calendarOf(await mailTo(ann.email, 'meeting-rescheduled'));
    expect(rescheduled.method).toBe('REQUEST');
    expect(rescheduled.events[0]).toMatchObject({ uid: meetingUid(meetingId), sequence: 1, start: '2027-03-26T09:00:00.000Z', end: '2027-03-26T10:00:00.000Z' });

    expect((await organizer.http.post(`/v1/meetings/${meetingId}/cancel`, { reason: 'done' })).status).toBe(200);
    const cancelled = calendarOf(await mailTo(ann.email, 'meeting-cancelled'));
    expect(cancelled.method).toBe('CANCEL');
    expect(cancelled.events[0]).toMatchObject({ uid: meetingUid(meetingId), sequence: 2, status: 'CANCELLED', start: '2027-03-26T09:00:00.000Z' });
  });
});
