/** Response bodies of the identity routes: the schema is the contract the handlers build to. */
import { z } from 'zod';
import { EXAMPLE, field, instantField, positionField, revisionField } from '../dtoFields.js';

export const userSchema = z
  .object({
    id: field(z.uuid(), 'The user id.', EXAMPLE.userId),
    email: field(z.string(), 'Sign-in email address, lowercased.', 'ada@example.com'),
    name: field(z.string(), 'Display name.', 'Ada Lovelace'),
    timezone: field(z.string(), 'The user’s IANA time zone.', 'Europe/London'),
    roles: field(z.array(z.string()), 'Global roles: `admin` or none.', ['admin']),
    createdAt: instantField('When the account was registered'),
    updatedAt: instantField('When the profile last changed'),
    revision: revisionField,
    position: positionField.optional(),
  })
  .meta({ id: 'User', description: 'A user account; never the password.' });

export const sessionSchema = z.object({
  accessToken: field(z.string(), 'Bearer JWT for the Authorization header.', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI2ZjFjIn0.sig'),
  refreshToken: field(z.string(), 'Opaque token for POST /v1/auth/refresh; single use (rotates).', 'rt_3q2kY9v0bW1xZ8'),
  tokenType: field(z.literal('Bearer'), 'Always Bearer.', 'Bearer'),
  expiresIn: field(z.number().int(), 'Seconds until the access token expires.', 900),
  refreshTokenExpiresAt: instantField('When the refresh token expires'),
});

export const sessionWithUserSchema = sessionSchema
  .extend({
    user: userSchema,
    position: positionField.optional(),
  })
  .meta({ id: 'Session', description: 'A signed-in session: the user and a token pair.' });

export type UserDto = z.input<typeof userSchema>;
