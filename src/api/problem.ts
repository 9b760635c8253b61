/**
 * The one problem-details mapper (RFC 9457, DESIGN §8). Every error class carries its
 * HTTP meaning here and nowhere else; anything unknown is a 500 without internals.
 */
import type { Duplex } from 'node:stream';
import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { ConcurrencyExhaustedError, PreconditionFailedError } from '../commands/errors.js';
import { DomainError, type DomainErrorKind } from '../domain/shared/errors.js';
import { redactUrl } from './logRedaction.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: Array<{ path: string; message: string; code: string }>;
  [extension: string]: unknown;
}

/** An error raised by the HTTP layer itself (auth, not found, rate limits, …). */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const unauthorized = (detail = 'A valid bearer token is required') => new HttpError(401, 'unauthorized', detail, { 'WWW-Authenticate': 'Bearer' });
export const forbiddenHttp = (detail = 'You may not do this') => new HttpError(403, 'forbidden', detail);
export const notFoundHttp = (what = 'Resource') => new HttpError(404, 'not-found', `${what} not found`);

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const DOMAIN_STATUS: Record<DomainErrorKind, number> = { conflict: 409, invalid: 422, forbidden: 403, 'not-found': 404 };

interface Mapped {
  problem: Problem;
  headers: Record<string, string>;
}

const problem = (status: number, code: string, detail: string, extra: Partial<Problem> = {}): Problem => ({
  type: `https://tessera.dev/problems/${code}`,
  title: TITLES[status] ?? 'Error',
  status,
  detail,
  code,
  ...extra,
});

/** A read model's tables do not exist yet: a fresh database that no projector has set up (the api starts first). */
export function isReadModelMissing(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return !!e && e.code === '42P01' && typeof e.message === 'string' && /"rm_[a-z_]+\./.test(e.message);
}

export function toProblem(error: unknown): Mapped & { unexpected: boolean } {
  if (error instanceof HttpError) {
    return { problem: problem(error.status, error.code, error.message, error.extensions), headers: error.headers, unexpected: false };
  }
  if (error instanceof DomainError) {
    return { problem: problem(DOMAIN_STATUS[error.kind], error.code, error.message), headers: {}, unexpected: false };
  }
  if (error instanceof ZodError) {
    const errors = error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message, code: issue.code }));
    return { problem: problem(400, 'validation-failed', 'The request is not valid', { errors }), headers: {}, unexpected: false };
  }
  if (error instanceof PreconditionFailedError) {
    return { problem: problem(412, 'revision-mismatch', error.message, { currentRevision: error.actual?.toString() ?? null }), headers: {}, unexpected: false };
  }
  if (error instanceof ConcurrencyExhaustedError) {
    return { problem: problem(503, 'contention', 'Too many concurrent changes; retry shortly'), headers: { 'Retry-After': '1' }, unexpected: false };
  }
  if (isReadModelMissing(error)) {
    return { problem: problem(503, 'projection-behind', 'The read model is not set up yet (no projector has started on this database); retry shortly'), headers: { 'Retry-After': '1' }, unexpected: false };
  }
  if (isDatabaseUnavailable(error)) {
    return { problem: problem(503, 'database-unavailable', 'The database connection was lost; retry shortly'), headers: { 'Retry-After': '1' }, unexpected: false };
  }
  // body-parser errors carry a status and a type
  const bodyError = error as { type?: string; status?: number; expose?: boolean } | null;
  if (bodyError && typeof bodyError === 'object' && typeof bodyError.status === 'number' && bodyError.expose) {
    if (bodyError.type === 'entity.parse.failed') return { problem: problem(400, 'invalid-json', 'The body is not valid JSON'), headers: {}, unexpected: false };
    if (bodyError.type === 'entity.too.large') return { problem: problem(413, 'body-too-large', 'The body is too large'), headers: {}, unexpected: false };
    if (bodyError.status >= 400 && bodyError.status < 500) {
      return { problem: problem(bodyError.status, 'bad-request', 'The request could not be read'), headers: {}, unexpected: false };
    }
  }
  return { problem: problem(500, 'internal', 'Something went wrong on our side'), headers: {}, unexpected: true };
}

/**
 * A lost or unobtainable database connection (server restart, pg_terminate_backend, a
 * network cut, a full pool): the request may succeed when retried, so 503, not 500.
 * pg's SQLSTATE class 08 and 57P01–03, Node's socket errors, pg-pool's and knex's
 * connection timeouts.
 */
function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as { code?: unknown };
  if (typeof code === 'string') {
    if (code.startsWith('08') || /^57P0[123]$/.test(code) || code === '53300') return true;
    return ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(code);
  }
  if (error.name === 'KnexTimeoutError') return true;
  return /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/.test(error.message);
}

export function sendProblem(res: Response, mapped: Mapped): void {
  for (const [name, value] of Object.entries(mapped.headers)) res.setHeader(name, value);
  res.status(mapped.problem.status).type('application/problem+json').send(JSON.stringify(mapped.problem));
}

export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const mapped = toProblem(error);
    if (mapped.unexpected) logger.error({ err: error, reqId: req.id, url: redactUrl(req.originalUrl) }, 'unhandled error');
    else if (mapped.problem.code === 'database-unavailable') logger.warn({ err: error, reqId: req.id }, 'database connection lost during a request');
    if (res.headersSent) {
      res.end();
      return;
    }
    sendProblem(res, mapped);
  };
}

/**
 * The server's 'clientError' listener: requests Node's HTTP parser refuses before express
 * sees them (a URL or headers over the size limit, a malformed request line, a request
 * that timed out) still get a problem+json answer instead of Node's bare status line.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  // The codes Node's own fallback answer distinguishes (lib/_http_server.js socketOnError).
  const [status, code, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers-too-large', 'The URL or the headers are too large']
      : error.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
        ? [413, 'body-too-large', 'The chunk extensions are too large']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'request-timeout', 'The request took too long to arrive']
          : [400, 'malformed-request', 'The request could not be parsed as HTTP'];
  const body = JSON.stringify(problem(status, code, detail));
  socket.end(
    `HTTP/1.1 ${status} ${TITLES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
