/**
 * An api process can answer before any projector has set up the read models (a fresh
 * database; compose and k8s start the roles together). A read-model GET then answers
 * 503 projection-behind with Retry-After — the read model is behind, not broken — never
 * a 500 for a missing table. A command answered from its stream is not refused for a read
 * model it only decorates its answer from (group member names).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { PROCESS_ROLES: 'api' } });
});
afterAll(async () => {
  await app?.stop();
});

it('a read model no projector has created yet is 503 projection-behind, not 500', async () => {
  const http = client(app.url, await app.tokenFor(randomUUID()));
  for (const path of ['/v1/events', '/v1/me/reservations', '/v1/me/notifications', '/v1/me/groups']) {
    const res = await http.get(path);
    expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(503);
    expect(res.body.code).toBe('projection-behind');
    expect(res.headers.get('retry-after')).toBe('1');
  }
});

it('a group command is answered even so: the change is made, and member names are null until the people read model exists', async () => {
  const ownerId = randomUUID();
  const http = client(app.url, await app.tokenFor(ownerId));
  const created = await http.post('/v1/groups', { name: 'Before the projector' });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  expect(created.body.members).toEqual([{ userId: ownerId, name: null, role: 'owner', joinedAt: expect.stringMatching(/Z$/) }]);
  const read = await http.get(`/v1/groups/${created.body.id}`);
  expect(read.status).toBe(200);
  expect(read.body.revision).toBe('0');
});
