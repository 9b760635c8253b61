/**
 * Short-lived access JWTs (HS256 via jose). The algorithm is pinned on verification,
 * so `alg: none` and any other algorithm are rejected.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { unauthorized } from '../problem.js';
import type { Principal } from '../routes.js';

const ALGORITHM = 'HS256';
const ISSUER = 'tessera';

export class AccessTokens {
  private readonly key: Uint8Array;
  /**
   * Tokens already verified, until they expire: the exact same string carries the same
   * valid signature, so a client's next request skips the HMAC (about an eighth of a
   * reservation's CPU in the benchmark). Bounded; insertion-ordered eviction.
   */
  private readonly verified = new Map<string, { principal: Principal; expiresAtMs: number; session: string | undefined }>();
  private static readonly VERIFIED_CACHE_SIZE = 10_000;

  constructor(secret: string, readonly ttlSeconds: number) {
    this.key = new TextEncoder().encode(secret);
  }

  /** `session`: the refresh-token family the token belongs to (claim `sid`), so a logout can end its live sockets. */
  async issue(principal: Principal, now: Date, session?: string): Promise<string> {
    const iat = Math.floor(now.getTime() / 1000);
    return new SignJWT({ roles: principal.roles, ...(session ? { sid: session } : {}) })
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setSubject(principal.userId)
      .setIssuer(ISSUER)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.ttlSeconds)
      .setJti(randomUUID())
      .sign(this.key);
  }

  /** Throws a 401 HttpError for anything but a valid, unexpired token of ours. */
  async verify(token: string): Promise<Principal> {
    return (await this.verifyCredential(token)).principal;
  }

  /** As `verify`, with the token's expiry (the live hub closes the socket then). */
  async verifyCredential(token: string): Promise<{ principal: Principal; expiresAt: Date; session: string | undefined }> {
    const known = this.verified.get(token);
    if (known) {
      if (known.expiresAtMs > Date.now()) return { principal: known.principal, expiresAt: new Date(known.expiresAtMs), session: known.session };
      this.verified.delete(token);
    }
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: [ALGORITHM], issuer: ISSUER, requiredClaims: ['sub', 'exp', 'iat', 'jti'] });
      if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 64) throw new Error('bad subject');
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
      const principal = { userId: payload.sub!, roles };
      if (this.verified.size >= AccessTokens.VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value as string);
      const session = typeof payload.sid === 'string' ? payload.sid : undefined;
      this.verified.set(token, { principal, expiresAtMs: payload.exp! * 1000, session });
      return { principal, expiresAt: new Date(payload.exp! * 1000), session };
    } catch {
      throw unauthorized('The access token is invalid or expired');
    }
  }
}
