import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => {
  await app?.stop();
});

describe('HTTP conventions', () => {
  it('health endpoints answer JSON', async () => {
    const live = await fetch(`${app.url}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${app.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', checks: { postgres: { status: 'ok' }, eventStore: { status: 'ok' } } });
  });

  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    const echoed = await fetch(`${app.url}/health/live`, { headers: { 'X-Request-Id': 'abc-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('abc-123');
    const made = await fetch(`${app.url}/health/live`, { headers: { 'X-Request-Id': 'bad id with spaces and a /slash' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('unknown routes are 404 problems; bad JSON is a 400 problem; no X-Powered-By', async () => {
    const missing = await fetch(`${app.url}/v1/nope`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(missing.headers.get('x-powered-by')).toBeNull();
    expect(await missing.json()).toMatchObject({ status: 404, code: 'not-found' });
    const bad = await fetch(`${app.url}/v1/nope`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'invalid-json' });
  });

  it('requests the HTTP parser refuses (oversized URL, malformed request line) are problem+json too', async () => {
    const oversized = await fetch(`${app.url}/v1/events?title=${'x'.repeat(40_000)}`);
    expect(oversized.status).toBe(431);
    expect(oversized.headers.get('content-type')).toBe('application/problem+json');
    expect(await oversized.json()).toMatchObject({ status: 431, code: 'headers-too-large' });

    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(new URL(app.url).port), '127.0.0.1', () => socket.write('GARBAGE / HTTP/9\r\n\r\n'));
      let text = '';
      socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      socket.on('end', () => resolve(text)).on('error', reject);
    });
    const [head, body] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(head).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/);
    expect(JSON.parse(body!)).toMatchObject({ status: 400, code: 'malformed-request' });
  });

  it('serves the OpenAPI document, Swagger UI and Prometheus metrics', async () => {
    const doc = (await (await fetch(`${app.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/v1/admin/projections');
    const docs = await fetch(`${app.url}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    expect(metrics).toContain('tessera_http_request_duration_seconds');
  });

  it('admin endpoints need a token and the admin role', async () => {
    expect((await fetch(`${app.url}/v1/admin/projections`)).status).toBe(401);
    const garbage = await fetch(`${app.url}/v1/admin/projections`, { headers: { authorization: 'Bearer not.a.jwt' } });
    expect(garbage.status).toBe(401);
    const user = await app.tokenFor('11111111-1111-4111-8111-111111111111');
    expect((await fetch(`${app.url}/v1/admin/projections`, { headers: { authorization: `Bearer ${user}` } })).status).toBe(403);
    const admin = await app.tokenFor('22222222-2222-4222-8222-222222222222', ['admin']);
    const ok = await fetch(`${app.url}/v1/admin/projections`, { headers: { authorization: `Bearer ${admin}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toHaveProperty('items');
  });
});
