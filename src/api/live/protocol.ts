/**
 * The live protocol's messages and channel names (DESIGN §9). Pure: no I/O.
 *
 * Positions are changefeed feed ids (bigint in code, decimal strings in JSON), not
 * event-store positions: changefeed rows are written by several projections whose
 * transactions commit independently, and feed ids are the only commit-ordered
 * sequence. `update.position` is the row's feed id; `subscribed.position` is the
 * hub's feed head when the subscription went live (a valid `since`); `since` is the
 * last position the client saw. `update.eventPosition` is the event-store position of
 * the newest event the update reflects, to match with a command's `position`.
 */
import { z } from 'zod';
import type { Principal } from '../routes.js';

/** WebSocket close codes used by the hub. */
export const CLOSE = {
  /** Server shutting down. */
  goingAway: 1001,
  /** Protocol abuse: too many queued messages, messages over the rate, sockets over the per-user cap. */
  policy: 1008,
  /** ws closes with this itself when a frame exceeds maxPayload. */
  tooBig: 1009,
  /** Send buffer over its bound: the client does not read fast enough. */
  slowConsumer: 4008,
  /** Missing, invalid or expired credential; no authentication in time; logged out; API key revoked. */
  unauthorized: 4401,
} as const;

export const ERROR_CODES = [
  'unauthorized',
  'bad-message',
  'invalid-channel',
  'forbidden',
  'already-subscribed',
  'not-subscribed',
  'too-many-subscriptions',
  'too-many-connections',
  'rate-limited',
  'unavailable',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

const MAX_FEED_ID = (1n << 63n) - 1n;

const position = z
  .union([z.string().regex(/^\d{1,19}$/), z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)])
  .transform((value) => BigInt(value))
  .refine((value) => value <= MAX_FEED_ID, 'is out of range');

const channelField = z.string().min(1).max(256);

/** Client → server messages (exported for the AsyncAPI document). */
export const clientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auth'), token: z.string().min(1).max(8192) }),
  z.object({ type: z.literal('subscribe'), channel: channelField, since: position.nullish() }),
  z.object({ type: z.literal('unsubscribe'), channel: channelField }),
  z.object({ type: z.literal('ping') }),
]);

export type ClientMessage = z.output<typeof clientMessage>;

export type ParseResult = { ok: true; message: ClientMessage } | { ok: false; reason: string };

export function parseClientMessage(text: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'messages must be JSON objects' };
  }
  const parsed = clientMessage.safeParse(json);
  if (parsed.success) return { ok: true, message: parsed.data };
  const type = typeof json === 'object' && json !== null && 'type' in json ? (json as { type: unknown }).type : undefined;
  if (typeof type !== 'string' || !['auth', 'subscribe', 'unsubscribe', 'ping'].includes(type)) {
    return { ok: false, reason: 'type must be one of auth, subscribe, unsubscribe, ping' };
  }
  const issue = parsed.error.issues[0];
  return { ok: false, reason: issue ? `${issue.path.join('.') || type}: ${issue.message}` : `invalid ${type} message` };
}

/**
 * A channel as the client names it. `key` is the normalised client name (what the
 * authorisation hook sees and what unsubscribe matches); the changefeed channel is
 * derived per principal by `feedChannel`.
 */
export interface ClientChannel {
  key: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GENERIC = /^([a-z][a-zA-Z0-9]{0,31}):([A-Za-z0-9._:-]{1,200})$/;

/**
 * Validates a channel name. `event:<uuid>`, `meeting:<uuid>` and `user:me` are the
 * application's channels; any other `kind:id` is syntactically valid and left to the
 * authorisation hook (which refuses unknown kinds in production; tests use it to
 * follow their own channels). Returns undefined when the name is malformed.
 */
export function parseChannel(channel: string): ClientChannel | undefined {
  const match = GENERIC.exec(channel);
  if (!match) return undefined;
  const [, kind, id] = match as unknown as [string, string, string];
  switch (kind) {
    case 'event':
    case 'meeting':
      return UUID.test(id) ? { key: `${kind}:${id.toLowerCase()}` } : undefined;
    case 'user':
      // Only your own feed; other users' feeds are not channels.
      return id === 'me' ? { key: 'user:me' } : undefined;
    default:
      return { key: channel };
  }
}

/** The changefeed channel behind a client channel: `user:me` is `user:<userId>`. */
export function feedChannel(channel: ClientChannel, principal: Principal): string {
  return channel.key === 'user:me' ? `user:${principal.userId}` : channel.key;
}

/** Server → client messages, serialised once. */
export const serverMessage = {
  subscribed: (channel: string, position: bigint) => JSON.stringify({ type: 'subscribed', channel, position: position.toString() }),
  update: (channel: string, position: bigint, eventPosition: bigint, data: unknown) =>
    JSON.stringify({ type: 'update', channel, position: position.toString(), eventPosition: eventPosition.toString(), data }),
  resync: (channel: string) => JSON.stringify({ type: 'resync', channel }),
  error: (code: ErrorCode, message: string, channel?: string) =>
    JSON.stringify(channel === undefined ? { type: 'error', code, message } : { type: 'error', code, message, channel }),
  pong: () => '{"type":"pong"}',
};
