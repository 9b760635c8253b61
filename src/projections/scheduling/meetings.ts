/**
 * Queries over the meetings read model (schema rm_meetings, src/projections/scheduling/
 * meetingsProjection.ts): one meeting with its participants and current submissions in
 * one statement, and the meetings of one user by role.
 */
import type { Knex } from 'knex';
import type { AvailabilitySlot, InstantWindow, ResultsVisibility } from '../../domain/scheduling/events.js';
import { epochMillisSql, projectionSchema } from '../projection.js';
import { isoOf } from '../../domain/shared/time.js';
import { checkpointColumn, checkpointPosition } from '../runtime.js';
import { MEETINGS_PROJECTION } from './meetingsProjection.js';

const S = projectionSchema(MEETINGS_PROJECTION);
const t = (table: 'meetings' | 'participants' | 'submissions') => `${S}.${table}`;

export type MeetingStatus = 'polling' | 'scheduled' | 'cancelled';
export type ParticipantResponse = 'pending' | 'accepted' | 'declined' | 'tentative';

export interface MeetingRecord {
  id: string;
  title: string;
  description: string;
  location: string;
  organizerId: string;
  durationMinutes: number;
  timezone: string;
  status: MeetingStatus;
  proposedWindows: InstantWindow[];
  groupIds: string[];
  deadline: string | null;
  autoSchedule: boolean;
  resultsVisibility: ResultsVisibility;
  scheduled: { start: string; end: string; by: 'organizer' | 'deadline' } | null;
  cancelReason: string | null;
  revision: bigint;
  /** Position of the stream's newest event the read model has applied. */
  position: bigint;
  createdAt: string;
  updatedAt: string;
}

export interface ParticipantRecord {
  userId: string;
  required: boolean;
  viaGroupId: string | null;
  submitted: boolean;
  response: ParticipantResponse;
}

export interface SubmissionRecord {
  participantId: string;
  slots: AvailabilitySlot[];
  revision: bigint;
  position: bigint;
  submittedAt: string;
}

export interface LoadedMeetingRecord {
  meeting: MeetingRecord;
  /** In order of invitation. */
  participants: ParticipantRecord[];
  /** Current (non-empty) submissions only. */
  submissions: SubmissionRecord[];
}

interface MeetingRow {
  id: string;
  title: string;
  description: string;
  location: string;
  organizer_id: string;
  duration_minutes: number;
  timezone: string;
  status: MeetingStatus;
  proposed_windows: InstantWindow[];
  group_ids: string[];
  deadline: Date | null;
  auto_schedule: boolean;
  results_visibility: ResultsVisibility;
  scheduled_start: Date | null;
  scheduled_end: Date | null;
  scheduled_by: 'organizer' | 'deadline' | null;
  cancel_reason: string | null;
  revision: string;
  position: string;
  created_at: Date;
  updated_at: Date;
}

/** The meeting with its participants and current submissions; undefined when the read model does not know it. */
export async function loadMeeting(knex: Knex | Knex.Transaction, id: string): Promise<LoadedMeetingRecord | undefined> {
  const row = await selectMeeting(knex, id);
  return row && loadedOf(row);
}

/** loadMeeting with the meetings projection's checkpoint, in one statement (one snapshot). */
export async function loadMeetingAtCheckpoint(knex: Knex, id: string): Promise<{ value: LoadedMeetingRecord | undefined; position: bigint | undefined }> {
  const row = await selectMeeting(knex, id, true);
  return { value: row && loadedOf(row), position: row ? checkpointPosition(row.checkpoint_position) : undefined };
}

interface LoadedMeetingRow extends MeetingRow {
  /** [user_id, required, via_group_id, submitted, response], in order of invitation. */
  participant_rows: Array<[string, boolean, string | null, boolean, ParticipantResponse]>;
  /** [participant_id, slots, revision, position, submitted_at epoch ms], by participant. */
  submission_rows: Array<[string, AvailabilitySlot[], string, string, number]>;
  checkpoint_position: string | null;
}

// One statement, not three: the participants and submissions come aggregated with the
// meeting (bigints as text, so none becomes a Number), all from the same snapshot.
async function selectMeeting(knex: Knex | Knex.Transaction, id: string, withCheckpoint = false): Promise<LoadedMeetingRow | undefined> {
  const participants = `SELECT coalesce(json_agg(json_build_array(p.user_id, p.required, p.via_group_id, p.submitted, p.response) ORDER BY p.invited_revision, p.invited_place), '[]')
    FROM ${t('participants')} p WHERE p.meeting_id = m.id`;
  const submissions = `SELECT coalesce(json_agg(json_build_array(s.participant_id, s.slots, s.revision::text, s.position::text, ${epochMillisSql('s.submitted_at')}) ORDER BY s.participant_id), '[]')
    FROM ${t('submissions')} s WHERE s.meeting_id = m.id`;
  return knex(`${t('meetings')} as m`)
    .where('m.id', id)
    .first<LoadedMeetingRow | undefined>(
      'm.*',
      knex.raw(`(${participants}) AS participant_rows`),
      knex.raw(`(${submissions}) AS submission_rows`),
      withCheckpoint ? checkpointColumn(knex, MEETINGS_PROJECTION).wrap('', ' AS checkpoint_position') : knex.raw('NULL AS checkpoint_position'),
    );
}

function loadedOf(row: LoadedMeetingRow): LoadedMeetingRecord {
  return {
    meeting: meetingOf(row),
    participants: row.participant_rows.map(([userId, required, viaGroupId, submitted, response]) => ({ userId, required, viaGroupId, submitted, response })),
    submissions: row.submission_rows.map(([participantId, slots, revision, position, submittedAt]) => ({
      participantId,
      slots,
      revision: BigInt(revision),
      position: BigInt(position),
      submittedAt: isoOf(submittedAt),
    })),
  };
}

export interface MeetingListFilter {
  userId: string;
  /** Without a role: meetings the user organises or takes part in. */
  role?: 'organizer' | 'participant';
  status?: MeetingStatus;
  limit: number;
  /** Keyset cursor: the last row of the previous page (newest first). */
  after?: { createdAt: string; id: string };
}

/** The user's meetings, newest first; one row more than `limit` tells that a next page exists. */
export async function listMeetingsOf(knex: Knex | Knex.Transaction, f: MeetingListFilter): Promise<MeetingRecord[]> {
  const query = knex(t('meetings'))
    .select('*')
    .orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(f.limit + 1);
  const participates = knex(t('participants')).select('meeting_id').where('user_id', f.userId);
  if (f.role === 'organizer') query.where('organizer_id', f.userId);
  else if (f.role === 'participant') query.whereIn('id', participates);
  else query.where((w) => w.where('organizer_id', f.userId).orWhereIn('id', participates));
  if (f.status) query.where('status', f.status);
  if (f.after) query.whereRaw('(created_at, id) < (?, ?)', [f.after.createdAt, f.after.id]);
  const rows: MeetingRow[] = await query;
  return rows.map(meetingOf);
}

interface ParticipantRow {
  user_id: string;
  required: boolean;
  via_group_id: string | null;
  submitted: boolean;
  response: ParticipantResponse;
}

const participantOf = (p: ParticipantRow): ParticipantRecord => ({
  userId: p.user_id,
  required: p.required,
  viaGroupId: p.via_group_id,
  submitted: p.submitted,
  response: p.response,
});

function meetingOf(row: MeetingRow): MeetingRecord {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    location: row.location,
    organizerId: row.organizer_id,
    durationMinutes: row.duration_minutes,
    timezone: row.timezone,
    status: row.status,
    proposedWindows: row.proposed_windows,
    groupIds: row.group_ids,
    deadline: row.deadline?.toISOString() ?? null,
    autoSchedule: row.auto_schedule,
    resultsVisibility: row.results_visibility,
    scheduled:
      row.scheduled_start && row.scheduled_end && row.scheduled_by
        ? { start: row.scheduled_start.toISOString(), end: row.scheduled_end.toISOString(), by: row.scheduled_by }
        : null,
    cancelReason: row.cancel_reason,
    revision: BigInt(row.revision),
    position: BigInt(row.position),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The participants of each of `meetingIds`, in order of invitation (one query for a page of meetings). */
export async function participantsOfMeetings(knex: Knex | Knex.Transaction, meetingIds: readonly string[]): Promise<Map<string, ParticipantRecord[]>> {
  const byMeeting = new Map<string, ParticipantRecord[]>(meetingIds.map((id) => [id, []]));
  if (meetingIds.length === 0) return byMeeting;
  const rows: Array<ParticipantRow & { meeting_id: string }> = await knex(t('participants')).whereIn('meeting_id', meetingIds).orderBy(['meeting_id', 'invited_revision', 'invited_place']);
  for (const row of rows) byMeeting.get(row.meeting_id)?.push(participantOf(row));
  return byMeeting;
}
