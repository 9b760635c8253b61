/**
 * Idempotency-Key handling (DESIGN §5): the same scope (user) + key + body replays the
 * first response with `Idempotent-Replayed: true`; a different body → 422; a duplicate
 * while the first is still running → 409. Stored in PostgreSQL, kept at least 24 h.
 * Like pretix, 409/429/5xx answers are not stored, so a retry runs again.
 *
 * The in-flight claim is a session-level advisory lock held on a connection of its own
 * for the request's duration: it dies with the process (or its connection), so the
 * retry of a request whose process was killed proceeds at once instead of waiting for a
 * timeout. A claim row without a stored answer marks an attempt that may have written;
 * its retry is told so (`keyIsNew: false`) and the command runtime then answers from
 * the committed events, if there are any, instead of deciding again.
 */
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { MAX_JSON_DEPTH } from '../json.js';
import type pg from 'pg';
import { HttpError, sendProblem, toProblem } from './problem.js';

const REPLAYED_HEADERS = ['content-type', 'etag', 'x-position', 'location'];
const RETENTION_HOURS = 24;
const LOCK = 'hashtextextended($1, 0)';
/** How long a request waits for a key another request holds: 20 × 25 ms. */
const CLAIM_ATTEMPTS = 20;
const CLAIM_RETRY_MS = 25;

const isStored = (status: number) => status < 500 && status !== 409 && status !== 429;
const inFlight = () =>
  new HttpError(409, 'idempotency-key-in-flight', 'A request with this Idempotency-Key is being processed; retry shortly', { 'Retry-After': '1' });

interface KeyRow {
  request_hash: string;
  status_code: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
  expired: boolean;
}

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
  /** `claims`: the pool whose connections carry the in-flight locks (one per keyed request in flight). */
  constructor(private readonly claims: pg.Pool) {}

  async run(
    args: { scope: string; key: string; req: Request; res: Response },
    execute: (attempt: { keyIsNew: boolean }) => Promise<void>,
  ): Promise<void> {
    const { scope, key, req } = args;
    const requestHash = createHash('sha256')
      .update(`${req.method} ${req.baseUrl}${req.path}\n${canonical(req.body ?? null)}`)
      .digest('hex');
    const lockName = `idempotency\n${scope}\n${key}`;
    const db = await this.claims.connect();
    // If this connection is lost mid-request its lock is gone too; that must not crash the process.
    const ignore = () => undefined;
    db.on('error', ignore);
    let reusable = true;
    try {
      if (!(await claim(db, lockName))) throw inFlight();
      try {
        await this.claimed(db, { ...args, requestHash }, execute);
      } finally {
        await db.query(`SELECT pg_advisory_unlock(${LOCK})`, [lockName]).catch(() => (reusable = false));
      }
    } catch (error) {
      // Anything but our own answers may mean the connection is broken: do not pool it again.
      if (!(error instanceof HttpError)) reusable = false;
      throw error;
    } finally {
      db.off('error', ignore);
      db.release(reusable ? undefined : true);
    }
  }

  /** Deletes stored answers well past their retention (the platform housekeeping job). */
  async purgeExpired(): Promise<number> {
    const result = await this.claims.query(`DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)`, [RETENTION_HOURS * 2]);
    return result.rowCount ?? 0;
  }

  private async claimed(
    db: pg.PoolClient,
    args: { scope: string; key: string; requestHash: string; res: Response },
    execute: (attempt: { keyIsNew: boolean }) => Promise<void>,
  ): Promise<void> {
    const { scope, key, requestHash, res } = args;
    const { rows } = await db.query<KeyRow>(
      `SELECT request_hash, status_code, response_headers, response_body, created_at < now() - make_interval(hours => $3) AS expired
         FROM idempotency_keys WHERE scope = $1 AND key = $2`,
      [scope, key, RETENTION_HOURS],
    );
    const row = rows[0] && !rows[0].expired ? rows[0] : undefined;
    if (row && row.request_hash !== requestHash) {
      throw new HttpError(422, 'idempotency-key-reused', 'This Idempotency-Key was used with a different request');
    }
    if (row && row.status_code !== null) return replay(row, res);
    // No row (or one past retention): this is the first attempt. A row without an answer:
    // an earlier attempt died or failed, and may have written before it did.
    const keyIsNew = row === undefined;
    if (keyIsNew) {
      await db.query(
        `INSERT INTO idempotency_keys (scope, key, request_hash) VALUES ($1, $2, $3)
         ON CONFLICT (scope, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, created_at = now(),
           status_code = NULL, response_headers = NULL, response_body = NULL`,
        [scope, key, requestHash],
      );
    }

    let captured: string | undefined;
    const send = res.send.bind(res);
    res.send = (body?: unknown) => {
      captured = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : JSON.stringify(body);
      return send(body);
    };
    // Not stored: a decided refusal on a new key frees the key; anything else keeps the row
    // as the mark of an attempt that may have written (best effort: the database may be gone).
    const unstored = async (decided: boolean) => {
      if (keyIsNew && decided) await db.query('DELETE FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status_code IS NULL', [scope, key]).catch(() => undefined);
    };
    try {
      await execute({ keyIsNew });
    } catch (error) {
      const mapped = toProblem(error);
      if (mapped.unexpected || !isStored(mapped.problem.status)) {
        await unstored(!mapped.unexpected && mapped.problem.status < 500);
        throw error;
      }
      sendProblem(res, mapped);
    } finally {
      res.send = send;
    }
    if (!isStored(res.statusCode)) return unstored(res.statusCode < 500);
    const headers = Object.fromEntries(
      REPLAYED_HEADERS.flatMap((name) => {
        const value = res.getHeader(name);
        return value === undefined ? [] : [[name, String(value)]];
      }),
    );
    await db.query('UPDATE idempotency_keys SET status_code = $3, response_headers = $4, response_body = $5 WHERE scope = $1 AND key = $2', [
      scope,
      key,
      res.statusCode,
      JSON.stringify(headers),
      captured ?? null,
    ]);
  }
}

/**
 * The key's claim. Its holder answers its client first, then records the answer and lets
 * go: a retry sent the moment that answer arrives waits out those few milliseconds (and
 * then replays it) instead of being told the answered request is still in flight.
 */
async function claim(db: pg.PoolClient, lockName: string): Promise<boolean> {
  for (let attempt = 0; ; attempt++) {
    const { rows } = await db.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${LOCK}) AS ok`, [lockName]);
    if (rows[0]?.ok) return true;
    if (attempt === CLAIM_ATTEMPTS) return false;
    await new Promise((resolve) => setTimeout(resolve, CLAIM_RETRY_MS));
  }
}

function replay(row: KeyRow, res: Response): void {
  for (const [name, value] of Object.entries(row.response_headers ?? {})) res.setHeader(name, value);
  res.setHeader('Idempotent-Replayed', 'true');
  res.status(row.status_code!);
  if (row.response_body === null) res.end();
  else res.send(row.response_body);
}
