/**
 * Groups over the REST API with a real server and PostgreSQL (docs/scheduling.md §3
 * Groups): who may do what (owner, admins, members, outsiders, platform admins), leaving
 * and transferring, member names from the people read model, revisions (ETag, If-Match),
 * Idempotency-Key, X-Position, the caller's groups with cursors, the membership reads
 * other parts build on, and every refusal as problem+json.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { membersOfGroups, sharingAGroupWith } from '../../src/projections/scheduling/groupMembers.js';
import { loadPeople } from '../../src/projections/scheduling/people.js';
import { expectProblem, register, type Account } from '../identity/helpers.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { client } from '../support/http.js';
import { eventually } from '../support/processes.js';

let app: TestApp;
let ann: Account;
let bob: Account;
let cy: Account;
let outsider: Account;
let platformAdmin: ReturnType<typeof client>;

beforeAll(async () => {
  app = await startTestApp();
  [ann, bob, cy, outsider] = (await Promise.all(['Ann', 'Bob', 'Cy', 'Olga'].map((name) => register(app.url, { name })))) as [Account, Account, Account, Account];
  platformAdmin = client(app.url, await app.tokenFor(randomUUID(), ['admin']));
  // names come from the people read model: wait until it has seen the registrations
  await eventually('people read model', async () => (await loadPeople(app.tessera.knex, [ann.id, bob.id, cy.id, outsider.id])).size === 4);
});
afterAll(async () => {
  await app?.stop();
});

const created = async (owner: Account, body: object = { name: 'Platform team' }) => {
  const res = await owner.http.post('/v1/groups', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res;
};
const ifMatch = (res: { headers: Headers }) => ({ 'If-Match': res.headers.get('etag')! });

describe('creating and reading a group', () => {
  it('the caller owns the new group: 201 with Location, ETag, X-Position, and themself as the only member, named', async () => {
    const res = await created(ann, { name: '  Platform team ', description: 'Infra', color: '#1A7F5A' });
    const id = res.body.id as string;
    expect(res.headers.get('location')).toBe(`/v1/groups/${id}`);
    expect(res.headers.get('etag')).toBe('W/"0"');
    expect(res.headers.get('x-position')).toBe(res.body.position);
    expect(res.body).toEqual({
      id,
      name: 'Platform team',
      description: 'Infra',
      color: '#1a7f5a',
      ownerId: ann.id,
      members: [{ userId: ann.id, name: 'Ann', role: 'owner', joinedAt: expect.stringMatching(/Z$/) }],
      revision: '0',
      position: res.body.position,
    });
    const read = await ann.http.get(`/v1/groups/${id}`);
    expect(read.status).toBe(200);
    const { position: _position, ...group } = res.body;
    expect(read.body).toEqual(group);
    expect(read.headers.get('etag')).toBe('W/"0"');
    expect(read.headers.get('x-position')).toBe(res.body.position);
  });

  it('members only: others get 404 as for a group that does not exist; platform admins may read', async () => {
    const { body } = await created(ann);
    expectProblem(await outsider.http.get(`/v1/groups/${body.id}`), 404, 'not-found');
    expectProblem(await outsider.http.get(`/v1/groups/${randomUUID()}`), 404, 'not-found');
    expectProblem(await outsider.http.patch(`/v1/groups/${body.id}`, { name: 'Mine' }), 404, 'not-found');
    expect((await platformAdmin.get(`/v1/groups/${body.id}`)).status).toBe(200);
    expectProblem(await client(app.url).get(`/v1/groups/${body.id}`), 401, 'unauthorized');
  });

  it('an Idempotency-Key retry answers the same group, created once', async () => {
    const headers = { 'Idempotency-Key': `group-${randomUUID()}` };
    const first = await ann.http.post('/v1/groups', { name: 'Once' }, headers);
    const again = await ann.http.post('/v1/groups', { name: 'Once' }, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    const stream = await app.tessera.store.readStream(`group-${first.body.id}`, { maxCount: 10 });
    expect(stream.map((e) => e.type)).toEqual(['GroupCreated']);
  });

  it('refuses bad input with 400 problem+json and writes nothing', async () => {
    for (const body of [{}, { name: '   ' }, { name: 'x'.repeat(101) }, { name: 'T', color: 'red' }, { name: 'T', color: '#abc' }, { name: 'T', description: 'd'.repeat(2001) }, { name: 'T', extra: 1 }]) {
      expectProblem(await ann.http.post('/v1/groups', body), 400, 'validation-failed');
    }
    const { body } = await created(ann);
    expectProblem(await ann.http.get('/v1/groups/not-a-uuid'), 400, 'validation-failed');
    expectProblem(await ann.http.post(`/v1/groups/${body.id}/members`, { userId: 'bob' }), 400, 'validation-failed');
    expectProblem(await ann.http.post(`/v1/groups/${body.id}/members`, { userId: bob.id, role: 'owner' }), 400, 'validation-failed');
    expectProblem(await ann.http.patch(`/v1/groups/${body.id}/members/${bob.id}`, { role: 'boss' }), 400, 'validation-failed');
    expect((await ann.http.get(`/v1/groups/${body.id}`)).body.revision).toBe('0');
  });
});

describe('members and roles', () => {
  it('owner and admins add registered users; members cannot; unknown users are 404 user-not-found', async () => {
    const { body: group } = await created(ann);
    const added = await ann.http.post(`/v1/groups/${group.id}/members`, { userId: bob.id });
    expect(added.status).toBe(201);
    expect(added.body.members).toEqual([
      { userId: ann.id, name: 'Ann', role: 'owner', joinedAt: expect.any(String) },
      { userId: bob.id, name: 'Bob', role: 'member', joinedAt: expect.any(String) },
    ]);
    expect(added.headers.get('etag')).toBe('W/"1"');
    // a member holds a role in the group, so is told 403 rather than 404
    expectProblem(await bob.http.post(`/v1/groups/${group.id}/members`, { userId: cy.id }), 403, 'forbidden');
    expectProblem(await ann.http.post(`/v1/groups/${group.id}/members`, { userId: randomUUID() }), 404, 'user-not-found');
    const admin = await ann.http.post(`/v1/groups/${group.id}/members`, { userId: cy.id, role: 'admin' });
    expect(admin.body.members.map((m: { role: string }) => m.role)).toEqual(['owner', 'member', 'admin']);
    expect((await cy.http.post(`/v1/groups/${group.id}/members`, { userId: outsider.id })).status).toBe(201);
    // the same add again changes nothing; with another role it is a conflict
    const repeated = await ann.http.post(`/v1/groups/${group.id}/members`, { userId: bob.id });
    expect(repeated.status).toBe(201);
    expect(repeated.body.revision).toBe('3');
    expectProblem(await ann.http.post(`/v1/groups/${group.id}/members`, { userId: bob.id, role: 'admin' }), 409, 'already-member');
  });

  it('only the owner changes roles; the owner role moves only by transfer', async () => {
    const { body: group } = await created(ann);
    await ann.http.post(`/v1/groups/${group.id}/members`, { userId: bob.id });
    await ann.http.post(`/v1/groups/${group.id}/members`, { userId: cy.id, role: 'admin' });
    expectProblem(await cy.http.patch(`/v1/groups/${group.id}/members/${bob.id}`, { role: 'admin' }), 403, 'forbidden');
    const promoted = await ann.http.patch(`/v1/groups/${group.id}/members/${bob.id}`, { role: 'admin' });
    expect(promoted.status).toBe(200);
    expect(promoted.body.members.find((m: { userId: string }) => m.userId === bob.id).role).toBe('admin');
    expectProblem(await ann.http.patch(`/v1/groups/${group.id}/members/${outsider.id}`, { role: 'admin' }), 404, 'member-not-found');
    expectProblem(await ann.http.patch(`/v1/groups/${group.id}/members/${ann.id}`, { role: 'member' }), 409, 'owner-must-transfer');
  });

  it('owner and admins change details, with If-Match: a stale revision is 412 and changes nothing', async () => {
    const { body: group } = await created(ann);
    await ann.http.post(`/v1/groups/${group.id}/members`, { userId: cy.id, role: 'admin' });
    await ann.http.post(`/v1/groups/${group.id}/members`, { userId: bob.id });
    const current = await cy.http.get(`/v1/groups/${group.id}`);
    const changed = await cy.http.patch(`/v1/groups/${group.id}`, { description: 'On call', color: null }, ifMatch(current));
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ description: 'On call', color: null, revision: '3' });
    const stale = await cy.http.patch(`/v1/groups/${group.id}`, { name: 'Renamed' }, ifMatch(current));
    expectProblem(stale, 412, 'revision-mismatch');
    expectProblem(await bob.http.patch(`/v1/groups/${group.id}`, { name: 'Mine' }), 403, 'forbidden');
    expect((await bob.http.get(`/v1/groups/${group.id}`)).body.name).toBe('Platform team');
  });
});

describe('leaving, removing and transferring', () => {
  it('a member leaves and no longer sees the group; admins remove members; members remove nobody else', async () => {
    const { body: group } = await created(ann);
    for (const userId of [bob.id, cy.id, outsider.id]) await ann.http.post(`/v1/groups/${group.id}/members`, { userId });
    expectProblem(await bob.http.delete(`/v1/groups/${group.id}/members/${cy.id}`), 403, 'not-group-admin');
    const left = await bob.http.delete(`/v1/groups/${group.id}/members/${bob.id}`);
    expect(left.status).toBe(200);
    expect(left.body.members.map((m: { userId: string }) => m.userId)).toEqual([ann.id, cy.id, outsider.id]);
    expectProblem(await bob.http.get(`/v1/groups/${group.id}`), 404, 'not-found');
    expectProblem(await ann.http.delete(`/v1/groups/${group.id}/members/${bob.id}`), 404, 'member-not-found');
    await ann.http.patch(`/v1/groups/${group.id}/members/${cy.id}`, { role: 'admin' });
    expect((await cy.http.delete(`/v1/groups/${group.id}/members/${outsider.id}`)).status).toBe(200);
  });

  it('the owner cannot leave (409 owner-must-transfer) until ownership goes to a member; then stays as an admin', async () => {
    const { body: group } = await created(ann);
    await ann.http.post(`/v1/groups/${group.id}/members`, { userId: bob.id });
    expectProblem(await ann.http.delete(`/v1/groups/${group.id}/members/${ann.id}`), 409, 'owner-must-transfer');
    expectProblem(await ann.http.post(`/v1/groups/${group.id}/transfer`, { userId: outsider.id }), 422, 'new-owner-not-member');
    expectProblem(await bob.http.post(`/v1/groups/${group.id}/transfer`, { userId: bob.id }), 403, 'forbidden');
    const transferred = await ann.http.post(`/v1/groups/${group.id}/transfer`, { userId: bob.id });
    expect(transferred.status).toBe(200);
    expect(transferred.body.ownerId).toBe(bob.id);
    expect(transferred.body.members.map((m: { userId: string; role: string }) => [m.userId, m.role])).toEqual([
      [ann.id, 'admin'],
      [bob.id, 'owner'],
    ]);
    expectProblem(await bob.http.delete(`/v1/groups/${group.id}/members/${bob.id}`), 409, 'owner-must-transfer');
    expect((await ann.http.delete(`/v1/groups/${group.id}/members/${ann.id}`)).status).toBe(200);
  });
});

describe('GET /v1/me/groups and the membership reads', () => {
  it("lists the caller's groups with their role, newest membership first, page by page; the reads other parts use agree", async () => {
    const solo = await register(app.url, { name: 'Dana' });
    const first = await created(ann, { name: 'First' });
    const second = await created(solo, { name: 'Second' });
    const joined = await ann.http.post(`/v1/groups/${first.body.id}/members`, { userId: solo.id, role: 'admin' });
    const third = await created(solo, { name: 'Third' });
    const position = third.headers.get('x-position')!;
    expect(BigInt(position)).toBeGreaterThan(BigInt(joined.headers.get('x-position')!));

    const page1 = await solo.http.get('/v1/me/groups?limit=2', { 'X-Min-Position': position });
    expect(page1.status).toBe(200);
    expect(BigInt(page1.headers.get('x-position')!)).toBeGreaterThanOrEqual(BigInt(position));
    expect(page1.body.items.map((g: { name: string; role: string; memberCount: number }) => [g.name, g.role, g.memberCount])).toEqual([
      ['Third', 'owner', 1],
      ['First', 'admin', 2],
    ]);
    expect(page1.body.items[1]).toMatchObject({ id: first.body.id, ownerId: ann.id, revision: '1', color: null, description: '' });
    const page2 = await solo.http.get(`/v1/me/groups?limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body).toEqual({ items: [expect.objectContaining({ name: 'Second', role: 'owner' })], nextCursor: null });
    expectProblem(await solo.http.get('/v1/me/groups?cursor=bogus'), 400, 'invalid-cursor');
    const stranger = client(app.url, await app.tokenFor(randomUUID()));
    expect((await stranger.get('/v1/me/groups', { 'X-Min-Position': position })).body).toEqual({ items: [], nextCursor: null });

    const members = await membersOfGroups(app.tessera.knex, [first.body.id, second.body.id, randomUUID()]);
    expect(members.get(first.body.id)?.map((m) => [m.userId, m.role])).toEqual([
      [ann.id, 'owner'],
      [solo.id, 'admin'],
    ]);
    expect(members.get(second.body.id)?.map((m) => m.userId)).toEqual([solo.id]);
    expect(members.size).toBe(2);
    const coMembers = await sharingAGroupWith(app.tessera.knex, solo.id, [solo.id, ann.id, bob.id, cy.id]);
    expect(coMembers).toEqual(new Set([solo.id, ann.id]));
  });
});
