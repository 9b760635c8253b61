/**
 * Request ids and request logs: an `X-Request-Id` on every answer (the caller's, when it
 * is a sane one), and one line per request when it ends, at a level set by its status
 * (5xx error, 4xx info, anything else debug), credentials redacted (./logRedaction.ts).
 * The line is only built when its level is enabled: at `info` a 2xx costs a listener and
 * a status check, not a child logger and serialised request per request (what pino-http
 * did, about a tenth of a reservation's CPU).
 */
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Level, Logger } from 'pino';
import { redactingSerializers } from './logRedaction.js';

declare module 'node:http' {
  interface IncomingMessage {
    /** The request id (X-Request-Id), set by requestLog. */
    id: string;
  }
}

const REQUEST_ID = /^[\w.\-:]{1,128}$/;

const levelOf = (res: Response, aborted: boolean): Level => (aborted || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug');

export function requestLog(logger: Logger, ignore: (req: Request) => boolean): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    if (!ignore(req)) {
      const started = Date.now();
      // 'close' follows 'finish' for an answered request and comes alone for an aborted one.
      res.once('close', () => {
        const aborted = !res.writableFinished;
        const level = levelOf(res, aborted);
        if (!logger.isLevelEnabled(level)) return;
        const line = { req: serializedRequest(req), res: redactingSerializers.res({ statusCode: res.statusCode, headers: res.getHeaders() }), responseTime: Date.now() - started };
        logger[level](line, aborted ? 'request aborted' : res.statusCode >= 500 ? 'request errored' : 'request completed');
      });
    }
    next();
  };
}

function serializedRequest(req: Request) {
  return redactingSerializers.req({
    id: req.id,
    method: req.method,
    url: req.originalUrl,
    query: req.query,
    params: req.params,
    headers: req.headers,
    remoteAddress: req.socket.remoteAddress,
    remotePort: req.socket.remotePort,
  });
}
