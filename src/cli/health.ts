/**
 * `tessera health [--ready] [--url URL]`: the container HEALTHCHECK of every role. Asks this
 * machine's server — the api's PORT when PROCESS_ROLES include api, else HEALTH_PORT —
 * and exits 0 on 200, 1 otherwise, printing one line. Needs no database.
 */
import type { CliContext } from './context.js';
import { shorten, usageError } from './output.js';

const TIMEOUT_MS = 5000;

export async function health(ctx: CliContext, opts: { ready?: boolean; url?: string }): Promise<boolean> {
  const target = healthUrl(ctx, opts);
  let response: Response;
  try {
    response = await fetch(target, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    await ctx.out.line(`unreachable ${target}: ${cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error))}`);
    return false;
  }
  const body = (await response.json().catch(() => undefined)) as { checks?: Record<string, { status?: string; detail?: string }> } | undefined;
  const failing = Object.entries(body?.checks ?? {})
    .filter(([, c]) => c.status !== 'ok')
    .map(([name, c]) => `${name}: ${c.detail ?? c.status}`);
  const ok = response.status === 200;
  await ctx.out.line(`${ok ? 'ok' : 'failing'} ${response.status} ${target}${failing.length ? ` — ${shorten(failing.join('; '), 400)}` : ''}`);
  return ok;
}

function healthUrl(ctx: CliContext, opts: { ready?: boolean; url?: string }): string {
  const path = opts.ready ? '/health/ready' : '/health/live';
  if (opts.url === undefined) {
    const { roles, port, healthPort } = ctx.config;
    return `http://127.0.0.1:${roles.includes('api') ? port : healthPort}${path}`;
  }
  let url: URL;
  try {
    url = new URL(opts.url);
  } catch {
    throw usageError(`--url must be an http(s) URL, e.g. http://127.0.0.1:3001 (got "${opts.url}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw usageError(`--url must be an http(s) URL (got "${opts.url}")`);
  // A bare origin gets the health path; a URL with a path is fetched as given.
  if (url.pathname === '/' || url.pathname === '') url.pathname = path;
  return url.toString();
}
