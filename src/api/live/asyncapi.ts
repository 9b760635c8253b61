/**
 * The AsyncAPI 3 document of the live protocol (DESIGN §9), served at /asyncapi.json.
 * Client messages come from the schemas the hub parses with (protocol.ts); server
 * messages from the schemas below, which a test holds against what protocol.ts sends;
 * update payloads from the same DTO schemas as the REST responses.
 */
import { z, type ZodType } from 'zod';
import { field } from '../dtoFields.js';
import { notificationSchema } from '../notifications/dtos.js';
import { meetingSchema } from '../scheduling/meetingDtos.js';
import { recommendationSchema } from '../scheduling/recommendationDtos.js';
import { eventSchema, reservationSchema, waitlistEntrySchema } from '../ticketing/dtos.js';
import { CLOSE, ERROR_CODES, clientMessage } from './protocol.js';

const feedPosition = (description: string) => field(z.string().regex(/^\d+$/), `${description} A changefeed position (decimal string), not an event-store position.`, '1842');
const channel = field(z.string(), 'The channel as the client named it: event:<id>, meeting:<id> or user:me.', 'event:0b9a3f4e-5c1d-4e8f-9a2b-7c6d5e4f3a21');

/** What each live error code means (and whether the socket stays open). */
const ERROR_MEANINGS: Record<(typeof ERROR_CODES)[number], string> = {
  unauthorized: 'no valid credential: before `auth`, a bad or expired token (then close 4401), a re-`auth` token that is invalid or of another user (the socket keeps its credential), or lost access (then close 4401)',
  'bad-message': 'not a valid client message (or `auth` while one is being checked)',
  'invalid-channel': 'not a channel name',
  forbidden: 'you may not follow this channel (also when access is lost while subscribed; the subscription ends)',
  'already-subscribed': 'you follow this channel already',
  'not-subscribed': 'you do not follow this channel',
  'too-many-subscriptions': 'over the subscriptions allowed per socket',
  'too-many-connections': 'over the live connections allowed per user on this server; the socket is then closed with 1008',
  'rate-limited': 'over the client messages allowed per second; the message was dropped (keep going and the socket is closed with 1008)',
  unavailable: 'the server could not subscribe now; try again',
};

/** What `update.data` carries, per channel. */
export const updatePayloads = {
  event: z
    .object({ type: field(z.literal('event'), 'On event:<id>: the event changed.', 'event'), event: eventSchema })
    .meta({ id: 'EventChanged', description: 'On event:<id>: availability, price or status changed.' }),
  reservation: z
    .object({ type: field(z.literal('reservation'), 'On user:me: one of your reservations changed.', 'reservation'), reservation: reservationSchema })
    .meta({ id: 'ReservationChanged', description: 'On user:me: one of your reservations changed status.' }),
  waitlist: z
    .object({ type: field(z.literal('waitlist'), 'On user:me: your waiting-list entry changed.', 'waitlist'), entry: waitlistEntrySchema })
    .meta({ id: 'WaitlistEntryChanged', description: 'On user:me: your waiting-list entry moved, got an offer, was promoted or expired.' }),
  notification: z
    .object({ type: field(z.literal('notification'), 'On user:me: a new notification.', 'notification'), notification: notificationSchema })
    .meta({ id: 'NotificationAdded', description: 'On user:me: a new in-app notification.' }),
  meeting: z
    .object({
      type: field(z.literal('meeting'), 'On meeting:<id>: the meeting changed.', 'meeting'),
      meeting: meetingSchema,
      top: field(
        z.array(recommendationSchema).max(3),
        'Its first 3 recommendations at step 15, as GET /v1/meetings/:id/recommendations?limit=3 ranks them; [] when only the organizer sees the results (resultsVisibility: organizer) and for fixed-time meetings.',
        [],
      ),
    })
    .meta({ id: 'MeetingChanged', description: 'On meeting:<id>: a submission, answer, participant or the schedule changed; one update per projection batch reflects every change in it.' }),
};

/** Server → client messages, by type (the shapes serverMessage in protocol.ts writes). */
export const serverMessageSchemas = {
  subscribed: z.object({
    type: field(z.literal('subscribed'), 'The subscription is live.', 'subscribed'),
    channel,
    position: feedPosition('The feed head when the subscription went live: a valid `since` for a later resubscribe.'),
  }),
  update: z.object({
    type: field(z.literal('update'), 'Something on the channel changed.', 'update'),
    channel,
    position: feedPosition('This update’s place in the feed; remember the last one and resubscribe with it as `since`.'),
    eventPosition: field(
      z.string().regex(/^\d+$/),
      'Event-store position (decimal string) of the newest event this update reflects: compare it with a command’s `position` / X-Position, or send it as X-Min-Position. Not a valid `since`.',
      '63504385',
    ),
    data: field(z.union(Object.values(updatePayloads) as unknown as [ZodType, ZodType, ...ZodType[]]), 'What changed (by channel kind).', { type: 'event' }),
  }),
  resync: z.object({
    type: field(z.literal('resync'), '`since` is older than the retained feed: fetch the state over REST, then subscribe again without `since`.', 'resync'),
    channel,
  }),
  error: z.object({
    type: field(z.literal('error'), 'A message could not be handled.', 'error'),
    code: field(
      z.enum(ERROR_CODES),
      `Stable machine-readable code: ${ERROR_CODES.map((code) => `\`${code}\` ${ERROR_MEANINGS[code]}`).join('; ')}.`,
      'forbidden',
    ),
    message: field(z.string(), 'What went wrong, for a person.', 'you may not follow this channel'),
    channel: channel.optional(),
  }),
  pong: z.object({ type: field(z.literal('pong'), 'Answer to ping.', 'pong') }),
};

const CLIENT_SUMMARIES: Record<string, string> = {
  auth:
    'Authenticate with an access token or API key (unless ?access_token= was given), within 10 s of connecting. ' +
    'On an authenticated socket, a fresh token of the same user replaces the current one (send it before that expires, or the socket is closed with 4401); no answer on success.',
  subscribe: 'Follow a channel; with `since` (the last position you saw), missed updates come first, then `subscribed`, then live ones.',
  unsubscribe: 'Stop following a channel.',
  ping: 'Keep-alive; the server answers pong.',
};
const SERVER_SUMMARIES: Record<keyof typeof serverMessageSchemas, string> = {
  subscribed: 'The subscription is live (after any missed updates).',
  update: 'A change on a followed channel; per channel in position order, no gaps, no duplicates.',
  resync: 'The missed updates are no longer retained: reload over REST and subscribe again.',
  error: 'A message was refused; the connection stays open, unless the code says it closes (too-many-connections, failed authentication, lost access).',
  pong: 'Answer to ping.',
};
const CLIENT_EXAMPLES: Record<string, unknown> = {
  auth: { type: 'auth', token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI2ZjFjIn0.sig' },
  subscribe: { type: 'subscribe', channel: 'event:0b9a3f4e-5c1d-4e8f-9a2b-7c6d5e4f3a21', since: '1842' },
  unsubscribe: { type: 'unsubscribe', channel: 'user:me' },
  ping: { type: 'ping' },
};

type Json = Record<string, unknown>;

/** JSON Schema of `schema`, with named sub-schemas hoisted into `components`. */
function jsonSchema(schema: ZodType, components: Record<string, unknown>, io: 'input' | 'output'): Json {
  const { $schema: _dialect, $defs, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json & { $defs?: Record<string, unknown> };
  const relink = <T>(value: T): T => JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', '"#/components/schemas/')) as T;
  for (const [name, def] of Object.entries($defs ?? {})) components[name] = relink(def);
  return relink(rest);
}

export function clientMessageTypes(): string[] {
  return clientMessage.options.map((option) => option.shape.type.value);
}

export function buildAsyncApiDocument(info: { version: string }) {
  const schemas: Record<string, unknown> = {};
  const messages: Record<string, Json> = {};
  for (const option of clientMessage.options) {
    const type = option.shape.type.value;
    messages[type] = {
      name: type,
      title: `${type} (client → server)`,
      summary: CLIENT_SUMMARIES[type] ?? type,
      payload: jsonSchema(option, schemas, 'input'),
      examples: [{ name: type, payload: CLIENT_EXAMPLES[type] ?? { type } }],
    };
  }
  for (const [type, schema] of Object.entries(serverMessageSchemas)) {
    messages[type] = {
      name: type,
      title: `${type} (server → client)`,
      summary: SERVER_SUMMARIES[type as keyof typeof serverMessageSchemas],
      payload: jsonSchema(schema, schemas, 'output'),
    };
  }
  const ref = (type: string) => ({ $ref: `#/channels/live/messages/${type}` });
  const clientTypes = clientMessageTypes();
  const serverTypes = Object.keys(serverMessageSchemas);
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Tessera live updates',
      version: info.version,
      description:
        'One WebSocket per client at /v1/live. Authenticate with ?access_token= or a first `auth` message (an access token or a personal API key); then subscribe to channels. ' +
        'Before the access token expires, send `auth` again with a fresh one to keep the socket open. ' +
        'Channels are authorised like the REST resources behind them. Close codes: ' +
        `${CLOSE.unauthorized} missing, invalid or expired credential, no authentication in time, logged out or API key deleted; ` +
        `${CLOSE.slowConsumer} slow consumer; ${CLOSE.goingAway} server shutting down; ${CLOSE.tooBig} frame too large; ` +
        `${CLOSE.policy} too many messages waiting, client messages over the rate, or too many connections for the user.`,
    },
    defaultContentType: 'application/json',
    servers: {
      local: { host: 'localhost:3000', protocol: 'ws', pathname: '/v1/live', description: 'The API server (same host and port as the REST API).' },
    },
    channels: {
      live: {
        address: '/v1/live',
        title: 'Live updates',
        description:
          'Application channels: `event:<id>` (availability, price, status), `meeting:<id>` (the meeting and its top 3 recommendations; organizer and participants), `user:me` (your reservations, waiting-list entries and notifications, meeting invitations and changes among them). ' +
          'Positions are changefeed positions: per channel, updates arrive in position order; resubscribing with `since` = the last position seen delivers everything missed, then live updates.',
        messages: Object.fromEntries([...clientTypes, ...serverTypes].map((type) => [type, { $ref: `#/components/messages/${type}` }])),
        bindings: {
          ws: {
            query: {
              type: 'object',
              properties: { access_token: { type: 'string', description: 'Access token or API key (instead of a first `auth` message).' } },
            },
          },
        },
      },
    },
    operations: Object.fromEntries([
      ...clientTypes.map((type) => [`receive-${type}`, { action: 'receive', channel: { $ref: '#/channels/live' }, summary: CLIENT_SUMMARIES[type] ?? type, messages: [ref(type)] }]),
      ...serverTypes.map((type) => [
        `send-${type}`,
        { action: 'send', channel: { $ref: '#/channels/live' }, summary: SERVER_SUMMARIES[type as keyof typeof serverMessageSchemas], messages: [ref(type)] },
      ]),
    ]),
    components: { messages, schemas },
  };
}
