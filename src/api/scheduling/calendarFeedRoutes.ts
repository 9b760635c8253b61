/**
 * The calendar feed (issue 13 item 4): `POST /v1/me/calendar-token` makes the caller's
 * feed secret (a new one replaces the old, which stops working); `GET
 * /v1/me/calendar.ics?token=…` answers the feed to whoever holds it — calendar clients
 * send no Authorization header, so the token is the credential, and never the JWT.
 * Polling clients send If-None-Match and get 304 while nothing changed. The per-minute
 * rate limit counts each feed on its own (src/api/auth/rateLimit.ts).
 */
import { z } from 'zod';
import { HttpError } from '../problem.js';
import { access, route, type RouteDefinition } from '../routes.js';
import type { CalendarFeeds } from './calendarFeed.js';
import { calendarFeedSchema, calendarTokenSchema } from './calendarFeedDtos.js';

export const CALENDAR_FEED_PATH = '/v1/me/calendar.ics';

/** If-None-Match names this tag (or is `*`), weak comparison (RFC 9110 §13.1.2). */
const matches = (ifNoneMatch: string | undefined, etag: string) =>
  ifNoneMatch !== undefined && ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || tag.trim().replace(/^W\//, '') === etag.replace(/^W\//, ''));

export function calendarFeedRoutes(deps: { feeds: CalendarFeeds }): RouteDefinition[] {
  return [
    route({
      method: 'post',
      path: '/v1/me/calendar-token',
      summary: 'Make (or replace) the secret URL of my calendar feed; the old URL stops working (session only)',
      tags: ['scheduling'],
      access: access.user,
      sessionOnly: true,
      idempotentReplay: false, // the answer carries the secret, which must not be stored
      successStatus: 201,
      response: calendarTokenSchema,
      handler: async (ctx) => ({ status: 201, body: await deps.feeds.rotate(ctx.principal!.userId, ctx.now) }),
    }),
    route({
      method: 'get',
      path: CALENDAR_FEED_PATH,
      summary: 'My calendar as an iCalendar feed, for calendar subscriptions (webcal); the token from POST /v1/me/calendar-token is the credential',
      tags: ['scheduling'],
      access: access.public,
      query: z.object({ token: z.string().min(1).max(500) }),
      mediaType: 'text/calendar',
      response: calendarFeedSchema,
      problems: ['calendar-feed-not-found'],
      handler: async (ctx) => {
        const userId = await deps.feeds.ownerOf(ctx.query.token);
        if (!userId) throw new HttpError(404, 'calendar-feed-not-found', 'No calendar feed has this token (it was replaced, or never made)');
        const feed = await deps.feeds.feedOf(userId, ctx.now);
        const headers = { ETag: feed.etag, 'Cache-Control': 'private, no-cache', 'Content-Disposition': 'inline; filename="tessera.ics"' };
        if (matches(ctx.req.header('if-none-match'), feed.etag)) return { status: 304, headers };
        return { body: feed.ics, headers };
      },
    }),
  ];
}
