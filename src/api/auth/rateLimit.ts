/**
 * Rate limits (DESIGN §11): `/v1/auth/*` per client IP
 * (RATE_LIMIT_AUTH_PER_MIN, default 5), every other `/v1` request per user
 * (RATE_LIMIT_USER_PER_MIN, default 100; per IP while anonymous; a calendar feed per its token). Fixed one-minute
 * windows kept in Redis when REDIS_URL is set, so the limit holds across API
 * instances (the checks of one event-loop turn share one Redis call, see RedisWindows);
 * in memory otherwise (rate-limiter-flexible). Should Redis fail, an in-memory limiter of the same
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
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { HttpError } from '../problem.js';
import { hashSecret } from './apiKeys.js';
import type { Principal } from '../routes.js';

const WINDOW_SECONDS = 60;
const WINDOW_MS = WINDOW_SECONDS * 1000;
/** Keys counted by one Redis call at most. */
const MAX_BATCH = 500;

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

/** A key's fixed window after this request: the requests it has counted (this one included) and when it resets. */
interface Window {
  consumed: number;
  msBeforeNext: number;
}

interface Limit {
  points: number;
  /** Counts one request against the key's window. */
  consume(key: string): Promise<Window>;
}

/**
 * Counts the requests of one event-loop turn in ONE Redis call (a Lua script over all
 * their keys), instead of a round trip each: the same counters, checked before each
 * request goes on, so the limits are exactly those of one call per request. The keys and
 * values are rate-limiter-flexible's (a counter that expires with its window), so
 * processes of either kind count together.
 */
const CONSUME_WINDOWS = `
local out = {}
for i, key in ipairs(KEYS) do
  redis.call('set', key, 0, 'PX', ARGV[1], 'NX')
  out[2 * i - 1] = redis.call('incrby', key, 1)
  local ttl = redis.call('pttl', key)
  if ttl == -1 then
    redis.call('pexpire', key, ARGV[1])
    ttl = tonumber(ARGV[1])
  end
  out[2 * i] = ttl
end
return out`;

type WindowsRedis = Redis & { tesseraConsumeWindows(keyCount: number, ...args: Array<string | number>): Promise<number[]> };

class RedisWindows {
  private pending: Array<{ key: string; resolve: (window: Window) => void; reject: (error: unknown) => void }> = [];
  private flushing = false;

  constructor(private readonly redis: WindowsRedis) {}

  consume(key: string): Promise<Window> {
    return new Promise((resolve, reject) => {
      this.pending.push({ key, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushing = false;
    for (let from = 0; from < this.pending.length; from += MAX_BATCH) {
      const batch = this.pending.slice(from, from + MAX_BATCH);
      this.redis.tesseraConsumeWindows(batch.length, ...batch.map((entry) => entry.key), WINDOW_MS).then(
        (reply) => batch.forEach((entry, i) => entry.resolve({ consumed: Number(reply[2 * i]), msBeforeNext: Number(reply[2 * i + 1]) })),
        (error: unknown) => batch.forEach((entry) => entry.reject(error)),
      );
    }
    this.pending = [];
  }
}

function memoryWindows(keyPrefix: string, points: number): (key: string) => Promise<Window> {
  const memory = new RateLimiterMemory({ keyPrefix, points, duration: WINDOW_SECONDS });
  const toWindow = (state: RateLimiterRes): Window => ({ consumed: state.consumedPoints, msBeforeNext: state.msBeforeNext });
  return (key) =>
    memory.consume(key).then(toWindow, (rejection: unknown) => {
      if (rejection instanceof RateLimiterRes) return toWindow(rejection);
      throw rejection;
    });
}

function limit(name: string, points: number, opts: RateLimitOptions, shared: RedisWindows | undefined): Limit {
  const keyPrefix = `${opts.keyPrefix}:${name}`;
  const memory = memoryWindows(keyPrefix, points);
  const redis = opts.redis;
  if (!redis || !shared) return { points, consume: memory };
  return {
    points,
    // While Redis is not connected, or when it fails, the in-memory window of this process decides (the insurance).
    consume: (key) => (redis.status === 'ready' ? shared.consume(`${keyPrefix}:${key}`).catch(() => memory(key)) : memory(key)),
  };
}

function sharedWindows(redis: Redis | undefined): RedisWindows | undefined {
  if (!redis) return undefined;
  redis.defineCommand('tesseraConsumeWindows', { lua: CONSUME_WINDOWS });
  return new RedisWindows(redis as WindowsRedis);
}

function setHeaders(res: Response, points: number, window: Window): number {
  const resetSeconds = Math.max(1, Math.ceil(window.msBeforeNext / 1000));
  res.setHeader('RateLimit-Limit', String(points));
  res.setHeader('RateLimit-Remaining', String(Math.max(0, points - window.consumed)));
  res.setHeader('RateLimit-Reset', String(resetSeconds));
  res.setHeader('RateLimit-Policy', `${points};w=${WINDOW_SECONDS}`);
  return resetSeconds;
}

export function createRateLimit(opts: RateLimitOptions): RequestHandler {
  const shared = sharedWindows(opts.redis);
  const auth = limit('auth', opts.authPerMinute, opts, shared);
  const user = limit('user', opts.userPerMinute, opts, shared);

  return (req, res, next) => {
    void (async () => {
      // Routing is case-sensitive ('/V1/…' is a 404); the limiter still reads paths
      // case-insensitively, so no spelling ever skips its bucket.
      const path = req.path.toLowerCase();
      if (!path.startsWith('/v1/')) return next();
      // Only read when needed: req.ip walks X-Forwarded-For against TRUST_PROXY each time.
      const byIp = () => `ip:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`;
      let bucket: Limit;
      let key: string;
      if (path.startsWith('/v1/auth/')) {
        bucket = auth;
        key = byIp();
      } else if (path === '/v1/me/calendar.ics' && typeof req.query.token === 'string') {
        // Calendar servers poll feeds from shared addresses without Authorization: each feed has a budget of its own.
        bucket = user;
        key = `calendar-feed:${hashSecret(req.query.token)}`;
      } else {
        const principal = await opts.authenticate(req).catch(() => undefined);
        bucket = user;
        // An API key has a budget of its own, apart from its user's sessions.
        key = principal?.apiKey ? `api-key:${principal.apiKey.id}` : principal ? `user:${principal.userId}` : byIp();
      }
      let window: Window;
      try {
        window = await bucket.consume(key);
      } catch (error) {
        // Not a refusal but a failure of the limiter itself (the insurance limiter should prevent this): let it through.
        opts.logger?.warn({ err: error }, 'rate limiter failed; request let through');
        return next();
      }
      const retryAfter = setHeaders(res, bucket.points, window);
      if (window.consumed <= bucket.points) return next();
      next(new HttpError(429, 'rate-limited', `Too many requests; retry in ${retryAfter} s`, { 'Retry-After': String(retryAfter) }));
    })().catch(next);
  };
}
