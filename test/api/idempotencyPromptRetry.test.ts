/**
 * A keyed write's answer reaches its client a moment before the server has recorded it
 * and released the key's claim. A retry sent the instant the answer arrives must get
 * that answer (replayed), or 422 for another body — never 409 "in flight" for a request
 * that is already answered.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

it('a retry sent as soon as the answer arrives is replayed, not refused as in flight', async () => {
  const organizer = client(app.url, await app.tokenFor(randomUUID()));
  const created = await organizer.post('/v1/events', {
    title: 'Prompt retries',
    startsAt: '2031-05-01T18:00:00Z',
    endsAt: '2031-05-01T20:00:00Z',
    timezone: 'UTC',
    capacity: 100,
    publish: true,
  });
  expect(created.status).toBe(201);
  const attendee = client(app.url, await app.tokenFor(randomUUID()));
  for (let i = 0; i < 25; i++) {
    const headers = { 'Idempotency-Key': `prompt-${randomUUID()}` };
    const first = await attendee.post(`/v1/events/${created.body.id}/reservations`, { quantity: 1 }, headers);
    const again = await attendee.post(`/v1/events/${created.body.id}/reservations`, { quantity: 1 }, headers);
    const other = await attendee.post(`/v1/events/${created.body.id}/reservations`, { quantity: 2 }, headers);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expect(other.status, JSON.stringify(other.body)).toBe(422);
  }
});
