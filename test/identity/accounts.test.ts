import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';
import { expectProblem, login, PASSWORD, register, uniqueEmail } from './helpers.js';

const BOSS = 'boss@example.com';
let app: TestApp;
let anon: ReturnType<typeof client>;

beforeAll(async () => {
  app = await startTestApp({ env: { ADMIN_EMAILS: `someone@else.org, ${BOSS.toUpperCase()}` } });
  anon = client(app.url);
});
afterAll(async () => {
  await app?.stop();
});

describe('registration', () => {
  it('answers 201 with the user and a session; the user JSON never holds the password hash', async () => {
    const email = uniqueEmail('Reg');
    const res = await anon.post('/v1/auth/register', { email: `  ${email.toUpperCase()} `, password: PASSWORD, name: ' Ada ', timezone: 'europe/berlin' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      user: { email: email.toLowerCase(), name: 'Ada', timezone: 'Europe/Berlin', roles: [], revision: '0' },
      tokenType: 'Bearer',
      expiresIn: 900,
    });
    expect(res.body.user.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.accessToken.split('.')).toHaveLength(3);
    expect(res.body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.headers.get('x-position')).toBe(res.body.position);
    expect(JSON.stringify(res.body)).not.toMatch(/scrypt|password/i);

    const me = await client(app.url, res.body.accessToken).get('/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual(res.body.user);
    expect(me.headers.get('etag')).toBe('W/"0"');
    expect(JSON.stringify(me.body)).not.toMatch(/scrypt|hash/i);
  });

  it('defaults the time zone to UTC', async () => {
    const account = await register(app.url);
    const me = await account.http.get('/v1/me', { 'X-Min-Position': account.position });
    expect(me.body.timezone).toBe('UTC');
  });

  it('a second registration of an address (any casing) is 409 email-taken', async () => {
    const email = uniqueEmail('dup');
    await register(app.url, { email });
    expectProblem(await anon.post('/v1/auth/register', { email: email.toUpperCase(), password: PASSWORD, name: 'Other' }), 409, 'email-taken');
  });

  it('20 parallel registrations of one address make exactly one account', async () => {
    const email = uniqueEmail('race');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        anon.post('/v1/auth/register', { email: i % 2 ? email : email.toUpperCase(), password: `${PASSWORD}-${i}`, name: `Racer ${i}` }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    expect(results.filter((r) => r.status === 409).every((r) => r.body.code === 'email-taken')).toBe(true);
    const winner = results.find((r) => r.status === 201)!;

    const registered = await app.tessera.knex.raw<{ rows: Array<{ stream_name: string }> }>(
      `SELECT e.stream_name FROM eventstore.events e WHERE e.type = 'UserRegistered' AND e.data->>'email' = ?`,
      [email.toLowerCase()],
    );
    expect(registered.rows.map((r) => r.stream_name)).toEqual([`user-${winner.body.user.id}`]);
    // the winner can log in with its own password, and only with it
    const index = results.indexOf(winner);
    expect((await login(app.url, email, `${PASSWORD}-${index}`)).status).toBe(200);
    expectProblem(await login(app.url, email, `${PASSWORD}-${(index + 1) % 20}`), 401, 'invalid-credentials');
  });

  it('ADMIN_EMAILS get the admin role at registration', async () => {
    const boss = await register(app.url, { email: BOSS });
    const me = await boss.http.get('/v1/me', { 'X-Min-Position': boss.position });
    expect(me.body.roles).toEqual(['admin']);
    expect((await boss.http.get('/v1/admin/projections')).status).toBe(200);
  });

  it.each([
    [{ password: PASSWORD, name: 'x' }, 'email'],
    [{ email: 'not-an-email', password: PASSWORD, name: 'x' }, 'email'],
    [{ email: uniqueEmail(), password: 'short', name: 'x' }, 'password'],
    [{ email: uniqueEmail(), password: PASSWORD, name: '' }, 'name'],
    [{ email: uniqueEmail(), password: PASSWORD, name: 'a\u0000b' }, 'name'],
    [{ email: uniqueEmail(), password: PASSWORD, name: 'x', timezone: 'Moon/Base' }, 'timezone'],
    [{ email: uniqueEmail(), password: PASSWORD, name: 'x', timezone: '+02:00' }, 'timezone'],
    [{ email: uniqueEmail(), password: 12345678901, name: 'x' }, 'password'],
  ])('rejects %j with 400 naming %s', async (body, field) => {
    const res = await anon.post('/v1/auth/register', body);
    expectProblem(res, 400, 'validation-failed');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
  });
});

describe('login', () => {
  it('gives a session for the right password, and the same 401 for a wrong password or an unknown address', async () => {
    const account = await register(app.url);
    const ok = await login(app.url, account.email.toUpperCase(), account.password);
    expect(ok.status).toBe(200);
    expect(ok.body.user).toMatchObject({ id: account.id, email: account.email });
    expect((await client(app.url, ok.body.accessToken).get('/v1/me')).status).toBe(200);

    const wrong = await login(app.url, account.email, `${account.password}!`);
    const unknown = await login(app.url, uniqueEmail('nobody'), account.password);
    expectProblem(wrong, 401, 'invalid-credentials');
    expectProblem(unknown, 401, 'invalid-credentials');
    expect(unknown.body).toEqual(wrong.body);
  });

  it('sees an account registered just before (the read model is waited for)', async () => {
    const email = uniqueEmail('fresh');
    const registered = anon.post('/v1/auth/register', { email, password: PASSWORD, name: 'Fresh' });
    expect((await registered).status).toBe(201);
    expect((await login(app.url, email, PASSWORD)).status).toBe(200);
  });

  it('an Idempotency-Key on token-bearing routes is not stored (no tokens written down in clear)', async () => {
    const account = await register(app.url, { headers: { 'Idempotency-Key': 'reg-key-1' } });
    const first = await login(app.url, account.email, account.password, { 'Idempotency-Key': 'login-key-1' });
    const second = await login(app.url, account.email, account.password, { 'Idempotency-Key': 'login-key-1' });
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(second.body.refreshToken).not.toBe(first.body.refreshToken);
    const stored = await app.tessera.knex('idempotency_keys').whereIn('key', ['reg-key-1', 'login-key-1']);
    expect(stored).toEqual([]);
  });
});

describe('profile', () => {
  it('PATCH /v1/me changes name and time zone, with ETags and If-Match', async () => {
    const account = await register(app.url);
    const patched = await account.http.patch('/v1/me', { name: 'Grace', timezone: 'America/New_York' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Grace', timezone: 'America/New_York', revision: '1' });
    expect(patched.headers.get('etag')).toBe('W/"1"');
    const me = await account.http.get('/v1/me', { 'X-Min-Position': patched.headers.get('x-position')! });
    expect(me.body).toMatchObject({ name: 'Grace', timezone: 'America/New_York' });

    expectProblem(await account.http.patch('/v1/me', { name: 'Stale' }, { 'If-Match': 'W/"0"' }), 412, 'revision-mismatch');
    expect((await account.http.patch('/v1/me', { name: 'Fresh' }, { 'If-Match': 'W/"1"' })).status).toBe(200);
  });

  it('refuses invalid values and empty patches with 400', async () => {
    const account = await register(app.url);
    for (const body of [{ timezone: 'Not/AZone' }, { name: '   ' }, {}, { name: 42 }, { timezone: 'UTC+1' }]) {
      expectProblem(await account.http.patch('/v1/me', body), 400, 'validation-failed');
    }
  });

  it('a valid token for a user that does not exist gets 404 on /v1/me', async () => {
    const ghost = client(app.url, await app.tokenFor('00000000-0000-4000-8000-00000000dead'));
    expectProblem(await ghost.get('/v1/me'), 404, 'user-not-found');
    expectProblem(await ghost.patch('/v1/me', { name: 'Ghost' }), 404, 'user-not-found');
  });
});

describe('password change', () => {
  it('needs the current password, revokes other sessions, returns a new one; the old password stops working', async () => {
    const account = await register(app.url);
    const other = await login(app.url, account.email, account.password);

    expectProblem(
      await account.http.post('/v1/me/password', { currentPassword: 'wrong password!', newPassword: 'another good passphrase' }),
      403,
      'invalid-current-password',
    );
    expectProblem(await account.http.post('/v1/me/password', { currentPassword: account.password, newPassword: 'short' }), 400, 'validation-failed');

    const changed = await account.http.post('/v1/me/password', { currentPassword: account.password, newPassword: 'another good passphrase' });
    expect(changed.status).toBe(200);
    expect(changed.body.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(changed.headers.get('x-position')).toMatch(/^\d+$/);

    expectProblem(await login(app.url, account.email, account.password), 401, 'invalid-credentials');
    expect((await login(app.url, account.email, 'another good passphrase')).status).toBe(200);
    // sessions from before the change are gone, the new one works
    expectProblem(await anon.post('/v1/auth/refresh', { refreshToken: other.body.refreshToken }), 401);
    expectProblem(await anon.post('/v1/auth/refresh', { refreshToken: account.refreshToken }), 401);
    expect((await anon.post('/v1/auth/refresh', { refreshToken: changed.body.refreshToken })).status).toBe(200);
  });
});

describe('admin role', () => {
  it('an admin grants and revokes admin; the role reaches the token at the next refresh', async () => {
    const boss = await login(app.url, BOSS, PASSWORD);
    expect(boss.status).toBe(200);
    const admin = client(app.url, boss.body.accessToken);
    const user = await register(app.url);

    expectProblem(await user.http.get('/v1/admin/projections'), 403, 'forbidden');
    expectProblem(await user.http.post(`/v1/admin/users/${user.id}/roles`, { role: 'admin', action: 'grant' }), 403, 'forbidden');

    const granted = await admin.post(`/v1/admin/users/${user.id}/roles`, { role: 'admin', action: 'grant', reason: 'on call' });
    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({ id: user.id, roles: ['admin'] });

    const refreshed = await anon.post('/v1/auth/refresh', { refreshToken: user.refreshToken });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.user.roles).toEqual(['admin']);
    const promoted = client(app.url, refreshed.body.accessToken);
    expect((await promoted.get('/v1/admin/projections')).status).toBe(200);
    expectProblem(await promoted.post(`/v1/admin/users/${user.id}/roles`, { role: 'admin', action: 'revoke' }), 409, 'cannot-revoke-own-admin');

    const revoked = await admin.post(`/v1/admin/users/${user.id}/roles`, { role: 'admin', action: 'revoke' });
    expect(revoked.body.roles).toEqual([]);
    const again = await anon.post('/v1/auth/refresh', { refreshToken: refreshed.body.refreshToken });
    expect(again.body.user.roles).toEqual([]);
    expectProblem(await client(app.url, again.body.accessToken).get('/v1/admin/projections'), 403);
  });

  it('404 for an unknown user, 400 for a bad role', async () => {
    const boss = await login(app.url, BOSS, PASSWORD);
    const admin = client(app.url, boss.body.accessToken);
    expectProblem(await admin.post('/v1/admin/users/00000000-0000-4000-8000-000000000000/roles', { role: 'admin', action: 'grant' }), 404, 'user-not-found');
    expectProblem(await admin.post(`/v1/admin/users/${boss.body.user.id}/roles`, { role: 'root', action: 'grant' }), 400, 'validation-failed');
    expectProblem(await admin.post('/v1/admin/users/not-a-uuid/roles', { role: 'admin', action: 'grant' }), 400, 'validation-failed');
  });
});

describe('OpenAPI', () => {
  it('documents the identity endpoints with their access rules', async () => {
    const doc = (await (await fetch(`${app.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { description: string }>> };
    expect(doc.paths['/v1/auth/register']?.post?.description).toBe('**Access:** Anyone; no token needed.');
    expect(doc.paths['/v1/me']?.patch?.description).toBe('**Access:** Any signed-in user.');
    expect(doc.paths['/v1/admin/users/{id}/roles']?.post?.description).toBe('**Access:** Administrators only.');
  });
});
