/**
 * Issue 8 item 11: ADMIN_EMAILS matches one documented canonical form exactly, addresses
 * with invisible characters are refused, and operators grant or revoke admin with the
 * CLI (`tessera users grant-admin|revoke-admin`), audited on the user's stream.
 */
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, lines, runCli } from '../cli/cli.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';
import { eventually } from '../support/processes.js';
import { expectProblem, login, PASSWORD, register, uniqueEmail } from './helpers.js';

const ADMIN = 'admin@example.com';
let app: TestApp;
let anon: ReturnType<typeof client>;

beforeAll(async () => {
  app = await startTestApp({ env: { ADMIN_EMAILS: ADMIN } });
  anon = client(app.url);
});
afterAll(async () => {
  await app?.stop();
});

describe('e-mail addresses with invisible characters', () => {
  it.each([
    ['a trailing no-break space', 'admin@EXAMPLE.com\u00a0'],
    ['a leading no-break space', '\u00a0admin@example.com'],
    ['a zero-width space', 'ad\u200bmin@example.com'],
    ['a zero-width joiner', 'admin\u200d@example.com'],
    ['a byte-order mark', '\ufeffadmin@example.com'],
    ['a right-to-left override', 'admin@example.com\u202e'],
    ['an ideographic space', 'admin@example.com\u3000'],
    ['a soft hyphen', 'ad\u00admin@example.com'],
    ['a Hangul filler', 'admin\u3164@example.com'],
    ['a Kelvin sign that lowercases to k', 'admin@\u212Aexample.com'],
  ])('registration with %s is 400 naming email, and grants nothing', async (_what, email) => {
    const res = await anon.post('/v1/auth/register', { email, password: PASSWORD, name: 'Mallory' });
    expectProblem(res, 400, 'validation-failed');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['email']);
  });

  it('login with such an address is 400 too, not a lookup of the stripped address', async () => {
    const account = await register(app.url);
    expectProblem(await login(app.url, `${account.email}\u00a0`, PASSWORD), 400, 'validation-failed');
    expect((await login(app.url, ` ${account.email.toUpperCase()}\t`, PASSWORD)).status).toBe(200);
  });
});

describe('ADMIN_EMAILS', () => {
  it('match the canonical form (ASCII whitespace trimmed, ASCII letters lowercased) exactly', async () => {
    const admin = await register(app.url, { email: ` ${ADMIN.toUpperCase()}\t` });
    expect(admin.email).toBe(ADMIN);
    const me = await admin.http.get('/v1/me', { 'X-Min-Position': admin.position });
    expect(me.body.roles).toEqual(['admin']);
  });

  it('without SMTP_URL the grant at registration stays, and there is no address verification (issue 13 item 7)', async () => {
    const account = await register(app.url);
    expectProblem(await account.http.post('/v1/auth/verify-email'), 409, 'email-not-configured');
  });
});

describe('tessera users grant-admin | revoke-admin', () => {
  const operator = `operator:${userInfo().username}`;

  it('grants and revokes admin through the real CLI, visible through the API and in the stream with the operator as actor', async () => {
    const env = cliEnv(app.db.url);
    const user = await register(app.url, { email: uniqueEmail('ops') });

    const granted = await runCli(['users', 'grant-admin', user.email.toUpperCase(), '--reason', 'on-call lead'], env);
    expect(granted.code, granted.stderr).toBe(0);
    expect(granted.stdout).toContain(user.id);

    // A new session carries the role, and the admin endpoints accept it.
    const asAdmin = await login(app.url, user.email, PASSWORD);
    expect(asAdmin.body.user.roles).toEqual(['admin']);
    const adminApi = client(app.url, asAdmin.body.accessToken);
    expect((await adminApi.get('/v1/admin/projections')).status).toBe(200);
    await eventually('the users read model shows the role', async () => JSON.stringify((await adminApi.get('/v1/me')).body.roles) === '["admin"]');

    // Granting again changes nothing (no second event).
    const again = await runCli(['users', 'grant-admin', user.email], env);
    expect(again.code, again.stderr).toBe(0);

    const revoked = await runCli(['users', 'revoke-admin', user.email], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    const refreshed = await anon.post('/v1/auth/refresh', { refreshToken: asAdmin.body.refreshToken });
    expect(refreshed.status, JSON.stringify(refreshed.body)).toBe(200);
    expect(refreshed.body.user.roles).toEqual([]);
    expectProblem(await client(app.url, refreshed.body.accessToken).get('/v1/admin/projections'), 403);

    const read = await runCli(['stream', 'read', `user-${user.id}`], env);
    expect(read.code, read.stderr).toBe(0);
    const events = lines(read.stdout).slice(1);
    expect(events.map((l) => l.split(/\s+/)[4])).toEqual(['UserRegistered', 'RoleGranted', 'RoleRevoked']);
    expect(events[1]).toContain(`actor=${operator}`);
    expect(events[1]).toContain(`"by":"${operator}"`);
    expect(events[1]).toContain('"reason":"on-call lead"');
    expect(events[2]).toContain(`actor=${operator}`);
  });

  it('refuses an unknown address (exit 1) and a malformed one (exit 2)', async () => {
    const env = cliEnv(app.db.url);
    const unknown = await runCli(['users', 'grant-admin', uniqueEmail('nobody')], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no account/i);
    const malformed = await runCli(['users', 'grant-admin', `${ADMIN}\u00a0`], env);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/e-?mail/i);
  });
});
