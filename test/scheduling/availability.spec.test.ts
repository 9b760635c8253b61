/**
 * The people read model of scheduling (rm_scheduling_people.people): identity's user
 * events give name and profile zone, availability events the wall-clock rules. Given
 * events → expected rows on a real database; no instant is ever stored.
 */
import { randomUUID } from 'node:crypto';
import { describe, it } from 'vitest';
import { userStreamName } from '../../src/domain/identity/events.js';
import { availabilityStreamName } from '../../src/domain/scheduling/events.js';
import { availabilityProjection } from '../../src/projections/scheduling/availabilityProjection.js';
import { expectRows, projectionSpecForFile, specRecordedAt as at, type SpecEvent } from '../support/projectionSpec.js';

const spec = projectionSpecForFile(availabilityProjection(), 'sched_people_spec');

const alice = randomUUID();
const registered = (userId = alice, timezone = 'Europe/Berlin'): SpecEvent => ({
  type: 'UserRegistered',
  stream: userStreamName(userId),
  data: { userId, email: 'alice@example.com', name: 'Alice', timezone, passwordHash: 'x', registeredAt: '2030-01-01T00:00:00.000Z' },
});
const profileChanged = (data: { name?: string; timezone?: string }): SpecEvent => ({
  type: 'UserProfileChanged',
  stream: userStreamName(alice),
  data: { ...data, changedAt: '2030-01-01T00:00:05.000Z' },
});
const onAvailability = (type: string, data: object, userId = alice): SpecEvent => ({ type, stream: availabilityStreamName(userId), data: { userId, ...data } });
const weekly = (timezone: string, intervals: object[], userId = alice) => onAvailability('WeeklyAvailabilitySet', { timezone, intervals }, userId);
const overrideSet = (date: string, intervals: object[]) => onAvailability('AvailabilityOverrideSet', { date, intervals });
const overrideRemoved = (date: string) => onAvailability('AvailabilityOverrideRemoved', { date });

const columns = ['user_id', 'name', 'profile_timezone', 'hours_timezone', 'weekly', 'overrides', 'availability_revision', 'updated_at'];
const mon = [{ day: 'mon', start: '09:00', end: '17:00' }];

describe('schedulingPeople projection', () => {
  it('copies name and profile zone from UserRegistered; no hours until the user sets them', () =>
    spec.given().when(registered()).then(
      expectRows('people', {
        columns,
        rows: [{ user_id: alice, name: 'Alice', profile_timezone: 'Europe/Berlin', hours_timezone: null, weekly: [], overrides: {}, availability_revision: null, updated_at: at(0) }],
      }),
    ));

  it('follows profile changes (name, zone) without touching the hours’ zone', () =>
    spec.given(registered(), weekly('Europe/Berlin', mon)).when(profileChanged({ timezone: 'Asia/Kolkata' }), profileChanged({ name: 'Alice B.' })).then(
      expectRows('people', {
        columns,
        rows: [{ user_id: alice, name: 'Alice B.', profile_timezone: 'Asia/Kolkata', hours_timezone: 'Europe/Berlin', weekly: mon, overrides: {}, availability_revision: 0, updated_at: at(3) }],
      }),
    ));

  it('keeps weekly hours and overrides as wall-clock rules, keyed by local date, with the stream revision', () =>
    spec
      .given(registered(), weekly('Europe/Berlin', mon), overrideSet('2026-12-24', []), overrideSet('2026-03-29', [{ start: '02:30', end: '04:00' }]))
      .when(overrideSet('2026-12-24', [{ start: '10:00', end: '12:00' }]), overrideSet('2026-10-25', []), overrideRemoved('2026-03-29'), weekly('America/New_York', []))
      .then(
        expectRows('people', {
          columns,
          rows: [
            {
              user_id: alice,
              name: 'Alice',
              profile_timezone: 'Europe/Berlin',
              hours_timezone: 'America/New_York',
              weekly: [],
              overrides: { '2026-10-25': [], '2026-12-24': [{ start: '10:00', end: '12:00' }] },
              availability_revision: 6,
              updated_at: at(7),
            },
          ],
        }),
      ));

  it('applies availability that arrives before the user (a partial store): the name follows when UserRegistered does', () => {
    const bob = randomUUID();
    return spec
      .given(weekly('UTC', mon, bob) as SpecEvent)
      .when(registered(bob, 'Pacific/Auckland'))
      .then(
        expectRows('people', {
          columns: ['user_id', 'name', 'profile_timezone', 'hours_timezone', 'weekly', 'availability_revision'],
          rows: [{ user_id: bob, name: 'Alice', profile_timezone: 'Pacific/Auckland', hours_timezone: 'UTC', weekly: mon, availability_revision: 0 }],
        }),
      );
  });

  it('ignores streams of other categories', () =>
    spec.given().when({ type: 'UserRegistered', stream: 'userEmail-abc', data: registered().data }).then(expectRows('people', { columns: ['user_id'], rows: [] })));
});
