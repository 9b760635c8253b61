/**
 * Platform housekeeping (src/jobs/platform.ts) runs in a worker on the sweeper's beat:
 * expired idempotency keys and refresh tokens are purged, live ones kept.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoops } from '../../src/jobs/platform.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { eventually } from '../support/processes.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { SWEEPER_INTERVAL_MS: '200' } });
});
afterAll(async () => {
  await app?.stop();
});

describe('the housekeeping job', () => {
  it('purges expired idempotency keys and refresh tokens and keeps the live ones', async () => {
    const { knex } = app.tessera;
    const key = (name: string, age: string) => ({ scope: 'test', key: name, request_hash: 'h', status_code: 200, created_at: knex.raw(`now() - interval '${age}'`) });
    await knex('idempotency_keys').insert([key('old', '3 days'), key('fresh', '1 hour')]);
    const token = (id: string, expiredDaysAgo: number) => ({
      id,
      family_id: randomUUID(),
      user_id: randomUUID(),
      token_hash: randomUUID(),
      issued_at: new Date(Date.now() - (expiredDaysAgo + 30) * 86_400_000),
      expires_at: new Date(Date.now() - expiredDaysAgo * 86_400_000),
    });
    const [oldToken, liveToken] = [randomUUID(), randomUUID()];
    await knex('refresh_tokens').insert([token(oldToken, 30), token(liveToken, -1)]);

    await eventually('the expired rows are purged', async () => {
      const keys = await knex('idempotency_keys').where({ scope: 'test' }).pluck('key');
      const tokens = await knex('refresh_tokens').whereIn('id', [oldToken, liveToken]).pluck('id');
      return keys.length === 1 && tokens.length === 1;
    });
    expect(await knex('idempotency_keys').where({ scope: 'test' }).pluck('key')).toEqual(['fresh']);
    expect(await knex('refresh_tokens').whereIn('id', [oldToken, liveToken]).pluck('id')).toEqual([liveToken]);
  });
});

describe('polling loops (startLoops)', () => {
  it('runs each pass after the last one ended, survives a failing pass, and stops at once', async () => {
    let passes = 0;
    let running = 0;
    let overlapped = false;
    const stop = startLoops([
      {
        name: 'test-loop',
        everyMs: 10,
        run: async () => {
          overlapped ||= running > 0;
          running++;
          passes++;
          await new Promise((resolve) => setTimeout(resolve, 5));
          running--;
          if (passes === 2) throw new Error('a bad pass');
        },
      },
    ]);
    await eventually('five passes, the second one failing', () => passes >= 5);
    const longSleep = startLoops([{ name: 'sleepy', everyMs: 60_000, run: async () => undefined }]);
    await stop();
    const after = passes;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(passes).toBe(after);
    expect(overlapped).toBe(false);
    // a loop asleep for a minute stops without waiting for it
    await longSleep();
  });
});
