/** zod pieces shared by the identity command inputs (and the login/refresh bodies). */
import { z } from 'zod';
import { canonicalTimeZone, hasInvisibleCharacters, isValidName, NAME_MAX_LENGTH, normalizeEmail, normalizeName } from '../../domain/identity/index.js';

export const PASSWORD_MIN_LENGTH = 10;
/** Generous, but bounded: hashing cost must not be driven by the client. */
export const PASSWORD_MAX_LENGTH = 1024;

export const emailSchema = z
  .string()
  .max(320)
  .transform(normalizeEmail)
  // Refused rather than stripped: an address must not match another only once cleaned up.
  .refine((email) => !hasInvisibleCharacters(email), 'must not contain invisible, blank or control characters')
  .pipe(z.email({ message: 'must be an email address' }).max(254));

export const newPasswordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`);

/** For checking a password (login, current password): any non-empty string up to the maximum. */
export const passwordSchema = z.string().min(1).max(PASSWORD_MAX_LENGTH);

export const nameSchema = z
  .string()
  .max(NAME_MAX_LENGTH * 4)
  .transform(normalizeName)
  .refine(isValidName, `must be 1–${NAME_MAX_LENGTH} characters without control characters`);

export const timeZoneSchema = z
  .string()
  .max(64)
  .transform((value, ctx) => {
    const zone = canonicalTimeZone(value);
    if (zone === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be an IANA time zone such as Europe/Berlin' });
      return z.NEVER;
    }
    return zone;
  });
