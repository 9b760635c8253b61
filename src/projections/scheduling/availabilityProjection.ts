/**
 * The scheduling context's people (schema rm_scheduling_people, table `people`): its own
 * copy of each user's name and profile zone, from identity's user events, next to their
 * weekly hours and overrides from `availability-<userId>`. Rules stay wall-clock data,
 * expanded on demand in Node (src/domain/shared/time.ts) — never instants, which go stale
 * when the rules or the tz database change. Read through ./people.ts (`loadPeople`).
 */
import type { Knex } from 'knex';
import type { UserProfileChanged, UserRegistered } from '../../domain/identity/events.js';
import { AVAILABILITY_STREAM_CATEGORY, availabilityEventTypes, type AvailabilityEvent } from '../../domain/scheduling/events.js';
import type { RecordedEvent } from '../../eventstore/eventStore.js';
import { projectionSchema, type Projection } from '../projection.js';

export const SCHEDULING_PEOPLE_PROJECTION = 'schedulingPeople';
/** rm_scheduling_people */
export const SCHEDULING_PEOPLE_SCHEMA = projectionSchema(SCHEDULING_PEOPLE_PROJECTION);

type PeopleEvent = UserRegistered | UserProfileChanged | AvailabilityEvent;

export const availabilityProjection = (): Projection => ({
  name: SCHEDULING_PEOPLE_PROJECTION,
  version: 1,
  eventTypes: ['UserRegistered', 'UserProfileChanged', ...availabilityEventTypes],
  setup,
  async apply(event, { trx, schema }) {
    const e = event as RecordedEvent & PeopleEvent;
    const userId = userIdOf(event.streamName);
    if (userId === undefined) return;
    const change = personWriter(trx, schema, userId, event.recordedAt);
    const revision = event.revision.toString();
    switch (e.type) {
      case 'UserRegistered':
        return change({ name: e.data.name, profile_timezone: e.data.timezone });
      case 'UserProfileChanged':
        return change({
          ...(e.data.name !== undefined ? { name: e.data.name } : {}),
          ...(e.data.timezone !== undefined ? { profile_timezone: e.data.timezone } : {}),
        });
      case 'WeeklyAvailabilitySet':
        return change({ hours_timezone: e.data.timezone, weekly: JSON.stringify(e.data.intervals), availability_revision: revision });
      case 'AvailabilityOverrideSet':
        return change({
          overrides: trx.raw('overrides || jsonb_build_object(?::text, ?::jsonb)', [e.data.date, JSON.stringify(e.data.intervals)]),
          availability_revision: revision,
        });
      case 'AvailabilityOverrideRemoved':
        return change({ overrides: trx.raw('overrides - ?::text', [e.data.date]), availability_revision: revision });
      default:
        return;
    }
  },
});

async function setup(db: Knex | Knex.Transaction, schema: string): Promise<void> {
  await db.raw(`
    CREATE TABLE ${schema}.people (
      user_id text PRIMARY KEY,
      -- '' until identity's UserRegistered is applied (availability read before the user, as in replays of partial stores).
      name text NOT NULL DEFAULT '',
      profile_timezone text NOT NULL DEFAULT 'UTC',
      -- The zone of the weekly hours; null until the user first sets them.
      hours_timezone text,
      -- [{day: 'mon'..'sun', start: 'HH:mm', end: 'HH:mm'}], normalised.
      weekly jsonb NOT NULL DEFAULT '[]'::jsonb,
      -- {'YYYY-MM-DD': [{start, end}]} keyed by local date in hours_timezone.
      overrides jsonb NOT NULL DEFAULT '{}'::jsonb,
      -- Revision of availability-<userId>; null while that stream does not exist.
      availability_revision bigint,
      updated_at timestamptz NOT NULL
    );
  `);
}

/** Changes one person's row, creating it first: an availability event may come before identity's (partial stores, other contexts' tests). */
function personWriter(trx: Knex.Transaction, schema: string, userId: string, at: Date) {
  return async (changes: Record<string, unknown>): Promise<void> => {
    await trx(`${schema}.people`).insert({ user_id: userId, updated_at: at }).onConflict('user_id').ignore();
    await trx(`${schema}.people`).where({ user_id: userId }).update({ ...changes, updated_at: at });
  };
}

const USER_STREAM = /^user-(.+)$/;
const AVAILABILITY_STREAM = new RegExp(`^${AVAILABILITY_STREAM_CATEGORY}-(.+)$`);
const userIdOf = (stream: string): string | undefined => (USER_STREAM.exec(stream) ?? AVAILABILITY_STREAM.exec(stream))?.[1];
