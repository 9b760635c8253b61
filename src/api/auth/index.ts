/** Identity for the composition root: password hashing, refresh tokens, API keys and the identity routes, wired once. */
import type { Knex } from 'knex';
import type { CommandRuntime } from '../../commands/runtime.js';
import type { EventStore } from '../../eventstore/eventStore.js';
import type { RouteDefinition } from '../routes.js';
import type { AccessTokens } from './accessTokens.js';
import { apiKeyRoutes, ApiKeyStore } from './apiKeys.js';
import { Credentials } from './credentials.js';
import { identityRoutes } from './identityRoutes.js';
import { verifyEmailRoutes, type VerifyEmailDeps } from './verifyEmailRoutes.js';
import { DEFAULT_SCRYPT_COST, ScryptPasswords, type ScryptCost } from './passwords.js';
import type { RefreshTokenStore } from './refreshTokens.js';
import type { ProjectionProgress } from '../consistency.js';

export { AccessTokens } from './accessTokens.js';
export { apiKeyRefusal, ApiKeyStore } from './apiKeys.js';
export { Credentials, type VerifiedCredential } from './credentials.js';
export { createRateLimit, type RateLimitOptions } from './rateLimit.js';
export { ScryptPasswords } from './passwords.js';
export { RefreshTokenStore } from './refreshTokens.js';

export interface Identity {
  passwords: ScryptPasswords;
  refreshTokens: RefreshTokenStore;
  apiKeys: ApiKeyStore;
  /** Access tokens and API keys: what routes, the rate limiter and the live hub authenticate with. */
  credentials: Credentials;
  routes: RouteDefinition[];
}

export function createIdentity(deps: {
  knex: Knex;
  store: EventStore;
  commands: CommandRuntime;
  accessTokens: AccessTokens;
  /** The process's one refresh-token store and read-your-writes poller (built by the composition root). */
  refreshTokens: RefreshTokenStore;
  progress: ProjectionProgress;
  /** Granted admin at registration; empty when SMTP is configured (then only a verified address is, see verifyEmail). */
  adminEmails: readonly string[];
  verifyEmail: Omit<VerifyEmailDeps, 'commands'>;
  scryptCost?: ScryptCost;
  clock?: () => Date;
}): Identity {
  const now = deps.clock ?? (() => new Date());
  const passwords = new ScryptPasswords(deps.scryptCost ?? DEFAULT_SCRYPT_COST);
  const apiKeys = new ApiKeyStore(deps.knex);
  const credentials = new Credentials(deps.accessTokens, apiKeys, now);
  const routes = [...identityRoutes({ ...deps, passwords }), ...verifyEmailRoutes({ ...deps.verifyEmail, commands: deps.commands }), ...apiKeyRoutes({ apiKeys, now })];
  return { passwords, refreshTokens: deps.refreshTokens, apiKeys, credentials, routes };
}
