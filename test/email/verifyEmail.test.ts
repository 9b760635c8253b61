/**
 * Issue 13 item 7: e-mail verification through a real SMTP server, and ADMIN_EMAILS
 * granting admin only to a verified address once SMTP is configured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, testClock, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';
import { eventually } from '../support/processes.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtpServer.js';
import { expectProblem, login, PASSWORD, register, uniqueEmail } from '../identity/helpers.js';

const PUBLIC_URL = 'https://tessera.example';
const BOSS = uniqueEmail('boss');
const clock = testClock();
let smtp: TestSmtpServer;
let app: TestApp;

beforeAll(async () => {
  smtp = await startSmtpServer();
  app = await startTestApp({ clock: clock.now, env: { SMTP_URL: smtp.url, PUBLIC_URL, ADMIN_EMAILS: BOSS.toUpperCase(), MAIL_DISPATCH_INTERVAL_MS: '100' } });
});
afterAll(async () => {
  await app?.stop();
  await smtp?.close();
});

async function verificationToken(address: string, nth = 1): Promise<string> {
  await eventually('the verification mail', () => smtp.received.filter((m) => m.envelopeTo.includes(address) && m.header('X-Tessera-Kind') === 'verify-email').length >= nth);
  const mail = smtp.received.filter((m) => m.envelopeTo.includes(address) && m.header('X-Tessera-Kind') === 'verify-email')[nth - 1]!;
  expect(mail.parsed.subject).toBe('Confirm your e-mail address for Tessera');
  // asked for, so no unsubscribe: it cannot be switched off
  expect(mail.header('List-Unsubscribe')).toBeUndefined();
  const link = new RegExp(`Confirm my address: (${PUBLIC_URL}/verify-email\\?token=\\S+)`).exec(mail.parsed.text ?? '')?.[1];
  expect(link).toBeDefined();
  return new URL(link!).searchParams.get('token')!;
}

describe('e-mail verification', () => {
  it('with SMTP, ADMIN_EMAILS grants admin on the verified address only, not at registration', async () => {
    const boss = await register(app.url, { email: BOSS, name: 'Boss' });
    expect((await boss.http.get('/v1/me')).body.roles).toEqual([]);

    const requested = await boss.http.post('/v1/auth/verify-email');
    expect(requested.status, JSON.stringify(requested.body)).toBe(202);
    expect(requested.body.sentTo).toBe(BOSS);
    const token = await verificationToken(BOSS);

    const confirmed = await client(app.url).post('/v1/auth/verify-email/confirm', { token });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body.roles).toEqual(['admin']);
    const session = await login(app.url, BOSS, PASSWORD);
    expect(session.body.user.roles).toEqual(['admin']);

    // the same link again changes nothing; asking again is refused
    expect((await client(app.url).post('/v1/auth/verify-email/confirm', { token })).status).toBe(200);
    expectProblem(await boss.http.post('/v1/auth/verify-email'), 409, 'email-already-verified');
  });

  it('an ordinary user is verified without becoming admin; forged, foreign-purpose and expired tokens are refused', async () => {
    const bea = await register(app.url, { name: 'Bea' });
    expect((await bea.http.post('/v1/auth/verify-email')).status).toBe(202);
    const token = await verificationToken(bea.email);

    expectProblem(await client(app.url).post('/v1/auth/verify-email/confirm', { token: `${token}x` }), 400, 'invalid-link-token');
    const welcomeOf = () => smtp.received.find((m) => m.envelopeTo.includes(bea.email) && m.header('X-Tessera-Kind') === 'welcome');
    await eventually('the welcome mail', () => welcomeOf() !== undefined);
    const welcome = welcomeOf();
    const unsubscribeToken = new URL(/^<(.+)>$/.exec(welcome!.header('List-Unsubscribe')!)![1]!).searchParams.get('token')!;
    expectProblem(await client(app.url).post('/v1/auth/verify-email/confirm', { token: unsubscribeToken }), 400, 'invalid-link-token');

    clock.advance(25 * 3600_000);
    expectProblem(await client(app.url).post('/v1/auth/verify-email/confirm', { token }), 400, 'invalid-link-token');
    // a fresh link works
    expect((await bea.http.post('/v1/auth/verify-email')).status).toBe(202);
    const fresh = await verificationToken(bea.email, 2);
    const confirmed = await client(app.url).post('/v1/auth/verify-email/confirm', { token: fresh });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(confirmed.body.roles).toEqual([]);
  });
});
