/**
 * Personal API keys (issue 8 item 15). A key is `tsk_` + 32 random bytes (base64url),
 * shown once at creation; only its sha256 is stored (high-entropy secrets need no slow
 * hash). Verification is one indexed lookup per request — no cache — so a deleted key
 * stops working at once on every process; deleting also announces the revocation to
 * the live hubs, which close the sockets opened with it.
 *
 * What a key may do (`apiKeyRefusal`): `read` = GET (and HEAD), `write` = everything
 * else and includes `read`. Never admin: a key carries no global role, and admin
 * routes refuse it outright. Never the session-only routes (`sessionOnly`: API keys
 * themselves, the password), so a leaked key cannot mint more keys or lock its owner out.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { field } from '../dtoFields.js';
import { HttpError, unauthorized } from '../problem.js';
import { access, route, type Principal, type RouteDefinition } from '../routes.js';
import { announceRevocation } from '../live/revocations.js';
import { API_KEY_SCOPES, apiKeyListSchema, apiKeySchema, createdApiKeySchema } from './dtos.js';
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export const API_KEY_PATTERN = /^tsk_[A-Za-z0-9_-]{43}$/;
/** Active keys per user. */
export const MAX_API_KEYS_PER_USER = 20;
const MAX_LIFETIME_MS = 10 * 366 * 86_400_000;
/** last_used_at is written at most this often per key (not a write per request). */
const LAST_USED_RESOLUTION_MS = 60_000;

interface ApiKeyRow {
  id: string;
  user_id: string;
  name: string;
  scopes: string[];
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
}

export interface VerifiedApiKey {
  principal: Principal;
  expiresAt: Date | undefined;
}

export const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

function keyJson(row: ApiKeyRow): z.input<typeof apiKeySchema> {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes.filter((s): s is ApiKeyScope => (API_KEY_SCOPES as readonly string[]).includes(s)),
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  };
}

export class ApiKeyStore {
  constructor(private readonly knex: Knex) {}

  async create(userId: string, input: { name: string; scopes: ApiKeyScope[]; expiresAt?: Date }, now: Date): Promise<{ row: ApiKeyRow; secret: string }> {
    const secret = `tsk_${randomBytes(32).toString('base64url')}`;
    return this.knex.transaction(async (trx) => {
      // Serialises creations per user, so the cap holds under concurrency.
      await trx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [`api-keys:${userId}`]);
      const [{ count }] = (await trx('api_keys').where({ user_id: userId }).whereNull('revoked_at').count({ count: '*' })) as [{ count: string }];
      if (Number(count) >= MAX_API_KEYS_PER_USER) {
        throw new HttpError(409, 'too-many-api-keys', `At most ${MAX_API_KEYS_PER_USER} API keys per user; delete one first`);
      }
      const [row] = await trx('api_keys')
        .insert({
          id: randomUUID(),
          user_id: userId,
          name: input.name,
          scopes: [...new Set(input.scopes)],
          secret_hash: hashSecret(secret),
          created_at: now,
          expires_at: input.expiresAt ?? null,
        })
        .returning<ApiKeyRow[]>(['id', 'user_id', 'name', 'scopes', 'created_at', 'expires_at', 'last_used_at']);
      return { row: row!, secret };
    });
  }

  list(userId: string): Promise<ApiKeyRow[]> {
    return this.knex('api_keys')
      .where({ user_id: userId })
      .whereNull('revoked_at')
      .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id' }])
      .select<ApiKeyRow[]>('id', 'user_id', 'name', 'scopes', 'created_at', 'expires_at', 'last_used_at');
  }

  /** Revokes the key and announces it to the live hubs in the same transaction; false when the user has no such key. */
  async revoke(userId: string, keyId: string, now: Date): Promise<boolean> {
    return this.knex.transaction(async (trx) => {
      const updated = await trx('api_keys').where({ id: keyId, user_id: userId }).whereNull('revoked_at').update({ revoked_at: now });
      if (updated === 0) return false;
      await announceRevocation(trx, { kind: 'api-key-revoked', userId, keyId });
      return true;
    });
  }

  /** Throws a 401 HttpError unless `secret` is a live key. */
  async verify(secret: string, now: Date): Promise<VerifiedApiKey> {
    const invalid = () => unauthorized('The API key is invalid, expired or revoked');
    if (!API_KEY_PATTERN.test(secret)) throw invalid();
    const row = await this.knex('api_keys')
      .where({ secret_hash: hashSecret(secret) })
      .whereNull('revoked_at')
      .first<(ApiKeyRow & { revoked_at: null }) | undefined>('id', 'user_id', 'scopes', 'expires_at', 'last_used_at');
    if (!row || (row.expires_at && row.expires_at.getTime() <= now.getTime())) throw invalid();
    if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() >= LAST_USED_RESOLUTION_MS) {
      void this.knex('api_keys').where({ id: row.id }).update({ last_used_at: now }).catch(() => undefined);
    }
    const scopes = row.scopes.filter((s): s is ApiKeyScope => (API_KEY_SCOPES as readonly string[]).includes(s));
    // No global roles: an admin's key is not an admin.
    return { principal: { userId: row.user_id, roles: [], apiKey: { id: row.id, scopes } }, expiresAt: row.expires_at ?? undefined };
  }
}

/** Why this route refuses this API key, or undefined when the key may call it. */
export function apiKeyRefusal(definition: Pick<RouteDefinition, 'method' | 'access' | 'sessionOnly'>, key: { scopes: readonly ApiKeyScope[] }): HttpError | undefined {
  if (definition.access.kind === 'admin') return new HttpError(403, 'api-key-not-allowed', 'Administration needs a signed-in session; API keys are never admin');
  if (definition.sessionOnly) return new HttpError(403, 'api-key-not-allowed', 'This needs a signed-in session, not an API key');
  const needed: ApiKeyScope = definition.method === 'get' ? 'read' : 'write';
  const granted = key.scopes.includes('write') ? ['read', 'write'] : key.scopes;
  if (!granted.includes(needed)) return new HttpError(403, 'insufficient-scope', `This API key lacks the ${needed} scope`);
  return undefined;
}

const createInput = (now: () => Date) =>
  z.object({
    // `name` in the glossary is a person's display name; a key's is a label.
    name: field(z.string().trim().min(1).max(100), 'A label for the key, 1–100 characters, to tell your keys apart.', 'CI deploy script'),
    scopes: z.array(z.enum(API_KEY_SCOPES)).min(1).max(API_KEY_SCOPES.length),
    expiresAt: z.iso
      .datetime({ offset: true })
      .transform((value) => new Date(value))
      .refine((at) => at.getTime() > now().getTime(), 'must be in the future')
      .refine((at) => at.getTime() <= now().getTime() + MAX_LIFETIME_MS, 'must be at most ten years ahead')
      .optional(),
  });

export function apiKeyRoutes(deps: { apiKeys: ApiKeyStore; now: () => Date }): RouteDefinition[] {
  return [
    route({
      method: 'post',
      path: '/v1/me/api-keys',
      summary: 'Create a personal API key; the secret is in this answer only (session only)',
      tags: ['identity'],
      access: access.user,
      sessionOnly: true,
      idempotentReplay: false, // the answer carries the secret, which must not be stored
      body: createInput(deps.now),
      successStatus: 201,
      response: createdApiKeySchema,
      problems: ['too-many-api-keys'],
      handler: async (ctx) => {
        const { row, secret } = await deps.apiKeys.create(ctx.principal!.userId, ctx.body, ctx.now);
        return { status: 201, body: { ...keyJson(row), secret } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/me/api-keys',
      summary: "The caller's API keys, without secrets (session only)",
      tags: ['identity'],
      access: access.user,
      sessionOnly: true,
      response: apiKeyListSchema,
      handler: async (ctx) => ({ body: { items: (await deps.apiKeys.list(ctx.principal!.userId)).map(keyJson) } }),
    }),
    route({
      method: 'delete',
      path: '/v1/me/api-keys/:id',
      summary: 'Revoke an API key at once, including live sockets opened with it (session only)',
      tags: ['identity'],
      access: access.user,
      sessionOnly: true,
      params: z.object({ id: z.uuid() }),
      successStatus: 204,
      problems: ['api-key-not-found'],
      handler: async (ctx) => {
        if (!(await deps.apiKeys.revoke(ctx.principal!.userId, ctx.params.id, ctx.now))) throw new HttpError(404, 'api-key-not-found', 'No such API key');
        return { status: 204 };
      },
    }),
  ];
}
