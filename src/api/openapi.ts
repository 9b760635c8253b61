/**
 * The OpenAPI document, generated from the route table: request schemas, the response
 * DTO schemas the handlers build to, the problem codes each route can answer (by status),
 * access in words, and tags in a reader's order.
 *
 * Response DTO fields carry their own description and example (src/api/*\/dtos.ts).
 * Request fields are the commands' input schemas, which describe validation only; their
 * documentation comes from the glossaries below, one entry per field name, so one name
 * means one thing across the API.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { EXAMPLE, field } from './dtoFields.js';
import { PROBLEM_CODES, problemsOf, type ProblemCode } from './problemCodes.js';
import type { Access, RouteDefinition } from './routes.js';

/** Tags in the order a reader meets them; tags not listed here go before `admin`. */
const TAGS: Array<{ name: string; description: string }> = [
  { name: 'auth', description: 'Accounts and sessions: register, sign in, refresh tokens, sign out.' },
  { name: 'account', description: 'The signed-in user: profile and password.' },
  { name: 'events', description: 'Ticketed events: create, publish, change, cancel, collaborators, history.' },
  { name: 'reservations', description: 'Reserving seats, confirming holds, cancelling.' },
  { name: 'waiting list', description: 'Joining, leaving and accepting offers when an event is sold out.' },
  { name: 'analytics', description: 'Figures for organizers and administrators.' },
  { name: 'notifications', description: 'In-app notifications (also pushed live on `user:me`).' },
  { name: 'availability', description: 'Weekly hours and date overrides as wall-clock rules in the user’s time zone (docs/scheduling.md §3).' },
  { name: 'groups', description: 'Groups of users with roles (owner, admins, members), for scheduling with many people at once.' },
  { name: 'admin', description: 'Operations for administrators.' },
];

function orderedTags(routes: RouteDefinition[]): Array<{ name: string; description?: string }> {
  const known = new Set(TAGS.map((t) => t.name));
  const others = [...new Set(routes.flatMap((r) => r.tags))].filter((t) => !known.has(t)).map((name) => ({ name }));
  return [...TAGS.slice(0, -1), ...others, TAGS.at(-1)!];
}

export function accessInWords(rule: Access): string {
  switch (rule.kind) {
    case 'public':
      return 'Anyone; no token needed.';
    case 'user':
      return 'Any signed-in user.';
    case 'admin':
      return 'Administrators only.';
    case 'resource':
      return rule.description.charAt(0).toUpperCase() + rule.description.slice(1);
  }
}

/**
 * Who may authenticate: a session's access token, or a personal API key with the scope
 * the method needs — never for administration or the session-only routes (src/api/auth/apiKeys.ts).
 */
function securityOf(route: RouteDefinition): Array<Record<string, string[]>> {
  if (route.access.kind === 'public') return [];
  if (route.access.kind === 'admin' || route.sessionOnly) return [{ bearer: [] }];
  return [{ bearer: [] }, { apiKey: [route.method === 'get' ? 'read' : 'write'] }];
}

/** RFC 9457 problem details (with extensions such as currentRevision); each response narrows `status` and `code`. */
const problemSchema = z.looseObject({
  type: field(z.string(), 'URI naming the problem type.', 'https://tessera.dev/problems/sold-out'),
  title: field(z.string(), 'The HTTP status text.', 'Conflict'),
  detail: field(z.string(), 'What went wrong, for a person.', 'Only 1 seat(s) left.'),
  errors: field(
    z.array(
      z.object({
        path: field(z.string(), 'The field, dot-separated.', 'pricing.basePrice'),
        message: field(z.string(), 'What is wrong with it.', 'Too small: expected number to be >=0'),
        code: field(z.string(), 'The issue kind (zod’s, such as too_small; `invalid-characters` for U+0000 or an unpaired surrogate).', 'too_small'),
      }),
    ),
    'Each invalid field (validation-failed only).',
    [{ path: 'quantity', message: 'Too small: expected number to be >=1', code: 'too_small' }],
  ).optional(),
  status: field(z.number().int(), 'The HTTP status.', 409),
  code: field(z.string(), 'Stable machine-readable code: branch on this.', 'sold-out'),
});

function problemResponse(status: number, codes: ProblemCode[]) {
  const narrowed = {
    type: 'object',
    properties: {
      status: { type: 'integer', const: status, description: 'The HTTP status.', example: status },
      code: { type: 'string', enum: codes, description: 'Stable machine-readable code: branch on this.', example: codes[0] },
    },
  };
  return {
    description: codes.map((code) => `\`${code}\`: ${PROBLEM_CODES[code].description}`).join('\n\n'),
    content: { 'application/problem+json': { schema: { allOf: [{ $ref: '#/components/schemas/Problem' }, narrowed] } } },
  };
}

function problemResponses(route: RouteDefinition) {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of problemsOf(route)) {
    const status = PROBLEM_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries([...byStatus].sort(([a], [b]) => a - b).map(([status, codes]) => [String(status), problemResponse(status, codes)]));
}

const X_POSITION_ON_READ = {
  description:
    'Event-store position of the newest event this answer reflects: a read model’s checkpoint, or the last event folded from the stream. ' +
    'Send it as X-Min-Position to another GET to see at least this much. Absent where not known (answers not from the event store, such as API keys).',
  schema: { type: 'string', pattern: '^\\d+$', example: '63504385' },
};
const X_POSITION_ON_WRITE = {
  description: 'Event-store position of this change (the body’s `position`): send it as X-Min-Position to read your write.',
  schema: { type: 'string', pattern: '^\\d+$', example: '63504385' },
};
const ETAG = {
  description: 'The resource’s revision as a weak ETag, W/"<revision>": send it as If-Match to change it only if nobody else did.',
  schema: { type: 'string', example: 'W/"4"' },
};

/** Response headers a success carries: X-Position on reads and on changes that answer a `position`; ETag where a `revision` is answered. */
function successHeaders(route: RouteDefinition) {
  const shape = (route.response as { shape?: Record<string, unknown> } | undefined)?.shape ?? {};
  const headers: Record<string, unknown> = {};
  if (route.method === 'get') headers['X-Position'] = X_POSITION_ON_READ;
  else if ('position' in shape) headers['X-Position'] = X_POSITION_ON_WRITE;
  if ('revision' in shape) headers.ETag = ETAG;
  return Object.keys(headers).length > 0 ? { headers: headers as never } : {};
}

const mutatingHeaders = z.object({ 'idempotency-key': z.string().optional(), 'if-match': z.string().optional() });
const readingHeaders = z.object({ 'x-min-position': z.string().optional() });

export function buildOpenApiDocument(routes: RouteDefinition[], info: { version: string }) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A session: the access token from login or refresh.',
  });
  registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'tsk_…',
    description:
      'A personal API key (POST /v1/me/api-keys), sent as `Authorization: Bearer tsk_…`. The list on each operation is the scope it needs: ' +
      '`read` for GET, `write` for the rest. Operations without this scheme (administration, API keys, the password) need a session.',
  });
  const { $schema: _dialect, ...problem } = z.toJSONSchema(problemSchema.meta({ description: 'An error (application/problem+json).' }));
  registry.registerComponent('schemas', 'Problem', problem as never);
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const noContent = r.successStatus === 204;
    registry.registerPath({
      method: r.method,
      path,
      summary: r.summary,
      tags: r.tags,
      description: `**Access:** ${accessInWords(r.access)}`,
      security: securityOf(r),
      request: {
        ...(r.params ? { params: r.params as never } : {}),
        ...(r.query ? { query: r.query as never } : {}),
        ...(r.body ? { body: { content: { 'application/json': { schema: r.body } } } } : {}),
        headers: r.method === 'get' ? readingHeaders : mutatingHeaders,
      },
      responses: {
        [r.successStatus ?? 200]: {
          description: noContent ? 'Done; no body.' : 'Success.',
          ...successHeaders(r),
          ...(r.response ? { content: { [r.mediaType ?? 'application/json']: { schema: r.response } } } : {}),
        },
        ...problemResponses(r),
      },
    });
  }
  const document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Tessera API',
      version: info.version,
      description:
        'Event-sourced ticketing and scheduling. Errors are application/problem+json with a stable `code`. ' +
        'Command responses carry `position` (and X-Position): send it as X-Min-Position on a GET to read your write. ' +
        'Live updates: WebSocket /v1/live, described by the AsyncAPI document at /asyncapi.json.',
    },
    tags: orderedTags(routes),
  });
  documentRequestFields(document as unknown as Json);
  return document;
}

type Json = Record<string, unknown>;
interface FieldDoc {
  description: string;
  example: unknown;
}

/** Path parameters, by the path segment before them. */
const PATH_NOUNS: Record<string, string> = {
  events: 'event',
  reservations: 'reservation',
  offers: 'waiting-list offer',
  notifications: 'notification',
  users: 'user',
  collaborators: 'collaborator’s user',
  'api-keys': 'API key',
  groups: 'group',
  members: 'member’s user',
  meetings: 'meeting',
  participants: 'participant’s user',
};
const PATH_EXAMPLES: Record<string, string> = {
  events: EXAMPLE.eventId,
  reservations: EXAMPLE.reservationId,
  offers: EXAMPLE.offerId,
  notifications: '3d4e5f6a-7b8c-4d9e-8f0a-1b2c3d4e5f6a',
  users: EXAMPLE.userId,
  collaborators: EXAMPLE.userId,
  'api-keys': '7b3e9f2a-1c4d-4e5f-8a6b-9c0d1e2f3a4b',
  groups: '5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9',
  members: EXAMPLE.userId,
  meetings: '3d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a',
  participants: EXAMPLE.userId,
};

/** Path parameters that are values, not ids, by their name. */
const PATH_VALUE_DOCS: Record<string, FieldDoc> = {
  date: { description: 'A local date YYYY-MM-DD in the time zone of the caller’s weekly hours.', example: '2026-12-24' },
};

const QUERY_AND_HEADER_DOCS: Record<string, FieldDoc> = {
  limit: { description: 'Page size, 1–100.', example: 20 },
  cursor: { description: '`nextCursor` of the previous page.', example: 'eyJjIjoiMjAyNi0xMi0wMVQxODozMDowMC4wMDBaIn0' },
  status: { description: 'Only items with this status.', example: undefined },
  from: { description: 'Start of the range (ISO-8601 with offset): events starting at or after it; free/busy from it.', example: '2026-12-01T00:00:00Z' },
  to: { description: 'End of the range (ISO-8601 with offset): events starting before it; free/busy until it (at most 62 days after `from`).', example: '2027-01-01T00:00:00Z' },
  q: { description: 'Text to find in the title or venue (case-insensitive).', example: 'meetup' },
  organizerId: { description: 'Only events of this organizer (user id).', example: EXAMPLE.userId },
  asOfRevision: { description: 'Time travel: the event as it was at this revision; 404 `revision-not-found` beyond the latest.', example: '3' },
  fromRevision: { description: 'First revision to list (default 0); pass `nextFromRevision` for the next page.', example: '0' },
  unread: { description: '`true`: only unread notifications.', example: 'true' },
  reason: { description: 'Why (kept in the audit trail and told to the holder; at most 1000 characters are kept).', example: 'Duplicate booking' },
  'idempotency-key': { description: 'Makes a retry safe: the same key and body replay the first answer for 24 h.', example: 'c6a1f0b2-reserve-1' },
  'if-match': { description: 'Optimistic concurrency: the ETag (W/"<revision>") you read; 412 if it changed since.', example: 'W/"4"' },
  'x-min-position': { description: 'Read your write: wait (≤ 5 s) until the read models reached this `position`, else 503.', example: '63504385' },
  // meetings
  role: { description: 'Only meetings where I am the `organizer`, or a `participant` (default: both).', example: 'participant' },
  step: { description: 'Minutes between candidate starts, from each proposed window’s start: 5, 10, 15 (default), 30 or 60.', example: '15' },
  // calendar feed; mailed links
  token: {
    description: 'GET /v1/me/calendar.ics: the calendar feed’s secret (POST /v1/me/calendar-token), not a login token. Unsubscribe and e-mail verification: the signed token of the link mailed to the user.',
    example: 'cal_3q2-7wEvjq4hYbq1dV0m6GkqD2c1w0xjvJr0d5yq9kU',
  },
  'if-none-match': { description: 'The ETag of the feed you have: 304 while it is unchanged.', example: 'W/"feed-3q2kY9v0bW1xZ8aBcDeFgH"' },
};

const BODY_DOCS: Record<string, FieldDoc> = {
  title: { description: 'Title.', example: 'Rust Meetup Berlin' },
  description: { description: 'Description.', example: 'Talks and pizza.' },
  venue: { description: 'Venue.', example: 'c-base, Berlin' },
  startsAt: { description: 'Start, ISO-8601 with offset.', example: '2026-12-01T19:00:00+01:00' },
  endsAt: { description: 'End, ISO-8601 with offset; after startsAt.', example: '2026-12-01T22:00:00+01:00' },
  timezone: { description: 'IANA time zone.', example: 'Europe/Berlin' },
  capacity: { description: 'Seats in total (not below the seats sold).', example: 120 },
  maxPerReservation: { description: 'Most seats one reservation may take (default 10).', example: 10 },
  holdMinutes: { description: 'Minutes a reservation is held before it must be confirmed; 0 (default) confirms at once.', example: 15 },
  pricing: { description: 'How the seat price is computed (default: EUR, 0).', example: { currency: 'EUR', basePrice: 2500 } },
  currency: { description: 'ISO 4217 currency code.', example: 'EUR' },
  basePrice: { description: 'Price of one seat in integer minor units.', example: 2500 },
  demandTiers: { description: 'Price multipliers by the share of seats sold; the highest one reached applies.', example: [{ minSoldRatio: 0.8, multiplier: 1.5 }] },
  minSoldRatio: { description: 'Applies once (held + confirmed) / capacity reaches this ratio (0..1).', example: 0.8 },
  multiplier: { description: 'Factor on the price.', example: 1.5 },
  earlyBird: { description: 'A discount before a date.', example: { until: '2026-11-01T00:00:00Z', multiplier: 0.8 } },
  until: { description: 'The discount applies while now is before this instant.', example: '2026-11-01T00:00:00Z' },
  waitlist: { description: 'Waiting-list rules (default: disabled).', example: { enabled: true, mode: 'offer', offerMinutes: 720 } },
  enabled: { description: 'Whether people may join the waiting list when sold out.', example: true },
  mode: { description: '`auto`: freed seats become reservations at once; `offer`: the next entry gets an offer to accept.', example: 'offer' },
  offerMinutes: { description: 'How long an offer holds its seats (mode `offer`; default 720).', example: 720 },
  publish: { description: 'Publish at once instead of creating a draft.', example: true },
  reason: { description: 'Why, for the audit trail (and the people notified).', example: 'Venue flooded' },
  quantity: { description: 'Seats.', example: 2 },
  userId: { description: 'The user id.', example: EXAMPLE.userId },
  role: { description: 'The role.', example: undefined },
  action: { description: '`grant` or `revoke`.', example: 'grant' },
  email: { description: 'Email address.', example: 'ada@example.com' },
  password: { description: 'Password (at least 10 characters when chosen).', example: 'correct horse battery' },
  name: { description: 'Display name.', example: 'Ada Lovelace' },
  refreshToken: { description: 'The refresh token of the session.', example: 'rt_3q2kY9v0bW1xZ8' },
  allSessions: { description: 'Sign out every session of the user, not only this one.', example: false },
  currentPassword: { description: 'The password now.', example: 'correct horse battery' },
  newPassword: { description: 'The new password (at least 10 characters).', example: 'staple battery horse correct' },
  scopes: { description: 'What the API key may do: `read` (GET only) and/or `write` (everything else too; implies read). Never admin, API keys or the password.', example: ['read'] },
  // availability (docs/scheduling.md §3)
  intervals: { description: 'Wall-clock intervals `{start, end}` (HH:mm, 24:00 may end one; start before end), with `day` (mon…sun) in weekly hours; normalised when saved.', example: [{ day: 'mon', start: '09:00', end: '17:00' }] },
  day: { description: 'Weekday: mon, tue, wed, thu, fri, sat or sun.', example: 'mon' },
  color: { description: 'Colour as #RRGGBB (stored lower-case), or null for none.', example: '#1A7F5A' },
  expiresAt: { description: 'When the API key stops working: ISO-8601 with offset, in the future, at most ten years ahead; omit for no expiry.', example: '2030-01-01T00:00:00Z' },
  // scheduling: suggestions
  userIds: { description: 'Users to find a time for: yourself and members of your groups.', example: [EXAMPLE.userId] },
  groupIds: { description: 'Groups you belong to: their members take part (suggestions: owner and admins included; meetings: invited now, as required participants).', example: ['5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e'] },
  durationMinutes: { description: 'Length of the meeting in minutes, 5–1440.', example: 60 },
  from: { description: 'Earliest start (ISO-8601 with offset).', example: '2026-12-01T00:00:00Z' },
  to: { description: 'Latest end (ISO-8601 with offset); after `from`, at most 62 days later.', example: '2026-12-29T00:00:00Z' },
  limit: { description: 'How many to answer: suggestions 1–50 (default 5); a meeting’s recommendations 1–100 (default 10).', example: 5 },
  step: { description: 'Minutes between candidate starts: 5, 10, 15 (default), 30 or 60; counted from `from` (suggestions) or from each proposed window’s start (recommendations).', example: 15 },
  coreHours: { description: 'The preferred hours of the day in each participant’s own zone (default 10:00–16:00).', example: { start: '10:00', end: '16:00' } },
  // meetings (docs/scheduling.md §3)
  location: { description: 'Where the meeting happens (free text).', example: 'Room 4.2' },
  proposedWindows: {
    description: 'A poll: 1–50 windows the time is chosen from, each at least durationMinutes long. Leave out for a fixed-time meeting.',
    example: [{ start: '2026-12-07T09:00:00Z', end: '2026-12-07T12:00:00Z' }],
  },
  start: {
    description:
      'Start. Meetings: ISO-8601 with `Z` or an offset (a local time is refused), of a fixed-time meeting or the chosen time, or of a window or slot. Weekly hours and overrides: a local wall-clock time HH:mm (00:00–23:59).',
    example: '2026-12-07T10:00:00+01:00',
  },
  end: {
    description: 'End, after its start. Windows and slots: ISO-8601 with `Z` or an offset. Weekly hours and overrides: a local wall-clock time HH:mm (00:01–24:00).',
    example: '2026-12-07T12:00:00+01:00',
  },
  participantIds: { description: 'Required participants (user ids).', example: [EXAMPLE.userId] },
  optionalParticipantIds: { description: 'Optional participants (user ids); listed in both → required.', example: [] },
  deadline: { description: 'A poll’s deadline, ISO-8601 with offset, in the future: submissions close then.', example: '2026-12-05T17:00:00Z' },
  autoSchedule: { description: 'At the deadline, schedule the top recommendation (default false).', example: false },
  resultsVisibility: { description: 'Who sees everyone’s submissions: `participants` (default) or the `organizer` only.', example: 'participants' },
  slots: { description: 'The times I can make, each inside one proposed window; [] withdraws my submission.', example: [{ start: '2026-12-07T09:00:00Z', end: '2026-12-07T11:00:00Z', preference: 'yes' }] },
  preference: { description: '`yes` (default) or `if-need-be`.', example: 'yes' },
  response: { description: 'My answer: `accepted`, `declined` or `tentative`.', example: 'accepted' },
  token: { description: 'The token of the link mailed to the user (`token=` in the link).', example: 'eyJ1c2VySWQiOiI2ZjFjIn0.k1d9xQ' },
  emailEnabled: { description: 'false: mail nothing at all (in-app notifications stay); true: mail the kinds switched on.', example: true },
  emailKinds: { description: 'Per notification kind: true mails it, false keeps it in-app only; kinds left out keep their setting.', example: { 'event-changed': false } },
};

/** An enum's first value is example enough when the glossary has none. */
const exampleFor = (doc: FieldDoc | undefined, schema: Json | undefined) =>
  doc?.example ?? (Array.isArray(schema?.enum) ? (schema.enum as unknown[])[0] : undefined);

function documentRequestFields(document: Json): void {
  for (const [path, item] of Object.entries((document.paths ?? {}) as Record<string, Record<string, Json>>)) {
    for (const operation of Object.values(item)) {
      for (const parameter of (operation.parameters ?? []) as Json[]) documentParameter(path, parameter);
      const body = (operation.requestBody as { content?: Record<string, { schema?: Json }> } | undefined)?.content?.['application/json']?.schema;
      if (body) documentProperties(body);
    }
  }
}

function documentParameter(path: string, parameter: Json): void {
  const name = String(parameter.name);
  const schema = parameter.schema as Json | undefined;
  let doc = QUERY_AND_HEADER_DOCS[name];
  if (parameter.in === 'path') {
    const segments = path.split('/');
    const segment = segments[segments.indexOf(`{${name}}`) - 1] ?? '';
    doc = PATH_VALUE_DOCS[name] ?? { description: `The ${PATH_NOUNS[segment] ?? segment} id.`, example: PATH_EXAMPLES[segment] };
  }
  parameter.description ??= doc?.description;
  if (parameter.example === undefined && schema?.example === undefined) {
    const example = exampleFor(doc, schema);
    if (example !== undefined) parameter.example = example;
  }
}

function documentProperties(schema: Json): void {
  for (const variant of (schema.anyOf ?? schema.oneOf ?? schema.allOf ?? []) as Json[]) documentProperties(variant);
  if (schema.items && typeof schema.items === 'object') documentProperties(schema.items as Json);
  for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, Json>)) {
    const doc = BODY_DOCS[name];
    property.description ??= doc?.description;
    const example = exampleFor(doc, property);
    if (property.example === undefined && example !== undefined) property.example = example;
    documentProperties(property);
  }
}
