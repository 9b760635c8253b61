/**
 * The ticketing read model (schema rm_ticketing): events with live seat counters,
 * reservations, waitlist entries and collaborators. Publishes `event:<id>` (availability,
 * price, status) and `user:<id>` (the user's reservations and waitlist entries) to the
 * changefeed. Notifications are their own context (src/projections/notifications).
 */
import type { Knex } from 'knex';
import { fifoPromotions, quotePrice, ticketedEventEventTypes, type TicketedEventEvent, type TicketedEventEventType } from '../../domain/ticketing/index.js';
import type { RecordedEvent } from '../../eventstore/eventStore.js';
import { pendingInserts, type Projection, type ProjectionContext } from '../projection.js';
import { eventDto, reservationDto, waitlistEntryDto } from '../../api/ticketing/dtoBuilders.js';
import type { EventRow, ReservationRow, WaitlistRow } from './rows.js';

export const TICKETING_PROJECTION = 'ticketing';

export const ticketingProjection = (): Projection => ({
  name: TICKETING_PROJECTION,
  // 2: notifications moved to their own projection (the rebuild drops the old table)
  version: 2,
  eventTypes: ticketedEventEventTypes,
  setup,
  apply: (event, ctx) => apply(event as RecordedEvent<TicketedEventEventType>, ctx),
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
const newReservations = (ctx: Ctx) => pendingInserts(ctx, 'reservations');
const insertNewReservations = (ctx: Ctx) => newReservations(ctx).flush();

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

/** What every handler gets: the event's coordinates, its batch counters and the transaction. */
interface Applying {
  ctx: Ctx;
  eventId: string;
  position: bigint;
  revision: bigint;
  at: Date;
  /** This event row's seat counters for the batch (written by afterBatch). */
  seats: Touched;
}

type DataOf<T extends TicketedEventEventType> = Extract<TicketedEventEvent, { type: T }>['data'];
type Handler<T extends TicketedEventEventType> = (data: DataOf<T>, on: Applying) => Promise<void>;

async function apply(event: RecordedEvent<TicketedEventEventType>, ctx: Ctx): Promise<void> {
  const eventId = event.streamName.slice(event.streamName.indexOf('-') + 1);
  const seats = touch(ctx, eventId, event.revision, event.position, event.recordedAt);
  if (event.type !== 'SeatsReserved') await insertNewReservations(ctx);
  const handle = handlers[event.type] as Handler<TicketedEventEventType>;
  await handle(event.data as DataOf<TicketedEventEventType>, { ctx, eventId, position: event.position, revision: event.revision, at: event.recordedAt, seats });
}

const eventRows = ({ ctx, eventId }: Applying) => ctx.trx(`${ctx.schema}.events`).where({ id: eventId });

const scheduled: Handler<'TicketedEventScheduled'> = async (d, on) => {
  await on.ctx
    .trx(`${on.ctx.schema}.events`)
    .insert({
      id: on.eventId,
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
      revision: on.revision.toString(),
      created_at: on.at,
      updated_at: on.at,
    })
    .onConflict('id')
    .ignore();
};

const published: Handler<'TicketedEventPublished'> = async (_, on) => {
  await eventRows(on).update({ status: 'published' });
};

const DETAIL_COLUMNS = {
  title: 'title',
  description: 'description',
  venue: 'venue',
  startsAt: 'starts_at',
  endsAt: 'ends_at',
  timezone: 'timezone',
  maxPerReservation: 'max_per_reservation',
  holdMinutes: 'hold_minutes',
} as const;

const detailsChanged: Handler<'TicketedEventDetailsChanged'> = async (d, on) => {
  const changes: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(DETAIL_COLUMNS)) {
    const value = d[field as keyof typeof DETAIL_COLUMNS];
    if (value !== undefined) changes[column] = value;
  }
  if (d.pricing !== undefined) {
    changes.pricing = JSON.stringify(d.pricing);
    changes.currency = d.pricing.currency;
  }
  if (d.waitlist !== undefined) changes.waitlist = JSON.stringify(d.waitlist);
  if (Object.keys(changes).length) await eventRows(on).update(changes);
};

const capacityChanged: Handler<'CapacityChanged'> = async (d, on) => {
  await eventRows(on).update({ capacity: d.to });
};

const eventCancelled: Handler<'TicketedEventCancelled'> = async (d, on) => {
  const { ctx, eventId, at } = on;
  const affected = await ctx
    .trx(`${ctx.schema}.reservations`)
    .where({ event_id: eventId })
    .whereIn('status', ['held', 'confirmed'])
    .update({ status: 'cancelled', updated_at: at, expires_at: null })
    .returning<ReservationRow[]>('*');
  const waiters = await ctx
    .trx(`${ctx.schema}.waitlist`)
    .where({ event_id: eventId })
    .whereIn('status', ['waiting', 'offered'])
    .update({ status: 'expired', updated_at: at })
    .returning<WaitlistRow[]>('*');
  await eventRows(on).update({ status: 'cancelled', held: 0, confirmed: 0, offered: 0, cancel_reason: d.reason });
  Object.assign(on.seats, { held: 0, confirmed: 0, offered: 0 }); // earlier changes in this batch are released too
  for (const r of affected) ctx.publish(`user:${r.user_id}`, { type: 'reservation', reservation: reservationDto(r) });
  for (const w of waiters) ctx.publish(`user:${w.user_id}`, { type: 'waitlist', entry: waitlistEntryDto(w, undefined) });
};

const seatsReserved: Handler<'SeatsReserved'> = async (d, on) => {
  const { ctx, seats, at } = on;
  const reservation: ReservationRow = {
    id: d.reservationId,
    event_id: on.eventId,
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
  newReservations(ctx).add({ ...reservation });
  seats[d.status === 'held' ? 'held' : 'confirmed'] += d.quantity;
  if (d.offerId) seats.offered -= d.quantity;
  if (d.waitlistEntryId) {
    await ctx.trx(`${ctx.schema}.waitlist`).where({ entry_id: d.waitlistEntryId }).update({ status: 'promoted', reservation_id: d.reservationId, updated_at: at });
  }
  ctx.publish(`user:${d.userId}`, { type: 'reservation', reservation: reservationDto(reservation) });
};

const reservationConfirmed: Handler<'ReservationConfirmed'> = async (d, on) => {
  const r = await setReservationStatus(on.ctx, d.reservationId, 'confirmed', on.at);
  on.seats.held -= r.quantity;
  on.seats.confirmed += r.quantity;
};

const holdExpired: Handler<'HoldExpired'> = async (d, on) => {
  const r = await setReservationStatus(on.ctx, d.reservationId, 'expired', on.at);
  on.seats.held -= r.quantity;
};

const reservationCancelled: Handler<'ReservationCancelled'> = async (d, on) => {
  const before = await on.ctx.trx(`${on.ctx.schema}.reservations`).where({ id: d.reservationId }).first<ReservationRow>();
  const r = await setReservationStatus(on.ctx, d.reservationId, 'cancelled', on.at);
  if (before?.status === 'held' || before?.status === 'confirmed') on.seats[before.status] -= r.quantity;
};

const waitlistJoined: Handler<'WaitlistJoined'> = async (d, on) => {
  const [entry] = await on.ctx
    .trx(`${on.ctx.schema}.waitlist`)
    .insert({
      entry_id: d.entryId,
      event_id: on.eventId,
      user_id: d.userId,
      quantity: d.quantity,
      status: 'waiting',
      seq: on.position.toString(),
      joined_at: on.at,
      updated_at: on.at,
    })
    .returning<WaitlistRow[]>('*');
  await publishEntry(on.ctx, entry!);
};

const waitlistLeft: Handler<'WaitlistLeft'> = async (d, on) => {
  const before = await on.ctx.trx(`${on.ctx.schema}.waitlist`).where({ entry_id: d.entryId }).first<WaitlistRow>();
  if (before?.status === 'offered') on.seats.offered -= before.quantity;
  await publishEntry(on.ctx, await setEntry(on.ctx, d.entryId, { status: 'left' }, on.at));
};

const offerMade: Handler<'WaitlistOfferMade'> = async (d, on) => {
  const entry = await setEntry(on.ctx, d.entryId, { status: 'offered', offer_id: d.offerId, offer_expires_at: d.expiresAt }, on.at);
  on.seats.offered += d.quantity;
  await publishEntry(on.ctx, entry);
};

const offerExpired: Handler<'WaitlistOfferExpired'> = async (d, on) => {
  const entry = await setEntry(on.ctx, d.entryId, { status: 'expired' }, on.at);
  on.seats.offered -= entry.quantity;
  await publishEntry(on.ctx, entry);
};

const waitlistPromoted: Handler<'WaitlistPromoted'> = async (d, on) => {
  const entry = await setEntry(on.ctx, d.entryId, { status: 'promoted', reservation_id: d.reservationId }, on.at);
  await publishEntry(on.ctx, entry);
};

const collaboratorAdded: Handler<'CollaboratorAdded'> = async (d, on) => {
  await on.ctx
    .trx(`${on.ctx.schema}.collaborators`)
    .insert({ event_id: on.eventId, user_id: d.userId, role: d.role })
    .onConflict(['event_id', 'user_id'])
    .merge();
};

const collaboratorRemoved: Handler<'CollaboratorRemoved'> = async (d, on) => {
  await on.ctx.trx(`${on.ctx.schema}.collaborators`).where({ event_id: on.eventId, user_id: d.userId }).delete();
};

// Keyed by the event type union: a new event type does not compile until it has a handler.
const handlers: { [T in TicketedEventEventType]: Handler<T> } = {
  TicketedEventScheduled: scheduled,
  TicketedEventPublished: published,
  TicketedEventDetailsChanged: detailsChanged,
  CapacityChanged: capacityChanged,
  TicketedEventCancelled: eventCancelled,
  SeatsReserved: seatsReserved,
  ReservationConfirmed: reservationConfirmed,
  HoldExpired: holdExpired,
  ReservationCancelled: reservationCancelled,
  WaitlistJoined: waitlistJoined,
  WaitlistLeft: waitlistLeft,
  WaitlistOfferMade: offerMade,
  WaitlistOfferExpired: offerExpired,
  WaitlistPromoted: waitlistPromoted,
  CollaboratorAdded: collaboratorAdded,
  CollaboratorRemoved: collaboratorRemoved,
};

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

/**
 * Writes each touched event row once: counters, revision, waiting-list length and
 * `available` — free seats minus those the domain's FIFO walk (fifoPromotions, as
 * planPromotions) would give to waiting entries: they are not for sale, as in the
 * decider — then publishes its state.
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
      const claimed = fifoPromotions(row.available, waiting).reduce((sum, entry) => sum + entry.quantity, 0);
      const [updated] = await trx(`${s}.events`).where({ id: eventId }).update({ available: row.available - claimed }).returning<EventRow[]>('*');
      if (updated) event = updated;
    }
    const price = quotePrice(event.pricing, event.held + event.confirmed, event.capacity, touched.at.toISOString());
    // A draft's state is for its team only (issue 8 item 10): never replayed to the public later.
    ctx.publish(`event:${eventId}`, { type: 'event', event: eventDto(event, price.unitPrice) }, { eventPosition: touched.position, teamOnly: event.status === 'draft' });
  }
}
