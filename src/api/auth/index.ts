/** Identity for the composition root: password hashing, refresh tokens and the identity routes, wired once. */
import type { Knex } from 'knex';
import type { CommandRuntime } from '../../commands/runtime.js';
import type { EventStore } from '../../eventstore/eventStore.js';
import type { RouteDefinition } from '../routes.js';
import type { AccessTokens } from './accessTokens.js';
import { identityRoutes } from './identityRoutes.js';
import { DEFAULT_SCRYPT_COST, ScryptPasswords, type ScryptCost } from './passwords.js';
import { RefreshTokenStore } from './refreshTokens.js';

export { AccessTokens } from './accessTokens.js';
export { createRateLimit, type RateLimitOptions } from './rateLimit.js';
export { ScryptPasswords } from './passwords.js';
export { RefreshTokenStore } from './refreshTokens.js';

export interface Identity {
  passwords: ScryptPasswords;
  refreshTokens: RefreshTokenStore;
  routes: RouteDefinition[];
}

export function createIdentity(deps: {
  knex: Knex;
  store: EventStore;
  commands: CommandRuntime;
  accessTokens: AccessTokens;
  adminEmails: readonly string[];
  refreshTokenTtlDays: number;
  scryptCost?: ScryptCost;
}): Identity {
  const passwords = new ScryptPasswords(deps.scryptCost ?? DEFAULT_SCRYPT_COST);
  const refreshTokens = new RefreshTokenStore(deps.knex, deps.refreshTokenTtlDays);
  const routes = identityRoutes({ ...deps, passwords, refreshTokens });
  return { passwords, refreshTokens, routes };
}
