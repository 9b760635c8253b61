/**
 * Opaque refresh tokens (DESIGN §4 Identity): 32 random bytes, base64url; only their
 * sha256 is stored. Each login starts a family; every refresh rotates the token (the
 * old one is marked used, a new one of the same family is issued). Presenting a used
 * or revoked token means it was copied: the whole family is revoked, so both the
 * thief and the victim must log in again.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

export const REFRESH_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export type RotateOutcome =
  | { kind: 'rotated'; userId: string; familyId: string; token: string; expiresAt: Date }
  | { kind: 'invalid' }
  | { kind: 'expired' }
  | { kind: 'reused'; userId: string; familyId: string };

export interface IssuedRefreshToken {
  id: string;
  token: string;
  familyId: string;
  expiresAt: Date;
}

interface TokenRow {
  id: string;
  family_id: string;
  user_id: string;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

export class RefreshTokenStore {
  constructor(
    private readonly knex: Knex,
    private readonly ttlDays: number,
  ) {}

  /** A new token; a new family unless `familyId` is given. */
  async issue(
    userId: string,
    now: Date,
    opts: { familyId?: string; client?: { userAgent?: string; ip?: string } } = {},
    db: Knex | Knex.Transaction = this.knex,
  ): Promise<IssuedRefreshToken> {
    const token = randomBytes(32).toString('base64url');
    const familyId = opts.familyId ?? randomUUID();
    const expiresAt = new Date(now.getTime() + this.ttlDays * 86_400_000);
    const id = randomUUID();
    await db('refresh_tokens').insert({
      id,
      family_id: familyId,
      user_id: userId,
      token_hash: hashToken(token),
      issued_at: now,
      expires_at: expiresAt,
      user_agent: opts.client?.userAgent?.slice(0, 500) ?? null,
      ip: opts.client?.ip?.slice(0, 100) ?? null,
    });
    return { id, token, familyId, expiresAt };
  }

  /**
   * Exchanges a token for a new one of its family. The row is locked, so of two
   * concurrent refreshes with one token exactly one rotates; the other is a reuse.
   */
  async rotate(token: string, now: Date, client?: { userAgent?: string; ip?: string }): Promise<RotateOutcome> {
    if (!REFRESH_TOKEN_PATTERN.test(token)) return { kind: 'invalid' };
    return this.knex.transaction(async (trx) => {
      const row = await trx('refresh_tokens')
        .where({ token_hash: hashToken(token) })
        .forUpdate()
        .first<TokenRow | undefined>('id', 'family_id', 'user_id', 'expires_at', 'used_at', 'revoked_at');
      if (!row) return { kind: 'invalid' } as const;
      if (row.used_at || row.revoked_at) {
        await this.revokeFamilyWith(trx, row.family_id, now, 'reuse-detected');
        return { kind: 'reused', userId: row.user_id, familyId: row.family_id } as const;
      }
      if (row.expires_at.getTime() <= now.getTime()) {
        await trx('refresh_tokens').where({ id: row.id }).update({ revoked_at: now, revoked_reason: 'expired' });
        return { kind: 'expired' } as const;
      }
      const next = await this.issue(row.user_id, now, { familyId: row.family_id, ...(client ? { client } : {}) }, trx);
      await trx('refresh_tokens').where({ id: row.id }).update({ used_at: now, replaced_by: next.id });
      return { kind: 'rotated', userId: row.user_id, familyId: row.family_id, token: next.token, expiresAt: next.expiresAt } as const;
    });
  }

  /** Revokes the family of `token` (logout); false when the token is unknown. */
  async revokeFamilyOf(token: string, now: Date, reason = 'logout', db: Knex | Knex.Transaction = this.knex): Promise<{ userId: string; familyId: string } | undefined> {
    if (!REFRESH_TOKEN_PATTERN.test(token)) return undefined;
    const row = await db('refresh_tokens').where({ token_hash: hashToken(token) }).first<TokenRow | undefined>('family_id', 'user_id');
    if (!row) return undefined;
    await this.revokeFamilyWith(db, row.family_id, now, reason);
    return { userId: row.user_id, familyId: row.family_id };
  }

  /** Revokes every live token of a user (password change, logout everywhere). */
  async revokeAllOf(userId: string, now: Date, reason: string, db: Knex | Knex.Transaction = this.knex): Promise<number> {
    return db('refresh_tokens').where({ user_id: userId }).whereNull('revoked_at').update({ revoked_at: now, revoked_reason: reason });
  }

  /** Deletes tokens that expired more than `graceDays` ago (for a housekeeping job). */
  async purgeExpired(now: Date, graceDays = 7): Promise<number> {
    return this.knex('refresh_tokens')
      .where('expires_at', '<', new Date(now.getTime() - graceDays * 86_400_000))
      .delete();
  }

  private async revokeFamilyWith(db: Knex | Knex.Transaction, familyId: string, now: Date, reason: string): Promise<void> {
    await db('refresh_tokens').where({ family_id: familyId }).whereNull('revoked_at').update({ revoked_at: now, revoked_reason: reason });
  }
}
