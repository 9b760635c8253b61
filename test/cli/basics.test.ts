/**
 * `tessera migrate`, usage errors (exit 2), operational errors (exit 1), `jobs failed|retry`
 * against Redis, and `serve` (the server through the CLI).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Queue, QueueEvents, Worker } from 'bullmq';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { cliEnv, lines, runCli, startCli } from './cli.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

let db: TestDatabase;
let env: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase('cli_basics');
  env = cliEnv(db.url);
});
afterAll(async () => {
  await db?.drop();
});

async function probe(sql: string): Promise<{ rows: any[] }> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('tessera migrate', () => {
  it('refuses other commands on an unmigrated database, applies the migrations once, then has nothing to do', async () => {
    const early = await runCli(['projections', 'status'], env);
    expect(early.code).toBe(1);
    expect(early.stderr).toBe('error: the database is not migrated: run `tessera migrate` first\n');
    const { rows } = await probe("SELECT to_regclass('knex_migrations')::text AS t");
    expect(rows[0].t).toBeNull(); // a refused command leaves the database untouched

    const first = await runCli(['migrate'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(lines(first.stdout)[0]).toMatch(/^applied \d+ migration\(s\):$/);
    expect(first.stdout).toContain('  001_eventstore\n');

    const second = await runCli(['migrate', '--json'], env);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({ applied: [] });

    const status = await runCli(['projections', 'status', '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ head: '-1', items: [{ name: 'ticketing', state: 'not-started' }, { name: 'notifications', state: 'not-started' }, { name: 'users', state: 'not-started' }, { name: 'schedulingPeople', state: 'not-started' }, { name: 'groups', state: 'not-started' }, { name: 'schedulingBusyTime', state: 'not-started' }, { name: 'meetings', state: 'not-started' }, { name: 'ticketingReactor', state: 'not-started' }, { name: 'remindersReactor', state: 'not-started' }, { name: 'schedulingReactor', state: 'not-started' }] });
  });
});

describe('usage and errors', () => {
  it.each([
    [['frobnicate'], /error: unknown command 'frobnicate'/],
    [['stream', 'read'], /error: missing required argument 'stream'/],
    [['stream', 'read', 'ticketedEvent-1', '--from', '-3'], /error: option '--from <revision>' argument '-3' is invalid\. --from must be a non-negative integer\./],
    [['stream', 'state', 'ticketedEvent-1', '--at', 'latest'], /--at must be a non-negative integer/],
    [['tail', '--limit', '0'], /--limit must be a positive integer/],
    [['tail', '--colour'], /error: unknown option '--colour'/],
    [['export', 'extra'], /error: too many arguments for 'export'/],
    [['serve', '--roles', 'api,chef'], /roles are a comma-separated list of api, projector, worker \(unknown: chef\)/],
    [['stream', 'state', 'nocategory'], /error: no decider for stream category "nocategory"/],
    [['projections', 'rebuild', 'ticketing', '--all'], /error: give a projection name or --all, not both/],
  ])('tessera %j is a usage error: exit 2 with a clear message', async (args, message) => {
    const result = await runCli(args, env);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('no command prints the usage to stderr with exit 2; --help prints it to stdout with exit 0', async () => {
    const none = await runCli([], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: tessera [options] [command]');
    const help = await runCli(['stream', 'read', '--help'], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: tessera stream read [options] <stream>');
  });

  it('a bad configuration is reported like the server does, exit 1', async () => {
    const result = await runCli(['projections', 'status'], { ...env, DATABASE_URL: 'mysql://nope' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: Invalid configuration: DATABASE_URL must be a URL starting with postgres:// or postgresql://\n');
  });

  it('a missing database is one clean error line; --verbose adds the details with their stack', async () => {
    const missing = { ...env, DATABASE_URL: db.url.replace(/\/[^/]*$/, '/tessera_no_such_db') };
    const result = await runCli(['projections', 'status'], missing);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: cannot reach PostgreSQL: database "tessera_no_such_db" does not exist\n');

    const verbose = await runCli(['--verbose', 'projections', 'status'], missing);
    expect(verbose.code).toBe(1);
    const logged = lines(verbose.stderr)
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string });
    expect(logged.find((l) => l.msg.startsWith('Acquire connection error'))?.msg).toMatch(/database "tessera_no_such_db" does not exist\n\s+at /);
    expect(lines(verbose.stderr).filter((l) => !l.startsWith('{'))).toEqual(['error: cannot reach PostgreSQL: database "tessera_no_such_db" does not exist']);
  });

  it('jobs commands need REDIS_URL', async () => {
    const result = await runCli(['jobs', 'failed'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: REDIS_URL is not set/);
  });
});

describe('tessera jobs (BullMQ)', () => {
  const queueName = `cli-test-${randomUUID()}`;
  let queue: Queue;

  beforeAll(async () => {
    queue = new Queue(queueName, { connection: { url: REDIS_URL } });
  });
  afterAll(async () => {
    await queue?.obliterate({ force: true });
    await queue?.close();
  });

  it('jobs failed lists dead jobs with their error; jobs retry re-queues them', async () => {
    const jobsEnv = { ...env, REDIS_URL, JOBS_QUEUE: queueName };
    expect((await runCli(['jobs', 'failed'], jobsEnv)).stdout).toBe('no failed jobs\n');

    // A job that fails for good (one attempt), as after exhausted retries.
    const events = new QueueEvents(queueName, { connection: { url: REDIS_URL } });
    await events.waitUntilReady();
    const worker = new Worker(queueName, async () => Promise.reject(new Error('event store unavailable')), { connection: { url: REDIS_URL } });
    const job = await queue.add('promote-waitlist', { eventId: 'e-1' }, { jobId: 'promote-waitlist_e-1', attempts: 1 });
    await job.waitUntilFinished(events).catch(() => undefined);
    await worker.close();
    await events.close();

    const failed = await runCli(['jobs', 'failed'], jobsEnv);
    expect(failed.code, failed.stderr).toBe(0);
    expect(lines(failed.stdout)[0]).toMatch(/^ID +NAME +ATTEMPTS +FAILED AT +DATA +ERROR$/);
    expect(lines(failed.stdout)[1]).toMatch(/^promote-waitlist_e-1 +promote-waitlist +1 +\S+Z +\{"eventId":"e-1"\} +event store unavailable$/);
    const json = JSON.parse((await runCli(['jobs', 'failed', '--json'], jobsEnv)).stdout);
    expect(json.items).toEqual([expect.objectContaining({ id: 'promote-waitlist_e-1', name: 'promote-waitlist', error: 'event store unavailable', attempts: 1 })]);

    const retried = await runCli(['jobs', 'retry'], jobsEnv);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toBe('re-queued 1 failed job(s)\n');
    expect(await queue.getJobCounts('failed', 'waiting')).toMatchObject({ failed: 0, waiting: 1 });
    expect((await runCli(['jobs', 'failed'], jobsEnv)).stdout).toBe('no failed jobs\n');
  });
});

describe('tessera serve', () => {
  it('runs the server with the roles given by --roles and stops on SIGTERM', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tessera-serve-'));
    try {
      const serve = startCli(['serve', '--roles', 'api'], { ...env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', DATA_DIR: dataDir, PROCESS_ROLES: 'projector' });
      await serve.waitFor('stdout', /"msg":"Tessera API listening/);
      const started = lines(serve.stdout())
        .map((l) => JSON.parse(l))
        .find((l) => l.msg.startsWith('Tessera API listening'));
      expect(started.roles).toEqual(['api']);
      const res = await fetch(`http://127.0.0.1:${started.port}/health/live`);
      expect(res.status).toBe(200);
      serve.child.kill('SIGTERM');
      const result = await serve.done;
      expect(result.code).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
