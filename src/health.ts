/**
 * Liveness and readiness (DESIGN §8), for every role: the api serves them from its
 * express app; a process without the api role serves the same two routes, with the
 * same JSON, from a small listener on HEALTH_PORT, so orchestrators can probe a
 * projector or a worker too.
 */
import http from 'node:http';
import type { Logger } from 'pino';

/** A check throws (or returns status `failing`) when its dependency is not usable; it may add fields to its entry. */
export interface HealthCheck {
  name: string;
  check(): Promise<void | CheckResult>;
}

export interface CheckResult {
  status: 'ok' | 'failing';
  detail?: string;
  [field: string]: unknown;
}

export interface ReadinessReport {
  status: 'ok' | 'failing';
  version: string;
  /** The IANA time-zone database this process computes local times with (process.versions.tz). */
  tzdata: string | null;
  checks: Record<string, CheckResult>;
}

const CHECK_TIMEOUT_MS = 2000;

export async function readiness(checks: readonly HealthCheck[], version: string): Promise<ReadinessReport> {
  const results = await Promise.all(
    checks.map(async ({ name, check }): Promise<[string, CheckResult]> => {
      try {
        return [name, (await withTimeout(check(), CHECK_TIMEOUT_MS)) ?? { status: 'ok' }];
      } catch (error) {
        return [name, { status: 'failing', detail: error instanceof Error ? error.message : String(error) }];
      }
    }),
  );
  const ok = results.every(([, r]) => r.status === 'ok');
  return { status: ok ? 'ok' : 'failing', version, tzdata: process.versions.tz ?? null, checks: Object.fromEntries(results) };
}

export const LIVE_BODY = { status: 'ok' } as const;

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/** GET /health/live and /health/ready only; anything else is a plain 404. */
export async function startHealthServer(opts: { host: string; port: number; checks: readonly HealthCheck[]; version: string; logger: Logger }): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, { status: 'method-not-allowed' });
    if (path === '/health/live') return send(200, LIVE_BODY);
    if (path === '/health/ready') {
      void readiness(opts.checks, opts.version).then(
        (report) => send(report.status === 'ok' ? 200 : 503, report),
        (error: unknown) => send(503, { status: 'failing', detail: String(error) }),
      );
      return;
    }
    send(404, { status: 'not-found' });
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`HEALTH_PORT ${opts.port} is already in use on ${opts.host}: set HEALTH_PORT to a free port (0 picks one)`) : error),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  opts.logger.info({ port }, 'health endpoints listening (/health/live, /health/ready)');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
