/**
 * Pure validation and normalisation of profile values, shared by the deciders and the
 * zod input schemas (so the HTTP layer rejects with 400 what a decider would refuse).
 */

/**
 * The canonical address: ASCII whitespace trimmed from both ends, ASCII letters A–Z
 * lowercased, nothing else touched. It is what is stored, what ADMIN_EMAILS is compared
 * with (exactly), and whose hash guards uniqueness. Unicode trimming or case mapping is
 * deliberately not used: it would make "admin@example.com\u00a0" or a Kelvin sign (K,
 * lowercased to "k") equal to another address; such input stays as it is and is refused.
 */
export const normalizeEmail = (email: string): string =>
  email.replace(/^[\t\n\v\f\r ]+|[\t\n\v\f\r ]+$/g, '').replace(/[A-Z]/g, (letter) => letter.toLowerCase());

// Blank, control, format (zero-width, bidi controls, BOM) and other default-ignorable
// characters (soft hyphen, Hangul fillers, variation selectors): invisible on screen.
const INVISIBLE_IN_EMAIL = /[\p{White_Space}\p{Cc}\p{Cf}\p{Z}\p{Default_Ignorable_Code_Point}]/u;

/** True when a (normalised) address holds a character one cannot see. */
export const hasInvisibleCharacters = (email: string): boolean => INVISIBLE_IN_EMAIL.test(email);

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
export { canonicalTimeZone, isValidTimeZone } from '../shared/time.js';
