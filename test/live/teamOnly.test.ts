/**
 * Live hub: changefeed rows marked team-only (a draft's state, issue 8 item 10) reach
 * only subscribers the `seesTeamUpdates` hook admits, live, in a `since` replay and on
 * the serial catch-up path alike; everyone else skips past them, with no gap in the
 * public rows. Every update carries the eventPosition of its row (issue 9 item 17).
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AccessTokens } from '../../src/api/auth/accessTokens.js';
import { createKnex, migrateToLatest } from '../../src/database.js';
import { writeChangefeed } from '../../src/projections/changefeed.js';
import { TEST_JWT_SECRET } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eventually } from '../support/processes.js';
import { Clients, startHub, testAuthorizer, type TestHub } from './support.js';

let db: TestDatabase;
let knex: Knex;
let live: TestHub;
const tokens = new AccessTokens(TEST_JWT_SECRET, 3600);
const clients = new Clients();
const teamUserId = randomUUID();
let teamToken: string;
let publicToken: string;

beforeAll(async () => {
  db = await createTestDatabase('live_team_only');
  knex = createKnex(db.url, { max: 10 });
  await migrateToLatest(knex);
  live = await startHub({
    knex,
    databaseUrl: db.url,
    tokens,
    authorizeChannel: testAuthorizer(),
    seesTeamUpdates: async (principal) => principal.userId === teamUserId,
    options: { pageSize: 3, pruneIntervalMs: 0 },
  });
  teamToken = await tokens.issue({ userId: teamUserId, roles: [] }, new Date());
  publicToken = await tokens.issue({ userId: randomUUID(), roles: [] }, new Date());
});
afterEach(async () => {
  await clients.closeAll();
});
afterAll(async () => {
  await clients.closeAll();
  await live?.close();
  await knex?.destroy();
  await db?.drop();
});

/** Rows n = 1…count; odd ones team-only (eventPosition 100 + n). */
async function writeMixed(channel: string, count: number, from = 1): Promise<void> {
  const entries = Array.from({ length: count }, (_, i) => {
    const n = from + i;
    return { channel, eventPosition: BigInt(100 + n), teamOnly: n % 2 === 1, payload: { n } };
  });
  await knex.transaction((trx) => writeChangefeed(trx, entries));
}

const numbers = (client: { updates(channel?: string): Array<{ data?: unknown }> }, channel: string) =>
  client.updates(channel).map((m) => (m.data as { n: number }).n);

describe('live hub: team-only rows', () => {
  it('live dispatch sends team-only rows to the team only, with every public row in order', async () => {
    const channel = `event:${randomUUID()}`;
    const team = await clients.connect(live.urlWithToken(teamToken));
    const outsider = await clients.connect(live.urlWithToken(publicToken));
    expect((await team.subscribe(channel)).type).toBe('subscribed');
    expect((await outsider.subscribe(channel)).type).toBe('subscribed');
    await writeMixed(channel, 8);
    await eventually('team has all 8', () => team.updates(channel).length === 8);
    await eventually('outsider has the 4 public ones', () => outsider.updates(channel).length === 4);
    expect(numbers(team, channel)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(numbers(outsider, channel)).toEqual([2, 4, 6, 8]);
    expect(outsider.updates(channel).map((m) => m.eventPosition)).toEqual(['102', '104', '106', '108']);
  });

  it('a replay with since skips team-only rows for others, and goes live without a gap', async () => {
    const channel = `event:${randomUUID()}`;
    await writeMixed(channel, 9);
    const outsider = await clients.connect(live.urlWithToken(publicToken));
    const team = await clients.connect(live.urlWithToken(teamToken));
    expect((await outsider.subscribe(channel, 0n)).type).toBe('subscribed');
    expect((await team.subscribe(channel, 0n)).type).toBe('subscribed');
    expect(numbers(outsider, channel)).toEqual([2, 4, 6, 8]);
    expect(numbers(team, channel)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);

    await writeMixed(channel, 2, 10);
    await eventually('outsider gets the live public row', () => numbers(outsider, channel).includes(10));
    await eventually('team gets both live rows', () => numbers(team, channel).includes(11));
    expect(numbers(outsider, channel)).toEqual([2, 4, 6, 8, 10]);
  });
});
