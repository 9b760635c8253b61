/**
 * Real history for the CLI tests, made through the HTTP API of a running Tessera:
 * registered users (user- and userEmail- streams), a held-then-confirmed reservation,
 * a cancellation that promotes a waiting entry (auto mode, by the job worker), a
 * collaborator, a cancelled event and a changed draft.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { TestApp } from '../support/app.js';
import { client } from '../support/http.js';
import { eventually } from '../support/processes.js';

type Api = ReturnType<typeof client>;

export interface Seeded {
  /** The busy event: holds, confirmation, cancellation, waitlist promotion, collaborator. */
  eventId: string;
  cancelledEventId: string;
  draftEventId: string;
  organizerId: string;
  /** A group: created, Ada and Grace added, details changed, owned by Grace after a transfer, Ada left (revisions 0..5). */
  groupId: string;
  /** Position of the last command's events (a string, as in X-Position). */
  position: string;
}

const future = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

export async function person(app: TestApp): Promise<{ id: string; api: Api }> {
  const id = randomUUID();
  return { id, api: client(app.url, await app.tokenFor(id)) };
}

const ok = <T extends { status: number; body: unknown }>(res: T, status = 200): T => {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res;
};

export async function seed(app: TestApp): Promise<Seeded> {
  const anonymous = client(app.url);
  const registered: string[] = [];
  for (const name of ['Ada', 'Grace']) {
    const res = ok(await anonymous.post('/v1/auth/register', { email: `${name.toLowerCase()}-${randomUUID()}@example.com`, password: 'correct horse battery', name }), 201);
    registered.push(res.body.user.id);
  }
  const organizer = await person(app);
  const [alice, bob, dave] = await Promise.all([person(app), person(app), person(app)]);
  const viewer = { id: registered[1]! }; // a collaborator must be a user who exists

  const { body: event } = ok(
    await organizer.api.post('/v1/events', {
      title: 'Jazz night',
      startsAt: future(10),
      endsAt: future(10.2),
      timezone: 'Europe/Berlin',
      capacity: 6,
      maxPerReservation: 6,
      holdMinutes: 15,
      pricing: { currency: 'EUR', basePrice: 2500, demandTiers: [{ minSoldRatio: 0.5, multiplier: 1.2 }] },
      waitlist: { enabled: true, mode: 'auto' },
      publish: true,
    }),
    201,
  );
  const eventId = event.id as string;
  const a = ok(await alice.api.post(`/v1/events/${eventId}/reservations`, { quantity: 3 }), 201);
  ok(await alice.api.post(`/v1/events/${eventId}/reservations/${a.body.id}/confirm`));
  const b = ok(await bob.api.post(`/v1/events/${eventId}/reservations`, { quantity: 3 }), 201);
  ok(await dave.api.post(`/v1/events/${eventId}/waitlist`, { quantity: 2 }), 201);
  ok(await bob.api.delete(`/v1/events/${eventId}/reservations/${b.body.id}`));
  // The worker promotes dave (SeatsReserved + WaitlistPromoted).
  await eventually('waitlist promotion', async () => (await dave.api.get(`/v1/events/${eventId}/waitlist/me`)).body?.status === 'promoted');
  ok(await organizer.api.post(`/v1/events/${eventId}/collaborators`, { userId: viewer.id, role: 'viewer' }), 201);

  const { body: other } = ok(
    await organizer.api.post('/v1/events', { title: 'Cancelled gig', startsAt: future(5), endsAt: future(5.1), timezone: 'UTC', capacity: 4, publish: true }),
    201,
  );
  ok(await alice.api.post(`/v1/events/${other.id}/reservations`, { quantity: 2 }), 201);
  ok(await organizer.api.post(`/v1/events/${other.id}/cancel`, { reason: 'venue flooded' }));

  const { body: group } = ok(await organizer.api.post('/v1/groups', { name: 'Jazz crew' }), 201);
  const [ada, grace] = registered as [string, string];
  ok(await organizer.api.post(`/v1/groups/${group.id}/members`, { userId: ada }), 201);
  ok(await organizer.api.post(`/v1/groups/${group.id}/members`, { userId: grace, role: 'admin' }), 201);
  ok(await organizer.api.patch(`/v1/groups/${group.id}`, { color: '#AA3300' }));
  ok(await organizer.api.post(`/v1/groups/${group.id}/transfer`, { userId: grace }));
  ok(await client(app.url, await app.tokenFor(ada)).delete(`/v1/groups/${group.id}/members/${ada}`));

  const { body: draft } = ok(
    await organizer.api.post('/v1/events', { title: 'Draft', startsAt: future(20), endsAt: future(20.1), timezone: 'UTC', capacity: 50 }),
    201,
  );
  const last = ok(await organizer.api.patch(`/v1/events/${draft.id}`, { title: 'Draft, renamed', capacity: 60 }));

  return { eventId, cancelledEventId: other.id as string, draftEventId: draft.id as string, organizerId: organizer.id, groupId: group.id as string, position: last.headers.get('x-position')! };
}

/** Waits until every projection has applied everything in the store. */
export async function projectionsCaughtUp(app: TestApp): Promise<void> {
  await eventually('projections caught up', async () => {
    const head = await app.tessera.store.headPosition();
    const rows = await app.tessera.knex('projection_checkpoints').select('name', 'position');
    return rows.length >= 2 && rows.every((r: { position: string }) => BigInt(r.position) === head);
  });
}
