/**
 * Events of the identity context (DESIGN §4 Identity).
 *
 * - `user-<id>`: the account. The password is only ever recorded as a hash.
 * - `userEmail-<sha256(lowercased email)>`: the uniqueness guard. Registration first
 *   appends UserEmailClaimed with `no_stream`, so of two concurrent registrations of
 *   one address exactly one can win; only then is UserRegistered appended.
 *
 * Times are ISO-8601 UTC strings taken from the command's metadata.
 */

import type { DomainEvent } from '../shared/messages.js';

export const USER_STREAM_CATEGORY = 'user';
export const USER_EMAIL_STREAM_CATEGORY = 'userEmail';
export const userStreamName = (userId: string) => `${USER_STREAM_CATEGORY}-${userId}`;
/** `emailKey` is the hex sha256 of the normalised address (see commands/identity/streams.ts). */
export const userEmailStreamName = (emailKey: string) => `${USER_EMAIL_STREAM_CATEGORY}-${emailKey}`;

/** The one global role; per-resource roles live with their resources. */
export type GlobalRole = 'admin';
export const GLOBAL_ROLES: readonly GlobalRole[] = ['admin'];

export type UserRegistered = DomainEvent<
  'UserRegistered',
  { userId: string; email: string; name: string; timezone: string; passwordHash: string; registeredAt: string }
>;
/** Only the fields that changed, with their new values. */
export type UserProfileChanged = DomainEvent<'UserProfileChanged', { name?: string; timezone?: string; changedAt: string }>;
export type PasswordChanged = DomainEvent<'PasswordChanged', { passwordHash: string; changedAt: string }>;
/** `by` is the acting admin's id, or 'system' (ADMIN_EMAILS at registration). */
export type RoleGranted = DomainEvent<'RoleGranted', { role: GlobalRole; by: string; reason: string | null; at: string }>;
export type RoleRevoked = DomainEvent<'RoleRevoked', { role: GlobalRole; by: string; at: string }>;
/**
 * The user proved they receive mail at `email` (a signed link mailed to it, issue 13
 * item 7). With SMTP configured, ADMIN_EMAILS grants admin only on this event.
 */
export type EmailVerified = DomainEvent<'EmailVerified', { email: string; at: string }>;
/**
 * Written (with `no_stream`) to the user stream of a registration that claimed an email
 * but never got to UserRegistered (its process died in between). It closes the stream
 * for good, so that the claim can be released without any risk of the late
 * UserRegistered still landing.
 */
export type UserRegistrationAbandoned = DomainEvent<'UserRegistrationAbandoned', { userId: string; reason: string; at: string }>;

export type UserEvent = UserRegistered | UserProfileChanged | PasswordChanged | RoleGranted | RoleRevoked | UserRegistrationAbandoned | EmailVerified;

export type UserEmailClaimed = DomainEvent<'UserEmailClaimed', { userId: string; email: string; claimedAt: string }>;
export type UserEmailReleased = DomainEvent<'UserEmailReleased', { userId: string; reason: string; releasedAt: string }>;

export type UserEmailEvent = UserEmailClaimed | UserEmailReleased;

export const userEventTypes = [
  'UserRegistered',
  'UserProfileChanged',
  'PasswordChanged',
  'RoleGranted',
  'RoleRevoked',
  'UserRegistrationAbandoned',
  'EmailVerified',
] as const satisfies readonly UserEvent['type'][];

export const userEmailEventTypes = ['UserEmailClaimed', 'UserEmailReleased'] as const satisfies readonly UserEmailEvent['type'][];
