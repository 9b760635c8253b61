/**
 * One bearer credential, two kinds: an access token (JWT, a session) or a personal API
 * key (`tsk_…`). Routes, the rate limiter and the live hub all authenticate here.
 */
import type { Request } from 'express';
import { unauthorized } from '../problem.js';
import type { Principal } from '../routes.js';
import type { AccessTokens } from './accessTokens.js';
import type { ApiKeyStore } from './apiKeys.js';

/** What the live hub needs to know about a credential: who, and until when. */
export interface VerifiedCredential {
  principal: Principal;
  expiresAt: Date | undefined;
  /** An access token's session (refresh-token family), when it names one. */
  session?: string | undefined;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

export class Credentials {
  private readonly perRequest = new WeakMap<Request, Promise<Principal | undefined>>();

  constructor(
    private readonly accessTokens: AccessTokens,
    private readonly apiKeys: ApiKeyStore,
    private readonly now: () => Date,
  ) {}

  /** `Authorization: Bearer …` → the principal (undefined when absent; 401 when invalid); once per request. */
  authenticate(req: Request): Promise<Principal | undefined> {
    let principal = this.perRequest.get(req);
    if (!principal) {
      principal = this.authenticateOnce(req);
      this.perRequest.set(req, principal);
    }
    return principal;
  }

  /** For the live hub: an access token or an API key, with its expiry. Throws a 401 HttpError. */
  async verifyCredential(token: string): Promise<VerifiedCredential> {
    if (token.startsWith('tsk_')) return this.apiKeys.verify(token, this.now());
    return this.accessTokens.verifyCredential(token);
  }

  private async authenticateOnce(req: Request): Promise<Principal | undefined> {
    const header = req.header('authorization');
    if (header === undefined) return undefined;
    const token = BEARER.exec(header)?.[1];
    if (token?.startsWith('tsk_')) return (await this.apiKeys.verify(token, this.now())).principal;
    if (token === undefined) throw unauthorized('Use Authorization: Bearer <access token or API key>');
    return this.accessTokens.verify(token);
  }
}
