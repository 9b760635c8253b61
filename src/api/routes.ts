/**
 * Routes are declared as data (method, path, access rule, zod schemas, handler), so
 * that one place validates, authorises, applies idempotency and read-your-writes,
 * writes the response, and generates the OpenAPI document. A test walks this table
 * to check that every route declares its access rule.
 */
import type { NextFunction, Request, Response, Router } from 'express';
import { z, type ZodType } from 'zod';
import { bigintJson, findUnstorableText, MAX_JSON_DEPTH, nestsDeeperThan } from '../json.js';
import { HttpError, forbiddenHttp, unauthorized } from './problem.js';
import { bigintString } from './schemas.js';
import type { ProblemCode } from './problemCodes.js';

export interface Principal {
  userId: string;
  roles: string[];
  /** Set when the caller authenticated with a personal API key (src/api/auth/apiKeys.ts). */
  apiKey?: { id: string; scopes: readonly ('read' | 'write')[] };
}

export type Access =
  | { kind: 'public' }
  | { kind: 'user' }
  | { kind: 'admin' }
  /**
   * A per-resource rule (organizer, participant, …); throws 403 or 404. Runs after authentication.
   * `description` says who passes in words, for the API documentation.
   */
  | { kind: 'resource'; rule: string; description: string; check(ctx: RouteContext<any, any, any>): Promise<void> };

export const access = {
  public: { kind: 'public' } as Access,
  user: { kind: 'user' } as Access,
  admin: { kind: 'admin' } as Access,
  resource: (rule: string, check: (ctx: RouteContext<any, any, any>) => Promise<void>, description = rule): Access => ({
    kind: 'resource',
    rule,
    description,
    check,
  }),
};

export interface RouteContext<Params, Query, Body> {
  params: Params;
  query: Query;
  body: Body;
  /** Undefined only on public routes. */
  principal: Principal | undefined;
  req: Request;
  res: Response;
  /** The caller's Idempotency-Key, if any (commands derive event ids from it). */
  idempotencyKey: string | undefined;
  /** True when the idempotency layer saw the key for the first time: no earlier attempt can have written. */
  idempotencyKeyIsNew: boolean;
  /** Parsed If-Match revision, if any. */
  ifMatch: bigint | undefined;
  correlationId: string;
  now: Date;
}

export interface RouteResult<Body = unknown> {
  status?: number;
  body?: Body;
  /** Stream revision → weak ETag. */
  revision?: bigint;
  /** Event-store position of the change → `position` in the body and X-Position. */
  position?: bigint;
  headers?: Record<string, string>;
}

/** What a handler must answer for a route whose documented response is R. */
export type ResponseBody<R extends ZodType> = z.input<R>;

export interface RouteDefinition<P extends ZodType = ZodType, Q extends ZodType = ZodType, B extends ZodType = ZodType, R extends ZodType = ZodType> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express-style path below the mount point, e.g. `/v1/events/:id`. */
  path: string;
  summary: string;
  tags: string[];
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** Projections this GET reads, for X-Min-Position; default: all of them. */
  readsProjections?: string[];
  /**
   * false: an Idempotency-Key is not answered from stored responses (the route runs
   * each time). For answers that carry secrets (tokens), which must not be stored.
   */
  idempotentReplay?: boolean;
  /** Refused to API keys (403 `api-key-not-allowed`): managing keys, the password, logout. */
  sessionOnly?: boolean;
  /** Documented success status (default 200). */
  successStatus?: number;
  /**
   * The success body's schema (the resource's DTO, src/api/*\/dtos.ts): the OpenAPI document
   * shows it and the handler's body is type-checked against it. Omitted only for 204.
   */
  response?: R;
  /** The success body's media type when it is not JSON (e.g. `text/calendar`): the handler answers a string, sent as it is. */
  mediaType?: string;
  /** Problem codes of this route's domain; openapi.ts adds those that follow from its shape. */
  problems?: readonly ProblemCode[];
  handler(ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<RouteResult<ResponseBody<R>>>;
}

/** Helper that keeps the schema types flowing into the handler (and its body to the documented response). */
export function route<P extends ZodType = ZodType, Q extends ZodType = ZodType, B extends ZodType = ZodType, R extends ZodType = ZodType>(
  definition: RouteDefinition<P, Q, B, R>,
): RouteDefinition {
  return definition as unknown as RouteDefinition;
}

export interface RouteDependencies {
  /** Resolves the bearer token; undefined when no credentials were sent; throws 401 when they are invalid. */
  authenticate(req: Request): Promise<Principal | undefined>;
  /** Why a route refuses an API key (scope, admin, session-only), if it does. */
  refuseApiKey?(definition: RouteDefinition, key: NonNullable<Principal['apiKey']>): HttpError | undefined;
  idempotency?: {
    run(args: { scope: string; key: string; req: Request; res: Response }, execute: (attempt: { keyIsNew: boolean }) => Promise<void>): Promise<void>;
  };
  waitForPosition?(position: bigint, projections: string[] | undefined): Promise<void>;
  now(): Date;
}

const MUTATING = new Set(['post', 'put', 'patch', 'delete']);
const IF_MATCH = /^\s*(?:W\/)?"(-?\d+)"\s*$/;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export function weakEtag(revision: bigint): string {
  return `W/"${revision.toString()}"`;
}

function parseIfMatch(header: string | undefined): bigint | undefined {
  if (header === undefined) return undefined;
  const match = IF_MATCH.exec(header);
  if (!match) throw new HttpError(400, 'invalid-if-match', 'If-Match must be a revision ETag such as W/"3"');
  return BigInt(match[1]!);
}

function parseMinPosition(header: string | undefined): bigint | undefined {
  if (header === undefined) return undefined;
  if (!/^\d{1,20}$/.test(header.trim())) throw new HttpError(400, 'invalid-min-position', 'X-Min-Position must be a non-negative integer');
  return BigInt(header.trim());
}

/**
 * Express tries a request against each route of a router in turn (a regex each), so the
 * routes go into one router per first two path segments (`/v1/events`, `/v1/me`, …),
 * mounted at that prefix: a request passes the prefixes, then only its group's routes.
 * Groups never overlap, and a group keeps the table's order.
 */
export function mountRoutes(router: Router, routes: RouteDefinition[], deps: RouteDependencies, newRouter: () => Router): void {
  const groups = new Map<string, Router>();
  for (const definition of routes) {
    const prefix = /^\/[^/:]+\/[^/:]+/.exec(definition.path)?.[0] ?? '';
    let group = groups.get(prefix);
    if (!group) {
      groups.set(prefix, (group = prefix ? newRouter() : router));
      if (prefix) router.use(prefix, group);
    }
    group[definition.method](definition.path.slice(prefix.length) || '/', (req: Request, res: Response, next: NextFunction) => {
      handle(definition, req, res, deps).catch(next);
    });
  }
}

/** The route table's path of the route that answered (the metrics label), e.g. `/v1/events/:id`. */
export function routePath(req: Request): string | undefined {
  if (!req.route) return undefined;
  const path = req.route.path as string;
  return req.baseUrl && path === '/' ? req.baseUrl : `${req.baseUrl}${path}`;
}

async function handle(definition: RouteDefinition, req: Request, res: Response, deps: RouteDependencies): Promise<void> {
  const principal = await deps.authenticate(req);
  if (definition.access.kind !== 'public' && !principal) throw unauthorized();
  if (principal?.apiKey && deps.refuseApiKey) {
    const refusal = deps.refuseApiKey(definition, principal.apiKey);
    if (refusal) throw refusal;
  }
  if (definition.access.kind === 'admin' && !principal!.roles.includes('admin')) throw forbiddenHttp('Administrators only');

  // Bounded before anything walks the body recursively (zod, idempotency hashing).
  if (nestsDeeperThan(req.body) || nestsDeeperThan(req.query)) {
    throw new HttpError(400, 'too-deeply-nested', `The request nests objects or arrays deeper than ${MAX_JSON_DEPTH} levels`);
  }
  // PostgreSQL cannot store U+0000 or lone surrogates: such input would fail deep inside a
  // write (a 500) or, through EventStoreDB, be stored and then stop the projection that
  // reads it. Refused at the door for every route, as a validation error naming the field.
  const badTextAt = findUnstorableText(req.params) ?? findUnstorableText(req.query) ?? findUnstorableText(req.body);
  if (badTextAt) {
    const errors = [{ path: badTextAt.join('.'), message: 'must not contain U+0000 or unpaired UTF-16 surrogates', code: 'invalid-characters' }];
    throw new HttpError(400, 'validation-failed', 'The request is not valid', {}, { errors });
  }
  const params = definition.params ? definition.params.parse(req.params) : req.params;
  const query = definition.query ? definition.query.parse(req.query) : req.query;
  const body = definition.body ? definition.body.parse(req.body ?? {}) : undefined;

  const ifMatch = parseIfMatch(req.header('if-match'));
  const rawKey = req.header('idempotency-key');
  if (rawKey !== undefined && !IDEMPOTENCY_KEY.test(rawKey)) {
    throw new HttpError(400, 'invalid-idempotency-key', 'Idempotency-Key must be 1–255 printable ASCII characters');
  }
  const idempotencyKey = MUTATING.has(definition.method) ? rawKey : undefined;

  const ctx: RouteContext<unknown, unknown, unknown> = {
    params,
    query,
    body,
    principal,
    req,
    res,
    idempotencyKey,
    idempotencyKeyIsNew: false,
    ifMatch,
    correlationId: String(req.id),
    now: deps.now(),
  };
  // Read-your-writes first: a resource rule may read a read model too (free/busy sharing
  // reads group members), and must see the caller's own write (joining the group).
  if (definition.method === 'get') {
    const minPosition = parseMinPosition(req.header('x-min-position'));
    if (minPosition !== undefined && deps.waitForPosition) await deps.waitForPosition(minPosition, definition.readsProjections);
  }
  if (definition.access.kind === 'resource') await definition.access.check(ctx);

  const execute = async (attempt?: { keyIsNew: boolean }) => {
    ctx.idempotencyKeyIsNew = attempt?.keyIsNew ?? false;
    const result = await definition.handler(ctx);
    writeResult(res, result, definition);
  };
  if (idempotencyKey && deps.idempotency && definition.idempotentReplay !== false) {
    const scope = principal ? `user:${principal.userId}` : `ip:${req.ip ?? 'unknown'}`;
    await deps.idempotency.run({ scope, key: idempotencyKey, req, res }, execute);
  } else {
    await execute();
  }
}

function writeResult(res: Response, result: RouteResult, { successStatus = 200, mediaType }: Pick<RouteDefinition, 'successStatus' | 'mediaType'>): void {
  for (const [name, value] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
  if (result.revision !== undefined) res.setHeader('ETag', weakEtag(result.revision));
  let body = result.body;
  if (result.position !== undefined) {
    res.setHeader('X-Position', result.position.toString());
    // `position` is always the store position (a waiting-list entry's queue place is `place`).
    if (body && typeof body === 'object' && !Array.isArray(body)) body = { ...body, position: result.position.toString() };
  }
  res.status(result.status ?? successStatus);
  if (body === undefined) {
    res.end();
    return;
  }
  if (mediaType && typeof body === 'string') {
    res.type(mediaType).send(body);
    return;
  }
  // A Buffer with the full media type: express sends it as it is, without parsing the type
  // again to add a charset (what it does for strings); HEAD and 304s work as before.
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.send(Buffer.from(bigintJson(body)));
}

/** Common zod pieces for routes (values of their own: ./schemas.ts). */
export const schemas = {
  /** A stream revision or store position in a query string: digits, within PostgreSQL's bigint. */
  revision: bigintString().transform((v) => BigInt(v)),
  uuidParam: z.object({ id: z.uuid() }),
  pagination: z.object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(500).optional(),
  }),
};

/** X-Position for an answer: the store position of the newest event it reflects (none before the first event). */
export function positionHeader(position: bigint | undefined): Record<string, string> {
  return position !== undefined && position >= 0n ? { 'X-Position': position.toString() } : {};
}
