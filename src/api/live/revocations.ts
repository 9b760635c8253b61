/**
 * Lost access, announced to every live hub through PostgreSQL (issue 8 items 9, 15).
 *
 * A revocation is a changefeed row on the reserved channel `$access`, written in the
 * transaction that revokes (so it is announced exactly when it commits). Hubs tail
 * the changefeed anyway — in commit order, woken by NOTIFY, with a poll as the safety
 * net — so a logout on api A reaches sockets on api B even when a notification is
 * lost. No client can subscribe to `$access`: channel names start with a letter.
 */
import type { Knex } from 'knex';
import { writeChangefeed } from '../../projections/changefeed.js';

export const ACCESS_CHANNEL = '$access';

export type AccessRevocation =
  /** Logout of all sessions, or a password change (which keeps its new session): the user's access-token sockets close. */
  | { kind: 'sessions-revoked'; userId: string; exceptSession?: string }
  /** Logout of one session: the sockets opened with its access tokens close. */
  | { kind: 'session-revoked'; userId: string; session: string }
  /** An API key was deleted: sockets authenticated with it close. */
  | { kind: 'api-key-revoked'; userId: string; keyId: string };

export async function announceRevocation(trx: Knex.Transaction, revocation: AccessRevocation): Promise<void> {
  await writeChangefeed(trx, [{ channel: ACCESS_CHANNEL, eventPosition: 0n, payload: revocation }]);
}

export function parseRevocation(payload: unknown): AccessRevocation | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const p = payload as Record<string, unknown>;
  if (typeof p.userId !== 'string') return undefined;
  if (p.kind === 'sessions-revoked') return { kind: 'sessions-revoked', userId: p.userId, ...(typeof p.exceptSession === 'string' ? { exceptSession: p.exceptSession } : {}) };
  if (p.kind === 'session-revoked' && typeof p.session === 'string') return { kind: 'session-revoked', userId: p.userId, session: p.session };
  if (p.kind === 'api-key-revoked' && typeof p.keyId === 'string') return { kind: 'api-key-revoked', userId: p.userId, keyId: p.keyId };
  return undefined;
}
