/**
 * Identity endpoints (DESIGN §8): registration, login, token refresh (rotating),
 * logout, the caller's profile and password, and granting/revoking the admin role.
 *
 * Login reads the credentials read model after waiting until it has applied the user's
 * own newest event (so a just-registered account or a just-changed password is seen,
 * and writes to other streams never delay a login); token
 * refresh takes the roles from the folded user stream, so a revoked admin loses the
 * role at the next refresh. Routes whose answers carry tokens opt out of stored
 * idempotent responses, so that no token is ever written down in clear.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import {
  changePassword,
  changePasswordInput,
  changeProfile,
  changeProfileInput,
  changeRole,
  changeRoleInput,
  claimantOf,
  emailSchema,
  loadUser,
  ownPosition,
  passwordSchema,
  registerUser,
  registerUserInput,
  type IdentityCommandMetadata,
} from '../../commands/identity/index.js';
import type { CommandRuntime } from '../../commands/runtime.js';
import type { ActiveUser } from '../../domain/identity/index.js';
import type { EventStore } from '../../eventstore/eventStore.js';
import { findCredentialsByEmail, findUserById, USERS_PROJECTION, type UserRow } from '../../projections/users.js';
import type { ProjectionProgress } from '../consistency.js';
import { HttpError } from '../problem.js';
import { access, route, type Principal, type RouteContext, type RouteDefinition } from '../routes.js';
import { announceRevocation } from '../live/revocations.js';
import { sessionWithUserSchema, userSchema, type UserDto } from './dtos.js';
import type { AccessTokens } from './accessTokens.js';
import type { ScryptPasswords } from './passwords.js';
import type { RefreshTokenStore } from './refreshTokens.js';

export interface IdentityRouteDeps {
  knex: Knex;
  store: EventStore;
  commands: CommandRuntime;
  accessTokens: AccessTokens;
  passwords: ScryptPasswords;
  refreshTokens: RefreshTokenStore;
  adminEmails: readonly string[];
  /** The process's read-your-writes poller: login and /v1/me wait on it for the users read model (5 s, then 503). */
  progress: ProjectionProgress;
}

const invalidCredentials = () => new HttpError(401, 'invalid-credentials', 'The email address or password is not correct', { 'WWW-Authenticate': 'Bearer' });
const userNotFound = () => new HttpError(404, 'user-not-found', 'No such user');

/** The public shape of a user; never the password hash. */
export function userJson(user: ActiveUser | UserRow, revision: bigint): UserDto {
  const iso = (value: string | Date) => (typeof value === 'string' ? value : value.toISOString());
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    timezone: user.timezone,
    roles: [...user.roles],
    emailVerified: 'registeredAt' in user ? user.emailVerifiedAt !== undefined : user.emailVerifiedAt !== null,
    createdAt: 'registeredAt' in user ? user.registeredAt : iso(user.createdAt),
    updatedAt: iso(user.updatedAt),
    revision: revision.toString(),
  };
}

// The same address rules as registration: a malformed address is a 400, never a query.
const loginInput = z.object({ email: emailSchema, password: passwordSchema });
const refreshInput = z.object({ refreshToken: z.string().max(200) });
const logoutInput = z.object({ refreshToken: z.string().max(200), allSessions: z.boolean().optional() });

export function identityRoutes(deps: IdentityRouteDeps): RouteDefinition[] {
  const { progress } = deps;
  /** Waits until the users read model has applied the user's newest event (not the store's head). */
  const userCaughtUp = async (userId: string | undefined) => {
    const position = userId === undefined ? undefined : await ownPosition(deps.store, userId);
    if (position !== undefined) await progress.waitFor(position, [USERS_PROJECTION]);
  };

  const client = (ctx: RouteContext<unknown, unknown, unknown>) => ({
    ...(ctx.req.header('user-agent') ? { userAgent: ctx.req.header('user-agent')! } : {}),
    ...(ctx.req.ip ? { ip: ctx.req.ip } : {}),
  });

  /** A new login: a refresh-token family (`familyId` when given) and an access token naming it. */
  const startSession = async (ctx: RouteContext<unknown, unknown, unknown>, principal: Principal, familyId?: string) => {
    const refresh = await deps.refreshTokens.issue(principal.userId, ctx.now, { client: client(ctx), ...(familyId ? { familyId } : {}) });
    return {
      accessToken: await deps.accessTokens.issue(principal, ctx.now, refresh.familyId),
      refreshToken: refresh.token,
      tokenType: 'Bearer' as const,
      expiresIn: deps.accessTokens.ttlSeconds,
      refreshTokenExpiresAt: refresh.expiresAt.toISOString(),
    };
  };

  /** A new session for the user a command just wrote, with that write's revision and position. */
  const sessionAfterWrite = async (ctx: RouteContext<unknown, unknown, unknown>, result: { user: ActiveUser; revision: bigint; position?: bigint }, familyId?: string) => {
    const session = await startSession(ctx, { userId: result.user.id, roles: [...result.user.roles] }, familyId);
    return {
      body: { user: userJson(result.user, result.revision), ...session },
      revision: result.revision,
      ...(result.position !== undefined ? { position: result.position } : {}),
    };
  };

  const meta = (ctx: RouteContext<unknown, unknown, unknown>): IdentityCommandMetadata => ({
    actorId: ctx.principal?.userId ?? 'anonymous',
    correlationId: ctx.correlationId,
    now: ctx.now,
    actorIsAdmin: ctx.principal?.roles.includes('admin') ?? false,
    ...(ctx.idempotencyKey ? { idempotencyKey: ctx.idempotencyKey, idempotencyKeyIsNew: ctx.idempotencyKeyIsNew } : {}),
    ...(ctx.ifMatch !== undefined ? { expectedRevision: ctx.ifMatch } : {}),
  });

  return [
    route({
      method: 'post',
      path: '/v1/auth/register',
      summary: 'Create an account; answers with the user and a session',
      tags: ['auth'],
      problems: ['email-taken', 'user-exists', 'contention'],
      access: access.public,
      idempotentReplay: false,
      body: registerUserInput,
      successStatus: 201,
      response: sessionWithUserSchema,
      handler: async (ctx) => {
        const result = await registerUser({ commands: deps.commands, passwords: deps.passwords, adminEmails: deps.adminEmails }, ctx.body, meta(ctx));
        return sessionAfterWrite(ctx, result);
      },
    }),

    route({
      method: 'post',
      path: '/v1/auth/login',
      summary: 'Exchange email and password for a session',
      tags: ['auth'],
      problems: ['invalid-credentials', 'projection-behind'],
      access: access.public,
      idempotentReplay: false,
      body: loginInput,
      response: sessionWithUserSchema,
      handler: async (ctx) => {
        await userCaughtUp(await claimantOf(deps.store, ctx.body.email));
        const credentials = await findCredentialsByEmail(deps.knex, ctx.body.email);
        // Unknown addresses cost a dummy hash check, so both failures take about as long.
        const ok = credentials
          ? await deps.passwords.verify(ctx.body.password, credentials.passwordHash)
          : await deps.passwords.verifyDummy(ctx.body.password);
        if (!credentials || !ok) throw invalidCredentials();
        const { passwordHash: _hash, ...user } = credentials;
        const session = await startSession(ctx, { userId: user.id, roles: [...user.roles] });
        return { body: { user: userJson(user, user.revision), ...session } };
      },
    }),

    route({
      method: 'post',
      path: '/v1/auth/refresh',
      summary: 'Rotate a refresh token: the presented token is spent, a new pair is issued',
      tags: ['auth'],
      problems: ['invalid-refresh-token', 'refresh-token-reused'],
      access: access.public,
      idempotentReplay: false,
      body: refreshInput,
      response: sessionWithUserSchema,
      handler: async (ctx) => {
        const outcome = await deps.refreshTokens.rotate(ctx.body.refreshToken, ctx.now, client(ctx));
        if (outcome.kind === 'reused') {
          // Theft detected: the live sockets of that login end too.
          await deps.knex.transaction((trx) => announceRevocation(trx, { kind: 'session-revoked', userId: outcome.userId, session: outcome.familyId }));
          throw new HttpError(401, 'refresh-token-reused', 'This refresh token was already used; every session of its login is now revoked', {
            'WWW-Authenticate': 'Bearer',
          });
        }
        if (outcome.kind !== 'rotated') {
          throw new HttpError(401, 'invalid-refresh-token', 'The refresh token is invalid or expired', { 'WWW-Authenticate': 'Bearer' });
        }
        const loaded = await loadUser(deps.commands, outcome.userId);
        if (!loaded) {
          await deps.refreshTokens.revokeFamilyOf(outcome.token, ctx.now, 'user-missing');
          throw new HttpError(401, 'invalid-refresh-token', 'The refresh token is invalid or expired', { 'WWW-Authenticate': 'Bearer' });
        }
        return {
          body: {
            user: userJson(loaded.user, loaded.revision),
            accessToken: await deps.accessTokens.issue({ userId: loaded.user.id, roles: [...loaded.user.roles] }, ctx.now, outcome.familyId),
            refreshToken: outcome.token,
            tokenType: 'Bearer' as const,
            expiresIn: deps.accessTokens.ttlSeconds,
            refreshTokenExpiresAt: outcome.expiresAt.toISOString(),
          },
        };
      },
    }),

    route({
      method: 'post',
      path: '/v1/auth/logout',
      summary: "Revoke the refresh token's session (or, with allSessions, every session of its user)",
      tags: ['auth'],
      access: access.public,
      sessionOnly: true,
      body: logoutInput,
      successStatus: 204,
      handler: async (ctx) => {
        // Unknown tokens are not an error: logging out twice is fine, and nothing leaks.
        // The revocation is announced to the live hubs in the same transaction (src/api/live/revocations.ts).
        await deps.knex.transaction(async (trx) => {
          const found = await deps.refreshTokens.revokeFamilyOf(ctx.body.refreshToken, ctx.now, 'logout', trx);
          if (!found) return;
          if (!ctx.body.allSessions) return announceRevocation(trx, { kind: 'session-revoked', userId: found.userId, session: found.familyId });
          await deps.refreshTokens.revokeAllOf(found.userId, ctx.now, 'logout-all', trx);
          await announceRevocation(trx, { kind: 'sessions-revoked', userId: found.userId });
        });
        return { status: 204 };
      },
    }),

    route({
      method: 'get',
      path: '/v1/me',
      summary: "The caller's profile",
      tags: ['account'],
      problems: ['user-not-found'],
      access: access.user,
      readsProjections: [USERS_PROJECTION],
      response: userSchema,
      handler: async (ctx) => {
        const userId = ctx.principal!.userId;
        let user = await findUserById(deps.knex, userId);
        if (!user) {
          // Right after registering, the read model may not have the account yet.
          await userCaughtUp(userId);
          user = await findUserById(deps.knex, userId);
        }
        if (!user) throw userNotFound();
        return { body: userJson(user, user.revision), revision: user.revision };
      },
    }),

    route({
      method: 'patch',
      path: '/v1/me',
      summary: "Change the caller's name and/or time zone (IANA); honours If-Match",
      tags: ['account'],
      problems: ['user-not-found', 'revision-mismatch', 'contention'],
      access: access.user,
      body: changeProfileInput,
      response: userSchema,
      handler: async (ctx) => {
        const result = await changeProfile({ commands: deps.commands }, ctx.principal!.userId, ctx.body, meta(ctx));
        return {
          body: userJson(result.user, result.revision),
          revision: result.revision,
          ...(result.position !== undefined ? { position: result.position } : {}),
        };
      },
    }),

    route({
      method: 'post',
      path: '/v1/me/password',
      summary: 'Change the password; every other session is revoked and a new session is returned',
      tags: ['account'],
      problems: ['invalid-current-password', 'password-unchanged', 'user-not-found', 'revision-mismatch', 'contention'],
      access: access.user,
      sessionOnly: true,
      idempotentReplay: false,
      body: changePasswordInput,
      response: sessionWithUserSchema,
      handler: async (ctx) => {
        const result = await changePassword({ commands: deps.commands, passwords: deps.passwords }, ctx.principal!.userId, ctx.body, meta(ctx));
        // Every other session ends, live sockets included; the new one (created below) stays.
        const kept = randomUUID();
        await deps.knex.transaction(async (trx) => {
          await deps.refreshTokens.revokeAllOf(result.user.id, ctx.now, 'password-changed', trx);
          await announceRevocation(trx, { kind: 'sessions-revoked', userId: result.user.id, exceptSession: kept });
        });
        return sessionAfterWrite(ctx, result, kept);
      },
    }),

    route({
      method: 'post',
      path: '/v1/admin/users/:id/roles',
      summary: 'Grant or revoke the global admin role',
      tags: ['admin'],
      problems: ['user-not-found', 'cannot-revoke-own-admin', 'revision-mismatch', 'contention'],
      access: access.admin,
      params: z.object({ id: z.uuid() }),
      body: changeRoleInput,
      response: userSchema,
      handler: async (ctx) => {
        const result = await changeRole({ commands: deps.commands }, ctx.params.id, ctx.body, meta(ctx));
        return {
          body: userJson(result.user, result.revision),
          revision: result.revision,
          ...(result.position !== undefined ? { position: result.position } : {}),
        };
      },
    }),
  ];
}
