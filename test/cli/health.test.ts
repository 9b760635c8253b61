/**
 * Issue 9 items 2, 3 and 12: every role has health endpoints (the api's, or a listener on
 * HEALTH_PORT), `tessera health` turns them into an exit code, /health/ready covers Redis,
 * projection lag and the tz database, and `projections status` tells the truth when no
 * server runs.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHealthServer } from '../../src/health.js';
import { startChildApp, startTestApp, testEnv } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eventually } from '../support/processes.js';
import { cliEnv, lines, runCli } from './cli.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('cli_health');
});
afterAll(async () => {
  await db?.drop();
});

const json = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

describe('health of every role', () => {
  it('projector and worker processes serve /health/live and /health/ready on HEALTH_PORT; tessera health exits 0 while they run, 1 after', async () => {
    const [projector, worker] = await Promise.all([
      startChildApp(testEnv(db.url, { PROCESS_ROLES: 'projector' })),
      startChildApp(testEnv(db.url, { PROCESS_ROLES: 'worker' })),
    ]);
    let stopped = false;
    try {
      for (const child of [projector, worker]) {
        expect(child.url).toBe(''); // no api
        expect(child.healthUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(await json(`${child.healthUrl}/health/live`)).toEqual({ status: 200, body: { status: 'ok' } });
        // A probe may fail while the process is still settling (a check over 2 s on a loaded machine); it must become ready.
        let ready = await json(`${child.healthUrl}/health/ready`);
        await eventually('ready', async () => (ready = await json(`${child.healthUrl}/health/ready`)).status === 200).catch(() => undefined);
        expect(ready.status, JSON.stringify(ready.body)).toBe(200);
        expect(ready.body).toMatchObject({
          status: 'ok',
          tzdata: process.versions.tz,
          checks: { postgres: { status: 'ok' }, eventStore: { status: 'ok' }, projections: { status: 'ok' } },
        });
        expect((await fetch(`${child.healthUrl}/v1/events`)).status).toBe(404);
      }
      const port = new URL(projector.healthUrl).port;
      const env = cliEnv(db.url, { PROCESS_ROLES: 'projector', HEALTH_PORT: port });
      const live = await runCli(['health'], env);
      expect(live.code, live.stderr).toBe(0);
      expect(live.stdout).toBe(`ok 200 http://127.0.0.1:${port}/health/live\n`);
      const ready = await runCli(['health', '--ready'], env);
      expect(ready.code, ready.stderr).toBe(0);
      expect(ready.stdout).toBe(`ok 200 http://127.0.0.1:${port}/health/ready\n`);

      await projector.stop();
      stopped = true;
      const gone = await runCli(['health'], env);
      expect(gone.code).toBe(1);
      expect(gone.stdout).toBe(`unreachable http://127.0.0.1:${port}/health/live: ECONNREFUSED\n`);
    } finally {
      if (!stopped) await projector.stop();
      await worker.stop();
    }
  });

  it('tessera health asks the api PORT when the roles include api; --url picks another server; a bad --url is a usage error', async () => {
    const app = await startTestApp({ db });
    try {
      const port = String(app.tessera.port);
      const byConfig = await runCli(['health', '--ready'], cliEnv(db.url, { PORT: port }));
      expect(byConfig.code, byConfig.stderr).toBe(0);
      expect(byConfig.stdout).toBe(`ok 200 http://127.0.0.1:${port}/health/ready\n`);
      const byUrl = await runCli(['health', '--url', app.url], cliEnv(db.url, { PORT: '1' }));
      expect(byUrl.stdout).toBe(`ok 200 ${app.url}/health/live\n`);
      const bad = await runCli(['health', '--url', 'ftp://x'], cliEnv(db.url));
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/--url must be an http\(s\) URL/);
    } finally {
      await app.stop();
    }
  });
});

describe('the health listener', () => {
  it('a HEALTH_PORT already taken is one clear error naming the variable', async () => {
    const taken = http.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      await expect(startHealthServer({ host: '127.0.0.1', port, checks: [], version: 'test', logger: pino({ level: 'silent' }) })).rejects.toThrow(
        `HEALTH_PORT ${port} is already in use on 127.0.0.1: set HEALTH_PORT to a free port (0 picks one)`,
      );
    } finally {
      taken.close();
    }
  });
});

describe('/health/ready', () => {
  it('checks Redis when configured, and fails when a projection is more than READY_MAX_LAG_EVENTS behind', async () => {
    // An api without a projector anywhere: history piles up unapplied.
    const app = await startTestApp({
      db,
      env: { PROCESS_ROLES: 'api', REDIS_URL, JOBS_QUEUE: `health-${randomUUID()}`, RATE_LIMIT_KEY_PREFIX: `health-${randomUUID()}`, READY_MAX_LAG_EVENTS: '2' },
    });
    try {
      const first = await json(`${app.url}/health/ready`);
      expect(first.status).toBe(200);
      expect(first.body.checks.redis).toEqual({ status: 'ok' });
      for (let i = 0; i < 3; i++) {
        await app.tessera.store.appendToStream(`noise-${randomUUID()}`, [{ id: randomUUID(), type: 'Noise', data: {} }], { expectedRevision: 'no_stream' });
      }
      const behind = await json(`${app.url}/health/ready`);
      expect(behind.status, JSON.stringify(behind.body)).toBe(503);
      expect(behind.body.checks.projections).toMatchObject({
        status: 'failing',
        maxLagEvents: 2,
        items: { ticketing: { lagEvents: 3, runnerActive: false }, users: { lagEvents: 3 }, notifications: { lagEvents: 3 }, schedulingPeople: { lagEvents: 3 }, ticketingReactor: { lagEvents: 3 }, remindersReactor: { lagEvents: 3 } },
      });
      expect(behind.body.checks.projections.detail).toContain('ticketing is more than 2 events behind');
      expect(behind.body.checks.redis).toEqual({ status: 'ok' });
    } finally {
      await app.stop();
    }
  });

  it('reports an unreachable Redis as failing', async () => {
    const child = await startChildApp(testEnv(db.url, { PROCESS_ROLES: 'projector', REDIS_URL: 'redis://127.0.0.1:1', JOBS_QUEUE: `health-${randomUUID()}` }));
    try {
      const ready = await json(`${child.healthUrl}/health/ready`);
      expect(ready.status).toBe(503);
      expect(ready.body.checks.redis.status).toBe('failing');
      expect(ready.body.checks.postgres).toEqual({ status: 'ok' });
    } finally {
      await child.stop();
    }
  });
});

describe('tessera projections status', () => {
  it('with no server running says stopped (no runner holds the lease), lists the reactor and the checkpoint time', async () => {
    const status = await runCli(['projections', 'status', '--json'], cliEnv(db.url));
    expect(status.code, status.stderr).toBe(0);
    const parsed = JSON.parse(status.stdout) as { items: Array<Record<string, unknown>> };
    expect(parsed.items.map((i) => i.name)).toEqual(['ticketing', 'notifications', 'users', 'schedulingPeople', 'groups', 'schedulingBusyTime', 'meetings', 'ticketingReactor', 'remindersReactor', 'schedulingReactor']);
    for (const item of parsed.items) {
      expect(item).toMatchObject({ state: 'stopped', runnerActive: false, failure: null });
      expect(item.updatedAt).toMatch(/Z$/);
    }
    const human = await runCli(['projections', 'status'], cliEnv(db.url));
    expect(lines(human.stdout)[0]).toMatch(/^NAME +VERSION +POSITION +STATE +LAG EVENTS +LAG SECONDS +CHECKPOINT AT +RUNNER$/);
    expect(human.stdout, human.stdout).toMatch(/^ticketingReactor +1 +-?\d+ +stopped +\d+ +\d+\.\d +\S+Z +none$/m);
    expect(human.stdout).toContain('note: no process runs ticketing, notifications, users, schedulingPeople, groups, schedulingBusyTime, meetings, ticketingReactor, remindersReactor, schedulingReactor (start one with the projector role');
  });
});
