/**
 * Login reads the users read model after waiting for the user's OWN newest event, not
 * for the head of the whole store: a burst of writes to other streams (reservations)
 * must not delay, or fail, every login. The users projection is held back
 * deterministically by holding its checkpoint row lock (the runner takes it FOR UPDATE
 * for every batch), so it cannot move while the test looks.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USERS_PROJECTION } from '../../src/projections/users.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { expectProblem, login, PASSWORD, register } from './helpers.js';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ env: { READ_YOUR_WRITES_TIMEOUT_MS: '2000' } }); // the 503 cases wait it out
});
afterAll(async () => {
  await app?.stop();
});

/** Holds the users projection where it is until `release()`. */
async function holdUsersProjection(knex: Knex): Promise<{ release(): Promise<void> }> {
  const trx = await knex.transaction();
  const row = await trx('projection_checkpoints').where({ name: USERS_PROJECTION }).forUpdate().first();
  expect(row, 'the users projection has a checkpoint').toBeDefined();
  return { release: () => trx.rollback().then(() => undefined) };
}

async function appendToOtherStreams(count: number): Promise<bigint> {
  let position = -1n;
  for (let i = 0; i < count; i++) {
    const result = await app.tessera.store.appendToStream(`loadNoise-${randomUUID()}`, [{ id: randomUUID(), type: 'NoiseRecorded', data: { i } }], {
      expectedRevision: 'no_stream',
    });
    position = result.position;
  }
  return position;
}

describe('login and the users read model', () => {
  it('answers while the users projection is far behind the store’s head on other streams, and still waits for the user’s own writes', async () => {
    const account = await register(app.url);
    // The account is in the read model before the projection is held.
    const first = await login(app.url, account.email, PASSWORD);
    expect(first.status, JSON.stringify(first.body)).toBe(200);

    const hold = await holdUsersProjection(app.tessera.knex);
    try {
      const head = await appendToOtherStreams(40);
      expect(await app.tessera.store.headPosition()).toBe(head);
      const checkpoint = await app.tessera.knex('projection_checkpoints').where({ name: USERS_PROJECTION }).first();
      expect(BigInt(checkpoint.position)).toBeLessThan(head);

      // Nothing of this user is newer than the read model: no wait.
      const during = await login(app.url, account.email, PASSWORD);
      expect(during.status, JSON.stringify(during.body)).toBe(200);
      expect(during.body.user.id).toBe(account.id);

      // A write of the user's own is waited for: the old password's row must not answer.
      const changed = await account.http.post('/v1/me/password', { currentPassword: PASSWORD, newPassword: `${PASSWORD} 2` });
      expect(changed.status, JSON.stringify(changed.body)).toBe(200);
      expectProblem(await login(app.url, account.email, `${PASSWORD} 2`), 503, 'projection-behind');
    } finally {
      await hold.release();
    }
    const after = await login(app.url, account.email, `${PASSWORD} 2`);
    expect(after.status, JSON.stringify(after.body)).toBe(200);
  });
});
