import { createHmac } from 'node:crypto';
import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessTokens } from '../../src/api/auth/accessTokens.js';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';
import { expectProblem, login, register, type Account } from './helpers.js';

let app: TestApp;
let anon: ReturnType<typeof client>;
let account: Account;

beforeAll(async () => {
  app = await startTestApp();
  anon = client(app.url);
  account = await register(app.url);
});
afterAll(async () => {
  await app?.stop();
});

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const me = (token: string) => client(app.url, token).get('/v1/me');
const claims = (extra: object = {}) => {
  const iat = Math.floor(Date.now() / 1000);
  return { sub: account.id, roles: ['admin'], iss: 'tessera', iat, exp: iat + 600, jti: 'a-jti', ...extra };
};
const hs256 = (header: object, payload: object, secret = TEST_JWT_SECRET) => {
  const signingInput = `${b64url(header)}.${b64url(payload)}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
};

describe('access tokens', () => {
  it('a token of ours is accepted (control)', async () => {
    expect((await me(account.accessToken)).status).toBe(200);
    expect((await me(hs256({ alg: 'HS256', typ: 'JWT' }, claims()))).status).toBe(200);
  });

  it('carries sub, roles, exp, iat, jti and is HS256', () => {
    const [header, payload] = account.accessToken.split('.').map((part, i) => (i < 2 ? JSON.parse(Buffer.from(part, 'base64url').toString()) : part));
    expect(header).toMatchObject({ alg: 'HS256' });
    expect(payload).toMatchObject({ sub: account.id, roles: [], iss: 'tessera' });
    expect(payload.exp - payload.iat).toBe(900);
    expect(typeof payload.jti).toBe('string');
  });

  it('expired → 401', async () => {
    const tokens = new AccessTokens(TEST_JWT_SECRET, 60);
    const expired = await tokens.issue({ userId: account.id, roles: [] }, new Date(Date.now() - 3_600_000));
    expectProblem(await me(expired), 401, 'unauthorized');
  });

  it('tampered payload or signature → 401', async () => {
    const [header, , signature] = account.accessToken.split('.');
    const forged = `${header}.${b64url(claims())}.${signature}`;
    expectProblem(await me(forged), 401, 'unauthorized');
    const flipped = account.accessToken.slice(0, -2) + (account.accessToken.endsWith('AA') ? 'BB' : 'AA');
    expectProblem(await me(flipped), 401, 'unauthorized');
  });

  it('alg: none → 401 (with or without a signature part)', async () => {
    const unsigned = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}.`;
    expectProblem(await me(unsigned), 401, 'unauthorized');
    expectProblem(await me(`${unsigned}c2ln`), 401, 'unauthorized');
    expectProblem(await me(`${b64url({ alg: 'None' })}.${b64url(claims())}.`), 401, 'unauthorized');
  });

  it('wrong secret → 401', async () => {
    expectProblem(await me(hs256({ alg: 'HS256' }, claims(), 'another-secret-another-secret-another-secret')), 401, 'unauthorized');
  });

  it('mismatched algorithms → 401 (HS512 with our secret, RS256, HS256 header over an HS512 MAC)', async () => {
    const key = new TextEncoder().encode(TEST_JWT_SECRET);
    const hs512 = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS512' }).sign(key);
    expectProblem(await me(hs512), 401, 'unauthorized');
    const { privateKey } = await generateKeyPair('RS256');
    const rs256 = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    expectProblem(await me(rs256), 401, 'unauthorized');
    const [, payload, mac] = hs512.split('.');
    expectProblem(await me(`${b64url({ alg: 'HS256' })}.${payload}.${mac}`), 401, 'unauthorized');
  });

  it('missing claims, foreign issuer or malformed headers → 401', async () => {
    const { jti: _jti, ...noJti } = claims();
    expectProblem(await me(hs256({ alg: 'HS256' }, noJti)), 401);
    const { exp: _exp, ...noExp } = claims();
    expectProblem(await me(hs256({ alg: 'HS256' }, noExp)), 401);
    expectProblem(await me(hs256({ alg: 'HS256' }, claims({ iss: 'elsewhere' }))), 401);
    expectProblem(await me(hs256({ alg: 'HS256' }, claims({ sub: 42 }))), 401);
    for (const authorization of ['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer a.b', `Token ${account.accessToken}`, `Bearer ${'x'.repeat(5000)}.y.z`]) {
      const res = await fetch(`${app.url}/v1/me`, { headers: { authorization } });
      expect(res.status, authorization.slice(0, 20)).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
  });
});

describe('refresh tokens', () => {
  it('refresh rotates: a new pair each time, the old refresh token is spent', async () => {
    const session = await login(app.url, account.email, account.password);
    const first = await anon.post('/v1/auth/refresh', { refreshToken: session.body.refreshToken });
    expect(first.status).toBe(200);
    expect(first.body.refreshToken).not.toBe(session.body.refreshToken);
    expect(first.body.user.id).toBe(account.id);
    expect((await me(first.body.accessToken)).status).toBe(200);
    const second = await anon.post('/v1/auth/refresh', { refreshToken: first.body.refreshToken });
    expect(second.status).toBe(200);
    expect(new Set([session.body.refreshToken, first.body.refreshToken, second.body.refreshToken]).size).toBe(3);
  });

  it('reusing a rotated refresh token revokes the whole family (theft detection), not other logins', async () => {
    const victim = await login(app.url, account.email, account.password);
    const unrelated = await login(app.url, account.email, account.password);
    const stolen = victim.body.refreshToken as string;
    const rotated = await anon.post('/v1/auth/refresh', { refreshToken: stolen });
    expect(rotated.status).toBe(200);

    expectProblem(await anon.post('/v1/auth/refresh', { refreshToken: stolen }), 401, 'refresh-token-reused');
    // the legitimate holder's newer token died with the family
    expectProblem(await anon.post('/v1/auth/refresh', { refreshToken: rotated.body.refreshToken }), 401, 'refresh-token-reused');
    // another login of the same user is a different family and lives on
    expect((await anon.post('/v1/auth/refresh', { refreshToken: unrelated.body.refreshToken })).status).toBe(200);

    const family = await app.tessera.knex('refresh_tokens').where({ user_id: account.id }).whereNotNull('revoked_at').select('revoked_reason');
    expect(family.map((r: { revoked_reason: string }) => r.revoked_reason)).toContain('reuse-detected');
  });

  it('two concurrent refreshes with one token: exactly one succeeds', async () => {
    const session = await login(app.url, account.email, account.password);
    const results = await Promise.all([1, 2, 3].map(() => anon.post('/v1/auth/refresh', { refreshToken: session.body.refreshToken })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 401)).toHaveLength(2);
  });

  it('unknown, malformed or expired refresh tokens → 401; tokens are stored only as hashes', async () => {
    expectProblem(await anon.post('/v1/auth/refresh', { refreshToken: 'A'.repeat(43) }), 401, 'invalid-refresh-token');
    expectProblem(await anon.post('/v1/auth/refresh', { refreshToken: 'not a token' }), 401, 'invalid-refresh-token');
    expectProblem(await anon.post('/v1/auth/refresh', { refreshToken: 42 }), 400, 'validation-failed');

    const session = await login(app.url, account.email, account.password);
    const rows = await app.tessera.knex('refresh_tokens').select('token_hash');
    expect(rows.some((r: { token_hash: string }) => r.token_hash === session.body.refreshToken)).toBe(false);
    await app.tessera.knex('refresh_tokens').where({ user_id: account.id }).whereNull('used_at').update({ expires_at: new Date(Date.now() - 1000) });
    expectProblem(await anon.post('/v1/auth/refresh', { refreshToken: session.body.refreshToken }), 401, 'invalid-refresh-token');
  });

  it('logout revokes the session; allSessions revokes every session of the user; unknown tokens are fine', async () => {
    const one = await login(app.url, account.email, account.password);
    const two = await login(app.url, account.email, account.password);
    const three = await login(app.url, account.email, account.password);
    expect((await anon.post('/v1/auth/logout', { refreshToken: one.body.refreshToken })).status).toBe(204);
    expectProblem(await anon.post('/v1/auth/refresh', { refreshToken: one.body.refreshToken }), 401);
    expect((await anon.post('/v1/auth/refresh', { refreshToken: two.body.refreshToken })).status).toBe(200);

    expect((await anon.post('/v1/auth/logout', { refreshToken: three.body.refreshToken, allSessions: true })).status).toBe(204);
    const after = await app.tessera.knex('refresh_tokens').where({ user_id: account.id }).whereNull('revoked_at');
    expect(after).toEqual([]);
    expect((await anon.post('/v1/auth/logout', { refreshToken: 'B'.repeat(43) })).status).toBe(204);
  });
});
