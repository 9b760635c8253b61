/**
 * The users read model: profiles and the credentials login reads (email → id, hash,
 * roles). The password hash never leaves this module except to the login check.
 */
import type { Knex } from 'knex';
import type { GlobalRole, UserEvent } from '../domain/identity/index.js';
import type { RecordedEvent } from '../eventstore/eventStore.js';
import { projectionSchema, type Projection } from './projection.js';

export const USERS_PROJECTION = 'users';
const SCHEMA = projectionSchema(USERS_PROJECTION);

export const usersProjection = (): Projection => ({
  name: USERS_PROJECTION,
  // 2: email_verified_at (issue 13 item 7)
  version: 2,
  eventTypes: ['UserRegistered', 'UserProfileChanged', 'PasswordChanged', 'RoleGranted', 'RoleRevoked', 'EmailVerified'],
  async setup(db, schema) {
    await db.raw(`
      CREATE TABLE ${schema}.users (
        id uuid PRIMARY KEY,
        email text NOT NULL,
        name text NOT NULL,
        timezone text NOT NULL,
        password_hash text NOT NULL,
        roles text[] NOT NULL DEFAULT '{}',
        email_verified_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        revision bigint NOT NULL
      );
      -- The userEmail guard streams make addresses unique; not UNIQUE here so that a
      -- read model can never wedge on an event it cannot apply.
      CREATE INDEX users_email_idx ON ${schema}.users (email);
    `);
  },
  async apply(event, { trx, schema }) {
    const e = event as RecordedEvent & UserEvent;
    const id = userIdOf(event.streamName);
    if (!id) return;
    const users = () => trx(`${schema}.users`);
    const revision = event.revision.toString();
    switch (e.type) {
      case 'UserRegistered':
        await users()
          .insert({
            id,
            email: e.data.email,
            name: e.data.name,
            timezone: e.data.timezone,
            password_hash: e.data.passwordHash,
            roles: [],
            created_at: e.data.registeredAt,
            updated_at: e.data.registeredAt,
            revision,
          })
          .onConflict('id')
          .ignore();
        return;
      case 'UserProfileChanged':
        await users()
          .where({ id })
          .update({
            ...(e.data.name !== undefined ? { name: e.data.name } : {}),
            ...(e.data.timezone !== undefined ? { timezone: e.data.timezone } : {}),
            updated_at: e.data.changedAt,
            revision,
          });
        return;
      case 'PasswordChanged':
        await users().where({ id }).update({ password_hash: e.data.passwordHash, updated_at: e.data.changedAt, revision });
        return;
      case 'RoleGranted':
        await trx.raw(
          `UPDATE ${schema}.users SET roles = CASE WHEN ? = ANY(roles) THEN roles ELSE array_append(roles, ?) END, updated_at = ?, revision = ? WHERE id = ?`,
          [e.data.role, e.data.role, e.data.at, revision, id],
        );
        return;
      case 'EmailVerified':
        await users().where({ id }).update({ email_verified_at: e.data.at, updated_at: e.data.at, revision });
        return;
      case 'RoleRevoked':
        await trx.raw(`UPDATE ${schema}.users SET roles = array_remove(roles, ?), updated_at = ?, revision = ? WHERE id = ?`, [
          e.data.role,
          e.data.at,
          revision,
          id,
        ]);
        return;
      default:
        return;
    }
  },
});

const USER_STREAM = /^user-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;
const userIdOf = (stream: string): string | undefined => USER_STREAM.exec(stream)?.[1];

export interface UserRow {
  id: string;
  email: string;
  name: string;
  timezone: string;
  roles: GlobalRole[];
  /** When the address was verified (null: never). */
  emailVerifiedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  revision: bigint;
}

export interface CredentialsRow extends UserRow {
  passwordHash: string;
}

interface RawUser {
  id: string;
  email: string;
  name: string;
  timezone: string;
  password_hash: string;
  roles: string[];
  email_verified_at: Date | null;
  created_at: Date;
  updated_at: Date;
  revision: string;
}

const toCredentials = (r: RawUser): CredentialsRow => ({
  id: r.id,
  email: r.email,
  name: r.name,
  timezone: r.timezone,
  roles: r.roles.filter((role): role is GlobalRole => role === 'admin'),
  emailVerifiedAt: r.email_verified_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  revision: BigInt(r.revision),
  passwordHash: r.password_hash,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Until the projector has set the read model up (first start, or an API-only process
 * started before any projector), its table does not exist: that reads as "no users".
 */
async function orNothing<T>(query: Promise<T>): Promise<T | undefined> {
  try {
    return await query;
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return undefined; // undefined_table
    throw error;
  }
}

/** For login only: the row including the password hash. `email` must be normalised. */
export async function findCredentialsByEmail(knex: Knex, email: string): Promise<CredentialsRow | undefined> {
  const row = await orNothing(knex(`${SCHEMA}.users`).where({ email }).orderBy('created_at').first<RawUser | undefined>());
  return row ? toCredentials(row) : undefined;
}

/** A user's profile (no hash). */
export async function findUserById(knex: Knex, id: string): Promise<UserRow | undefined> {
  if (!UUID.test(id)) return undefined;
  const row = await orNothing(knex(`${SCHEMA}.users`).where({ id }).first<RawUser | undefined>());
  if (!row) return undefined;
  const { passwordHash: _hash, ...user } = toCredentials(row);
  return user;
}

/** Profiles of any number of users in one query, by id (unknown ids are left out). */
export async function findUsersByIds(knex: Knex, ids: readonly string[]): Promise<Map<string, UserRow>> {
  const wanted = [...new Set(ids)].filter((id) => UUID.test(id));
  if (wanted.length === 0) return new Map();
  const rows = (await orNothing(knex(`${SCHEMA}.users`).whereIn('id', wanted).select<RawUser[]>())) ?? [];
  return new Map(
    rows.map((row) => {
      const { passwordHash: _hash, ...user } = toCredentials(row);
      return [user.id, user];
    }),
  );
}
