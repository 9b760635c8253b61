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

/** What a personal API key may do (src/api/auth/apiKeys.ts). */
export const API_KEY_SCOPES = ['read', 'write'] as const;

export const apiKeySchema = z
  .object({
    id: field(z.uuid(), 'The API key id (for DELETE /v1/me/api-keys/{id}); not the secret.', '7b3e9f2a-1c4d-4e5f-8a6b-9c0d1e2f3a4b'),
    name: field(z.string(), 'What the owner called the key.', 'CI deploy script'),
    scopes: field(z.array(z.enum(API_KEY_SCOPES)), '`read`: GET only; `write`: everything else as well. Never admin, never API keys or the password.', ['read']),
    createdAt: instantField('When the key was created'),
    expiresAt: field(z.iso.datetime({ offset: true }).nullable(), 'When the key stops working (ISO-8601, UTC); null: it does not expire.', '2027-12-01T00:00:00.000Z'),
    lastUsedAt: field(z.iso.datetime({ offset: true }).nullable(), 'When the key last authenticated a request, updated at most once a minute (ISO-8601, UTC); null: never.', EXAMPLE.instant),
  })
  .meta({ id: 'ApiKey', description: 'A personal API key, without its secret.' });

export const createdApiKeySchema = apiKeySchema
  .extend({
    secret: field(z.string().regex(/^tsk_[A-Za-z0-9_-]{43}$/), 'The key itself, for `Authorization: Bearer …`: shown in this answer only, never again.', 'tsk_q8Yv2mK4xR7tN1pL6wZ3cB9fH0jD5sG2aE8uV4iO7yT'),
  })
  .meta({ id: 'CreatedApiKey', description: 'A new API key, with its secret (shown once).' });

export const apiKeyListSchema = z.object({
  items: field(z.array(apiKeySchema), 'The caller’s unrevoked keys, newest first.', []),
});

export const verificationSentSchema = z
  .object({
    sentTo: field(z.string(), 'The address the verification link was mailed to.', 'ada@example.com'),
    expiresAt: instantField('When the link stops working'),
  })
  .meta({ id: 'EmailVerificationSent', description: 'A verification link is on its way.' });
