/**
 * Idempotency-Key handling (DESIGN §5): the same scope (user) + key + body replays the
 * first response with `Idempotent-Replayed: true`; a different body → 422; a duplicate
 * while the first is still running → 409. Stored in PostgreSQL, kept at least 24 h.
 * Like pretix, 409/429/5xx answers are not stored, so a retry runs again.
 */
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Knex } from 'knex';
import { MAX_JSON_DEPTH } from '../json.js';
import { HttpError, sendProblem, toProblem } from './problem.js';

const REPLAYED_HEADERS = ['content-type', 'etag', 'x-position', 'location'];
const RETENTION_HOURS = 24;
/** A claim whose process died is taken over after this long. */
const CLAIM_SECONDS = 60;

const isStored = (status: number) => status < 500 && status !== 409 && status !== 429;

/** Key-sorted JSON. Recursion is bounded, so a hostile body is a 400, never a stack overflow. */
function canonical(value: unknown, depth = 0): string {
  if (value && typeof value === 'object' && depth >= MAX_JSON_DEPTH) {
    throw new HttpError(400, 'too-deeply-nested', `The request nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels`);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonical(item, depth + 1)).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k], depth + 1)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export class IdempotencyStore {
  constructor(private readonly knex: Knex) {}

  async run(args: { scope: string; key: string; req: Request; res: Response }, execute: () => Promise<void>): Promise<void> {
    const { scope, key, req, res } = args;
    const requestHash = createHash('sha256')
      .update(`${req.method} ${req.baseUrl}${req.path}\n${canonical(req.body ?? null)}`)
      .digest('hex');

    const claimed = await this.knex.raw<{ rows: unknown[] }>(
      `INSERT INTO idempotency_keys (scope, key, request_hash, locked_until)
       VALUES (?, ?, ?, now() + make_interval(secs => ?))
       ON CONFLICT (scope, key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, locked_until = EXCLUDED.locked_until, created_at = now(),
             status_code = NULL, response_headers = NULL, response_body = NULL
       WHERE idempotency_keys.created_at < now() - make_interval(hours => ?)
          OR (idempotency_keys.status_code IS NULL AND idempotency_keys.locked_until < now()
              AND idempotency_keys.request_hash = EXCLUDED.request_hash)
       RETURNING key`,
      [scope, key, requestHash, CLAIM_SECONDS, RETENTION_HOURS],
    );
    if (claimed.rows.length === 0) return this.replay(scope, key, requestHash, res);

    let captured: string | undefined;
    const send = res.send.bind(res);
    res.send = (body?: unknown) => {
      captured = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : JSON.stringify(body);
      return send(body);
    };
    try {
      await execute();
    } catch (error) {
      const mapped = toProblem(error);
      if (mapped.unexpected || !isStored(mapped.problem.status)) {
        await this.release(scope, key);
        throw error;
      }
      sendProblem(res, mapped);
    } finally {
      res.send = send;
    }
    if (!isStored(res.statusCode)) {
      await this.release(scope, key);
      return;
    }
    const headers = Object.fromEntries(
      REPLAYED_HEADERS.flatMap((name) => {
        const value = res.getHeader(name);
        return value === undefined ? [] : [[name, String(value)]];
      }),
    );
    await this.knex('idempotency_keys')
      .where({ scope, key })
      .update({ status_code: res.statusCode, response_headers: JSON.stringify(headers), response_body: captured ?? null, locked_until: null });
  }

  async purgeExpired(): Promise<number> {
    return this.knex('idempotency_keys').where('created_at', '<', this.knex.raw(`now() - interval '${RETENTION_HOURS * 2} hours'`)).delete();
  }

  private async release(scope: string, key: string): Promise<void> {
    await this.knex('idempotency_keys').where({ scope, key }).whereNull('status_code').delete();
  }

  private async replay(scope: string, key: string, requestHash: string, res: Response): Promise<void> {
    const row = await this.knex('idempotency_keys')
      .where({ scope, key })
      .first<{ request_hash: string; status_code: number | null; response_headers: Record<string, string> | null; response_body: string | null } | undefined>();
    if (!row) throw new HttpError(409, 'idempotency-key-in-flight', 'A request with this Idempotency-Key is being processed; retry shortly', { 'Retry-After': '1' });
    if (row.request_hash !== requestHash) {
      throw new HttpError(422, 'idempotency-key-reused', 'This Idempotency-Key was used with a different request');
    }
    if (row.status_code === null) {
      throw new HttpError(409, 'idempotency-key-in-flight', 'A request with this Idempotency-Key is being processed; retry shortly', { 'Retry-After': '1' });
    }
    for (const [name, value] of Object.entries(row.response_headers ?? {})) res.setHeader(name, value);
    res.setHeader('Idempotent-Replayed', 'true');
    res.status(row.status_code);
    if (row.response_body === null) res.end();
    else res.send(row.response_body);
  }
}
