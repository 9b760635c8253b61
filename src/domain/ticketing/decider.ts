import { assertNever, type Decider } from '../shared/decider.js';
import type { TicketedEventCommand } from './commands.js';
import {
  addCollaborator,
  cancelTicketedEvent,
  changeTicketedEventDetails,
  publishTicketedEvent,
  removeCollaborator,
  scheduleTicketedEvent,
} from './eventDecisions.js';
import type { TicketedEventEvent } from './events.js';
import { cancelReservation, confirmReservation, expireHold, reserveSeats } from './reservationDecisions.js';
import { evolveTicketedEvent, initialTicketedEventState, type TicketedEventState } from './state.js';
import { acceptWaitlistOffer, expireWaitlistOffer, joinWaitlist, leaveWaitlist, promoteWaitlist } from './waitlistDecisions.js';

/**
 * The ticketed-event decider (DESIGN §4). `decide` checks every invariant; both `decide`
 * and `evolve` are pure (state is immutable, see state.ts).
 *
 * Job commands (ExpireHold, ExpireWaitlistOffer, PromoteWaitlist) return [] when there
 * is nothing (left) to do, so a repeated or early job is harmless. Each command is
 * decided by one function: eventDecisions.ts, reservationDecisions.ts, waitlistDecisions.ts.
 */
export const ticketedEventDecider: Decider<TicketedEventState, TicketedEventCommand, TicketedEventEvent> = {
  initialState: initialTicketedEventState,
  evolve: evolveTicketedEvent,
  decide: decideTicketedEvent,
};

export function decideTicketedEvent(command: TicketedEventCommand, state: TicketedEventState): TicketedEventEvent[] {
  switch (command.type) {
    case 'ScheduleTicketedEvent':
      return scheduleTicketedEvent(command, state);
    case 'PublishTicketedEvent':
      return publishTicketedEvent(command, state);
    case 'ChangeTicketedEventDetails':
      return changeTicketedEventDetails(command, state);
    case 'CancelTicketedEvent':
      return cancelTicketedEvent(command, state);
    case 'ReserveSeats':
      return reserveSeats(command, state);
    case 'ConfirmReservation':
      return confirmReservation(command, state);
    case 'ExpireHold':
      return expireHold(command, state);
    case 'CancelReservation':
      return cancelReservation(command, state);
    case 'JoinWaitlist':
      return joinWaitlist(command, state);
    case 'LeaveWaitlist':
      return leaveWaitlist(command, state);
    case 'PromoteWaitlist':
      return promoteWaitlist(command, state);
    case 'AcceptWaitlistOffer':
      return acceptWaitlistOffer(command, state);
    case 'ExpireWaitlistOffer':
      return expireWaitlistOffer(command, state);
    case 'AddCollaborator':
      return addCollaborator(command, state);
    case 'RemoveCollaborator':
      return removeCollaborator(command, state);
    default:
      return assertNever(command);
  }
}
