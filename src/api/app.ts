/** The express application: middleware, the route table, operations endpoints, errors. */
import cors from 'cors';
import express, { type Express, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import swaggerUi from 'swagger-ui-express';
import type { Config } from '../config.js';
import { LIVE_BODY, readiness, type HealthCheck } from '../health.js';
import type { Metrics } from '../metrics.js';
import { buildAsyncApiDocument } from './live/asyncapi.js';
import { buildOpenApiDocument } from './openapi.js';
import { HttpError, problemHandler } from './problem.js';
import { requestLog } from './requestLog.js';
import { mountRoutes, routePath, type RouteDefinition, type RouteDependencies } from './routes.js';

export type { HealthCheck } from '../health.js';

export interface AppDependencies {
  config: Pick<Config, 'corsOrigins' | 'trustProxy' | 'http'>;
  logger: Logger;
  metrics: Metrics;
  routes: RouteDefinition[];
  routeDependencies: RouteDependencies;
  readinessChecks: HealthCheck[];
  /** Runs before the route table (e.g. rate limiting), after authentication-free middleware. */
  beforeRoutes?: express.RequestHandler[];
  version: string;
}

export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  // '/V1/auth/login' is not '/v1/auth/login': routing agrees with the rate limiter, which
  // tells auth paths by their exact spelling (set before the first app.use creates the router).
  app.set('case sensitive routing', true);
  app.set('etag', false); // our ETags are stream revisions, not body hashes
  app.set('trust proxy', trustProxyValue(deps.config.trustProxy));

  app.use(requestLog(deps.logger, (req) => req.url === '/health/live' || req.url === '/metrics'));
  app.use(fixedHeaders(helmet({ contentSecurityPolicy: false }))); // Swagger UI needs inline scripts; the API serves JSON
  // No CORS_ORIGINS: no cross-origin access, and no middleware that would only decide so per request.
  if (deps.config.corsOrigins.length) {
    app.use(
      cors({
        origin: deps.config.corsOrigins,
        exposedHeaders: ['ETag', 'X-Position', 'X-Request-Id', 'Idempotent-Replayed', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'],
      }),
    );
  }
  const durations = durationSeries(deps.metrics);
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // Only a matched route names the series: anything else (404s, bodies refused before
      // routing) shares one label, so clients cannot mint series with made-up paths.
      const route = routePath(req) ?? 'unmatched';
      durations(req.method, route, res.statusCode).observe(Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  });

  app.get('/health/live', (_req, res) => {
    res.json(LIVE_BODY);
  });
  app.get('/health/ready', async (_req, res) => {
    const report = await readiness(deps.readinessChecks, deps.version);
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  const openapi = buildOpenApiDocument(deps.routes, { version: deps.version });
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(openapi));
  const asyncapi = buildAsyncApiDocument({ version: deps.version });
  app.get('/asyncapi.json', (_req, res) => void res.json(asyncapi));

  app.use(express.json({ limit: deps.config.http.bodyLimit, type: ['application/json', 'application/*+json'] }));
  app.use((req, _res, next) => {
    const hasBody = ['POST', 'PUT', 'PATCH'].includes(req.method) && Number(req.headers['content-length'] ?? 0) > 0;
    // RFC 8058: mail clients POST one-click unsubscribes as a form (List-Unsubscribe=One-Click), never read.
    const oneClickUnsubscribe = req.path === '/v1/unsubscribe' && req.is('application/x-www-form-urlencoded');
    if (hasBody && !oneClickUnsubscribe && !req.is(['application/json', 'application/*+json'])) {
      next(new HttpError(415, 'unsupported-media-type', 'Send the body as application/json'));
      return;
    }
    next();
  });
  for (const middleware of deps.beforeRoutes ?? []) app.use(middleware);

  const router = express.Router({ caseSensitive: true });
  mountRoutes(router, deps.routes, deps.routeDependencies, () => express.Router({ caseSensitive: true }));
  app.use(router);

  app.use((req: Request, _res, next) => {
    next(new HttpError(404, 'not-found', `No route for ${req.method} ${req.path}`));
  });
  app.use(problemHandler(deps.logger));
  return app;
}

/**
 * Helmet's headers do not depend on the request (CSP is off): they are taken from it once
 * and set in one step, instead of through its eleven middleware functions per request.
 */
function fixedHeaders(middleware: (req: Request, res: Response, next: () => void) => void): express.RequestHandler {
  const headers: Array<[string, string]> = [];
  const removed: string[] = [];
  const probe = { setHeader: (name: string, value: unknown) => void headers.push([name, String(value)]), removeHeader: (name: string) => void removed.push(name) };
  middleware({} as Request, probe as unknown as Response, () => undefined);
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    for (const name of removed) res.removeHeader(name);
    next();
  };
}

/** The latency histogram's child per method, route and status, looked up once each (labels are hashed per lookup). */
function durationSeries(metrics: Metrics): (method: string, route: string, status: number) => { observe(seconds: number): void } {
  const children = new Map<string, { observe(seconds: number): void }>();
  return (method, route, status) => {
    const key = `${method} ${status} ${route}`;
    let child = children.get(key);
    if (!child) children.set(key, (child = metrics.httpDuration.labels({ method, route, status: String(status) })));
    return child;
  };
}

function trustProxyValue(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}
