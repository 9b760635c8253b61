import { assertNever, type Decider } from '../shared/decider.js';
import { conflict, forbidden, invalid, notFound } from '../shared/errors.js';
import type { Command, DecisionMeta } from '../shared/messages.js';
import type { GlobalRole, UserEvent } from './events.js';
import { canonicalTimeZone, isValidName, normalizeEmail, normalizeName } from './profile.js';

/**
 * The `user-<id>` decider: registration, profile, password and the global admin role.
 * Pure: passwords arrive already hashed, time and actor arrive in `meta`.
 */

export type UserCommandMeta = DecisionMeta;

export type RegisterUser = Command<
  'RegisterUser',
  { userId: string; email: string; name: string; timezone: string; passwordHash: string; grantAdmin: boolean }
>;
export type AbandonRegistration = Command<'AbandonRegistration', { userId: string; reason: string }>;
export type ChangeProfile = Command<'ChangeProfile', { name?: string; timezone?: string }>;
/**
 * `verifiedAgainst` is the hash the current password was checked against (outside the
 * decider: hashing is slow). If the password changed in between, the change is refused.
 */
export type ChangePassword = Command<'ChangePassword', { passwordHash: string; verifiedAgainst: string }>;
export type GrantRole = Command<'GrantRole', { role: GlobalRole; reason?: string }>;
export type RevokeRole = Command<'RevokeRole', { role: GlobalRole }>;
/**
 * `email` is the address the verification link was sent to (signed into it); `grantAdmin`
 * says it is in ADMIN_EMAILS (with SMTP configured, the only way that list grants admin).
 */
export type VerifyEmail = Command<'VerifyEmail', { email: string; grantAdmin: boolean }>;

export type UserCommand = RegisterUser | AbandonRegistration | ChangeProfile | ChangePassword | GrantRole | RevokeRole | VerifyEmail;

export interface ActiveUser {
  status: 'active';
  id: string;
  email: string;
  name: string;
  timezone: string;
  passwordHash: string;
  roles: readonly GlobalRole[];
  /** When `email` was verified (absent: never). */
  emailVerifiedAt?: string;
  registeredAt: string;
  updatedAt: string;
}

export type UserState = { status: 'none' } | { status: 'abandoned'; id: string } | ActiveUser;

export const initialUserState = (): UserState => ({ status: 'none' });

export function evolveUser(state: UserState, event: UserEvent): UserState {
  switch (event.type) {
    case 'UserRegistered': {
      const d = event.data;
      return {
        status: 'active',
        id: d.userId,
        email: d.email,
        name: d.name,
        timezone: d.timezone,
        passwordHash: d.passwordHash,
        roles: [],
        registeredAt: d.registeredAt,
        updatedAt: d.registeredAt,
      };
    }
    case 'UserRegistrationAbandoned':
      return { status: 'abandoned', id: event.data.userId };
    case 'UserProfileChanged': {
      if (state.status !== 'active') return state;
      const { name, timezone, changedAt } = event.data;
      return { ...state, ...(name !== undefined ? { name } : {}), ...(timezone !== undefined ? { timezone } : {}), updatedAt: changedAt };
    }
    case 'PasswordChanged':
      return state.status === 'active' ? { ...state, passwordHash: event.data.passwordHash, updatedAt: event.data.changedAt } : state;
    case 'RoleGranted':
      return state.status === 'active' && !state.roles.includes(event.data.role)
        ? { ...state, roles: [...state.roles, event.data.role], updatedAt: event.data.at }
        : state;
    case 'RoleRevoked':
      return state.status === 'active' ? { ...state, roles: state.roles.filter((r) => r !== event.data.role), updatedAt: event.data.at } : state;
    case 'EmailVerified':
      return state.status === 'active' ? { ...state, emailVerifiedAt: event.data.at, updatedAt: event.data.at } : state;
    default:
      return assertNever(event);
  }
}

export function decideUser(command: UserCommand, state: UserState): UserEvent[] {
  const { meta } = command;
  switch (command.type) {
    case 'RegisterUser': {
      const d = command.data;
      const email = normalizeEmail(d.email);
      if (state.status === 'active') {
        // A retried registration of the same account is a no-op; anything else is a clash of ids.
        if (state.id === d.userId && state.email === email) return [];
        throw conflict('user-exists', 'This user already exists.');
      }
      if (state.status === 'abandoned') throw conflict('registration-abandoned', 'This registration was abandoned; register again.');
      const name = requireName(d.name);
      const timezone = requireTimeZone(d.timezone);
      if (!d.passwordHash) throw invalid('invalid-password-hash', 'A password hash is required.');
      const registered: UserEvent = {
        type: 'UserRegistered',
        data: { userId: d.userId, email, name, timezone, passwordHash: d.passwordHash, registeredAt: meta.now },
      };
      if (!d.grantAdmin) return [registered];
      return [registered, { type: 'RoleGranted', data: { role: 'admin', by: 'system', reason: 'ADMIN_EMAILS', at: meta.now } }];
    }

    case 'AbandonRegistration':
      if (state.status === 'abandoned') return [];
      if (state.status === 'active') throw conflict('user-exists', 'The registration completed; it cannot be abandoned.');
      return [{ type: 'UserRegistrationAbandoned', data: { userId: command.data.userId, reason: command.data.reason, at: meta.now } }];

    case 'ChangeProfile': {
      const user = requireActive(state);
      requireSelfOrAdmin(user, meta);
      const changes: { name?: string; timezone?: string } = {};
      if (command.data.name !== undefined) {
        const name = requireName(command.data.name);
        if (name !== user.name) changes.name = name;
      }
      if (command.data.timezone !== undefined) {
        const timezone = requireTimeZone(command.data.timezone);
        if (timezone !== user.timezone) changes.timezone = timezone;
      }
      if (Object.keys(changes).length === 0) return [];
      return [{ type: 'UserProfileChanged', data: { ...changes, changedAt: meta.now } }];
    }

    case 'ChangePassword': {
      const user = requireActive(state);
      if (meta.actorId !== user.id) throw forbidden('forbidden', 'Only the user may change their password.');
      if (command.data.verifiedAgainst !== user.passwordHash) {
        throw conflict('password-changed', 'The password was changed meanwhile; try again with the current password.');
      }
      if (!command.data.passwordHash) throw invalid('invalid-password-hash', 'A password hash is required.');
      return [{ type: 'PasswordChanged', data: { passwordHash: command.data.passwordHash, changedAt: meta.now } }];
    }

    case 'GrantRole': {
      const user = requireActive(state);
      requireAdmin(meta);
      if (user.roles.includes(command.data.role)) return [];
      return [{ type: 'RoleGranted', data: { role: command.data.role, by: meta.actorId, reason: command.data.reason ?? null, at: meta.now } }];
    }

    case 'RevokeRole': {
      const user = requireActive(state);
      requireAdmin(meta);
      if (!user.roles.includes(command.data.role)) return [];
      // Keeps at least the acting admin, so the last administrator cannot lock everybody out by accident.
      if (command.data.role === 'admin' && meta.actorId === user.id) {
        throw conflict('cannot-revoke-own-admin', 'Administrators cannot revoke their own admin role.');
      }
      return [{ type: 'RoleRevoked', data: { role: command.data.role, by: meta.actorId, at: meta.now } }];
    }

    case 'VerifyEmail': {
      const user = requireActive(state);
      if (meta.actorId !== user.id) throw forbidden('forbidden', 'Only the user may verify their address.');
      if (normalizeEmail(command.data.email) !== user.email) throw conflict('email-changed', 'The link was sent to an address this account no longer has.');
      const grant: UserEvent[] =
        command.data.grantAdmin && !user.roles.includes('admin')
          ? [{ type: 'RoleGranted', data: { role: 'admin', by: 'system', reason: 'ADMIN_EMAILS (verified address)', at: meta.now } }]
          : [];
      if (user.emailVerifiedAt) return grant;
      return [{ type: 'EmailVerified', data: { email: user.email, at: meta.now } }, ...grant];
    }

    default:
      return assertNever(command);
  }
}

export const userDecider: Decider<UserState, UserCommand, UserEvent> = {
  initialState: initialUserState,
  evolve: evolveUser,
  decide: decideUser,
};

function requireActive(state: UserState): ActiveUser {
  if (state.status !== 'active') throw notFound('user-not-found', 'No such user.');
  return state;
}

function requireSelfOrAdmin(user: ActiveUser, meta: UserCommandMeta): void {
  if (meta.actorId !== user.id && !meta.actorIsAdmin) throw forbidden('forbidden', 'Only the user or an administrator may do this.');
}

function requireAdmin(meta: UserCommandMeta): void {
  if (!meta.actorIsAdmin) throw forbidden('forbidden', 'Administrators only.');
}

function requireName(raw: string): string {
  const name = normalizeName(raw);
  if (!isValidName(name)) throw invalid('invalid-name', 'The name must be 1–100 printable characters.');
  return name;
}

function requireTimeZone(raw: string): string {
  const timezone = canonicalTimeZone(raw);
  if (!timezone) throw invalid('invalid-timezone', `${JSON.stringify(raw.slice(0, 64))} is not an IANA time zone.`);
  return timezone;
}
