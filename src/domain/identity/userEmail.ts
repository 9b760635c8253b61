import { assertNever, type Decider } from '../shared/decider.js';
import { conflict, invalid } from '../shared/errors.js';
import type { Command, DecisionMeta } from '../shared/messages.js';
import type { UserEmailEvent } from './events.js';
import { normalizeEmail } from './profile.js';

/**
 * The `userEmail-<hash>` uniqueness guard. The stream is new for a free address, so
 * the command runtime appends the first claim with `no_stream`: of two concurrent
 * claims exactly one is written; the other is decided again against the winner's
 * claim and refused with `email-taken`.
 */

export type UserEmailCommandMeta = DecisionMeta;

export type ClaimEmail = Command<'ClaimEmail', { userId: string; email: string }>;
/** Only the claimant's own claim can be released (abandoned registrations). */
export type ReleaseEmail = Command<'ReleaseEmail', { userId: string; reason: string }>;
export type UserEmailCommand = ClaimEmail | ReleaseEmail;

export type UserEmailState = { status: 'free' } | { status: 'claimed'; userId: string; email: string; claimedAt: string };

export const initialUserEmailState = (): UserEmailState => ({ status: 'free' });

export function evolveUserEmail(_state: UserEmailState, event: UserEmailEvent): UserEmailState {
  switch (event.type) {
    case 'UserEmailClaimed':
      return { status: 'claimed', userId: event.data.userId, email: event.data.email, claimedAt: event.data.claimedAt };
    case 'UserEmailReleased':
      return { status: 'free' };
    default:
      return assertNever(event);
  }
}

export function decideUserEmail(command: UserEmailCommand, state: UserEmailState): UserEmailEvent[] {
  switch (command.type) {
    case 'ClaimEmail': {
      const email = normalizeEmail(command.data.email);
      if (!email) throw invalid('invalid-email', 'An email address is required.');
      if (state.status === 'claimed') {
        if (state.userId === command.data.userId) return []; // a retried claim
        throw conflict('email-taken', 'An account with this email address already exists.');
      }
      return [{ type: 'UserEmailClaimed', data: { userId: command.data.userId, email, claimedAt: command.meta.now } }];
    }
    case 'ReleaseEmail':
      if (state.status === 'free') return [];
      if (state.userId !== command.data.userId) throw conflict('email-claimed-by-another', 'The address is claimed by another user.');
      return [{ type: 'UserEmailReleased', data: { userId: command.data.userId, reason: command.data.reason, releasedAt: command.meta.now } }];
    default:
      return assertNever(command);
  }
}

export const userEmailDecider: Decider<UserEmailState, UserEmailCommand, UserEmailEvent> = {
  initialState: initialUserEmailState,
  evolve: evolveUserEmail,
  decide: decideUserEmail,
};
