/**
 * The per-resource mechanism (src/api/access.ts) through real HTTP, with tiny in-test
 * routes and in-test role loaders (the scheduling read models do not exist yet).
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { resourceRolesOf, ResourceAccess, type GroupRole, type Membership, type MeetingRole } from '../../src/api/access.js';
import { createApp } from '../../src/api/app.js';
import { AccessTokens } from '../../src/api/auth/accessTokens.js';
import { route } from '../../src/api/routes.js';
import { createMetrics } from '../../src/metrics.js';
import { client } from '../support/http.js';

const ORGANIZER = randomUUID();
const PARTICIPANT = randomUUID();
const OWNER = randomUUID();
const MEMBER = randomUUID();
const STRANGER = randomUUID();
const ADMIN = randomUUID();
const MEETING = randomUUID();
const GROUP = randomUUID();

const meetings = new Map<string, Map<string, MeetingRole>>([[MEETING, new Map([[ORGANIZER, 'organizer'], [PARTICIPANT, 'participant']])]]);
const groups = new Map<string, Map<string, GroupRole>>([[GROUP, new Map([[OWNER, 'owner'], [MEMBER, 'member']])]]);
const loaded: string[] = [];
function loader<R extends string>(table: Map<string, Map<string, R>>, isPublic: boolean) {
  return async (id: string, userId: string): Promise<Membership<R> | undefined> => {
    loaded.push(id);
    const members = table.get(id);
    if (!members) return undefined;
    const role = members.get(userId);
    return { public: isPublic, roles: role ? [role] : [] };
  };
}

const tokens = new AccessTokens('resource-access-test-secret-0123456789abcdef', 600);
let server: http.Server;
let baseUrl: string;
const as = async (userId: string, roles: string[] = []) => client(baseUrl, await tokens.issue({ userId, roles }, new Date()));

beforeAll(async () => {
  const resources = new ResourceAccess({ meeting: loader(meetings, false), group: loader(groups, true) });
  const routes = [
    route({
      method: 'get',
      path: '/v1/test/meetings/:id',
      summary: 'test',
      tags: ['test'],
      access: resources.meeting(['organizer', 'participant']),
      params: z.object({ id: z.uuid() }),
      handler: async (ctx) => ({ body: { meeting: ctx.params.id, ...resourceRolesOf(ctx) } }),
    }),
    route({
      method: 'post',
      path: '/v1/test/meetings/:id/schedule',
      summary: 'test',
      tags: ['test'],
      access: resources.meeting(['organizer'], { adminOverride: false }),
      handler: async () => ({ status: 204 }),
    }),
    route({
      method: 'post',
      path: '/v1/test/groups/:groupId/members',
      summary: 'test',
      tags: ['test'],
      access: resources.group(['owner', 'admin'], { param: 'groupId' }),
      body: z.object({ userId: z.uuid() }),
      handler: async (ctx) => ({ status: 201, body: { added: ctx.body.userId, ...resourceRolesOf(ctx) } }),
    }),
  ];
  const app = createApp({
    config: { corsOrigins: [], trustProxy: 'loopback', http: { bodyLimit: '10kb', requestTimeoutMs: 5000 } },
    logger: pino({ level: 'silent' }),
    metrics: createMetrics({ defaultMetrics: false }),
    routes,
    routeDependencies: { authenticate: async (req) => (req.headers.authorization ? tokens.verify(req.headers.authorization.replace(/^Bearer /, '')) : undefined), now: () => new Date() },
    readinessChecks: [],
    version: 'test',
  });
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  baseUrl = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

describe('per-resource rules on routes', () => {
  it('meetings (private): organizer and participants in; strangers get 404, anonymous 401', async () => {
    expect((await client(baseUrl).get(`/v1/test/meetings/${MEETING}`)).status).toBe(401);
    const organizer = await (await as(ORGANIZER)).get(`/v1/test/meetings/${MEETING}`);
    expect(organizer).toMatchObject({ status: 200, body: { roles: ['organizer'], asAdmin: false } });
    expect((await (await as(PARTICIPANT)).get(`/v1/test/meetings/${MEETING}`)).body.roles).toEqual(['participant']);
    const stranger = await (await as(STRANGER)).get(`/v1/test/meetings/${MEETING}`);
    expect(stranger).toMatchObject({ status: 404, body: { code: 'not-found', detail: 'Meeting not found' } });
    expect((await (await as(STRANGER)).get(`/v1/test/meetings/${randomUUID()}`)).status).toBe(404);
  });

  it('a participant is known to the meeting, so a stronger rule answers 403, not 404', async () => {
    expect((await (await as(PARTICIPANT)).post(`/v1/test/meetings/${MEETING}/schedule`)).status).toBe(403);
    expect((await (await as(ORGANIZER)).post(`/v1/test/meetings/${MEETING}/schedule`)).status).toBe(204);
  });

  it('admins pass unless the rule opts out', async () => {
    const admin = await as(ADMIN, ['admin']);
    expect((await admin.get(`/v1/test/meetings/${MEETING}`)).body).toMatchObject({ roles: [], asAdmin: true });
    expect((await admin.post(`/v1/test/meetings/${MEETING}/schedule`)).status).toBe(404);
  });

  it('groups (public) with a custom parameter: owners in, members and strangers 403', async () => {
    const body = { userId: randomUUID() };
    const owner = await (await as(OWNER)).post(`/v1/test/groups/${GROUP}/members`, body);
    expect(owner).toMatchObject({ status: 201, body: { roles: ['owner'] } });
    expect((await (await as(MEMBER)).post(`/v1/test/groups/${GROUP}/members`, body)).status).toBe(403);
    expect((await (await as(STRANGER)).post(`/v1/test/groups/${GROUP}/members`, body)).status).toBe(403);
    expect((await (await as(OWNER)).post(`/v1/test/groups/${randomUUID()}/members`, body)).status).toBe(404);
  });

  it('ids that are not UUIDs never reach a loader', async () => {
    loaded.length = 0;
    expect((await (await as(OWNER)).post(`/v1/test/groups/not-a-uuid/members`, { userId: randomUUID() })).status).toBe(404);
    expect(loaded).toEqual([]);
  });

  it('the live hook uses the same rules', async () => {
    const resources = new ResourceAccess({ meeting: loader(meetings, false) });
    expect(await resources.authorizeChannel({ userId: PARTICIPANT, roles: [] }, `meeting:${MEETING}`)).toBe(true);
    expect(await resources.authorizeChannel({ userId: STRANGER, roles: [] }, `meeting:${MEETING}`)).toBe(false);
    expect(await resources.authorizeChannel({ userId: ADMIN, roles: ['admin'] }, `meeting:${MEETING}`)).toBe(true);
    expect(await resources.authorizeChannel({ userId: STRANGER, roles: [] }, `event:${randomUUID()}`)).toBe(false);
  });
});
