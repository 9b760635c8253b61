/**
 * A user's calendar feed (issue 13 item 4): a secret per user (table calendar_feed_tokens,
 * migration 011; only its SHA-256 kept), and the feed's content read through busyTimeOf —
 * the meetings and ticketed events that keep the user busy are exactly their calendar.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { isoOf } from '../../domain/shared/time.js';
import { hashSecret } from '../auth/apiKeys.js';
import { calendarFeedIcs, type FeedEntry } from '../../notifications/ics.js';
import { busyTimeOf } from '../../projections/scheduling/busyTime.js';

const TOKENS = 'calendar_feed_tokens';
const DAY_MS = 86_400_000;
/** What the feed covers around now: a month back (recent entries stay visible), a year ahead. */
export const FEED_WINDOW = { pastMs: 30 * DAY_MS, aheadMs: 365 * DAY_MS };

export interface CalendarFeedDoc {
  /** Weak ETag over the entries: unchanged entries, unchanged tag (DTSTAMP aside). */
  etag: string;
  ics: string;
}

export class CalendarFeeds {
  constructor(
    private readonly knex: Knex,
    /** PUBLIC_URL, no trailing slash. */
    private readonly publicUrl: string,
  ) {}

  /** Makes the user's feed secret, replacing the one they had. */
  async rotate(userId: string, now: Date): Promise<{ token: string; url: string; webcalUrl: string; createdAt: string }> {
    const token = `cal_${randomBytes(32).toString('base64url')}`;
    await this.knex(TOKENS).insert({ user_id: userId, token_hash: hashSecret(token), created_at: now }).onConflict('user_id').merge();
    const url = `${this.publicUrl}/v1/me/calendar.ics?token=${token}`;
    return { token, url, webcalUrl: url.replace(/^https?:/, 'webcal:'), createdAt: now.toISOString() };
  }

  /** Whose feed this token opens, if it is the current one. */
  async ownerOf(token: string): Promise<string | undefined> {
    const row = await this.knex(TOKENS).where({ token_hash: hashSecret(token) }).first<{ user_id: string } | undefined>('user_id');
    return row?.user_id;
  }

  async feedOf(userId: string, now: Date): Promise<CalendarFeedDoc> {
    const from = new Date(now.getTime() - FEED_WINDOW.pastMs).toISOString();
    const to = new Date(now.getTime() + FEED_WINDOW.aheadMs).toISOString();
    const busy = (await busyTimeOf(this.knex, [userId], from, to)).get(userId) ?? [];
    const entries: FeedEntry[] = busy.map((item) => ({ kind: item.kind, id: item.sourceId, start: isoOf(item.start), end: isoOf(item.end), title: item.title }));
    const digest = createHash('sha256').update(JSON.stringify(entries)).digest('base64url').slice(0, 22);
    return { etag: `W/"feed-${digest}"`, ics: calendarFeedIcs(entries, { name: 'Tessera', stamp: now }) };
  }
}
