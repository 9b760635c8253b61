import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessTokens } from '../../src/api/auth/accessTokens.js';
import { startChildApp, startTestApp, TEST_JWT_SECRET, testEnv, type ChildApp, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { expectProblem } from './helpers.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const tokens = new AccessTokens(TEST_JWT_SECRET, 3600);
const tokenFor = (userId: string) => tokens.issue({ userId, roles: [] }, new Date());

const loginFrom = (url: string, ip: string) =>
  fetch(`${url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify({ email: 'nobody@example.com', password: 'whatever it is' }),
  });
const meAs = (url: string, token: string) => fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });

describe('rate limits in one process (in memory, no REDIS_URL)', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ env: { RATE_LIMIT_AUTH_PER_MIN: '3', RATE_LIMIT_USER_PER_MIN: '5' } });
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('auth endpoints: per IP, with RateLimit-* headers, then 429 with Retry-After', async () => {
    const ip = '203.0.113.7';
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await loginFrom(app.url, ip));
    expect(answers.map((r) => r.status)).toEqual([401, 401, 401, 429]);
    expect(answers.map((r) => r.headers.get('ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    expect(answers[0]!.headers.get('ratelimit-limit')).toBe('3');
    expect(answers[0]!.headers.get('ratelimit-policy')).toBe('3;w=60');
    expect(Number(answers[0]!.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    const refused = answers[3]!;
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await refused.json()).toMatchObject({ status: 429, code: 'rate-limited' });
    // register and refresh share the auth budget of that IP
    const register = await fetch(`${app.url}/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: '{}' });
    expect(register.status).toBe(429);
    // another client IP has its own budget
    expect((await loginFrom(app.url, '203.0.113.8')).status).toBe(401);
  });

  it('everything else: per user (the IP does not matter), anonymous callers per IP; health is not limited', async () => {
    const alice = await tokenFor(randomUUID());
    const bob = await tokenFor(randomUUID());
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await meAs(app.url, alice)).status);
    expect(statuses).toEqual([404, 404, 404, 404, 404, 429]);
    expect((await meAs(app.url, bob)).status).toBe(404);

    const anonymous = [];
    for (let i = 0; i < 6; i++) anonymous.push((await fetch(`${app.url}/v1/me`, { headers: { 'x-forwarded-for': '198.51.100.1' } })).status);
    expect(anonymous).toEqual([401, 401, 401, 401, 401, 429]);

    for (let i = 0; i < 10; i++) expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
  });
});

describe('rate limits across two API processes sharing Redis', () => {
  let db: TestDatabase;
  let one: ChildApp | undefined;
  let two: ChildApp | undefined;
  const prefix = `tessera-test:${randomUUID()}`;

  beforeAll(async () => {
    db = await createTestDatabase('identity_rl');
    const env = testEnv(db.url, {
      REDIS_URL,
      RATE_LIMIT_KEY_PREFIX: prefix,
      JOBS_QUEUE: `rl-${randomUUID().slice(0, 8)}`,
      RATE_LIMIT_AUTH_PER_MIN: '5',
      RATE_LIMIT_USER_PER_MIN: '8',
    });
    // one after the other: the first one migrates the fresh database
    one = await startChildApp(env);
    two = await startChildApp(env);
  });
  afterAll(async () => {
    await one?.stop();
    await two?.stop();
    await db?.drop();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('the auth limit holds in total, not per process', async () => {
    const statuses = [];
    for (let i = 0; i < 12; i++) statuses.push((await loginFrom(i % 2 ? one!.url : two!.url, '192.0.2.10')).status);
    expect(statuses.filter((s) => s !== 429)).toHaveLength(5);
    expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
  });

  it('the per-user limit holds in total too, and the counters live under the configured prefix', async () => {
    const token = await tokenFor(randomUUID());
    const statuses = [];
    for (let i = 0; i < 14; i++) statuses.push((await meAs(i % 2 ? one!.url : two!.url, token)).status);
    expect(statuses.filter((s) => s !== 429)).toHaveLength(8);
    const refused = await meAs(one!.url, token);
    expectProblem({ status: refused.status, headers: refused.headers, body: await refused.json() }, 429, 'rate-limited');

    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${prefix}:*`);
      expect(keys.some((k) => k.startsWith(`${prefix}:auth`))).toBe(true);
      expect(keys.some((k) => k.startsWith(`${prefix}:user`))).toBe(true);
    } finally {
      await redis.quit();
    }
  });
});
