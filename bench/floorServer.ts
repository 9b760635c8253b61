/**
 * The framework floor (bench/http.ts, `http.frameworkFloor`): a server that answers the
 * reservation request with nothing behind it, so its CPU per request is what the HTTP
 * stack alone costs on this machine. `node:http`: the body read and parsed, a JSON answer
 * with the headers a Tessera reservation carries. `express`: the same through express 5
 * with express.json() and a router (what Tessera's API cannot go below while it keeps express).
 */
import express from 'express';
import http from 'node:http';

const kind = process.argv[2];
const answer = Buffer.from(
  JSON.stringify({
    id: '0b6f1a9e-2f3c-4a53-9d3e-2c1d7d9f0a11',
    eventId: '1b6f1a9e-2f3c-4a53-9d3e-2c1d7d9f0a12',
    userId: '2b6f1a9e-2f3c-4a53-9d3e-2c1d7d9f0a13',
    quantity: 1,
    status: 'confirmed',
    unitPrice: 2500,
    currency: 'EUR',
    expiresAt: null,
    createdAt: new Date(0).toISOString(),
    position: '123456789',
  }),
);
// As many headers as a Tessera answer has (helmet's, request id, rate limit, ETag, X-Position).
const headers: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Origin-Agent-Cluster': '?1',
  'Referrer-Policy': 'no-referrer',
  'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
  'X-Content-Type-Options': 'nosniff',
  'X-DNS-Prefetch-Control': 'off',
  'X-Download-Options': 'noopen',
  'X-Frame-Options': 'SAMEORIGIN',
  'X-Permitted-Cross-Domain-Policies': 'none',
  'X-XSS-Protection': '0',
  'X-Request-Id': '3b6f1a9e-2f3c-4a53-9d3e-2c1d7d9f0a14',
  'RateLimit-Limit': '100000',
  'RateLimit-Remaining': '99999',
  'RateLimit-Reset': '60',
  'RateLimit-Policy': '100000;w=60',
  ETag: 'W/"7"',
  'X-Position': '123456789',
};

function nodeHttp(): http.Server {
  return http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(201, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': answer.length });
      res.end(answer);
    });
  });
}

function expressApp(): http.Server {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(express.json());
  const router = express.Router();
  router.post('/v1/events/:id/reservations', (_req, res) => {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.status(201).setHeader('Content-Type', 'application/json; charset=utf-8');
    res.send(answer);
  });
  app.use(router);
  return http.createServer(app);
}

const server = kind === 'express' ? expressApp() : nodeHttp();
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
