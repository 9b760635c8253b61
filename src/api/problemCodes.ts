/**
 * The problem `code`s a client can meet, with their HTTP status and meaning. Routes
 * declare the codes of their own domain (`problems` in the route table); the codes that
 * follow from a route's shape (authentication, validation, idempotency, read-your-writes)
 * are added by `commonProblems`. The OpenAPI document lists both per route and status.
 */
import type { RouteDefinition } from './routes.js';

export const PROBLEM_CODES = {
  // the request itself
  'validation-failed': { status: 400, description: 'A parameter, query field or body field is not valid; `errors` names each one.' },
  'invalid-json': { status: 400, description: 'The body is not valid JSON.' },
  'invalid-cursor': { status: 400, description: 'The `cursor` was not issued by this list.' },
  'invalid-if-match': { status: 400, description: 'If-Match is not a revision ETag such as W/"3".' },
  'invalid-idempotency-key': { status: 400, description: 'Idempotency-Key is not 1–255 printable ASCII characters.' },
  'invalid-min-position': { status: 400, description: 'X-Min-Position is not a non-negative integer.' },
  'body-too-large': { status: 413, description: 'The body is over the size limit.' },
  'unsupported-media-type': { status: 415, description: 'The body is not sent as application/json.' },
  'rate-limited': { status: 429, description: 'Too many requests; wait Retry-After seconds.' },
  'bad-request': { status: 400, description: 'The request could not be read.' },
  'malformed-request': { status: 400, description: 'The request is not valid HTTP.' },
  'request-timeout': { status: 408, description: 'The request took too long to arrive.' },
  'headers-too-large': { status: 431, description: 'The URL or the headers are over 16 KB.' },
  'too-deeply-nested': { status: 400, description: 'The body or query nests objects or arrays too deeply.' },
  // who is asking
  unauthorized: { status: 401, description: 'No valid bearer token was sent.' },
  'invalid-credentials': { status: 401, description: 'The email address or password is not correct.' },
  'invalid-refresh-token': { status: 401, description: 'The refresh token is unknown, revoked or expired.' },
  'refresh-token-reused': { status: 401, description: 'The refresh token was already used; every session of its login is now revoked.' },
  forbidden: { status: 403, description: 'The caller lacks the role this needs.' },
  'not-organizer': { status: 403, description: 'Only the event’s organizers may do this.' },
  'not-reservation-owner': { status: 403, description: 'The reservation belongs to another user.' },
  'not-waitlist-entry-owner': { status: 403, description: 'The waiting-list entry belongs to another user.' },
  'not-offer-owner': { status: 403, description: 'The offer was made to another user.' },
  'invalid-current-password': { status: 403, description: 'currentPassword is not the account’s password.' },
  'actor-mismatch': { status: 403, description: 'A user can only act for themselves.' },
  'api-key-not-allowed': { status: 403, description: 'This needs a signed-in session: API keys never reach administration, API keys or the password.' },
  'insufficient-scope': { status: 403, description: 'The API key lacks the scope this needs (`write` for anything but GET).' },
  // what it is about
  'not-found': { status: 404, description: 'The resource does not exist, or the caller may not know it does.' },
  'event-not-found': { status: 404, description: 'No such event.' },
  'revision-not-found': { status: 404, description: 'asOfRevision is beyond the event’s latest revision.' },
  'reservation-not-found': { status: 404, description: 'No such reservation in this event.' },
  'waitlist-entry-not-found': { status: 404, description: 'The caller has no entry on this waiting list.' },
  'offer-not-found': { status: 404, description: 'No such waiting-list offer.' },
  'collaborator-not-found': { status: 404, description: 'That user is not a collaborator of the event.' },
  'user-not-found': { status: 404, description: 'No such user.' },
  'api-key-not-found': { status: 404, description: 'The caller has no such (unrevoked) API key.' },
  // the state of things
  'sold-out': { status: 409, description: 'Not enough seats are for sale (join the waiting list if it is enabled).' },
  'seats-available': { status: 409, description: 'Seats are for sale: reserve them instead of waiting.' },
  'event-not-open': { status: 409, description: 'The event is a draft, cancelled or over.' },
  'event-cancelled': { status: 409, description: 'The event was cancelled.' },
  'event-ended': { status: 409, description: 'The event has already ended.' },
  'hold-expired': { status: 409, description: 'The hold expired before it was confirmed.' },
  'invalid-reservation-state': { status: 409, description: 'The reservation cannot make this change from its current status.' },
  'waitlist-disabled': { status: 409, description: 'The event has no waiting list.' },
  'already-on-waitlist': { status: 409, description: 'The caller is already waiting for this event.' },
  'waitlist-entry-not-active': { status: 409, description: 'The entry has already left, been promoted or expired.' },
  'offer-already-accepted': { status: 409, description: 'The offer was already accepted.' },
  'offer-withdrawn': { status: 409, description: 'The offer was withdrawn.' },
  'offer-expired': { status: 409, description: 'The offer expired.' },
  'email-taken': { status: 409, description: 'An account with this email address exists.' },
  'user-exists': { status: 409, description: 'This account exists already.' },
  'cannot-revoke-own-admin': { status: 409, description: 'Administrators cannot revoke their own admin role.' },
  'capacity-below-reserved': { status: 409, description: 'The new capacity is below the seats held, confirmed or offered.' },
  'event-already-scheduled': { status: 409, description: 'An event with this id exists (a retried create with a new body).' },
  'reservation-exists': { status: 409, description: 'A reservation with this id exists.' },
  'waitlist-entry-exists': { status: 409, description: 'A waiting-list entry with this id exists.' },
  'email-claimed-by-another': { status: 409, description: 'The email address belongs to another account.' },
  'registration-abandoned': { status: 409, description: 'This registration was abandoned; register again.' },
  'password-changed': { status: 409, description: 'The password changed meanwhile; try again with the current one.' },
  'too-many-api-keys': { status: 409, description: 'The user has the most API keys allowed; delete one first.' },
  'idempotency-key-in-flight': { status: 409, description: 'A request with this Idempotency-Key is still running; retry later.' },
  'revision-mismatch': { status: 412, description: 'If-Match names a revision that is no longer current; `currentRevision` is.' },
  'idempotency-key-reused': { status: 422, description: 'This Idempotency-Key was used with a different request.' },
  'invalid-capacity': { status: 422, description: 'The capacity is not a positive integer.' },
  'invalid-title': { status: 422, description: 'The title is empty.' },
  'invalid-time': { status: 422, description: 'A time is not ISO-8601 with an offset.' },
  'invalid-timezone': { status: 422, description: 'Not an IANA time zone.' },
  'invalid-max-per-reservation': { status: 422, description: 'maxPerReservation is not a positive integer.' },
  'invalid-hold-minutes': { status: 422, description: 'holdMinutes is out of range.' },
  'invalid-quantity': { status: 422, description: 'quantity is not a positive integer.' },
  'invalid-role': { status: 422, description: 'Not a known role.' },
  'invalid-email': { status: 422, description: 'The email address is missing or not valid.' },
  'invalid-name': { status: 422, description: 'The name must be 1–100 printable characters.' },
  'invalid-password-hash': { status: 422, description: 'No password hash was given (an internal error of the caller).' },
  'invalid-time-range': { status: 422, description: 'endsAt is not after startsAt.' },
  'invalid-pricing': { status: 422, description: 'The pricing rules are not consistent.' },
  'invalid-waitlist': { status: 422, description: 'The waiting-list settings are not consistent.' },
  'exceeds-max-per-reservation': { status: 422, description: 'quantity is over the event’s maxPerReservation.' },
  'collaborator-is-organizer': { status: 422, description: 'The organizer cannot also be a collaborator.' },
  'password-unchanged': { status: 422, description: 'The new password is the current one.' },
  // meetings (docs/scheduling.md §3 Meetings)
  'meeting-not-found': { status: 404, description: 'No such meeting.' },
  'participant-not-found': { status: 404, description: 'That user is not a participant of the meeting.' },
  'not-a-participant': { status: 403, description: 'Only the meeting’s participants may do this (the organizer is not one).' },
  'not-group-member': { status: 403, description: 'Only groups the caller belongs to can be invited; the ids are listed.' },
  'results-hidden': { status: 403, description: 'The meeting shows the submissions to its organizer only (resultsVisibility: organizer).' },
  'meeting-exists': { status: 409, description: 'A meeting with this id was already proposed.' },
  'meeting-cancelled': { status: 409, description: 'The meeting is cancelled and accepts no changes.' },
  'meeting-not-polling': { status: 409, description: 'The meeting is no longer polling (scheduled or cancelled); a schedule conflict carries the meeting as `current`.' },
  'meeting-not-scheduled': { status: 409, description: 'This needs a scheduled meeting (RSVP, reschedule); a reschedule conflict carries the meeting as `current`.' },
  'deadline-passed': { status: 409, description: 'The poll’s deadline has passed: no more submissions.' },
  'invalid-duration': { status: 422, description: 'durationMinutes must be a whole number from 5 to 1440.' },
  'poll-or-fixed-time': { status: 422, description: 'Give either proposedWindows (a poll) or start (a fixed-time meeting), not both or neither.' },
  'invalid-windows': { status: 422, description: 'A poll needs 1 to 50 proposed windows.' },
  'window-shorter-than-duration': { status: 422, description: 'A proposed window is shorter than the meeting.' },
  'organizer-not-participant': { status: 422, description: 'The organizer is never a participant of their own meeting.' },
  'duplicate-participant': { status: 422, description: 'A person is listed twice.' },
  'too-many-participants': { status: 422, description: 'A meeting, or a suggestions request after expanding its groups, has at most 1,000 participants.' },
  'unknown-users': { status: 422, description: 'Some participant ids name no known user; the ids are listed.' },
  'not-a-poll': { status: 422, description: 'deadline and autoSchedule belong to polls, not to fixed-time meetings.' },
  'deadline-in-past': { status: 422, description: 'The deadline must lie in the future.' },
  'outside-proposed-windows': { status: 422, description: 'A slot, or the meeting at the chosen start, does not lie inside one proposed window.' },
  'invalid-slot': { status: 422, description: 'A slot must start before it ends.' },
  'too-many-slots': { status: 422, description: 'At most 200 slots per submission.' },
  // scheduling: groups (docs/scheduling.md §3 Groups)
  'group-not-found': { status: 404, description: 'No such group.' },
  'member-not-found': { status: 404, description: 'That user is not a member of the group.' },
  'not-group-admin': { status: 403, description: 'Only the group’s owner and admins may do this.' },
  'not-group-owner': { status: 403, description: 'Only the group’s owner may do this.' },
  'group-exists': { status: 409, description: 'A group with this id exists (a retried create with a new body).' },
  'already-member': { status: 409, description: 'The user is already a member with another role; change their role instead.' },
  'group-full': { status: 409, description: 'The group has the most members allowed (1,000, the owner included).' },
  'owner-must-transfer': { status: 409, description: 'The owner cannot leave, be removed or change role; transfer ownership first.' },
  'new-owner-not-member': { status: 422, description: 'Ownership can only be transferred to a member of the group.' },
  'invalid-group-name': { status: 422, description: 'The group name must be 1–100 printable characters.' },
  'invalid-group-description': { status: 422, description: 'The group description is over 2,000 characters.' },
  'invalid-group-color': { status: 422, description: 'The colour is not #RRGGBB.' },
  // scheduling: availability (docs/scheduling.md §3 Availability)
  'availability-override-not-found': { status: 404, description: 'The caller has no override on that date.' },
  'availability-not-set': { status: 409, description: 'Set weekly hours first (PUT /v1/me/availability): override dates are local to their time zone.' },
  'invalid-availability-interval': { status: 422, description: 'An interval is not HH:mm–HH:mm with start before end (24:00 may only end one), or its day is not mon…sun.' },
  'too-many-intervals': { status: 422, description: 'More than 12 separate intervals on one weekday or override date (counted after merging).' },
  'too-many-overrides': { status: 422, description: 'More than 366 overrides dated today or later; remove one first.' },
  'invalid-date': { status: 422, description: 'Not a calendar date YYYY-MM-DD.' },
  // e-mail (issue 13)
  'invalid-link-token': { status: 400, description: 'The token of a mailed link is not genuine, is meant for another use, or has expired.' },
  'email-not-configured': { status: 409, description: 'This server sends no e-mail (SMTP_URL is not set).' },
  'email-already-verified': { status: 409, description: 'The account’s e-mail address is verified already.' },
  'email-changed': { status: 409, description: 'The link was sent to an address the account no longer has.' },
  // meeting deadlines (docs/scheduling.md §6.3): the deadline jobs' commands, never a route's
  'reminder-not-due': { status: 409, description: 'The deadline reminder is due only from 24 h before the deadline.' },
  'deadline-not-reached': { status: 409, description: 'A poll closes at its deadline, not before.' },
  // calendar feed (issue 13 item 4)
  'calendar-feed-not-found': { status: 404, description: 'No calendar feed has this token: it was replaced by a newer one, or never made.' },
  // the server
  'projection-behind': { status: 503, description: 'The read model has not caught up yet; retry after Retry-After.' },
  'database-unavailable': { status: 503, description: 'The database connection was lost; retry after Retry-After.' },
  contention: { status: 503, description: 'Too many concurrent changes to the same resource; retry after Retry-After.' },
  internal: { status: 500, description: 'Something went wrong on the server; nothing was changed half-way.' },
  // scheduling: free/busy and suggestions
  'not-shareable': { status: 403, description: 'Some users or groups do not share their calendars with the caller; `ids` lists them.' },
  'invalid-range': { status: 422, description: '`to` is not after `from`.' },
  'range-too-long': { status: 422, description: 'The range from `from` to `to` spans more than 62 days.' },
  'invalid-core-hours': { status: 422, description: '`coreHours.end` is not after `coreHours.start`.' },
  'no-participants': { status: 422, description: 'Neither `userIds` nor `groupIds` names anyone.' },
} as const satisfies Record<string, { status: number; description: string }>;

export type ProblemCode = keyof typeof PROBLEM_CODES;

/** The codes that follow from what the route is (its inputs, access rule and method). */
export function commonProblems(route: RouteDefinition): ProblemCode[] {
  const codes: ProblemCode[] = ['internal', 'database-unavailable', 'rate-limited', 'invalid-if-match', 'invalid-idempotency-key'];
  if (route.params || route.query || route.body) codes.push('validation-failed');
  if (route.body) codes.push('invalid-json', 'too-deeply-nested', 'body-too-large', 'unsupported-media-type');
  if (route.access.kind !== 'public') codes.push('unauthorized', ...apiKeyProblems(route));
  if (route.access.kind === 'admin' || route.access.kind === 'resource') codes.push('forbidden');
  if (route.access.kind === 'resource') codes.push('not-found');
  if (route.method === 'get') codes.push('invalid-min-position', 'projection-behind');
  else if (route.idempotentReplay !== false) codes.push('idempotency-key-in-flight', 'idempotency-key-reused');
  return codes;
}

/** Why an API key may be refused here (src/api/auth/apiKeys.ts `apiKeyRefusal`); a GET never needs more than `read`, which every key has. */
function apiKeyProblems(route: RouteDefinition): ProblemCode[] {
  if (route.access.kind === 'admin' || route.sessionOnly) return ['api-key-not-allowed'];
  return route.method === 'get' ? [] : ['insufficient-scope'];
}

/** Every code a route documents, its own first, without repeats. */
export function problemsOf(route: RouteDefinition): ProblemCode[] {
  return [...new Set([...(route.problems ?? []), ...commonProblems(route)])];
}
