/**
 * What request logs must not carry: credentials. Header values of `authorization`,
 * cookies and API keys become `[REDACTED]`, and so do the values of token query
 * parameters (`?access_token=…`, the live socket's way of authenticating). Everything
 * else stays, Idempotency-Key values included: they are not secrets and help tracing.
 */
export const REDACTED = '[REDACTED]';

const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key']);
const SECRET_QUERY_PARAMETERS = new Set(['access_token', 'token', 'refresh_token', 'api_key']);

const isSecretParameter = (rawName: string): boolean => {
  let name = rawName;
  try {
    name = decodeURIComponent(rawName.replace(/\+/g, ' '));
  } catch {
    // a malformed escape: compare it as written
  }
  return SECRET_QUERY_PARAMETERS.has(name.toLowerCase());
};

/** The URL with the values of token parameters replaced. */
export function redactUrl(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const pairs = url
    .slice(at + 1)
    .split('&')
    .map((pair) => {
      const name = pair.split('=', 1)[0]!;
      return isSecretParameter(name) ? `${name}=${REDACTED}` : pair;
    });
  return `${url.slice(0, at)}?${pairs.join('&')}`;
}

export function redactHeaders(headers: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!headers) return headers;
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, SECRET_HEADERS.has(name.toLowerCase()) ? REDACTED : value]));
}

export function redactQuery(query: unknown): unknown {
  if (!query || typeof query !== 'object') return query;
  return Object.fromEntries(Object.entries(query).map(([name, value]) => [name, isSecretParameter(name) ? REDACTED : value]));
}

/** The request log's serializers (./requestLog.ts): a request and a response as pino's standard serializers shape them, redacted. */
export const redactingSerializers = {
  req: (req: { id?: unknown; method?: string; url?: string; query?: unknown; params?: unknown; headers?: Record<string, unknown>; remoteAddress?: string; remotePort?: number }) => ({
    id: req.id,
    method: req.method,
    url: typeof req.url === 'string' ? redactUrl(req.url) : req.url,
    query: redactQuery(req.query),
    params: req.params,
    headers: redactHeaders(req.headers),
    remoteAddress: req.remoteAddress,
    remotePort: req.remotePort,
  }),
  res: (res: { statusCode?: number; headers?: Record<string, unknown> }) => ({ statusCode: res.statusCode, headers: redactHeaders(res.headers) }),
};
