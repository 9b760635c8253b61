import fc from 'fast-check';
import { deciderSpec } from '../../../test/support/deciderSpec.js';
import { describe, expect, it } from 'vitest';
import type { UserEvent, UserRegistered } from './events.js';
import { canonicalTimeZone, isValidName } from './profile.js';
import { userDecider, type UserCommand, type UserCommandMeta } from './user.js';

// ---- given / when / then ----

const given = deciderSpec(userDecider);

// ---- fixtures ----

const ALICE = '0a11ce00-0000-4000-8000-000000000001';
const ADMIN = '0ad00000-0000-4000-8000-000000000002';
const NOW = '2030-05-01T12:00:00.000Z';
const LATER = '2030-05-02T12:00:00.000Z';
const meta = (extra: Partial<UserCommandMeta> = {}): UserCommandMeta => ({ now: NOW, actorId: ALICE, ...extra });
const adminMeta = (extra: Partial<UserCommandMeta> = {}) => meta({ actorId: ADMIN, actorIsAdmin: true, ...extra });

const register = (extra: Partial<Extract<UserCommand, { type: 'RegisterUser' }>['data']> = {}): UserCommand => ({
  type: 'RegisterUser',
  data: { userId: ALICE, email: ' Alice@Example.COM ', name: ' Alice ', timezone: 'europe/berlin', passwordHash: 'h1', grantAdmin: false, ...extra },
  meta: meta({ actorId: 'system' }),
});

const registered: UserRegistered = {
  type: 'UserRegistered',
  data: { userId: ALICE, email: 'alice@example.com', name: 'Alice', timezone: 'Europe/Berlin', passwordHash: 'h1', registeredAt: NOW },
};

describe('user decider: registration', () => {
  it('registers with a normalised email, name and canonical time zone', () => {
    given([]).when(register()).then([registered]);
  });

  it('grants admin at registration when asked (ADMIN_EMAILS)', () => {
    given([])
      .when(register({ grantAdmin: true }))
      .then([registered, { type: 'RoleGranted', data: { role: 'admin', by: 'system', reason: 'ADMIN_EMAILS', at: NOW } }]);
  });

  it('a retried registration of the same account is a no-op; another registration on the stream is a conflict', () => {
    given([registered]).when(register()).then([]);
    given([registered]).when(register({ email: 'other@example.com' })).thenThrows('user-exists', 'conflict');
  });

  it('refuses bad names and time zones', () => {
    given([]).when(register({ name: '   ' })).thenThrows('invalid-name', 'invalid');
    given([]).when(register({ name: 'a\u0000b' })).thenThrows('invalid-name', 'invalid');
    given([]).when(register({ name: 'x'.repeat(101) })).thenThrows('invalid-name', 'invalid');
    given([]).when(register({ timezone: 'Mars/Olympus' })).thenThrows('invalid-timezone', 'invalid');
    given([]).when(register({ timezone: '+02:00' })).thenThrows('invalid-timezone', 'invalid');
  });

  it('an abandoned registration closes the stream: the late UserRegistered cannot land', () => {
    const abandon: UserCommand = { type: 'AbandonRegistration', data: { userId: ALICE, reason: 'stale-claim' }, meta: meta({ actorId: 'system' }) };
    given([]).when(abandon).then([{ type: 'UserRegistrationAbandoned', data: { userId: ALICE, reason: 'stale-claim', at: NOW } }]);
    const abandoned: UserEvent = { type: 'UserRegistrationAbandoned', data: { userId: ALICE, reason: 'stale-claim', at: NOW } };
    given([abandoned]).when(register()).thenThrows('registration-abandoned', 'conflict');
    given([abandoned]).when(abandon).then([]);
    given([registered]).when(abandon).thenThrows('user-exists', 'conflict');
  });
});

describe('user decider: profile and password', () => {
  it('records only the fields that changed', () => {
    given([registered])
      .when({ type: 'ChangeProfile', data: { name: 'Alice', timezone: 'America/New_York' }, meta: meta({ now: LATER }) })
      .then([{ type: 'UserProfileChanged', data: { timezone: 'America/New_York', changedAt: LATER } }]);
    given([registered]).when({ type: 'ChangeProfile', data: { name: ' Alice ' }, meta: meta() }).then([]);
  });

  it('only the user or an admin may change the profile; unknown users are not found', () => {
    given([registered]).when({ type: 'ChangeProfile', data: { name: 'Mallory' }, meta: meta({ actorId: ADMIN }) }).thenThrows('forbidden', 'forbidden');
    given([registered])
      .when({ type: 'ChangeProfile', data: { name: 'Al' }, meta: adminMeta() })
      .then([{ type: 'UserProfileChanged', data: { name: 'Al', changedAt: NOW } }]);
    given([]).when({ type: 'ChangeProfile', data: { name: 'x' }, meta: meta() }).thenThrows('user-not-found', 'not-found');
  });

  it('changes the password only against the hash that was verified, and only for oneself', () => {
    given([registered])
      .when({ type: 'ChangePassword', data: { passwordHash: 'h2', verifiedAgainst: 'h1' }, meta: meta({ now: LATER }) })
      .then([{ type: 'PasswordChanged', data: { passwordHash: 'h2', changedAt: LATER } }]);
    const changed: UserEvent = { type: 'PasswordChanged', data: { passwordHash: 'h2', changedAt: LATER } };
    given([registered, changed])
      .when({ type: 'ChangePassword', data: { passwordHash: 'h3', verifiedAgainst: 'h1' }, meta: meta() })
      .thenThrows('password-changed', 'conflict');
    given([registered])
      .when({ type: 'ChangePassword', data: { passwordHash: 'h2', verifiedAgainst: 'h1' }, meta: adminMeta() })
      .thenThrows('forbidden', 'forbidden');
  });
});

describe('user decider: roles', () => {
  const granted: UserEvent = { type: 'RoleGranted', data: { role: 'admin', by: ADMIN, reason: null, at: NOW } };

  it('admins grant and revoke admin; repeats are no-ops', () => {
    given([registered]).when({ type: 'GrantRole', data: { role: 'admin' }, meta: adminMeta() }).then([granted]);
    given([registered, granted]).when({ type: 'GrantRole', data: { role: 'admin' }, meta: adminMeta() }).then([]);
    given([registered, granted])
      .when({ type: 'RevokeRole', data: { role: 'admin' }, meta: adminMeta() })
      .then([{ type: 'RoleRevoked', data: { role: 'admin', by: ADMIN, at: NOW } }]);
    given([registered]).when({ type: 'RevokeRole', data: { role: 'admin' }, meta: adminMeta() }).then([]);
  });

  it('non-admins cannot grant; admins cannot revoke their own admin role', () => {
    given([registered]).when({ type: 'GrantRole', data: { role: 'admin' }, meta: meta() }).thenThrows('forbidden', 'forbidden');
    given([registered, granted])
      .when({ type: 'RevokeRole', data: { role: 'admin' }, meta: meta({ actorIsAdmin: true }) })
      .thenThrows('cannot-revoke-own-admin', 'conflict');
  });

  it('state follows the events', () => {
    const state = given([registered, granted]).when({ type: 'ChangeProfile', data: { name: 'Alicia' }, meta: meta({ now: LATER }) }).thenState();
    expect(state).toMatchObject({ status: 'active', name: 'Alicia', roles: ['admin'], updatedAt: LATER, registeredAt: NOW, passwordHash: 'h1' });
  });
});

describe('user decider: e-mail verification (issue 13 item 7)', () => {
  const verify = (extra: Partial<Extract<UserCommand, { type: 'VerifyEmail' }>['data']> = {}, by = meta()): UserCommand => ({
    type: 'VerifyEmail',
    data: { email: 'alice@example.com', grantAdmin: false, ...extra },
    meta: by,
  });
  const verified: UserEvent = { type: 'EmailVerified', data: { email: 'alice@example.com', at: NOW } };
  const grantedOnVerify: UserEvent = { type: 'RoleGranted', data: { role: 'admin', by: 'system', reason: 'ADMIN_EMAILS (verified address)', at: NOW } };

  it('records the verified address once; verifying again changes nothing', () => {
    given([registered]).when(verify({ email: ' ALICE@example.com' })).then([verified]);
    given([registered, verified]).when(verify()).then([]);
  });

  it('grants admin with the verification when the address is in ADMIN_EMAILS, and not twice', () => {
    given([registered]).when(verify({ grantAdmin: true })).then([verified, grantedOnVerify]);
    given([registered, verified, grantedOnVerify]).when(verify({ grantAdmin: true })).then([]);
  });

  it('refuses a link for another address, another actor, or no account', () => {
    given([registered]).when(verify({ email: 'old@example.com' })).thenThrows('email-changed', 'conflict');
    given([registered]).when(verify({}, adminMeta())).thenThrows('forbidden', 'forbidden');
    given([]).when(verify()).thenThrows('user-not-found', 'not-found');
  });
});

describe('profile values', () => {
  it('canonicalises IANA zones and refuses anything else', () => {
    expect(canonicalTimeZone('europe/berlin')).toBe('Europe/Berlin');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('America/Argentina/Buenos_Aires')).toBe('America/Argentina/Buenos_Aires');
    expect(canonicalTimeZone('Asia/Kolkata')).toBe('Asia/Kolkata');
    for (const bad of ['', 'Nowhere/Land', '+01:00', 'UTC+1 ', '../etc', 'Europe/Berlin\u0000', 'x'.repeat(200)]) {
      expect(canonicalTimeZone(bad), bad).toBeUndefined();
    }
  });

  it('never throws on arbitrary strings (names and zones)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(typeof isValidName(s)).toBe('boolean');
        const zone = canonicalTimeZone(s);
        expect(zone === undefined || typeof zone === 'string').toBe(true);
      }),
    );
  });
});
