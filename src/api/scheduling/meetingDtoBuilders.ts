/** Meeting bodies (meetingDtos.ts) from the domain state or the read model, with the participants' names. */
import type { Knex } from 'knex';
import type { z } from 'zod';
import type { ProposedMeeting } from '../../domain/scheduling/meeting.js';
import { expandWeeklyHours, isoOf } from '../../domain/shared/time.js';
import { busyTimeOf } from '../../projections/scheduling/busyTime.js';
import type { MeetingRecord, ParticipantRecord } from '../../projections/scheduling/meetings.js';
import { loadPeople } from '../../projections/scheduling/people.js';
import type { availabilityCheckSchema, meetingSchema } from './meetingDtos.js';

export type MeetingBody = z.input<typeof meetingSchema>;
type MeetingFields = Omit<MeetingRecord, 'revision' | 'position' | 'createdAt' | 'updatedAt' | 'cancelReason'>;

export async function namesOf(knex: Knex, userIds: readonly string[]): Promise<Map<string, string>> {
  const people = await loadPeople(knex, userIds);
  return new Map([...people].map(([id, person]) => [id, person.name]));
}

export function meetingDto(m: MeetingFields, participants: readonly ParticipantRecord[], revision: bigint, names: ReadonlyMap<string, string>): MeetingBody {
  return {
    id: m.id,
    title: m.title,
    description: m.description,
    location: m.location,
    organizerId: m.organizerId,
    durationMinutes: m.durationMinutes,
    timezone: m.timezone,
    status: m.status,
    proposedWindows: m.proposedWindows.map(({ start, end }) => ({ start, end })),
    deadline: m.deadline,
    autoSchedule: m.autoSchedule,
    resultsVisibility: m.resultsVisibility,
    participants: participants.map((p) => ({
      userId: p.userId,
      name: names.get(p.userId) ?? '',
      required: p.required,
      viaGroupId: p.viaGroupId,
      submitted: p.submitted,
      response: p.response,
    })),
    groupIds: [...m.groupIds],
    scheduled: m.scheduled ? { start: m.scheduled.start, end: m.scheduled.end } : null,
    revision: revision.toString(),
  };
}

export function meetingDtoOfState(state: ProposedMeeting, revision: bigint, names: ReadonlyMap<string, string>): MeetingBody {
  return meetingDto({ ...state, id: state.meetingId, proposedWindows: [...state.proposedWindows], groupIds: [...state.groupIds] }, [...state.participants.values()], revision, names);
}

/** The meeting as of its state, with names read in one query. */
export async function meetingBodyOf(knex: Knex, state: ProposedMeeting, revision: bigint): Promise<MeetingBody> {
  return meetingDtoOfState(state, revision, await namesOf(knex, [...state.participants.keys()]));
}

type AvailabilityCheck = z.input<typeof availabilityCheckSchema>;

/**
 * For a fixed-time meeting: can each invitee make [start, end)? `busy` when anything else
 * they are busy with overlaps it (busy time read model: meetings and tickets), else
 * `outside-hours` when their weekly hours and overrides do not cover it all, `unknown`
 * when they never set hours, else `free`.
 */
export async function availabilityCheckOf(knex: Knex, meetingId: string, userIds: readonly string[], start: string, end: string): Promise<AvailabilityCheck[]> {
  const [busy, people] = await Promise.all([busyTimeOf(knex, userIds, start, end), loadPeople(knex, userIds)]);
  const from = Date.parse(start);
  const to = Date.parse(end);
  return userIds.map((userId) => {
    const conflicts = (busy.get(userId) ?? []).filter((item) => item.sourceId !== meetingId).map(({ start: s, end: e, kind }) => ({ start: isoOf(s), end: isoOf(e), kind }));
    if (conflicts.length > 0) return { userId, status: 'busy', conflicts };
    const hours = people.get(userId)?.hours;
    if (!hours) return { userId, status: 'unknown', conflicts };
    const [covered, ...rest] = expandWeeklyHours(hours, from, to);
    const inside = covered !== undefined && rest.length === 0 && covered.start === from && covered.end === to;
    return { userId, status: inside ? 'free' : 'outside-hours', conflicts };
  });
}
