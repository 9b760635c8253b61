/**
 * Reads of the scheduling context's people (rm_scheduling_people.people, filled by
 * ./availabilityProjection.ts): one
 * query for any number of users, rules kept as wall-clock data and expanded by the
 * caller with the shared time module (`expandWeeklyHours`).
 */
import type { Knex } from 'knex';
import type { WallClockInterval, WeeklyHours, WeeklyInterval } from '../../domain/shared/time.js';
import { SCHEDULING_PEOPLE_SCHEMA } from './availabilityProjection.js';

export interface SchedulingPerson {
  userId: string;
  name: string;
  profileTimezone: string;
  /** null until the user first sets weekly hours. */
  hours: (WeeklyHours & { intervals: WeeklyInterval[]; overrides: Record<string, WallClockInterval[]> }) | null;
  /** Revision of availability-<userId>; null while that stream does not exist. */
  availabilityRevision: bigint | null;
}

interface PersonRow {
  user_id: string;
  name: string;
  profile_timezone: string;
  hours_timezone: string | null;
  weekly: WeeklyInterval[];
  overrides: Record<string, WallClockInterval[]>;
  availability_revision: string | null;
}

/** The people among `userIds` that the read model knows, keyed by id. */
export async function loadPeople(knex: Knex | Knex.Transaction, userIds: readonly string[]): Promise<Map<string, SchedulingPerson>> {
  if (userIds.length === 0) return new Map();
  const rows: PersonRow[] = await knex(`${SCHEDULING_PEOPLE_SCHEMA}.people`).whereIn('user_id', [...new Set(userIds)]);
  return new Map(rows.map((row) => [row.user_id, personOf(row)]));
}

function personOf(row: PersonRow): SchedulingPerson {
  return {
    userId: row.user_id,
    name: row.name,
    profileTimezone: row.profile_timezone,
    hours: row.hours_timezone === null ? null : { zone: row.hours_timezone, intervals: row.weekly, overrides: row.overrides },
    availabilityRevision: row.availability_revision === null ? null : BigInt(row.availability_revision),
  };
}
