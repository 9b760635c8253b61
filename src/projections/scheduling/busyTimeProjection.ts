/**
 * Busy time (docs/scheduling.md §3 free/busy): who is busy when, from two contexts'
 * events — seats held or confirmed for a ticketed event (its startsAt–endsAt), and
 * scheduled meetings for their organizer and their accepted or tentative participants.
 * It keeps its own copy of the times, titles and answers it needs (schema
 * rm_scheduling_busy_time), never another read model's tables, so it rebuilds on its own.
 * Reads: ./busyTime.ts.
 */
import type { Knex } from 'knex';
import type { MeetingEvent } from '../../domain/scheduling/events.js';
import type { TicketedEventEvent } from '../../domain/ticketing/events.js';
import type { RecordedEvent } from '../../eventstore/eventStore.js';
import { pendingInserts, type Projection, type ProjectionContext } from '../projection.js';

export const BUSY_TIME_PROJECTION = 'schedulingBusyTime';

async function setup(db: Knex | Knex.Transaction, s: string): Promise<void> {
  await db.raw(`
    CREATE TABLE ${s}.ticketed_events (
      id text PRIMARY KEY,
      title text NOT NULL,
      starts_at timestamptz NOT NULL,
      ends_at timestamptz NOT NULL,
      cancelled boolean NOT NULL DEFAULT false
    );
    -- active: held or confirmed
    CREATE TABLE ${s}.seat_holders (
      reservation_id text PRIMARY KEY,
      event_id text NOT NULL,
      user_id text NOT NULL,
      active boolean NOT NULL
    );
    CREATE INDEX seat_holders_user_idx ON ${s}.seat_holders (user_id, event_id) WHERE active;
    -- status: polling | scheduled | cancelled; the times are set once scheduled
    CREATE TABLE ${s}.meetings (
      id text PRIMARY KEY,
      title text NOT NULL,
      organizer_id text NOT NULL,
      status text NOT NULL,
      starts_at timestamptz,
      ends_at timestamptz
    );
    CREATE INDEX meetings_organizer_idx ON ${s}.meetings (organizer_id);
    -- response: pending | accepted | declined | tentative
    CREATE TABLE ${s}.meeting_participants (
      meeting_id text NOT NULL,
      user_id text NOT NULL,
      response text NOT NULL,
      PRIMARY KEY (meeting_id, user_id)
    );
    CREATE INDEX meeting_participants_user_idx ON ${s}.meeting_participants (user_id);
  `);
}

type Consumed = TicketedEventEvent | MeetingEvent;
type DataOf<T extends Consumed['type']> = Extract<Consumed, { type: T }>['data'];
interface On {
  ctx: ProjectionContext;
  /** The id in the event's stream name (`ticketedEvent-<id>`, `meeting-<id>`). */
  subjectId: string;
}
type Handler<T extends Consumed['type']> = (data: DataOf<T>, on: On) => Promise<void>;

const table = (ctx: ProjectionContext, name: string) => ctx.trx(`${ctx.schema}.${name}`);
/** Seat holders are inserted in one statement per run of SeatsReserved (the bulk of a busy batch). */
const newHolders = (ctx: ProjectionContext) => pendingInserts(ctx, 'seat_holders');

const ticketedEventScheduled: Handler<'TicketedEventScheduled'> = async (d, on) => {
  await table(on.ctx, 'ticketed_events').insert({ id: on.subjectId, title: d.title, starts_at: d.startsAt, ends_at: d.endsAt }).onConflict('id').ignore();
};

const ticketedEventChanged: Handler<'TicketedEventDetailsChanged'> = async (d, on) => {
  const changes = { ...(d.title !== undefined && { title: d.title }), ...(d.startsAt !== undefined && { starts_at: d.startsAt }), ...(d.endsAt !== undefined && { ends_at: d.endsAt }) };
  if (Object.keys(changes).length > 0) await table(on.ctx, 'ticketed_events').where({ id: on.subjectId }).update(changes);
};

// Every seat is released with the event (no per-reservation events follow).
const ticketedEventCancelled: Handler<'TicketedEventCancelled'> = async (_d, on) => {
  await table(on.ctx, 'ticketed_events').where({ id: on.subjectId }).update({ cancelled: true });
  await table(on.ctx, 'seat_holders').where({ event_id: on.subjectId, active: true }).update({ active: false });
};

const seatsReserved: Handler<'SeatsReserved'> = async (d, on) => {
  newHolders(on.ctx).add({ reservation_id: d.reservationId, event_id: on.subjectId, user_id: d.userId, active: true });
};

const releaseSeats = async (reservationId: string, on: On) => {
  await table(on.ctx, 'seat_holders').where({ reservation_id: reservationId }).update({ active: false });
};

const meetingProposed: Handler<'MeetingProposed'> = async (d, on) => {
  await table(on.ctx, 'meetings').insert({ id: on.subjectId, title: d.title, organizer_id: d.organizerId, status: 'polling' }).onConflict('id').ignore();
  if (d.participants.length === 0) return;
  const rows = d.participants.map((p) => ({ meeting_id: on.subjectId, user_id: p.userId, response: 'pending' }));
  await table(on.ctx, 'meeting_participants').insert(rows).onConflict(['meeting_id', 'user_id']).ignore();
};

const participantInvited: Handler<'ParticipantInvited'> = async (d, on) => {
  await table(on.ctx, 'meeting_participants').insert({ meeting_id: on.subjectId, user_id: d.userId, response: 'pending' }).onConflict(['meeting_id', 'user_id']).ignore();
};

const participantRemoved: Handler<'ParticipantRemoved'> = async (d, on) => {
  await table(on.ctx, 'meeting_participants').where({ meeting_id: on.subjectId, user_id: d.userId }).delete();
};

const invitationAnswered: Handler<'InvitationAnswered'> = async (d, on) => {
  await table(on.ctx, 'meeting_participants').where({ meeting_id: on.subjectId, user_id: d.participantId }).update({ response: d.response });
};

// The pre-filled answers replace every participant's response in one statement; the rest are pending.
const meetingScheduled: Handler<'MeetingScheduled'> = async (d, on) => {
  await table(on.ctx, 'meetings').where({ id: on.subjectId }).update({ status: 'scheduled', starts_at: d.start, ends_at: d.end });
  await table(on.ctx, 'meeting_participants')
    .where({ meeting_id: on.subjectId })
    .update({ response: on.ctx.trx.raw(`COALESCE(?::jsonb ->> user_id, 'pending')`, [JSON.stringify(d.answers)]) });
};

const meetingRescheduled: Handler<'MeetingRescheduled'> = async (d, on) => {
  await table(on.ctx, 'meetings').where({ id: on.subjectId }).update({ status: 'scheduled', starts_at: d.start, ends_at: d.end });
  await table(on.ctx, 'meeting_participants').where({ meeting_id: on.subjectId }).update({ response: 'pending' });
};

const meetingCancelled: Handler<'MeetingCancelled'> = async (_d, on) => {
  await table(on.ctx, 'meetings').where({ id: on.subjectId }).update({ status: 'cancelled' });
};

/** The events that change who is busy when (the others of both streams do not). */
const handlers: { [T in Consumed['type']]?: Handler<T> } = {
  TicketedEventScheduled: ticketedEventScheduled,
  TicketedEventDetailsChanged: ticketedEventChanged,
  TicketedEventCancelled: ticketedEventCancelled,
  SeatsReserved: seatsReserved,
  HoldExpired: (d, on) => releaseSeats(d.reservationId, on),
  ReservationCancelled: (d, on) => releaseSeats(d.reservationId, on),
  MeetingProposed: meetingProposed,
  ParticipantInvited: participantInvited,
  ParticipantRemoved: participantRemoved,
  InvitationAnswered: invitationAnswered,
  MeetingScheduled: meetingScheduled,
  MeetingRescheduled: meetingRescheduled,
  MeetingCancelled: meetingCancelled,
};

export const busyTimeProjection = (): Projection => ({
  name: BUSY_TIME_PROJECTION,
  version: 1,
  eventTypes: Object.keys(handlers),
  setup,
  apply: async (event: RecordedEvent, ctx) => {
    // Anything but another SeatsReserved must see the holders queued so far.
    if (event.type !== 'SeatsReserved') await newHolders(ctx).flush();
    const handle = handlers[event.type as Consumed['type']] as Handler<Consumed['type']> | undefined;
    const subjectId = event.streamName.slice(event.streamName.indexOf('-') + 1);
    await handle?.(event.data as DataOf<Consumed['type']>, { ctx, subjectId });
  },
  afterBatch: (ctx) => newHolders(ctx).flush(),
});
