/**
 * Registration at the command level, against a real event store: the email guard and
 * the recovery of claims whose registration never completed.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScryptPasswords } from '../../src/api/auth/passwords.js';
import { registerUser, registerUserInput, userEmailStream, userStream, type RegisterUserDeps } from '../../src/commands/identity/index.js';
import { CommandRuntime, type CommandMetadata } from '../../src/commands/runtime.js';
import { createKnex, migrateToLatest } from '../../src/database.js';
import { userDecider, userEmailDecider } from '../../src/domain/identity/index.js';
import { DomainError } from '../../src/domain/shared/errors.js';
import { createPostgresEventStore, type PostgresEventStore } from '../../src/eventstore/postgres/postgresEventStore.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
let knex: Knex;
let store: PostgresEventStore;
let commands: CommandRuntime;
let deps: RegisterUserDeps;

const T0 = new Date('2030-01-01T12:00:00.000Z');
const at = (ms: number): CommandMetadata => ({ actorId: 'anonymous', correlationId: randomUUID(), now: new Date(T0.getTime() + ms) });
const input = (email: string) => registerUserInput.parse({ email, password: 'a long enough password', name: 'Reg' });
const codeOf = async (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => (error instanceof DomainError ? error.code : String(error)));
const types = async (stream: string) => (await store.readStream(stream)).map((e) => e.type);

beforeAll(async () => {
  db = await createTestDatabase('identity_reg');
  knex = createKnex(db.url);
  await migrateToLatest(knex);
  store = createPostgresEventStore(db.url, { poolSize: 10 });
  commands = new CommandRuntime(store);
  // The cheapest scrypt cost the verifier accepts: these tests are about streams, not hashing.
  deps = { commands, passwords: new ScryptPasswords({ logN: 10, r: 8, p: 1 }), adminEmails: ['root@example.com'] };
});
afterAll(async () => {
  await store?.close();
  await knex?.destroy();
  await db?.drop();
});

/** A registration that died after claiming the address: only UserEmailClaimed was written. */
async function orphanClaim(email: string, ms = 0): Promise<string> {
  const orphanId = randomUUID();
  const meta = at(ms);
  await commands.execute(userEmailDecider, userEmailStream(email), { type: 'ClaimEmail', data: { userId: orphanId, email }, meta: { now: meta.now.toISOString(), actorId: orphanId } }, meta);
  return orphanId;
}

describe('registerUser', () => {
  it('claims the guard stream, then writes the user; ADMIN_EMAILS are granted admin', async () => {
    const result = await registerUser(deps, input('Root@Example.com'), at(0));
    expect(result.user).toMatchObject({ email: 'root@example.com', roles: ['admin'], status: 'active' });
    expect(await types(userEmailStream('root@example.com'))).toEqual(['UserEmailClaimed']);
    expect(await types(userStream(result.user.id))).toEqual(['UserRegistered', 'RoleGranted']);
    expect(result.user.passwordHash).toMatch(/^scrypt\$10\$8\$1\$/);
  });

  it('two runtimes (processes) racing on one address: one account', async () => {
    const other = new CommandRuntime(store);
    const email = `race-${randomUUID()}@example.com`;
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => codeOf(registerUser({ ...deps, commands: i % 2 ? commands : other }, input(email), at(0)))),
    );
    expect(outcomes.filter((o) => o === undefined)).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'email-taken')).toHaveLength(9);
  });

  it('a fresh orphan claim blocks the address; a stale one is released and the address registered', async () => {
    const email = `orphan-${randomUUID()}@example.com`;
    const orphanId = await orphanClaim(email);
    expect(await codeOf(registerUser(deps, input(email), at(60_000)))).toBe('email-taken');

    const result = await registerUser(deps, input(email), at(3 * 60_000));
    expect(result.user.email).toBe(email);
    expect(await types(userEmailStream(email))).toEqual(['UserEmailClaimed', 'UserEmailReleased', 'UserEmailClaimed']);
    expect(await types(userStream(orphanId))).toEqual(['UserRegistrationAbandoned']);
    // the orphan's late UserRegistered can no longer land
    const late = { now: T0.toISOString(), actorId: orphanId };
    expect(
      await codeOf(
        commands.execute(
          userDecider,
          userStream(orphanId),
          { type: 'RegisterUser', data: { userId: orphanId, email, name: 'Late', timezone: 'UTC', passwordHash: 'x', grantAdmin: false }, meta: late },
          at(0),
        ),
      ),
    ).toBe('registration-abandoned');
  });

  it('a stale claim whose registration did complete is never released', async () => {
    const email = `done-${randomUUID()}@example.com`;
    await registerUser(deps, input(email), at(0));
    expect(await codeOf(registerUser(deps, input(email), at(24 * 3_600_000)))).toBe('email-taken');
    expect(await types(userEmailStream(email))).toEqual(['UserEmailClaimed']);
  });

  it('when writing the user fails, the claim is released at once', async () => {
    const email = `fail-${randomUUID()}@example.com`;
    const doomedId = randomUUID();
    // the user stream is already closed, so UserRegistered is refused after the claim succeeded
    const meta = at(0);
    await commands.execute(userDecider, userStream(doomedId), { type: 'AbandonRegistration', data: { userId: doomedId, reason: 'test' }, meta: { now: meta.now.toISOString(), actorId: 'system' } }, meta);
    expect(await codeOf(registerUser({ ...deps, newUserId: () => doomedId }, input(email), at(0)))).toBe('registration-abandoned');
    expect(await types(userEmailStream(email))).toEqual(['UserEmailClaimed', 'UserEmailReleased']);
    expect((await registerUser(deps, input(email), at(1000))).user.email).toBe(email);
  });
});
