/**
 * `tessera verify` on a running Tessera: clean history and read models exit 0; a read
 * model row changed behind the projector's back, or an event that breaks a ticketing
 * invariant, exits 1 with a report naming the difference.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupStreamName } from '../../src/domain/scheduling/index.js';
import { ticketedEventStreamName } from '../../src/domain/ticketing/index.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { cliEnv, progressLines, runCli, runCliInTerminal } from './cli.js';
import { projectionsCaughtUp, seed, type Seeded } from './fixtures.js';

let app: TestApp;
let seeded: Seeded;
let env: Record<string, string>;

beforeAll(async () => {
  app = await startTestApp();
  env = cliEnv(app.db.url);
  seeded = await seed(app);
  await projectionsCaughtUp(app);
});
afterAll(async () => {
  await app?.stop();
});

describe('tessera verify', () => {
  it('draws progress lines (done/total, rate) on a terminal, and none into a pipe', async () => {
    const { rows } = await app.tessera.knex.raw<{ rows: Array<{ n: string }> }>('SELECT count(*) AS n FROM eventstore.events');
    const total = Number(rows[0]!.n);
    const result = await runCliInTerminal(['verify'], env);
    expect(result.code, result.output).toBe(0);
    const progress = progressLines(result.output);
    expect(progress[0]).toMatch(new RegExp(`^verify: reading \\$all: ${total}/${total} events \\(100%\\), \\d+ events/s, in .+$`));
    expect(progress[1]).toMatch(/^verify: folding streams through their deciders: (\d+)\/\1 events \(100%\), \d+ events\/s, in .+$/);
    expect(progress).toHaveLength(2);
    const piped = await runCli(['verify'], env);
    expect(piped.stderr).not.toMatch(/events\/s/);
  });

  it('exits 0 on a healthy database and says what it checked', async () => {
    const result = await runCli(['verify'], env);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/ticketedEvent: 3 stream\(s\), \d+ event\(s\) folded through the decider, checked at every revision/);
    expect(result.stdout).toMatch(/user: 2 stream\(s\)/);
    expect(result.stdout).toMatch(/group: 1 stream\(s\), 6 event\(s\) folded through the decider, checked at every revision/);
    expect(result.stdout).toMatch(/groups \(rm_groups, checkpoint \d+, \d+ events replayed\): identical \[rows: groups 1, members 2\]/);
    expect(result.stdout).toMatch(/ticketing \(rm_ticketing, checkpoint \d+, \d+ events replayed\): identical \[rows: collaborators 1, events 3, reservations 4, waitlist 1\]/);
    expect(result.stdout).toMatch(/notifications \(rm_notifications, checkpoint \d+, \d+ events replayed\): identical \[rows: notifications \d+, scheduling_meetings 0, scheduling_participants 0, scheduling_people 2, ticketing_events 3, ticketing_reservations 4, ticketing_waitlist 1\]/);
    expect(result.stdout).toMatch(/users \(rm_users, checkpoint \d+, \d+ events replayed\): identical \[rows: users 2\]/);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('verify: OK, no differences');
    // The scratch schema lived only inside verify's rolled-back transaction.
    const { rows } = await app.tessera.knex.raw<{ rows: unknown[] }>("SELECT 1 FROM pg_namespace WHERE nspname LIKE '%verify%'");
    expect(rows).toEqual([]);
  });

  it('exits 1 naming the table, row and column after a read-model row is corrupted with SQL; a rebuild repairs it', async () => {
    await app.tessera.knex.raw('UPDATE rm_ticketing.events SET confirmed = confirmed + 1 WHERE id = ?', [seeded.eventId]);
    const result = await runCli(['verify'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`read model ticketing: rm_ticketing.events id=${seeded.eventId}: confirmed: live 4, replay 3`);
    expect(result.stdout).toMatch(/ticketing \(rm_ticketing, checkpoint \d+, \d+ events replayed\): 1 difference\(s\)/);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('verify: FAILED, 1 difference(s)');

    const rebuilt = await runCli(['projections', 'rebuild', 'ticketing'], env);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect((await runCli(['verify'], env)).code).toBe(0);
  });

  it('reports missing and extra rows, as JSON too', async () => {
    const reservation = await app.tessera.knex('rm_ticketing.reservations').where({ event_id: seeded.eventId, status: 'cancelled' }).first();
    await app.tessera.knex('rm_ticketing.reservations').where({ id: reservation.id }).delete();
    const stranger = randomUUID();
    await app.tessera.knex('rm_ticketing.collaborators').insert({ event_id: seeded.eventId, user_id: stranger, role: 'co-organizer' });

    const result = await runCli(['verify', '--json'], env);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(false);
    expect(report.streams.differences).toEqual([]);
    const ticketing = report.readModels.find((r: { projection: string }) => r.projection === 'ticketing');
    expect(ticketing.differences).toEqual([
      `rm_ticketing.collaborators event_id=${seeded.eventId} user_id=${stranger}: row in the live read model that a replay does not produce`,
      `rm_ticketing.reservations id=${reservation.id}: row missing from the live read model (a replay produces it)`,
    ]);
    expect(ticketing.tables.find((t: { table: string }) => t.table === 'reservations')).toMatchObject({ liveRows: '3', replayRows: '4', differences: 1 });

    expect((await runCli(['projections', 'rebuild', 'ticketing'], env)).code).toBe(0);
    expect((await runCli(['verify'], env)).code).toBe(0);
  });

  it('exits 1 naming stream, revision and rule when history breaks a group invariant', async () => {
    const stream = groupStreamName(seeded.groupId);
    const last = (await app.tessera.store.readStream(stream)).at(-1)!.revision;
    const stranger = randomUUID();
    // Written past the decider: a role change for someone who is not a member, then ownership handed to them.
    await app.tessera.store.appendToStream(
      stream,
      [
        { id: randomUUID(), type: 'GroupMemberRoleChanged', data: { groupId: seeded.groupId, userId: stranger, role: 'admin', by: seeded.organizerId } },
        { id: randomUUID(), type: 'GroupOwnershipTransferred', data: { groupId: seeded.groupId, from: seeded.organizerId, to: stranger } },
      ],
      { expectedRevision: last },
    );
    await projectionsCaughtUp(app);

    const result = await runCli(['verify'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${stream} revision ${last + 1n} (GroupMemberRoleChanged): the role of ${stranger} changes, who is not a member (a role change only for members)`);
    const transfer = `${stream} revision ${last + 2n} (GroupOwnershipTransferred):`;
    expect(result.stdout).toContain(`${transfer} ownership is transferred from ${seeded.organizerId}, but the owner is `);
    expect(result.stdout).toContain(`${transfer} ownership is transferred to ${stranger}, who is not a member`);
    expect(result.stdout).toContain(`${transfer} the owner ${stranger} is not a member with the role owner`);
    // the read model applied the same events, so it still matches a replay
    expect(result.stdout).toMatch(/groups \(rm_groups, checkpoint \d+, \d+ events replayed\): identical/);
  });

  it('exits 1 naming stream, revision and rule when history breaks a ticketing invariant', async () => {
    const stream = ticketedEventStreamName(seeded.eventId);
    const history = await app.tessera.store.readStream(stream);
    const confirmed = history.find((e) => e.type === 'SeatsReserved')!.data as { reservationId: string };
    const last = history.at(-1)!.revision;
    // Written past the decider, as a buggy release or a hand edit could: 5 more seats on a
    // sold-out event, then confirming a reservation that is already confirmed.
    await app.tessera.store.appendToStream(
      stream,
      [
        {
          id: randomUUID(),
          type: 'SeatsReserved',
          data: { reservationId: randomUUID(), userId: randomUUID(), quantity: 5, unitPrice: 2500, currency: 'EUR', status: 'confirmed', reservedAt: new Date().toISOString() },
        },
        { id: randomUUID(), type: 'ReservationConfirmed', data: { reservationId: confirmed.reservationId } },
      ],
      { expectedRevision: last },
    );
    await projectionsCaughtUp(app);

    const result = await runCli(['verify'], env);
    expect(result.code).toBe(1);
    const over = `${stream} revision ${last + 1n} (SeatsReserved): held 2 + confirmed 8 + offered 0 = 10 exceeds the capacity of 6`;
    expect(result.stdout).toContain(over);
    expect(result.stdout).toContain(
      `${stream} revision ${last + 2n} (ReservationConfirmed): ReservationConfirmed moves reservation ${confirmed.reservationId} from confirmed to confirmed (allowed: held → confirmed | expired | cancelled, confirmed → cancelled)`,
    );
    // The read model applied the same events, so it still matches a replay.
    expect(result.stdout).toMatch(/ticketing \(rm_ticketing, checkpoint \d+, \d+ events replayed\): identical/);

    const json = JSON.parse((await runCli(['verify', '--json'], env)).stdout);
    expect(json.streams.differences).toContainEqual({ stream, revision: String(last + 1n), type: 'SeatsReserved', message: over.split('(SeatsReserved): ')[1] });
  });
});
