/**
 * Issue 8 item 1, end to end: an event the ticketing projection cannot apply, injected
 * straight into the store, stops that projection visibly — GET /v1/admin/projections,
 * /health/ready (503), `tessera projections status` with a hint, the metric — while the
 * other projections keep up; after the fix a restart resumes exactly at that event.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectionStatuses } from '../../src/projections/runtime.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { client } from '../support/http.js';
import { eventually } from '../support/processes.js';
import { cliEnv, lines, runCli } from '../cli/cli.js';

let db: TestDatabase;
let app: TestApp | undefined;

beforeAll(async () => {
  db = await createTestDatabase('projection_failure_health');
});
afterAll(async () => {
  await app?.stop();
  await db?.drop();
});

const future = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
const eventBody = (title: string) => ({
  title,
  startsAt: future(10),
  endsAt: future(10.2),
  timezone: 'Europe/Berlin',
  capacity: 10,
  pricing: { currency: 'EUR', basePrice: 0, demandTiers: [] },
  publish: true,
});

async function checkpoints(a: TestApp): Promise<Record<string, bigint>> {
  const rows = await a.tessera.knex('projection_checkpoints').select('name', 'position');
  return Object.fromEntries(rows.map((r: { name: string; position: string }) => [r.name, BigInt(r.position)]));
}

describe('a read model that cannot apply an event', () => {
  it('reports failed with the coordinates everywhere, keeps the others running, and resumes exactly there after the fix and a restart', async () => {
    app = await startTestApp({ db, env: { READY_MAX_LAG_EVENTS: '100000' } });
    const organizer = client(app.url, await app.tokenFor(randomUUID()));
    const admin = client(app.url, await app.tokenFor(randomUUID(), ['admin']));
    const { body: before } = await organizer.post('/v1/events', eventBody('Before'));
    await eventually('ticketing caught up', async () => (await checkpoints(app!)).ticketing === (await app!.tessera.store.headPosition()));

    // The cause: a rule on the read model that this one event breaks (say a DBA's constraint).
    await app.tessera.knex.raw(`ALTER TABLE rm_ticketing.events ADD CONSTRAINT no_poison CHECK (title <> 'Poison')`);
    // The event goes straight into the store (no API validation): a copy of a real creation under a new id.
    const [created] = await app.tessera.store.readStream(`ticketedEvent-${before.id}`, { maxCount: 1 });
    const poisonId = randomUUID();
    const poisonEventId = randomUUID();
    const poison = await app.tessera.store.appendToStream(
      `ticketedEvent-${poisonId}`,
      [{ id: poisonEventId, type: created!.type, data: { ...(created!.data as object), eventId: poisonId, title: 'Poison' }, metadata: created!.metadata }],
      { expectedRevision: 'no_stream' },
    );
    // Writes after it: accepted by the store, not applied by the stopped projection.
    const { body: after } = await organizer.post('/v1/events', eventBody('After'));
    const buyer = client(app.url, await app.tokenFor(randomUUID()));
    expect((await buyer.post(`/v1/events/${before.id}/reservations`, { quantity: 2 })).status).toBe(201);

    const admins = async () => (await admin.get('/v1/admin/projections')).body.items as Array<{ name: string; state: string; failure: Record<string, unknown> | null }>;
    await eventually('ticketing reported failed', async () => (await admins()).find((i) => i.name === 'ticketing')?.state === 'failed');
    const coordinates = { position: poison.position.toString(), stream: `ticketedEvent-${poisonId}`, revision: '0', eventId: poisonEventId, eventType: created!.type };
    const ticketing = (await admins()).find((i) => i.name === 'ticketing')!;
    expect(ticketing.failure).toMatchObject({ ...coordinates, attempts: 3 });
    expect(ticketing.failure!.error).toBe('new row for relation "events" violates check constraint "no_poison" (SQLSTATE 23514)');

    // The others keep up: the users projection and the reactor reach the head.
    const head = await app.tessera.store.headPosition();
    await eventually('others caught up', async () => {
      const c = await checkpoints(app!);
      return c.users === head && c.ticketingReactor === head;
    });
    expect((await checkpoints(app)).ticketing).toBeLessThan(poison.position);

    const ready = await fetch(`${app.url}/health/ready`);
    expect(ready.status).toBe(503);
    const report = (await ready.json()) as { checks: { projections: { detail: string } } };
    expect(report).toMatchObject({
      status: 'failing',
      tzdata: process.versions.tz,
      checks: {
        postgres: { status: 'ok' },
        eventStore: { status: 'ok' },
        projections: { status: 'failing', items: { ticketing: { state: 'failed', failure: coordinates }, users: { state: 'live', lagEvents: 0 } } },
      },
    });
    expect(report.checks.projections.detail).toContain(`ticketing failed at position ${poison.position}`);
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toMatch(/tessera_projection_failed\{projection="ticketing"\} 1/);
    expect(metrics).toMatch(/tessera_projection_failed\{projection="users"\} 0/);

    const env = cliEnv(db.url);
    const status = await runCli(['projections', 'status'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^ticketing +2 +\d+ +failed +4 +\d+\.\d +\S+Z +active$/m);
    expect(status.stdout).toContain(`ticketing failed at position ${poison.position} (stream ticketedEvent-${poisonId}, revision 0, ${created!.type}, event ${poisonEventId}) after 3 attempt(s)`);
    expect(lines(status.stdout)).toContainEqual(expect.stringMatching(/^hint: fix the cause above, then restart the projector process .* `tessera projections rebuild ticketing`/));
    const probe = await runCli(['health', '--ready', '--url', app.url], env);
    expect(probe.code).toBe(1);
    expect(lines(probe.stdout)).toEqual([expect.stringMatching(/^failing 503 http:\/\/127\.0\.0\.1:\d+\/health\/ready — projections: ticketing failed at position/)]);

    // Fixed, restarted: the poison event is applied first, then the rest, once each.
    await app.tessera.knex.raw('ALTER TABLE rm_ticketing.events DROP CONSTRAINT no_poison');
    await app.stop();
    app = await startTestApp({ db, env: { READY_MAX_LAG_EVENTS: '100000' } });
    const finalHead = await app.tessera.store.headPosition();
    await eventually('ticketing resumed', async () => (await checkpoints(app!)).ticketing === finalHead);
    const rows = await app.tessera.knex('rm_ticketing.events').select('id', 'title', 'confirmed', 'held').orderBy('title');
    expect(rows.map((r: { title: string }) => r.title)).toEqual(['After', 'Before', 'Poison']);
    const beforeRow = rows.find((r: { id: string }) => r.id === before.id);
    expect(beforeRow.confirmed + beforeRow.held).toBe(2); // applied once, not twice
    expect(rows.find((r: { id: string }) => r.id === after.id)).toBeDefined();
    const [statusAfter] = await projectionStatuses(app.tessera.knex, app.tessera.store, [{ name: 'ticketing', version: 2 }]);
    expect(statusAfter).toMatchObject({ failure: null, lagEvents: 0 });
    await eventually('ready again', async () => (await fetch(`${app!.url}/health/ready`)).status === 200);
  });
});
