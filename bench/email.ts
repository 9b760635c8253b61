/**
 * E-mail figures (issue 13, informational):
 * - email.throughput: messages/s from enqueued `send-email` jobs to messages accepted by a
 *   local SMTP sink (smtp-server on 127.0.0.1, counting only), through 4 BullMQ workers
 *   (JOBS_CONCURRENCY each, pooled SMTP connections). Every message goes the whole way of
 *   a real one: settings and sent-log reads, the users read model, template rendering,
 *   SMTP, the sent-log insert. Measured until the last message is recorded as sent.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createKnex, migrateToLatest } from '../src/database.js';
import { BullmqJobs } from '../src/jobs/bullmqQueue.js';
import { emailJobs, enqueueMail } from '../src/jobs/emailJobs.js';
import { DEFAULT_JOB_CONCURRENCY } from '../src/jobs/jobs.js';
import { LinkTokens } from '../src/jobs/mail/linkTokens.js';
import { MailTemplates } from '../src/jobs/mail/templates.js';
import { smtpTransport } from '../src/jobs/mail/transport.js';
import { projectionSchema } from '../src/projections/projection.js';
import { USERS_PROJECTION, usersProjection } from '../src/projections/users.js';
import { startSmtpServer } from '../test/support/smtpServer.js';
import { deleteKeys, REDIS_URL } from './server.js';
import { log, now, perSecond, round, sleep, type BenchContext } from './support.js';

const WORKERS = 4;

export async function benchEmail(ctx: BenchContext): Promise<void> {
  const messages = ctx.options.quick ? 300 : 2000;
  const db = await ctx.database('email');
  const knex = createKnex(db.url, { max: 20 });
  ctx.defer('close the e-mail bench pool', () => knex.destroy());
  await migrateToLatest(knex);
  const schema = projectionSchema(USERS_PROJECTION);
  await knex.raw(`CREATE SCHEMA ${schema}`);
  await usersProjection().setup(knex, schema);
  const at = new Date();
  const users = Array.from({ length: messages }, (_, i) => ({
    id: randomUUID(),
    email: `bench-${i}@example.com`,
    name: `Bench ${i}`,
    timezone: 'Europe/Berlin',
    password_hash: 'x',
    roles: [],
    created_at: at,
    updated_at: at,
    revision: '0',
  }));
  for (let i = 0; i < users.length; i += 500) await knex(`${schema}.users`).insert(users.slice(i, i + 500));

  const sink = await startSmtpServer({ parse: false });
  ctx.defer('stop the SMTP sink', () => sink.close());
  const queueName = `bench_email_${randomBytes(4).toString('hex')}`;
  ctx.defer(`delete redis keys of ${queueName}`, () => deleteKeys([`bull:${queueName}:*`]));

  const producer = new BullmqJobs({ redisUrl: REDIS_URL, queueName });
  ctx.defer('close the producer queue', () => producer.close());
  for (const user of users) {
    await enqueueMail(producer, { id: randomUUID(), userId: user.id, kind: 'welcome', source: 'identity', subjectId: user.id, data: { name: user.name } });
  }
  log(`email: ${messages} send-email jobs enqueued; starting ${WORKERS} workers`);

  const templates = new MailTemplates();
  const links = new LinkTokens('bench-secret-bench-secret-bench-secret');
  const started = now();
  for (let w = 0; w < WORKERS; w++) {
    const transport = smtpTransport(sink.url, 'Tessera <bench@tessera.local>', DEFAULT_JOB_CONCURRENCY);
    const worker = new BullmqJobs({ redisUrl: REDIS_URL, queueName, concurrency: DEFAULT_JOB_CONCURRENCY });
    ctx.defer(`close e-mail worker ${w}`, async () => {
      await worker.close();
      transport.close();
    });
    const jobs = emailJobs({ knex, jobs: worker, transport, templates, links, publicUrl: 'http://localhost:3000', from: 'Tessera <bench@tessera.local>', dispatchIntervalMs: 1000, now: () => new Date() });
    worker.start(jobs.handlers);
  }
  const deadline = started + 120_000;
  let recorded = 0;
  while (now() < deadline) {
    recorded = Number((await knex('email_sent').count({ n: '*' }))[0]!.n);
    if (recorded >= messages) break;
    await sleep(20);
  }
  const elapsedMs = now() - started;
  const failed = (await producer.failed(10)).length;
  ctx.emit({
    bench: 'email.throughput',
    workers: WORKERS,
    concurrencyPerWorker: DEFAULT_JOB_CONCURRENCY,
    messages: recorded,
    accepted: sink.accepted(),
    failed,
    messagesPerSec: perSecond(recorded, elapsedMs),
    durationMs: round(elapsedMs),
  });
}
