/**
 * Issue 13: a worker SIGKILLed in the middle of a run of mails. BullMQ hands its jobs to
 * the next worker; the sent log keeps anything recorded as sent from being sent again,
 * and nothing is lost. (What may be sent twice is only what was in flight: accepted by
 * the server but not yet recorded — README, "E-mail".)
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildApp, startTestApp, testEnv, type TestApp } from '../support/app.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eventually } from '../support/processes.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtpServer.js';
import { register } from '../identity/helpers.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const PEOPLE = 12;
const CONCURRENCY = 2;
let db: TestDatabase;
let app: TestApp;
let smtp: TestSmtpServer;
const queue = `test-mail-kill-${randomUUID()}`;

beforeAll(async () => {
  smtp = await startSmtpServer();
  db = await createTestDatabase('mail_kill');
  app = await startTestApp({ db, env: { REDIS_URL, JOBS_QUEUE: queue, PROCESS_ROLES: 'api,projector', SMTP_URL: smtp.url } });
});
afterAll(async () => {
  await app?.stop();
  await db?.drop();
  await smtp?.close();
});

const welcomesTo = (address: string) => smtp.received.filter((m) => m.envelopeTo.includes(address) && m.header('X-Tessera-Kind') === 'welcome').length;

describe('a worker SIGKILLed while sending', () => {
  it('sends nothing twice that was recorded as sent, and loses nothing', async () => {
    // registered while no worker runs: the welcomes wait in the notifications read model
    const people = [];
    for (let i = 0; i < PEOPLE; i++) people.push(await register(app.url, { name: `Person ${i}` }));
    smtp.acceptDelayMs = 150;

    const workerEnv = testEnv(db.url, {
      REDIS_URL,
      JOBS_QUEUE: queue,
      PROCESS_ROLES: 'worker',
      SMTP_URL: smtp.url,
      JOBS_STALLED_MS: '1000',
      JOBS_CONCURRENCY: String(CONCURRENCY),
      MAIL_DISPATCH_INTERVAL_MS: '100',
    });
    let worker = await startChildApp(workerEnv);
    let recordedBeforeKill: string[] = [];
    try {
      await eventually('a third of the mails out', () => smtp.received.length >= PEOPLE / 3, 30_000);
      worker.process.kill('SIGKILL');
      await worker.stop();
      recordedBeforeKill = (await app.tessera.knex('email_sent').where({ kind: 'welcome' }).pluck('recipient')) as string[];
      expect(recordedBeforeKill.length).toBeGreaterThan(0);
      expect(recordedBeforeKill.length).toBeLessThan(PEOPLE);

      worker = await startChildApp(workerEnv);
      await eventually('every welcome recorded as sent', async () => Number((await app.tessera.knex('email_sent').where({ kind: 'welcome' }).count({ n: '*' }))[0]!.n) === PEOPLE, 40_000);
    } finally {
      await worker.stop();
    }

    // nothing lost: everyone got their welcome
    for (const person of people) expect(welcomesTo(person.email), person.email).toBeGreaterThanOrEqual(1);
    // nothing recorded as sent was sent again
    for (const address of recordedBeforeKill) expect(welcomesTo(address), address).toBe(1);
    // at most the jobs in flight at the kill went out twice
    expect(smtp.received.length).toBeLessThanOrEqual(PEOPLE + CONCURRENCY);
  });
});
