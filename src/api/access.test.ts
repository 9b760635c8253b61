import { describe, expect, it } from 'vitest';
import { decideAccess, ResourceAccess, type Membership } from './access.js';

const user = { userId: 'u1', roles: [] };
const admin = { userId: 'a1', roles: ['admin'] };
const m = <R extends string>(roles: R[], isPublic = false): Membership<R> => ({ public: isPublic, roles });

describe('decideAccess (the one rule)', () => {
  it.each([
    ['missing resource', user, undefined, 404],
    ['missing resource, even for admins', admin, undefined, 404],
    ['required role', user, m(['organizer']), 'allowed'],
    ['another role on it: knows it exists', user, m(['viewer']), 403],
    ['no role, public resource', user, m([], true), 403],
    ['no role, private resource: existence must not leak', user, m([]), 404],
    ['admin without a role', admin, m([]), 'allowed'],
  ] as const)('%s', (_, principal, membership, expected) => {
    const decision = decideAccess(principal, membership as Membership<string> | undefined, ['organizer', 'co-organizer']);
    expect(decision.allowed ? 'allowed' : decision.status).toBe(expected);
  });

  it('allowPublic lets anyone in while the resource is public, never into a private one', () => {
    expect(decideAccess(user, m([], true), ['organizer'], { allowPublic: true })).toEqual({ allowed: true, roles: [], asAdmin: false });
    expect(decideAccess(user, m([]), ['organizer'], { allowPublic: true })).toEqual({ allowed: false, status: 404 });
    expect(decideAccess(user, undefined, ['organizer'], { allowPublic: true })).toEqual({ allowed: false, status: 404 });
  });

  it('admins pass as admins, and not at all when the rule opts out', () => {
    expect(decideAccess(admin, m([]), ['organizer'])).toEqual({ allowed: true, roles: [], asAdmin: true });
    expect(decideAccess(admin, m([], true), ['organizer'], { adminOverride: false })).toEqual({ allowed: false, status: 403 });
    expect(decideAccess(admin, m(['organizer']), ['organizer'])).toEqual({ allowed: true, roles: ['organizer'], asAdmin: false });
  });
});

describe('ResourceAccess', () => {
  it('refuses to declare a rule for a kind without a loader, or without roles', () => {
    const resources = new ResourceAccess({ meeting: async () => undefined });
    expect(() => resources.group(['owner'])).toThrow(/No role loader for group/);
    expect(() => resources.meeting([])).toThrow(/at least one role/);
    expect(resources.meeting(['organizer'])).toMatchObject({ kind: 'resource', rule: 'meeting:organizer' });
    expect(resources.meeting(['organizer', 'participant'], { allowPublic: true })).toMatchObject({ rule: 'meeting:organizer|participant|public' });
  });

  it('never calls a loader with an id that is not a UUID', async () => {
    const seen: string[] = [];
    const resources = new ResourceAccess({ meeting: async (id) => (seen.push(id), m(['organizer'])) });
    expect(await resources.membership('meeting', "1' OR '1'='1", 'u1')).toBeUndefined();
    expect(await resources.membership('meeting', 'ABCDEF00-0000-4000-8000-000000000000', 'u1')).toEqual(m(['organizer']));
    expect(seen).toEqual(['abcdef00-0000-4000-8000-000000000000']);
  });
});
