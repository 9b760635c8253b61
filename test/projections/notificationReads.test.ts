/**
 * Read marks are the notifications context's own state (issue 10 item 4): migration 008
 * moves them out of the ticketing migration's `notification_reads`, and because
 * notification ids are derived from the source event and recipient, a rebuild of the
 * notifications read model reproduces every id and every mark stays attached.
 */
import { randomUUID } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationSource } from '../../migrations/index.js';
import { createKnex } from '../../src/database.js';
import { NOTIFICATION_ID_NAMESPACE, notificationsProjection } from '../../src/projections/notifications/notificationsProjection.js';
import { rebuildProjection } from '../../src/projections/runtime.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase } from '../support/db.js';
import { client } from '../support/http.js';

describe('migration 008', () => {
  it('copies every read mark into notification_read_marks and drops notification_reads', async () => {
    const db = await createTestDatabase('notification_reads');
    const knex = createKnex(db.url, { max: 2 });
    try {
      const all = await migrationSource.getMigrations([]);
      for (const name of all.slice(0, all.indexOf('007_changefeed_team_only') + 1)) await knex.migrate.up({ migrationSource, name });
      const mark = { user_id: 'alice', notification_id: randomUUID(), read_at: new Date('2030-01-01T10:00:00.000Z') };
      await knex('notification_reads').insert(mark);

      await knex.migrate.latest({ migrationSource });
      expect(await knex('notification_read_marks').select('*')).toEqual([mark]);
      expect(await knex.schema.hasTable('notification_reads')).toBe(false);
    } finally {
      await knex.destroy();
      await db.drop();
    }
  });
});

describe('read marks over HTTP', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('keep the ids of before the move, and stay attached through a rebuild of the notifications read model', async () => {
    const [organizerId, aliceId] = [randomUUID(), randomUUID()];
    const organizer = client(app.url, await app.tokenFor(organizerId));
    const alice = client(app.url, await app.tokenFor(aliceId));
    const startsAt = new Date(Date.now() + 10 * 86_400_000);
    const { body: event } = await organizer.post('/v1/events', {
      title: 'Jazz night',
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 3_600_000).toISOString(),
      timezone: 'Europe/Berlin',
      capacity: 10,
      pricing: { currency: 'EUR', basePrice: 2500, demandTiers: [] },
      publish: true,
    });
    const held = await alice.post(`/v1/events/${event.id}/reservations`, { quantity: 2 });
    expect(held.status, JSON.stringify(held.body)).toBe(201);
    const reservationId = held.body.id as string;
    const cancelled = await organizer.delete(`/v1/events/${event.id}/reservations/${reservationId}`);
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);

    const before = await alice.get('/v1/me/notifications', { 'X-Min-Position': String(cancelled.body.position) });
    expect(before.body.items).toEqual([
      { id: uuidv5(`${cancelled.body.position}:${aliceId}:reservation-cancelled`, NOTIFICATION_ID_NAMESPACE), kind: 'reservation-cancelled', source: 'ticketing', eventId: event.id, data: { reservationId, reason: null }, createdAt: expect.any(String), read: false },
      // issue 13: the reservation itself is told too
      { id: uuidv5(`${held.body.position}:${aliceId}:reservation-confirmed`, NOTIFICATION_ID_NAMESPACE), kind: 'reservation-confirmed', source: 'ticketing', eventId: event.id, data: { reservationId, quantity: 2 }, createdAt: expect.any(String), read: false },
    ]);
    const id = before.body.items[0].id as string;
    expect((await alice.post(`/v1/me/notifications/${id}/read`)).status).toBe(204);
    expect((await alice.post(`/v1/me/notifications/${randomUUID()}/read`)).status).toBe(404);

    await rebuildProjection(app.tessera.knex, app.tessera.store, notificationsProjection());
    const after = await alice.get('/v1/me/notifications');
    expect(after.body.items).toEqual([{ ...before.body.items[0], read: true }, before.body.items[1]]);
    expect((await alice.get('/v1/me/notifications?unread=true')).body.items).toEqual([before.body.items[1]]);
  });
});
