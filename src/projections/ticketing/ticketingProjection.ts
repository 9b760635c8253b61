/**
 * The ticketing read model (schema rm_ticketing): events with live seat counters,
 * reservations, waitlist entries, collaborators and notifications. Publishes
 * `event:<id>` (availability, price, status) and `user:<id>` (the user's reservations,
 * waitlist entries and notifications) to the changefeed.
 */
import type { Knex } from 'knex';
import { v5 as uuidv5 } from 'uuid';
import { quotePrice, ticketedEventEventTypes, type TicketedEventEvent } from '../../domain/ticketing/index.js';
import type { RecordedEvent } from '../../eventstore/eventStore.js';
import type { Projection, ProjectionContext } from '../projection.js';
import { eventDto, reservationDto, waitlistEntryDto } from '../../api/ticketing/dtoBuilders.js';
import type { EventRow, ReservationRow, WaitlistRow } from './rows.js';

export const TICKETING_PROJECTION = 'ticketing';
const NOTIFICATION_NAMESPACE = '3c1e9a7d-2f4b-4e8a-b6d0-9a5f7c3e1b24';

export const ticketingProjection = (): Projection => ({
  name: TICKETING_PROJECTION,
  version: 1,
  eventTypes: ticketedEventEventTypes,
  setup,
  apply: (event, ctx) => apply(event as RecordedEvent<TicketedEventEvent['type']>, ctx),
  afterBatch: flushTouchedEvents,
});

async function setup(db: Knex | Knex.Transaction, s: string): Promise<void> {
  await db.raw(`
    CREATE TABLE ${s}.events (
      id uuid PRIMARY KEY,
      title text NOT NULL,
      description text NOT NULL,
      venue text NOT NULL,
      starts_at timestamptz NOT NULL,
      ends_at timestamptz NOT NULL,
      timezone text NOT NULL,
      status text NOT NULL,
      capacity integer NOT NULL,
      held integer NOT NULL DEFAULT 0,
      confirmed integer NOT NULL DEFAULT 0,
      offered integer NOT NULL DEFAULT 0,
      available integer NOT NULL DEFAULT 0,
      waitlist_length integer NOT NULL DEFAULT 0,
      pricing jsonb NOT NULL,
      currency text NOT NULL,
      max_per_reservation integer NOT NULL,
      hold_minutes integer NOT NULL,
      waitlist jsonb NOT NULL,
      organizer_id text NOT NULL,
      cancel_reason text,
      revision bigint NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );
    CREATE INDEX events_listing_idx ON ${s}.events (starts_at, id);
    CREATE INDEX events_organizer_idx ON ${s}.events (organizer_id);

    CREATE TABLE ${s}.reservations (
      id uuid PRIMARY KEY,
      event_id uuid NOT NULL,
      user_id text NOT NULL,
      quantity integer NOT NULL,
      status text NOT NULL,
      unit_price bigint NOT NULL,
      currency text NOT NULL,
      expires_at timestamptz,
      waitlist_entry_id uuid,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );
    CREATE INDEX reservations_user_idx ON ${s}.reservations (user_id, created_at DESC, id);
    CREATE INDEX reservations_event_idx ON ${s}.reservations (event_id, created_at DESC, id);
    CREATE INDEX reservations_held_idx ON ${s}.reservations (expires_at) WHERE status = 'held';

    CREATE TABLE ${s}.waitlist (
      entry_id uuid PRIMARY KEY,
      event_id uuid NOT NULL,
      user_id text NOT NULL,
      quantity integer NOT NULL,
      status text NOT NULL,
      -- join order: the position of the WaitlistJoined event
      seq bigint NOT NULL,
      joined_at timestamptz NOT NULL,
      offer_id uuid,
      offer_expires_at timestamptz,
      reservation_id uuid,
      updated_at timestamptz NOT NULL
    );
    CREATE INDEX waitlist_event_idx ON ${s}.waitlist (event_id, status, seq);
    CREATE INDEX waitlist_user_idx ON ${s}.waitlist (user_id, event_id);
    CREATE INDEX waitlist_offers_idx ON ${s}.waitlist (offer_expires_at) WHERE status = 'offered';

    CREATE TABLE ${s}.collaborators (
      event_id uuid NOT NULL,
      user_id text NOT NULL,
      role text NOT NULL,
      PRIMARY KEY (event_id, user_id)
    );

    -- ids are derived from (event position, user, kind), so a rebuild reproduces them
    -- and read marks (kept outside the projection, in notification_reads) stay valid
    CREATE TABLE ${s}.notifications (
      id uuid PRIMARY KEY,
      user_id text NOT NULL,
      kind text NOT NULL,
      event_id uuid NOT NULL,
      data jsonb NOT NULL,
      created_at timestamptz NOT NULL,
      read_at timestamptz
    );
    CREATE INDEX notifications_user_idx ON ${s}.notifications (user_id, created_at DESC, id);
  `);
}

type Ctx = ProjectionContext;

/**
 * Seat counters change on almost every event; they are gathered per event row during
 * a batch and written once in afterBatch, with the derived availability, revision and
 * one `event:<id>` live update carrying the batch's final state.
 */
interface Touched {
  revision: bigint;
  /** Position of this event's newest event in the batch: the update's eventPosition. */
  position: bigint;
  at: Date;
  held: number;
  confirmed: number;
  offered: number;
}

const touchedEvents = (ctx: Ctx): Map<string, Touched> => {
  let touched = ctx.batch.get('touched') as Map<string, Touched> | undefined;
  if (!touched) ctx.batch.set('touched', (touched = new Map()));
  return touched;
};

/**
 * New reservations are inserted in one statement per run of SeatsReserved events (the
 * bulk of a busy batch). Any other event first writes them, so it sees every row.
 */
const newReservations = (ctx: Ctx): Array<Record<string, unknown>> => {
  let rows = ctx.batch.get('newReservations') as Array<Record<string, unknown>> | undefined;
  if (!rows) ctx.batch.set('newReservations', (rows = []));
  return rows;
};

async function insertNewReservations(ctx: Ctx): Promise<void> {
  const rows = newReservations(ctx);
  if (rows.length === 0) return;
  await ctx.trx(`${ctx.schema}.reservations`).insert(rows.splice(0));
}

function touch(ctx: Ctx, eventId: string, revision: bigint, position: bigint, at: Date): Touched {
  const all = touchedEvents(ctx);
  let touched = all.get(eventId);
  if (!touched) {
    touched = { revision, position, at, held: 0, confirmed: 0, offered: 0 };
    all.set(eventId, touched);
  }
  touched.revision = revision;
  touched.position = position;
  touched.at = at;
  return touched;
}

async function apply(event: RecordedEvent<TicketedEventEvent['type']>, ctx: Ctx): Promise<void> {
  const e = { type: event.type, data: event.data } as TicketedEventEvent;
  const eventId = event.streamName.slice(event.streamName.indexOf('-') + 1);
  const at = event.recordedAt;
  const { trx, schema: s } = ctx;
  const events = () => trx(`${s}.events`).where({ id: eventId });
  const seats = touch(ctx, eventId, event.revision, event.position, at);
  if (e.type !== 'SeatsReserved') await insertNewReservations(ctx);

  switch (e.type) {
    case 'TicketedEventScheduled': {
      const d = e.data;
      await trx(`${s}.events`)
        .insert({
          id: eventId,
          title: d.title,
          description: d.description,
          venue: d.venue,
          starts_at: d.startsAt,
          ends_at: d.endsAt,
          timezone: d.timezone,
          status: 'draft',
          capacity: d.capacity,
          available: d.capacity,
          pricing: JSON.stringify(d.pricing),
          currency: d.pricing.currency,
          max_per_reservation: d.maxPerReservation,
          hold_minutes: d.holdMinutes,
          waitlist: JSON.stringify(d.waitlist),
          organizer_id: d.organizerId,
          revision: event.revision.toString(),
          created_at: at,
          updated_at: at,
        })
        .onConflict('id')
        .ignore();
      break;
    }
    case 'TicketedEventPublished':
      await events().update({ status: 'published' });
      break;
    case 'TicketedEventDetailsChanged': {
      const d = e.data;
      const changes: Record<string, unknown> = {};
      if (d.title !== undefined) changes.title = d.title;
      if (d.description !== undefined) changes.description = d.description;
      if (d.venue !== undefined) changes.venue = d.venue;
      if (d.startsAt !== undefined) changes.starts_at = d.startsAt;
      if (d.endsAt !== undefined) changes.ends_at = d.endsAt;
      if (d.timezone !== undefined) changes.timezone = d.timezone;
      if (d.maxPerReservation !== undefined) changes.max_per_reservation = d.maxPerReservation;
      if (d.holdMinutes !== undefined) changes.hold_minutes = d.holdMinutes;
      if (d.pricing !== undefined) {
        changes.pricing = JSON.stringify(d.pricing);
        changes.currency = d.pricing.currency;
      }
      if (d.waitlist !== undefined) changes.waitlist = JSON.stringify(d.waitlist);
      if (Object.keys(changes).length) await events().update(changes);
      break;
    }
    case 'CapacityChanged':
      await events().update({ capacity: e.data.to });
      break;
    case 'TicketedEventCancelled': {
      const affected = await trx(`${s}.reservations`)
        .where({ event_id: eventId })
        .whereIn('status', ['held', 'confirmed'])
        .update({ status: 'cancelled', updated_at: at, expires_at: null })
        .returning<ReservationRow[]>('*');
      const waiters = await trx(`${s}.waitlist`)
        .where({ event_id: eventId })
        .whereIn('status', ['waiting', 'offered'])
        .update({ status: 'expired', updated_at: at })
        .returning<WaitlistRow[]>('*');
      await events().update({ status: 'cancelled', held: 0, confirmed: 0, offered: 0, cancel_reason: e.data.reason });
      Object.assign(seats, { held: 0, confirmed: 0, offered: 0 }); // earlier changes in this batch are released too
      for (const r of affected) ctx.publish(`user:${r.user_id}`, { type: 'reservation', reservation: reservationDto(r) });
      for (const w of waiters) ctx.publish(`user:${w.user_id}`, { type: 'waitlist', entry: waitlistEntryDto(w, undefined) });
      const users = new Set([...affected.map((r) => r.user_id), ...waiters.map((w) => w.user_id)]);
      for (const userId of users) await notify(ctx, event.position, userId, 'event-cancelled', eventId, { reason: e.data.reason }, at);
      break;
    }
    case 'SeatsReserved': {
      const d = e.data;
      const reservation: ReservationRow = {
        id: d.reservationId,
        event_id: eventId,
        user_id: d.userId,
        quantity: d.quantity,
        status: d.status,
        unit_price: d.unitPrice,
        currency: d.currency,
        expires_at: d.holdExpiresAt ? new Date(d.holdExpiresAt) : null,
        waitlist_entry_id: d.waitlistEntryId ?? null,
        created_at: new Date(d.reservedAt),
        updated_at: at,
      };
      newReservations(ctx).push({ ...reservation });
      seats[d.status === 'held' ? 'held' : 'confirmed'] += d.quantity;
      if (d.offerId) seats.offered -= d.quantity;
      if (d.waitlistEntryId) {
        await trx(`${s}.waitlist`).where({ entry_id: d.waitlistEntryId }).update({ status: 'promoted', reservation_id: d.reservationId, updated_at: at });
      }
      ctx.publish(`user:${d.userId}`, { type: 'reservation', reservation: reservationDto(reservation) });
      break;
    }
    case 'ReservationConfirmed': {
      const r = await setReservationStatus(ctx, e.data.reservationId, 'confirmed', at);
      seats.held -= r.quantity;
      seats.confirmed += r.quantity;
      break;
    }
    case 'HoldExpired': {
      const r = await setReservationStatus(ctx, e.data.reservationId, 'expired', at);
      seats.held -= r.quantity;
      await notify(ctx, event.position, r.user_id, 'hold-expired', eventId, { reservationId: r.id }, at);
      break;
    }
    case 'ReservationCancelled': {
      const before = await trx(`${s}.reservations`).where({ id: e.data.reservationId }).first<ReservationRow>();
      const r = await setReservationStatus(ctx, e.data.reservationId, 'cancelled', at);
      if (before?.status === 'held' || before?.status === 'confirmed') seats[before.status] -= r.quantity;
      if (e.data.byRole === 'organizer') await notify(ctx, event.position, r.user_id, 'reservation-cancelled', eventId, { reservationId: r.id, reason: e.data.reason }, at);
      break;
    }
    case 'WaitlistJoined': {
      const [entry] = await trx(`${s}.waitlist`)
        .insert({
          entry_id: e.data.entryId,
          event_id: eventId,
          user_id: e.data.userId,
          quantity: e.data.quantity,
          status: 'waiting',
          seq: event.position.toString(),
          joined_at: at,
          updated_at: at,
        })
        .returning<WaitlistRow[]>('*');
      await publishEntry(ctx, entry!);
      break;
    }
    case 'WaitlistLeft': {
      const before = await trx(`${s}.waitlist`).where({ entry_id: e.data.entryId }).first<WaitlistRow>();
      if (before?.status === 'offered') seats.offered -= before.quantity;
      const entry = await setEntry(ctx, e.data.entryId, { status: 'left' }, at);
      await publishEntry(ctx, entry);
      break;
    }
    case 'WaitlistOfferMade': {
      const entry = await setEntry(ctx, e.data.entryId, { status: 'offered', offer_id: e.data.offerId, offer_expires_at: e.data.expiresAt }, at);
      seats.offered += e.data.quantity;
      await publishEntry(ctx, entry);
      await notify(ctx, event.position, entry.user_id, 'waitlist-offer', eventId, { offerId: e.data.offerId, quantity: e.data.quantity, expiresAt: e.data.expiresAt }, at);
      break;
    }
    case 'WaitlistOfferExpired': {
      const entry = await setEntry(ctx, e.data.entryId, { status: 'expired' }, at);
      seats.offered -= entry.quantity;
      await publishEntry(ctx, entry);
      await notify(ctx, event.position, entry.user_id, 'waitlist-offer-expired', eventId, { offerId: e.data.offerId }, at);
      break;
    }
    case 'WaitlistPromoted': {
      const entry = await setEntry(ctx, e.data.entryId, { status: 'promoted', reservation_id: e.data.reservationId }, at);
      await publishEntry(ctx, entry);
      await notify(ctx, event.position, entry.user_id, 'waitlist-promoted', eventId, { reservationId: e.data.reservationId, via: e.data.via }, at);
      break;
    }
    case 'CollaboratorAdded':
      await trx(`${s}.collaborators`)
        .insert({ event_id: eventId, user_id: e.data.userId, role: e.data.role })
        .onConflict(['event_id', 'user_id'])
        .merge();
      break;
    case 'CollaboratorRemoved':
      await trx(`${s}.collaborators`).where({ event_id: eventId, user_id: e.data.userId }).delete();
      break;
  }

}

async function setReservationStatus(ctx: Ctx, id: string, status: string, at: Date): Promise<ReservationRow> {
  const [row] = await ctx
    .trx(`${ctx.schema}.reservations`)
    .where({ id })
    .update({ status, updated_at: at, ...(status === 'held' ? {} : { expires_at: null }) })
    .returning<ReservationRow[]>('*');
  if (!row) throw new Error(`reservation ${id} missing from the read model`);
  ctx.publish(`user:${row.user_id}`, { type: 'reservation', reservation: reservationDto(row) });
  return row;
}

async function setEntry(ctx: Ctx, entryId: string, changes: Record<string, unknown>, at: Date): Promise<WaitlistRow> {
  const [row] = await ctx.trx(`${ctx.schema}.waitlist`).where({ entry_id: entryId }).update({ ...changes, updated_at: at }).returning<WaitlistRow[]>('*');
  if (!row) throw new Error(`waitlist entry ${entryId} missing from the read model`);
  return row;
}

async function publishEntry(ctx: Ctx, entry: WaitlistRow): Promise<void> {
  let place: number | undefined;
  if (entry.status === 'waiting') {
    const { count } = (await ctx
      .trx(`${ctx.schema}.waitlist`)
      .where({ event_id: entry.event_id, status: 'waiting' })
      .andWhere('seq', '<=', entry.seq)
      .count<{ count: string }>({ count: '*' })
      .first())!;
    place = Number(count);
  }
  ctx.publish(`user:${entry.user_id}`, { type: 'waitlist', entry: waitlistEntryDto(entry, place) });
}

async function notify(ctx: Ctx, position: bigint, userId: string, kind: string, eventId: string, data: unknown, at: Date): Promise<void> {
  const id = uuidv5(`${position}:${userId}:${kind}`, NOTIFICATION_NAMESPACE);
  await ctx
    .trx(`${ctx.schema}.notifications`)
    .insert({ id, user_id: userId, kind, event_id: eventId, data: JSON.stringify(data), created_at: at })
    .onConflict('id')
    .ignore();
  ctx.publish(`user:${userId}`, { type: 'notification', notification: { id, kind, eventId, data, createdAt: at.toISOString(), read: false } });
}

/**
 * Writes each touched event row once: counters, revision, waiting-list length and
 * `available` — free seats minus those the FIFO walk would give to waiting entries
 * (they are not for sale, as in the decider) — then publishes its state.
 */
async function flushTouchedEvents(ctx: Ctx): Promise<void> {
  const { trx, schema: s } = ctx;
  await insertNewReservations(ctx);
  for (const [eventId, touched] of touchedEvents(ctx)) {
    const [row] = await trx(`${s}.events`)
      .where({ id: eventId })
      .update({
        held: trx.raw('held + ?', [touched.held]),
        confirmed: trx.raw('confirmed + ?', [touched.confirmed]),
        offered: trx.raw('offered + ?', [touched.offered]),
        revision: touched.revision.toString(),
        updated_at: touched.at,
        waitlist_length: trx.raw(`(SELECT count(*) FROM ${s}.waitlist w WHERE w.event_id = ? AND w.status = 'waiting')`, [eventId]),
        available: trx.raw(
          `CASE WHEN status = 'cancelled' THEN 0 ELSE greatest(0, capacity - (held + ?) - (confirmed + ?) - (offered + ?)) END`,
          [touched.held, touched.confirmed, touched.offered],
        ),
      })
      .returning<EventRow[]>('*');
    if (!row) continue;
    let event: EventRow = row;
    if (row.waitlist_length > 0 && row.available > 0) {
      const waiting = await trx(`${s}.waitlist`).where({ event_id: eventId, status: 'waiting' }).orderBy('seq').select<Array<{ quantity: number }>>('quantity');
      let free = row.available;
      for (const entry of waiting) {
        if (free <= 0) break;
        if (entry.quantity <= free) free -= entry.quantity;
      }
      const [updated] = await trx(`${s}.events`).where({ id: eventId }).update({ available: free }).returning<EventRow[]>('*');
      if (updated) event = updated;
    }
    const price = quotePrice(event.pricing, event.held + event.confirmed, event.capacity, touched.at.toISOString());
    // A draft's state is for its team only (issue 8 item 10): never replayed to the public later.
    ctx.publish(`event:${eventId}`, { type: 'event', event: eventDto(event, price.unitPrice) }, { eventPosition: touched.position, teamOnly: event.status === 'draft' });
  }
}
