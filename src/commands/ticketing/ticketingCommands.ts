/**
 * The ticketing use cases bound to one command runtime, for the routes, jobs and access
 * rules that take them as one part. Each use case is its own module in this folder.
 */
import type { CollaboratorRole, EventRole, ReservationHolderRole } from '../../domain/ticketing/index.js';
import type { RequestMeta } from '../meta.js';
import type { CommandRuntime } from '../runtime.js';
import { acceptWaitlistOffer } from './acceptWaitlistOffer.js';
import { addCollaborator } from './addCollaborator.js';
import { cancelEvent } from './cancelEvent.js';
import { cancelReservation } from './cancelReservation.js';
import { changeEventDetails, type ChangeEventInput } from './changeEventDetails.js';
import { confirmReservation } from './confirmReservation.js';
import { expireHold } from './expireHold.js';
import { expireWaitlistOffer } from './expireWaitlistOffer.js';
import { joinWaitlist } from './joinWaitlist.js';
import { leaveWaitlist } from './leaveWaitlist.js';
import { eventStateAt, loadEvent, membershipOf, type LoadedEvent } from './loadEvent.js';
import { promoteWaitlist } from './promoteWaitlist.js';
import { publishEvent } from './publishEvent.js';
import { removeCollaborator } from './removeCollaborator.js';
import { reserveSeats } from './reserveSeats.js';
import { scheduleEvent, type CreateEventInput } from './scheduleEvent.js';
import type { TicketingDeps } from './ticketedEventStream.js';

export type { TicketingResult } from './ticketedEventStream.js';

export class TicketingCommands {
  private readonly deps: TicketingDeps;

  constructor(runtime: CommandRuntime) {
    this.deps = { commands: runtime };
  }

  load = (eventId: string): Promise<LoadedEvent> => loadEvent(this.deps, eventId);
  stateAt = (eventId: string, revision: bigint): Promise<LoadedEvent> => eventStateAt(this.deps, eventId, revision);
  membershipOf = (eventId: string, userId: string, opts?: { fresh: boolean }): Promise<{ public: boolean; roles: EventRole[] } | undefined> =>
    membershipOf(this.deps, eventId, userId, opts);

  schedule = (input: CreateEventInput, meta: RequestMeta) => scheduleEvent(this.deps, input, meta);
  change = (eventId: string, input: ChangeEventInput, meta: RequestMeta) => changeEventDetails(this.deps, eventId, input, meta);
  publish = (eventId: string, meta: RequestMeta) => publishEvent(this.deps, eventId, meta);
  cancel = (eventId: string, reason: string | undefined, meta: RequestMeta) => cancelEvent(this.deps, eventId, reason, meta);

  reserve = (eventId: string, quantity: number, meta: RequestMeta) => reserveSeats(this.deps, eventId, quantity, meta);
  confirm = (eventId: string, reservationId: string, meta: RequestMeta) => confirmReservation(this.deps, eventId, reservationId, meta);
  cancelReservation = (eventId: string, reservationId: string, byRole: ReservationHolderRole, reason: string | undefined, meta: RequestMeta) =>
    cancelReservation(this.deps, eventId, reservationId, byRole, reason, meta);
  expireHold = (eventId: string, reservationId: string, meta: RequestMeta) => expireHold(this.deps, eventId, reservationId, meta);

  joinWaitlist = (eventId: string, quantity: number, meta: RequestMeta) => joinWaitlist(this.deps, eventId, quantity, meta);
  leaveWaitlist = (eventId: string, entryId: string, meta: RequestMeta) => leaveWaitlist(this.deps, eventId, entryId, meta);
  promoteWaitlist = (eventId: string, meta: RequestMeta) => promoteWaitlist(this.deps, eventId, meta);
  acceptOffer = (eventId: string, offerId: string, meta: RequestMeta) => acceptWaitlistOffer(this.deps, eventId, offerId, meta);
  expireOffer = (eventId: string, offerId: string, meta: RequestMeta) => expireWaitlistOffer(this.deps, eventId, offerId, meta);

  addCollaborator = (eventId: string, userId: string, role: CollaboratorRole, meta: RequestMeta) => addCollaborator(this.deps, eventId, userId, role, meta);
  removeCollaborator = (eventId: string, userId: string, meta: RequestMeta) => removeCollaborator(this.deps, eventId, userId, meta);
}
