/**
 * Ticketing use cases: each turns validated input into a command for the
 * `ticketedEvent-<id>` decider and runs it through the command runtime.
 * Ids of new things are derived from the Idempotency-Key when there is one, so a
 * retried request decides the very same command.
 */
import { randomUUID } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import {
  promotionIdSeed,
  roleOf,
  ticketedEventDecider,
  ticketedEventStreamName,
  type EventRole,
  type TicketedEventCommand,
  type TicketedEventEvent,
  type TicketedEventState,
} from '../../domain/ticketing/index.js';
import { notFound } from '../../domain/shared/errors.js';
import type { CommandMetadata, CommandResult, CommandRuntime } from '../runtime.js';
import type { ChangeEventInput, CreateEventInput } from './inputs.js';

const ID_NAMESPACE = '0b9f6c2e-8a51-4f3d-9e27-5d8c1a4b7e60';

export interface Actor {
  userId: string;
  isAdmin: boolean;
}

export interface RequestMeta {
  actor: Actor;
  correlationId: string;
  idempotencyKey?: string;
  /** See CommandMetadata.idempotencyKeyIsNew. */
  idempotencyKeyIsNew?: boolean;
  expectedRevision?: bigint;
  now: Date;
}

export type TicketingResult = CommandResult<TicketedEventState, TicketedEventEvent>;

export class TicketingCommands {
  constructor(private readonly runtime: CommandRuntime) {}

  /** A new id; the same for a retried request with the same Idempotency-Key. */
  private newId(meta: RequestMeta, purpose: string): string {
    return meta.idempotencyKey ? uuidv5(`${meta.actor.userId}\u0000${meta.idempotencyKey}\u0000${purpose}`, ID_NAMESPACE) : randomUUID();
  }

  private run(eventId: string, type: TicketedEventCommand['type'], data: unknown, meta: RequestMeta): Promise<TicketingResult> {
    const command = {
      type,
      data,
      meta: { now: meta.now.toISOString(), actorId: meta.actor.userId, actorIsAdmin: meta.actor.isAdmin },
    } as TicketedEventCommand;
    const runtimeMeta: CommandMetadata = {
      actorId: meta.actor.userId,
      correlationId: meta.correlationId,
      now: meta.now,
      ...(meta.idempotencyKey ? { idempotencyKey: meta.idempotencyKey, idempotencyKeyIsNew: meta.idempotencyKeyIsNew ?? false } : {}),
      ...(meta.expectedRevision !== undefined ? { expectedRevision: meta.expectedRevision } : {}),
    };
    return this.runtime.execute(ticketedEventDecider, ticketedEventStreamName(eventId), command, runtimeMeta);
  }

  async load(eventId: string): Promise<{ state: TicketedEventState; revision: bigint; position: bigint | undefined }> {
    const { state, revision, position } = await this.runtime.load(ticketedEventDecider, ticketedEventStreamName(eventId));
    if (revision === undefined || state.status === 'unscheduled') throw notFound('event-not-found', 'No such event');
    return { state, revision, position };
  }

  /**
   * Does the event exist, may anyone know it (not a draft), and the user's role on it.
   * Unless `fresh`, a state verified within the last second answers without a read (hot
   * events are checked on every reservation). The access rule re-asks fresh before it
   * denies, so only a role removed in the last second can still pass — and the decider
   * re-checks organizer rights on every command anyway.
   */
  async membershipOf(eventId: string, userId: string, opts: { fresh: boolean } = { fresh: true }): Promise<{ public: boolean; roles: EventRole[] } | undefined> {
    const stream = ticketedEventStreamName(eventId);
    const { state, revision } = opts.fresh
      ? await this.runtime.load(ticketedEventDecider, stream)
      : await this.runtime.loadRecent(ticketedEventDecider, stream, 1000);
    return toMembership(state, revision, userId);
  }

  async stateAt(eventId: string, revision: bigint): Promise<{ state: TicketedEventState; revision: bigint; position: bigint | undefined }> {
    const folded = await this.runtime.stateAt(ticketedEventDecider, ticketedEventStreamName(eventId), revision);
    if (folded.revision === undefined) throw notFound('event-not-found', 'No such event');
    return { state: folded.state, revision: folded.revision, position: folded.position };
  }

  async schedule(input: CreateEventInput, meta: RequestMeta): Promise<TicketingResult & { eventId: string }> {
    const eventId = this.newId(meta, 'event');
    const result = await this.run(eventId, 'ScheduleTicketedEvent', { eventId, ...input }, meta);
    return { ...result, eventId };
  }

  change(eventId: string, input: ChangeEventInput, meta: RequestMeta) {
    return this.run(eventId, 'ChangeTicketedEventDetails', input, meta);
  }

  publish(eventId: string, meta: RequestMeta) {
    return this.run(eventId, 'PublishTicketedEvent', {}, meta);
  }

  cancel(eventId: string, reason: string | undefined, meta: RequestMeta) {
    return this.run(eventId, 'CancelTicketedEvent', { reason }, meta);
  }

  async reserve(eventId: string, quantity: number, meta: RequestMeta): Promise<TicketingResult & { reservationId: string }> {
    // A retry whose first attempt committed is answered by the runtime from that write.
    const reservationId = this.newId(meta, `reservation:${eventId}`);
    const result = await this.run(eventId, 'ReserveSeats', { reservationId, userId: meta.actor.userId, quantity }, meta);
    return { ...result, reservationId };
  }

  confirm(eventId: string, reservationId: string, meta: RequestMeta) {
    return this.run(eventId, 'ConfirmReservation', { reservationId }, meta);
  }

  cancelReservation(eventId: string, reservationId: string, byRole: 'holder' | 'organizer', reason: string | undefined, meta: RequestMeta) {
    return this.run(eventId, 'CancelReservation', { reservationId, byRole, reason }, meta);
  }

  expireHold(eventId: string, reservationId: string, meta: RequestMeta) {
    return this.run(eventId, 'ExpireHold', { reservationId }, meta);
  }

  async joinWaitlist(eventId: string, quantity: number, meta: RequestMeta): Promise<TicketingResult & { entryId: string }> {
    const entryId = this.newId(meta, `waitlist:${eventId}`);
    const result = await this.run(eventId, 'JoinWaitlist', { entryId, userId: meta.actor.userId, quantity }, meta);
    return { ...result, entryId };
  }

  leaveWaitlist(eventId: string, entryId: string, meta: RequestMeta) {
    return this.run(eventId, 'LeaveWaitlist', { entryId }, meta);
  }

  /** Ids are uuid v5 of `<eventId>:<seed>`: a retried job decides identical events. */
  promoteWaitlist(eventId: string, meta: RequestMeta) {
    const newId = (seed: string) => uuidv5(`${eventId}:${seed}`, ID_NAMESPACE);
    return this.run(eventId, 'PromoteWaitlist', { newId }, meta);
  }

  acceptOffer(eventId: string, offerId: string, meta: RequestMeta) {
    const reservationId = uuidv5(`${eventId}:${promotionIdSeed.reservation(offerId)}`, ID_NAMESPACE);
    return this.run(eventId, 'AcceptWaitlistOffer', { offerId, userId: meta.actor.userId, reservationId }, meta).then((r) => ({ ...r, reservationId }));
  }

  expireOffer(eventId: string, offerId: string, meta: RequestMeta) {
    return this.run(eventId, 'ExpireWaitlistOffer', { offerId }, meta);
  }

  addCollaborator(eventId: string, userId: string, role: 'co-organizer' | 'viewer', meta: RequestMeta) {
    return this.run(eventId, 'AddCollaborator', { userId, role }, meta);
  }

  removeCollaborator(eventId: string, userId: string, meta: RequestMeta) {
    return this.run(eventId, 'RemoveCollaborator', { userId }, meta);
  }
}

function toMembership(state: TicketedEventState, revision: bigint | undefined, userId: string): { public: boolean; roles: EventRole[] } | undefined {
  if (revision === undefined || state.status === 'unscheduled') return undefined;
  const role = roleOf(state, userId);
  return { public: state.status !== 'draft', roles: role ? [role] : [] };
}

/** Jobs act as the system, not as a user. */
export const systemMeta = (now: Date, correlationId: string): RequestMeta => ({
  actor: { userId: 'system', isAdmin: true },
  correlationId,
  now,
});
