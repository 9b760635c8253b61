/**
 * Rate limits (DESIGN §11), on rate-limiter-flexible: `/v1/auth/*` per client IP
 * (RATE_LIMIT_AUTH_PER_MIN, default 5), every other `/v1` request per user
 * (RATE_LIMIT_USER_PER_MIN, default 100; per IP while anonymous; a calendar feed per its token). Fixed one-minute
 * windows kept in Redis when REDIS_URL is set, so the limit holds across API
 * instances; in memory otherwise. Should Redis fail, an in-memory limiter of the same
 * size takes over in each process (limits then hold per process) rather than letting
 * everything through or failing requests.
 *
 * Answers carry `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (seconds)
 * and `RateLimit-Policy`; a refused request gets 429 problem+json with `Retry-After`.
 *
 * The client IP is `req.ip`, so behind a proxy set TRUST_PROXY (docs/security.md).
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { HttpError } from '../problem.js';
import { hashSecret } from './apiKeys.js';
import type { Principal } from '../routes.js';

const WINDOW_SECONDS = 60;

export interface RateLimitOptions {
  authPerMinute: number;
  userPerMinute: number;
  /** Shared store; without it the limits are per process. */
  redis?: Redis;
  /** Prefix of the Redis keys (e.g. `tessera:ratelimit`), so deployments and test runs sharing a Redis stay apart. */
  keyPrefix: string;
  /** Resolves the bearer token (undefined when absent); a throw counts as anonymous (the route answers 401). */
  authenticate(req: Request): Promise<Principal | undefined>;
  logger?: Logger;
}

interface Limit {
  limiter: RateLimiterAbstract;
  points: number;
}

function limit(name: string, points: number, opts: RateLimitOptions): Limit {
  const keyPrefix = `${opts.keyPrefix}:${name}`;
  const memory = new RateLimiterMemory({ keyPrefix, points, duration: WINDOW_SECONDS });
  const limiter = opts.redis
    ? new RateLimiterRedis({ storeClient: opts.redis, keyPrefix, points, duration: WINDOW_SECONDS, rejectIfRedisNotReady: true, insuranceLimiter: memory })
    : memory;
  return { limiter, points };
}

function setHeaders(res: Response, points: number, state: RateLimiterRes): number {
  const resetSeconds = Math.max(1, Math.ceil(state.msBeforeNext / 1000));
  res.setHeader('RateLimit-Limit', String(points));
  res.setHeader('RateLimit-Remaining', String(Math.max(0, state.remainingPoints)));
  res.setHeader('RateLimit-Reset', String(resetSeconds));
  res.setHeader('RateLimit-Policy', `${points};w=${WINDOW_SECONDS}`);
  return resetSeconds;
}

export function createRateLimit(opts: RateLimitOptions): RequestHandler {
  const auth = limit('auth', opts.authPerMinute, opts);
  const user = limit('user', opts.userPerMinute, opts);

  return (req, res, next) => {
    void (async () => {
      // Routing is case-sensitive ('/V1/…' is a 404); the limiter still reads paths
      // case-insensitively, so no spelling ever skips its bucket.
      const path = req.path.toLowerCase();
      if (!path.startsWith('/v1/')) return next();
      const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
      let bucket: Limit;
      let key: string;
      if (path.startsWith('/v1/auth/')) {
        bucket = auth;
        key = `ip:${ip}`;
      } else if (path === '/v1/me/calendar.ics' && typeof req.query.token === 'string') {
        // Calendar servers poll feeds from shared addresses without Authorization: each feed has a budget of its own.
        bucket = user;
        key = `calendar-feed:${hashSecret(req.query.token)}`;
      } else {
        const principal = await opts.authenticate(req).catch(() => undefined);
        bucket = user;
        // An API key has a budget of its own, apart from its user's sessions.
        key = principal?.apiKey ? `api-key:${principal.apiKey.id}` : principal ? `user:${principal.userId}` : `ip:${ip}`;
      }
      try {
        setHeaders(res, bucket.points, await bucket.limiter.consume(key));
        next();
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) {
          // Not a refusal but a failure of the limiter itself (the insurance limiter should prevent this): let it through.
          opts.logger?.warn({ err: rejection }, 'rate limiter failed; request let through');
          return next();
        }
        const retryAfter = setHeaders(res, bucket.points, rejection);
        next(new HttpError(429, 'rate-limited', `Too many requests; retry in ${retryAfter} s`, { 'Retry-After': String(retryAfter) }));
      }
    })().catch(next);
  };
}
