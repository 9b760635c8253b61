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
  /** jsonb read as text: people with the same rules share one parsed value. */
  weekly: string;
  overrides: string;
  availability_revision: string | null;
}

/**
 * The people among `userIds` that the read model knows, keyed by id. People with the same
 * rules (a team's office hours) get the same `hours` object, parsed once — callers may
 * key work on it (suggestions expand each distinct one once) and must not change it.
 */
export async function loadPeople(knex: Knex | Knex.Transaction, userIds: readonly string[]): Promise<Map<string, SchedulingPerson>> {
  if (userIds.length === 0) return new Map();
  // One array parameter, not a placeholder per id: the statement stays the same for any number.
  const rows: PersonRow[] = await knex(`${SCHEDULING_PEOPLE_SCHEMA}.people`)
    .whereRaw('user_id = ANY(?::text[])', [[...new Set(userIds)]])
    .select('user_id', 'name', 'profile_timezone', 'hours_timezone', knex.raw('weekly::text AS weekly'), knex.raw('overrides::text AS overrides'), 'availability_revision');
  const sharedHours = new Map<string, NonNullable<SchedulingPerson['hours']>>();
  const hoursOf = (row: PersonRow): SchedulingPerson['hours'] => {
    if (row.hours_timezone === null) return null;
    const key = `${row.hours_timezone}\u0000${row.weekly}\u0000${row.overrides}`;
    let hours = sharedHours.get(key);
    if (!hours) sharedHours.set(key, (hours = { zone: row.hours_timezone, intervals: JSON.parse(row.weekly) as WeeklyInterval[], overrides: JSON.parse(row.overrides) as Record<string, WallClockInterval[]> }));
    return hours;
  };
  return new Map(rows.map((row) => [row.user_id, personOf(row, hoursOf(row))]));
}

function personOf(row: PersonRow, hours: SchedulingPerson['hours']): SchedulingPerson {
  return {
    userId: row.user_id,
    name: row.name,
    profileTimezone: row.profile_timezone,
    hours,
    availabilityRevision: row.availability_revision === null ? null : BigInt(row.availability_revision),
  };
}
