/**
 * One representation per resource (issue 10, item 3): an event, a waiting-list entry and a
 * reservation read the same whether the answer comes from the domain state (a command's
 * answer) or from the read model (lists, reads), once the read model has caught up.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';
import { eventually } from '../support/processes.js';

type Api = ReturnType<typeof client>;

/** A body as a read would compare it: without the store position of the answer itself. */
const withoutPosition = ({ position: _position, ...rest }: Record<string, unknown>) => rest;

describe('one representation per ticketing resource', () => {
  let app: TestApp;
  let organizer: Api, holder: Api, waiter: Api;
  beforeAll(async () => {
    app = await startTestApp();
    const api = async () => client(app.url, await app.tokenFor(randomUUID()));
    organizer = await api();
    holder = await api();
    waiter = await api();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('reads the same from the domain state and from the read model', async () => {
    const start = new Date(Date.now() + 30 * 86_400_000);
    const { body: created } = await organizer.post('/v1/events', {
      title: 'Small room',
      startsAt: start.toISOString(),
      endsAt: new Date(start.getTime() + 7_200_000).toISOString(),
      timezone: 'Europe/Berlin',
      capacity: 1,
      pricing: { currency: 'EUR', basePrice: 1500 },
      waitlist: { enabled: true, mode: 'offer', offerMinutes: 30 },
      publish: true,
    });
    const eventId = created.id as string;

    const changed = await organizer.patch(`/v1/events/${eventId}`, { venue: 'Hall B' });
    const eventRead = await organizer.get(`/v1/events/${eventId}`, { 'X-Min-Position': changed.headers.get('x-position')! });
    expect(eventRead.body).toEqual(withoutPosition(changed.body));

    const held = await holder.post(`/v1/events/${eventId}/reservations`, { quantity: 1 });
    const joined = await waiter.post(`/v1/events/${eventId}/waitlist`, { quantity: 1 });
    const queue = await organizer.get(`/v1/events/${eventId}/waitlist`, { 'X-Min-Position': joined.headers.get('x-position')! });
    const { userId, joinedAt, promotableNow: _p, seatsShort: _s, ...listed } = queue.body.items[0];
    expect(userId).toBeDefined();
    expect(joinedAt).toBeDefined(); // only the read model knows when an entry joined
    expect(listed).toEqual(withoutPosition(joined.body));

    await holder.delete(`/v1/events/${eventId}/reservations/${held.body.id}`);
    let offered: { status: string; offerId?: string } = { status: 'waiting' };
    await eventually('the waiter is offered the seat', async () => {
      offered = (await waiter.get(`/v1/events/${eventId}/waitlist/me`)).body;
      return offered.status === 'offered';
    });
    const accepted = await waiter.post(`/v1/events/${eventId}/waitlist/offers/${offered.offerId}/accept`);
    expect(accepted.status).toBe(201);
    const mine = await waiter.get('/v1/me/reservations', { 'X-Min-Position': accepted.headers.get('x-position')! });
    expect(mine.body.items).toEqual([withoutPosition(accepted.body)]);
    expect(accepted.body.waitlistEntryId).toBe(joined.body.entryId);
  });
});
