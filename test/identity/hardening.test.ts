/** HTTP hardening (issue #4 §5): security headers, CORS, body limit, timeouts, trust proxy. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

let app: TestApp;
const ORIGIN = 'https://app.example';

beforeAll(async () => {
  app = await startTestApp({
    env: { CORS_ORIGINS: `${ORIGIN},https://admin.example`, BODY_LIMIT: '2kb', REQUEST_TIMEOUT_MS: '15000', TRUST_PROXY: 'false', RATE_LIMIT_AUTH_PER_MIN: '2' },
  });
});
afterAll(async () => {
  await app?.stop();
});

describe('hardening', () => {
  it('sets security headers (helmet) and no X-Powered-By, on successes and problems alike', async () => {
    for (const path of ['/health/live', '/v1/me', '/v1/nope']) {
      const res = await fetch(`${app.url}${path}`);
      expect(res.headers.get('x-powered-by'), path).toBeNull();
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    }
  });

  it('allows CORS only from CORS_ORIGINS and exposes the rate-limit and consistency headers', async () => {
    const preflight = await fetch(`${app.url}/v1/me`, {
      method: 'OPTIONS',
      headers: { origin: ORIGIN, 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN);

    const allowed = await fetch(`${app.url}/health/live`, { headers: { origin: ORIGIN } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const exposed = (allowed.headers.get('access-control-expose-headers') ?? '').toLowerCase();
    for (const header of ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'retry-after', 'etag', 'x-position']) expect(exposed).toContain(header);

    const foreign = await fetch(`${app.url}/health/live`, { headers: { origin: 'https://evil.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses bodies over BODY_LIMIT with 413 problem+json', async () => {
    const res = await fetch(`${app.url}/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '10.9.9.9' },
      body: JSON.stringify({ email: 'big@example.com', password: 'x'.repeat(4000), name: 'Big' }),
    });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await res.json()).toMatchObject({ code: 'body-too-large' });
  });

  it('bounds request time (REQUEST_TIMEOUT_MS) on the server', () => {
    expect(app.tessera.server!.requestTimeout).toBe(15_000);
    expect(app.tessera.server!.headersTimeout).toBeLessThanOrEqual(15_000);
  });

  it('with TRUST_PROXY=false, X-Forwarded-For cannot be used to dodge the per-IP limit', async () => {
    const statuses = [];
    for (const ip of ['1.1.1.1', '2.2.2.2', '3.3.3.3']) {
      const res = await fetch(`${app.url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
        body: JSON.stringify({ email: 'who@example.com', password: 'nothing at all' }),
      });
      statuses.push(res.status);
    }
    // all three count against 127.0.0.1 (limit 2), whatever they claim to come from
    expect(statuses).toEqual([401, 401, 429]);
  });
});
