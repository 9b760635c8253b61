/**
 * Pure validation and normalisation of profile values, shared by the deciders and the
 * zod input schemas (so the HTTP layer rejects with 400 what a decider would refuse).
 */

/** Lowercased and trimmed: the form that is stored and whose hash guards uniqueness. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

export const NAME_MAX_LENGTH = 100;
// Control characters cannot be stored sensibly (PostgreSQL refuses NUL) and lone
// surrogates are not valid Unicode (jsonb refuses them).
const FORBIDDEN_IN_NAME = /[\p{Cc}\p{Cs}]/u;

export const normalizeName = (name: string): string => name.normalize('NFC').trim();

export function isValidName(name: string): boolean {
  return name.length > 0 && name.length <= NAME_MAX_LENGTH && !FORBIDDEN_IN_NAME.test(name);
}

export const DEFAULT_TIMEZONE = 'UTC';
// The one time-zone rule, shared with ticketing and scheduling.
export { canonicalTimeZone, isValidTimeZone } from '../shared/timeZone.js';
