/**
 * Issue 13 items 1, 2, 6: notifications become e-mails through a real SMTP server
 * (smtp-server on 127.0.0.1:0): recipients, subject, HTML and text parts, Message-ID from
 * the notification id, List-Unsubscribe (RFC 8058) with a working one-click link, escaping,
 * times in the recipient's zone; SMTP faults retried or failed for good through BullMQ.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';
import { eventually } from '../support/processes.js';
import { startSmtpServer, type ReceivedMail, type TestSmtpServer } from '../support/smtpServer.js';
import { register, uniqueEmail } from '../identity/helpers.js';
import { cliEnv, runCli } from '../cli/cli.js';

const PUBLIC_URL = 'https://tessera.example';
const QUEUE = `test-mail-${randomUUID()}`;
let smtp: TestSmtpServer;
let app: TestApp;

beforeAll(async () => {
  smtp = await startSmtpServer();
  app = await startTestApp({
    env: {
      SMTP_URL: smtp.url,
      PUBLIC_URL,
      MAIL_FROM: 'Tessera <mail@tessera.example>',
      MAIL_DISPATCH_INTERVAL_MS: '100',
      REDIS_URL: 'redis://127.0.0.1:6379',
      JOBS_QUEUE: QUEUE,
    },
  });
});
afterAll(async () => {
  await app?.stop();
  await smtp?.close();
});

const mailsTo = (address: string) => smtp.received.filter((m) => m.envelopeTo.includes(address));

async function mailTo(address: string, kind: string): Promise<ReceivedMail> {
  let found: ReceivedMail | undefined;
  await eventually(`a ${kind} mail to ${address}`, () => (found = mailsTo(address).find((m) => m.header('X-Tessera-Kind') === kind)) !== undefined);
  return found!;
}

const sentLog = async (kind: string, recipient: string) =>
  app.db && (await app.tessera.knex('email_sent').where({ kind, recipient }).select('notification_id', 'message_id'));

/** The sent log once it has the mail: the job records it after the SMTP server's answer, which can come after the test sees the mail. */
async function sentLogged(kind: string, recipient: string) {
  let rows: Awaited<ReturnType<typeof sentLog>> = [];
  await eventually(`the sent log has the ${kind} mail to ${recipient}`, async () => (rows = await sentLog(kind, recipient)).length > 0);
  return rows;
}

describe('notifications as e-mail', () => {
  it('a registration is welcomed by mail: recipient, subject, both parts, Message-ID, List-Unsubscribe', async () => {
    const alice = await register(app.url, { name: 'Alice', timezone: 'Europe/Berlin' });
    const mail = await mailTo(alice.email, 'welcome');
    expect(mail.parsed.subject).toBe('Welcome to Tessera, Alice');
    expect(mail.parsed.from?.value).toEqual([{ name: 'Tessera', address: 'mail@tessera.example' }]);
    expect(mail.envelopeTo).toEqual([alice.email]);
    expect(mail.parsed.html).toContain('<h1>Welcome, Alice</h1>');
    expect(mail.parsed.text).toContain('Welcome, Alice');
    expect(mail.parsed.text).not.toMatch(/<[a-z]/);
    expect(mail.parsed.text).toContain(`Open Tessera: ${PUBLIC_URL}`);

    const notifications = await alice.http.get('/v1/me/notifications');
    const welcome = notifications.body.items.find((n: { kind: string }) => n.kind === 'welcome');
    expect(welcome).toMatchObject({ source: 'identity', userId: alice.id });
    expect(mail.parsed.messageId).toBe(`<${welcome.id}@tessera.example>`);
    expect(await sentLogged('welcome', alice.email)).toEqual([{ notification_id: welcome.id, message_id: `${welcome.id}@tessera.example` }]);

    const unsubscribe = /^<(.+)>$/.exec(mail.header('List-Unsubscribe') ?? '')?.[1];
    expect(unsubscribe).toMatch(new RegExp(`^${PUBLIC_URL}/v1/unsubscribe\\?token=`));
    expect(mail.header('List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(mail.parsed.text).toContain(`Stop these e-mails: ${unsubscribe}`);

    // what a mail client does with it (RFC 8058 §3.2): a form POST, no cookies, no login
    const path = unsubscribe!.slice(PUBLIC_URL.length);
    const confirmation = await client(app.url).get(path);
    expect(confirmation.body).toEqual({ kind: 'welcome', unsubscribed: false });
    const res = await fetch(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ kind: 'welcome', unsubscribed: true });
    const settings = await alice.http.get('/v1/me/notification-settings');
    expect(settings.body.emailEnabled).toBe(true);
    expect(settings.body.emailKinds).toMatchObject({ welcome: false, 'reservation-confirmed': true });

    const forged = await client(app.url).post(`${path.slice(0, -3)}abc`);
    expect(forged.status).toBe(400);
    expect(forged.body.code).toBe('invalid-link-token');
  });

  it('a reservation mail escapes the title in HTML, keeps it verbatim in text, and shows the time in the recipient’s zone', async () => {
    const organizer = await register(app.url, { name: 'Olga' });
    const bob = await register(app.url, { name: 'Bob', timezone: 'America/New_York' });
    const title = '<script>alert("x")</script> Gala & Co';
    const created = await organizer.http.post('/v1/events', {
      title,
      venue: 'Hall 1',
      startsAt: '2030-06-01T18:00:00Z',
      endsAt: '2030-06-01T21:00:00Z',
      timezone: 'Europe/Berlin',
      capacity: 10,
      publish: true,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const reserved = await bob.http.post(`/v1/events/${created.body.id}/reservations`, { quantity: 2 });
    expect(reserved.status, JSON.stringify(reserved.body)).toBe(201);

    const mail = await mailTo(bob.email, 'reservation-confirmed');
    expect(mail.parsed.subject).toBe(`Your seats for ${title} are confirmed`);
    expect(mail.parsed.html).not.toContain('<script>');
    expect(mail.parsed.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; Gala &amp; Co');
    expect(mail.parsed.text).toContain(`for ${title}.`);
    // 18:00 UTC is 14:00 in New York (EDT in June)
    expect(mail.parsed.text).toContain('It starts Sat 1 Jun 2030, 14:00 EDT (America/New_York) at Hall 1.');
    expect(mail.parsed.text).toContain(`View the event: ${PUBLIC_URL}/v1/events/${created.body.id}`);
    expect(mailsTo(organizer.email).map((m) => m.header('X-Tessera-Kind'))).not.toContain('reservation-confirmed');
  });

  it('a kind switched off is kept in-app but not mailed; the global switch stops everything', async () => {
    const carol = await register(app.url, { name: 'Carol' });
    await mailTo(carol.email, 'welcome');
    const off = await carol.http.patch('/v1/me/notification-settings', { emailEnabled: false });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(off.body.emailEnabled).toBe(false);
    const changed = await carol.http.post('/v1/me/password', { currentPassword: 'correct horse battery', newPassword: 'another horse battery' });
    expect(changed.status, JSON.stringify(changed.body)).toBeLessThan(300);
    await eventually('the password-changed notification in-app', async () =>
      (await carol.http.get('/v1/me/notifications')).body.items.some((n: { kind: string }) => n.kind === 'password-changed'),
    );
    // A later mail to someone else proves the dispatcher has passed Carol's notification.
    const dave = await register(app.url, { name: 'Dave' });
    await mailTo(dave.email, 'welcome');
    await eventually('the dispatcher passed it', async () => (await app.tessera.jobs.counts()).waiting === 0 && (await app.tessera.jobs.counts()).active === 0);
    expect(mailsTo(carol.email).map((m) => m.header('X-Tessera-Kind'))).toEqual(['welcome']);

    const bad = await carol.http.patch('/v1/me/notification-settings', { emailKinds: { 'no-such-kind': false } });
    expect(bad.status).toBe(400);
  });
});

describe('SMTP faults', () => {
  it('421 and 451 are retried and the mail is delivered once', async () => {
    smtp.plan({ reply: 421, message: 'busy' }, { reply: 451, message: 'try again later' });
    const before = smtp.dataAttempts;
    const erin = await register(app.url, { name: 'Erin' });
    await mailTo(erin.email, 'welcome');
    expect(smtp.dataAttempts - before).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(mailsTo(erin.email)).toHaveLength(1);
    expect(await sentLogged('welcome', erin.email)).toHaveLength(1);
  });

  it('a connection dropped mid-DATA is retried and the mail is delivered once', async () => {
    smtp.plan('drop');
    const before = smtp.dataAttempts;
    const frank = await register(app.url, { name: 'Frank' });
    await mailTo(frank.email, 'welcome');
    expect(smtp.dataAttempts - before).toBe(2);
    expect(mailsTo(frank.email)).toHaveLength(1);
  });

  it('550 fails for good after one attempt and shows in the failed-jobs view', async () => {
    const email = uniqueEmail('gone');
    smtp.rejectRecipients.add(email);
    const before = smtp.dataAttempts;
    const gone = await register(app.url, { email, name: 'Gone' });
    let failed: Awaited<ReturnType<typeof app.tessera.jobs.failed>> = [];
    await eventually('the send-email job in the failed view', async () => (failed = (await app.tessera.jobs.failed()).filter((j) => j.name === 'send-email' && (j.data as { notification: { userId: string } }).notification.userId === gone.id)).length > 0);
    expect(failed[0]!.error).toMatch(/refused the message for good.*550/);
    // one delivery attempt (an earlier attempt may have waited for the users read model), never retried
    expect(smtp.rcptAttempts(email)).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(smtp.rcptAttempts(email)).toBe(1);
    expect(smtp.dataAttempts).toBe(before); // refused at RCPT TO: no DATA at all
    expect(await sentLog('welcome', email)).toHaveLength(0);

    // what an operator sees, and how they try again
    const env = cliEnv(app.db.url, { REDIS_URL: 'redis://127.0.0.1:6379', JOBS_QUEUE: QUEUE });
    const listed = await runCli(['jobs', 'failed', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    const item = (JSON.parse(listed.stdout) as { items: Array<{ id: string; name: string; error: string }> }).items.find((j) => j.id === failed[0]!.id);
    expect(item).toMatchObject({ name: 'send-email', error: expect.stringMatching(/550/) });
    smtp.rejectRecipients.delete(email);
    const retried = await runCli(['jobs', 'retry'], env);
    expect(retried.code, retried.stderr).toBe(0);
    await mailTo(email, 'welcome');
    expect(await sentLogged('welcome', email)).toHaveLength(1);
  });
});
