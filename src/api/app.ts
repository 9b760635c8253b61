/** The express application: middleware, the route table, operations endpoints, errors. */
import { randomUUID } from 'node:crypto';
import cors from 'cors';
import express, { type Express, type Request } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import swaggerUi from 'swagger-ui-express';
import type { Config } from '../config.js';
import { LIVE_BODY, readiness, type HealthCheck } from '../health.js';
import type { Metrics } from '../metrics.js';
import { redactingSerializers } from './logRedaction.js';
import { buildAsyncApiDocument } from './live/asyncapi.js';
import { buildOpenApiDocument } from './openapi.js';
import { HttpError, problemHandler } from './problem.js';
import { mountRoutes, type RouteDefinition, type RouteDependencies } from './routes.js';

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

const REQUEST_ID = /^[\w.\-:]{1,128}$/;

export function createApp(deps: AppDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  // '/V1/auth/login' is not '/v1/auth/login': routing agrees with the rate limiter, which
  // tells auth paths by their exact spelling (set before the first app.use creates the router).
  app.set('case sensitive routing', true);
  app.set('etag', false); // our ETags are stream revisions, not body hashes
  app.set('trust proxy', trustProxyValue(deps.config.trustProxy));

  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const incoming = req.headers['x-request-id'];
        const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/health/live' || req.url === '/metrics' },
      customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug'),
      serializers: redactingSerializers,
    }),
  );
  app.use(helmet({ contentSecurityPolicy: false })); // Swagger UI needs inline scripts; the API serves JSON
  app.use(
    cors({
      origin: deps.config.corsOrigins.length ? deps.config.corsOrigins : false,
      exposedHeaders: ['ETag', 'X-Position', 'X-Request-Id', 'Idempotent-Replayed', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'],
    }),
  );
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // Only a matched route names the series: anything else (404s, bodies refused before
      // routing) shares one label, so clients cannot mint series with made-up paths.
      const route = req.route ? `${req.baseUrl}${req.route.path as string}` : 'unmatched';
      deps.metrics.httpDuration.observe(
        { method: req.method, route, status: String(res.statusCode) },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
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
  mountRoutes(router, deps.routes, deps.routeDependencies);
  app.use(router);

  app.use((req: Request, _res, next) => {
    next(new HttpError(404, 'not-found', `No route for ${req.method} ${req.path}`));
  });
  app.use(problemHandler(deps.logger));
  return app;
}

function trustProxyValue(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}
