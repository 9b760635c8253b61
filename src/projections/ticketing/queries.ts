/** Queries over the ticketing read model (schema rm_ticketing). */
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { projectionSchema } from '../projection.js';
import { TICKETING_PROJECTION } from './ticketingProjection.js';
import type { EventRow, ReservationRow, WaitlistRow } from './rows.js';

const S = projectionSchema(TICKETING_PROJECTION);
const t = (table: string) => `${S}.${table}`;

export async function getEventRow(db: Knex, id: string): Promise<EventRow | undefined> {
  return db(t('events')).where({ id }).first<EventRow | undefined>();
}

export interface EventListFilter {
  status?: 'draft' | 'published' | 'cancelled';
  from?: string;
  to?: string;
  q?: string;
  organizerId?: string;
  limit: number;
  after?: { s: string; id: string };
  viewer: { userId: string; isAdmin: boolean };
}

export async function listEvents(db: Knex, f: EventListFilter): Promise<EventRow[]> {
  const query = db(t('events')).select('*').orderBy([{ column: 'starts_at' }, { column: 'id' }]).limit(f.limit + 1);
  if (f.status) query.where('status', f.status);
  if (f.from) query.where('starts_at', '>=', f.from);
  if (f.to) query.where('starts_at', '<', f.to);
  if (f.organizerId) query.where('organizer_id', f.organizerId);
  if (f.q) query.whereRaw(`(title ILIKE ? ESCAPE '\\' OR venue ILIKE ? ESCAPE '\\')`, [likePattern(f.q), likePattern(f.q)]);
  if (f.after) query.whereRaw('(starts_at, id) > (?, ?)', [f.after.s, f.after.id]);
  if (!f.viewer.isAdmin) {
    // drafts are visible to their organizers only
    query.where((w) =>
      w
        .whereNot('status', 'draft')
        .orWhere('organizer_id', f.viewer.userId)
        .orWhereExists(db(t('collaborators')).whereRaw(`event_id = ${t('events')}.id`).andWhere('user_id', f.viewer.userId)),
    );
  }
  return query;
}

const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export interface Page {
  limit: number;
  after?: { c: string; id: string };
}

export async function reservationsOf(db: Knex, by: { userId?: string; eventId?: string; status?: string }, page: Page): Promise<ReservationRow[]> {
  const query = db(t('reservations')).select('*').orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }]).limit(page.limit + 1);
  if (by.userId) query.where('user_id', by.userId);
  if (by.eventId) query.where('event_id', by.eventId);
  if (by.status) query.where('status', by.status);
  if (page.after) query.whereRaw('(created_at, id) < (?, ?)', [page.after.c, page.after.id]);
  return query;
}

/** Waiting and offered entries in join order (the organizer's view of the queue). */
export async function waitlistOf(db: Knex, eventId: string, page: { limit: number; afterSeq?: string }): Promise<Array<WaitlistRow & { place: number | null }>> {
  const rows = await db
    .select('*')
    .from(
      db(t('waitlist'))
        .select('*', db.raw(`CASE WHEN status = 'waiting' THEN count(*) FILTER (WHERE status = 'waiting') OVER (ORDER BY seq) END AS place`))
        .where({ event_id: eventId })
        .whereIn('status', ['waiting', 'offered'])
        .as('q'),
    )
    .modify((q) => {
      if (page.afterSeq) q.where('seq', '>', page.afterSeq);
    })
    .orderBy('seq')
    .limit(page.limit + 1);
  return rows.map((r: WaitlistRow & { place: string | null }) => ({ ...r, place: r.place === null ? null : Number(r.place) }));
}

export async function eventAnalytics(db: Knex, event: EventRow) {
  const [byStatus, waitlist, perDay] = await Promise.all([
    db(t('reservations'))
      .where({ event_id: event.id })
      .groupBy('status')
      .select<Array<{ status: string; count: string; seats: string; revenue: string }>>(
        'status',
        db.raw('count(*) AS count'),
        db.raw('coalesce(sum(quantity), 0) AS seats'),
        db.raw('coalesce(sum(quantity * unit_price), 0) AS revenue'),
      ),
    db(t('waitlist'))
      .where({ event_id: event.id })
      .groupBy('status')
      .select<Array<{ status: string; count: string }>>('status', db.raw('count(*) AS count')),
    // Quarter hours in UTC (zone-free), turned into local days in Node: PostgreSQL's zone
    // list is not the one the rest of the code computes with, and every offset is whole quarters.
    db(t('reservations'))
      .where({ event_id: event.id })
      .groupByRaw('1')
      .select<QuarterCount[]>(
        db.raw('floor(extract(epoch FROM created_at) / 900)::bigint AS quarter'),
        db.raw('count(*) AS reservations'),
        db.raw('sum(quantity) AS seats'),
      ),
  ]);
  const status = (s: string) => byStatus.find((r) => r.status === s);
  const wl = (s: string) => Number(waitlist.find((r) => r.status === s)?.count ?? 0);
  const joined = waitlist.reduce((sum, r) => sum + Number(r.count), 0);
  return {
    eventId: event.id,
    capacity: event.capacity,
    seats: { confirmed: event.confirmed, held: event.held, offered: event.offered, available: event.available },
    reservations: {
      confirmed: Number(status('confirmed')?.count ?? 0),
      held: Number(status('held')?.count ?? 0),
      cancelled: Number(status('cancelled')?.count ?? 0),
      expired: Number(status('expired')?.count ?? 0),
      cancelledSeats: Number(status('cancelled')?.seats ?? 0),
    },
    utilisation: event.capacity > 0 ? event.confirmed / event.capacity : 0,
    revenue: { amount: Number(status('confirmed')?.revenue ?? 0), currency: event.currency },
    waitlist: {
      joined,
      waiting: wl('waiting'),
      offered: wl('offered'),
      promoted: wl('promoted'),
      expired: wl('expired'),
      left: wl('left'),
      conversion: joined > 0 ? wl('promoted') / joined : 0,
    },
    reservationsPerDay: localDays(perDay, event.timezone),
  };
}

interface QuarterCount {
  quarter: string;
  reservations: string;
  seats: string;
}

/** Sums quarter-hour counts into the event's local calendar days, in day order. */
function localDays(quarters: QuarterCount[], timeZone: string): Array<{ day: string; reservations: number; seats: number }> {
  const days = new Map<string, { day: string; reservations: number; seats: number }>();
  for (const q of quarters) {
    const millis = Number(q.quarter) * 900_000;
    // a zone this runtime no longer knows (only events older than the zone check): UTC days
    const day = DateTime.fromMillis(millis, { zone: timeZone }).toISODate() ?? new Date(millis).toISOString().slice(0, 10);
    const sum = days.get(day) ?? { day, reservations: 0, seats: 0 };
    sum.reservations += Number(q.reservations);
    sum.seats += Number(q.seats);
    days.set(day, sum);
  }
  return [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
}

export async function analyticsOverview(db: Knex) {
  const [byStatus, revenue, top] = await Promise.all([
    db(t('events')).groupBy('status').select<Array<{ status: string; count: string }>>('status', db.raw('count(*) AS count')),
    db(t('reservations'))
      .where({ status: 'confirmed' })
      .groupBy('currency')
      .select<Array<{ currency: string; seats: string; amount: string }>>('currency', db.raw('sum(quantity) AS seats'), db.raw('sum(quantity * unit_price) AS amount')),
    db(t('events')).orderBy([{ column: 'confirmed', order: 'desc' }, { column: 'id' }]).limit(10).select<EventRow[]>('*'),
  ]);
  return {
    events: Object.fromEntries(byStatus.map((r) => [r.status, Number(r.count)])),
    confirmedSeats: revenue.reduce((s, r) => s + Number(r.seats), 0),
    revenue: revenue.map((r) => ({ currency: r.currency, amount: Number(r.amount) })),
    topEvents: top.map((e) => ({ id: e.id, title: e.title, confirmed: e.confirmed, capacity: e.capacity, utilisation: e.capacity ? e.confirmed / e.capacity : 0 })),
  };
}

/** For the sweeper: work that is overdue according to the read model. */
export async function overdueWork(db: Knex, now: Date, limit = 500) {
  const [holds, offers, promotable] = await Promise.all([
    db(t('reservations')).where({ status: 'held' }).andWhere('expires_at', '<=', now).limit(limit).select<Array<{ id: string; event_id: string }>>('id', 'event_id'),
    db(t('waitlist')).where({ status: 'offered' }).andWhere('offer_expires_at', '<=', now).limit(limit).select<Array<{ offer_id: string; event_id: string }>>('offer_id', 'event_id'),
    db(t('events'))
      .where({ status: 'published' })
      .andWhere('waitlist_length', '>', 0)
      .andWhereRaw('capacity - held - confirmed - offered > 0')
      .limit(limit)
      .select<Array<{ id: string }>>('id'),
  ]);
  return { holds, offers, promotable };
}
