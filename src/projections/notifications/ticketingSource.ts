/**
 * Ticketing as a notification source. The kinds and their data are the ones clients have
 * always read from `GET /v1/me/notifications`; the subject is the event. Who to tell comes
 * from this projection's own copy of holders and waiters (ticketing_* tables), never from
 * the ticketing read model.
 */
import type { Knex } from 'knex';
import type { TicketedEventEvent, TicketedEventEventType } from '../../domain/ticketing/index.js';
import { pendingInserts, type ProjectionContext } from '../projection.js';
import type { NotificationSourceHandler, Notifier } from './notificationsProjection.js';

export async function setupTicketingSource(db: Knex | Knex.Transaction, s: string): Promise<void> {
  await db.raw(`
    -- the title, for templates that name the event
    CREATE TABLE ${s}.ticketing_events (
      id uuid PRIMARY KEY,
      title text NOT NULL
    );
    -- active: held or confirmed (told when the event is cancelled)
    CREATE TABLE ${s}.ticketing_reservations (
      id uuid PRIMARY KEY,
      event_id uuid NOT NULL,
      user_id text NOT NULL,
      quantity integer NOT NULL,
      active boolean NOT NULL
    );
    CREATE INDEX ticketing_reservations_event_idx ON ${s}.ticketing_reservations (event_id) WHERE active;
    -- active: waiting or offered
    CREATE TABLE ${s}.ticketing_waitlist (
      entry_id uuid PRIMARY KEY,
      event_id uuid NOT NULL,
      user_id text NOT NULL,
      active boolean NOT NULL
    );
    CREATE INDEX ticketing_waitlist_event_idx ON ${s}.ticketing_waitlist (event_id) WHERE active;
  `);
}

type DataOf<T extends TicketedEventEventType> = Extract<TicketedEventEvent, { type: T }>['data'];
interface On extends Notifier {
  eventId: string;
}
type Handler<T extends TicketedEventEventType> = (data: DataOf<T>, on: On) => Promise<void>;

const table = (ctx: ProjectionContext, name: string) => ctx.trx(`${ctx.schema}.${name}`);

/**
 * New holders are inserted in one statement per run of SeatsReserved events (the bulk of
 * a busy batch); any other event first writes them, so it sees every holder.
 */
const newHolders = (ctx: ProjectionContext) => pendingInserts(ctx, 'ticketing_reservations');
const insertNewHolders = (ctx: ProjectionContext) => newHolders(ctx).flush();

/** Marks a reservation released and returns its holder. */
async function releaseReservation(ctx: ProjectionContext, id: string): Promise<string> {
  const [row] = await table(ctx, 'ticketing_reservations').where({ id }).update({ active: false }).returning<Array<{ user_id: string }>>('user_id');
  if (!row) throw new Error(`reservation ${id} missing from the notifications read model`);
  return row.user_id;
}

/** Marks a waiting-list entry done (left, expired, promoted) and returns its user. */
async function releaseEntry(ctx: ProjectionContext, entryId: string): Promise<string> {
  const [row] = await table(ctx, 'ticketing_waitlist').where({ entry_id: entryId }).update({ active: false }).returning<Array<{ user_id: string }>>('user_id');
  if (!row) throw new Error(`waitlist entry ${entryId} missing from the notifications read model`);
  return row.user_id;
}

const scheduled: Handler<'TicketedEventScheduled'> = async (d, on) => {
  await table(on.ctx, 'ticketing_events').insert({ id: on.eventId, title: d.title }).onConflict('id').ignore();
};

/** Changes that make a holder's plans wrong: the name, the time or the place. */
const NOTICED_CHANGES = ['title', 'startsAt', 'endsAt', 'timezone', 'venue'] as const;

const detailsChanged: Handler<'TicketedEventDetailsChanged'> = async (d, on) => {
  if (d.title !== undefined) await table(on.ctx, 'ticketing_events').where({ id: on.eventId }).update({ title: d.title });
  const changed = NOTICED_CHANGES.filter((field) => d[field] !== undefined);
  if (changed.length === 0) return;
  const holders = await table(on.ctx, 'ticketing_reservations').where({ event_id: on.eventId, active: true }).distinct<Array<{ user_id: string }>>('user_id');
  for (const { user_id } of holders) await on.notify(user_id, 'event-changed', on.eventId, { changed });
};

const eventCancelled: Handler<'TicketedEventCancelled'> = async (d, on) => {
  const holders = await table(on.ctx, 'ticketing_reservations').where({ event_id: on.eventId, active: true }).update({ active: false }).returning<Array<{ user_id: string }>>('user_id');
  const waiters = await table(on.ctx, 'ticketing_waitlist').where({ event_id: on.eventId, active: true }).update({ active: false }).returning<Array<{ user_id: string }>>('user_id');
  const users = new Set([...holders, ...waiters].map((r) => r.user_id));
  for (const userId of users) await on.notify(userId, 'event-cancelled', on.eventId, { reason: d.reason });
};

const seatsReserved: Handler<'SeatsReserved'> = async (d, on) => {
  newHolders(on.ctx).add({ id: d.reservationId, event_id: on.eventId, user_id: d.userId, quantity: d.quantity, active: true });
  // a promotion from the waiting list is told as waitlist-promoted
  if (d.waitlistEntryId) await table(on.ctx, 'ticketing_waitlist').where({ entry_id: d.waitlistEntryId }).update({ active: false });
  else if (d.status === 'held') await on.notify(d.userId, 'reservation-held', on.eventId, { reservationId: d.reservationId, quantity: d.quantity, expiresAt: d.holdExpiresAt });
  else await on.notify(d.userId, 'reservation-confirmed', on.eventId, { reservationId: d.reservationId, quantity: d.quantity });
};

const reservationConfirmed: Handler<'ReservationConfirmed'> = async (d, on) => {
  const row = await table(on.ctx, 'ticketing_reservations').where({ id: d.reservationId }).first<{ user_id: string; quantity: number } | undefined>('user_id', 'quantity');
  if (!row) throw new Error(`reservation ${d.reservationId} missing from the notifications read model`);
  await on.notify(row.user_id, 'reservation-confirmed', on.eventId, { reservationId: d.reservationId, quantity: row.quantity });
};

const holdExpired: Handler<'HoldExpired'> = async (d, on) => {
  const userId = await releaseReservation(on.ctx, d.reservationId);
  await on.notify(userId, 'hold-expired', on.eventId, { reservationId: d.reservationId });
};

const reservationCancelled: Handler<'ReservationCancelled'> = async (d, on) => {
  const userId = await releaseReservation(on.ctx, d.reservationId);
  if (d.byRole === 'organizer') await on.notify(userId, 'reservation-cancelled', on.eventId, { reservationId: d.reservationId, reason: d.reason });
};

const waitlistJoined: Handler<'WaitlistJoined'> = async (d, on) => {
  await table(on.ctx, 'ticketing_waitlist').insert({ entry_id: d.entryId, event_id: on.eventId, user_id: d.userId, active: true });
  await on.notify(d.userId, 'waitlist-joined', on.eventId, { entryId: d.entryId, quantity: d.quantity });
};

const waitlistLeft: Handler<'WaitlistLeft'> = async (d, on) => {
  await releaseEntry(on.ctx, d.entryId);
};

const offerMade: Handler<'WaitlistOfferMade'> = async (d, on) => {
  await on.notify(d.userId, 'waitlist-offer', on.eventId, { offerId: d.offerId, quantity: d.quantity, expiresAt: d.expiresAt });
};

const offerExpired: Handler<'WaitlistOfferExpired'> = async (d, on) => {
  const userId = await releaseEntry(on.ctx, d.entryId);
  await on.notify(userId, 'waitlist-offer-expired', on.eventId, { offerId: d.offerId });
};

const waitlistPromoted: Handler<'WaitlistPromoted'> = async (d, on) => {
  const userId = await releaseEntry(on.ctx, d.entryId);
  await on.notify(userId, 'waitlist-promoted', on.eventId, { reservationId: d.reservationId, via: d.via });
};

/** The ticketing events that tell someone something or change who would be told. */
const handlers: { [T in TicketedEventEventType]?: Handler<T> } = {
  TicketedEventScheduled: scheduled,
  TicketedEventDetailsChanged: detailsChanged,
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
};

export const ticketingSource: NotificationSourceHandler = {
  source: 'ticketing',
  eventTypes: Object.keys(handlers),
  apply: async (on) => {
    const { event, ctx } = on;
    if (event.type !== 'SeatsReserved') await insertNewHolders(ctx);
    const handle = handlers[event.type as TicketedEventEventType] as Handler<TicketedEventEventType>;
    const eventId = event.streamName.slice(event.streamName.indexOf('-') + 1);
    await handle(event.data as DataOf<TicketedEventEventType>, { ...on, eventId });
  },
  afterBatch: insertNewHolders,
};
