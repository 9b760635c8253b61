/**
 * The meetings read model (schema rm_meetings): one row per meeting, one per participant
 * (submitted flag, RSVP response) and each participant's current submission. The
 * recommendations, the deadline sweeper and `GET /v1/me/meetings` read it in a few
 * queries (src/projections/scheduling/meetings.ts). Like every read model its tables
 * are made by `setup` in the projection's own schema, so a rebuild or `tessera verify`
 * can replay it into a scratch schema.
 */
import type { Knex } from 'knex';
import { assertNever } from '../../domain/shared/decider.js';
import { meetingEventTypes, type MeetingEvent } from '../../domain/scheduling/events.js';
import type { RecordedEvent } from '../../eventstore/eventStore.js';
import type { Projection, ProjectionContext } from '../projection.js';

export const MEETINGS_PROJECTION = 'meetings';

export const meetingsProjection = (): Projection => ({
  name: MEETINGS_PROJECTION,
  version: 1,
  eventTypes: meetingEventTypes,
  setup,
  apply: (event, ctx) => apply(event as RecordedEvent & MeetingEvent, ctx),
});

async function setup(db: Knex | Knex.Transaction, s: string): Promise<void> {
  await db.raw(`
    CREATE TABLE ${s}.meetings (
      id uuid PRIMARY KEY,
      title text NOT NULL,
      description text NOT NULL,
      location text NOT NULL,
      organizer_id text NOT NULL,
      duration_minutes integer NOT NULL,
      timezone text NOT NULL,
      status text NOT NULL CHECK (status IN ('polling', 'scheduled', 'cancelled')),
      -- [{start, end}] instants, as proposed
      proposed_windows jsonb NOT NULL,
      group_ids jsonb NOT NULL,
      deadline timestamptz,
      auto_schedule boolean NOT NULL,
      results_visibility text NOT NULL,
      scheduled_start timestamptz,
      scheduled_end timestamptz,
      scheduled_by text,
      cancel_reason text,
      -- the deadline jobs' marks (MeetingDeadlineReminderSent, MeetingPollClosed): the sweeper skips what is done
      deadline_reminded boolean NOT NULL DEFAULT false,
      poll_closed boolean NOT NULL DEFAULT false,
      revision bigint NOT NULL,
      -- position of the newest event of the stream: a live update's eventPosition
      position bigint NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    );
    CREATE INDEX meetings_organizer_idx ON ${s}.meetings (organizer_id, created_at DESC, id);
    CREATE INDEX meetings_deadline_idx ON ${s}.meetings (deadline) WHERE status = 'polling';

    CREATE TABLE ${s}.participants (
      meeting_id uuid NOT NULL,
      user_id text NOT NULL,
      required boolean NOT NULL,
      via_group_id text,
      submitted boolean NOT NULL DEFAULT false,
      response text NOT NULL DEFAULT 'pending' CHECK (response IN ('pending', 'accepted', 'declined', 'tentative')),
      -- order of invitation: the revision that added them, then their place in that event's list
      invited_revision bigint NOT NULL,
      invited_place integer NOT NULL,
      PRIMARY KEY (meeting_id, user_id)
    );
    CREATE INDEX participants_user_idx ON ${s}.participants (user_id, meeting_id);

    CREATE TABLE ${s}.submissions (
      meeting_id uuid NOT NULL,
      participant_id text NOT NULL,
      -- [{start, end, preference}] as submitted (non-empty: [] withdraws and deletes the row)
      slots jsonb NOT NULL,
      revision bigint NOT NULL,
      position bigint NOT NULL,
      submitted_at timestamptz NOT NULL,
      PRIMARY KEY (meeting_id, participant_id)
    );
  `);
}

interface Applying {
  trx: Knex.Transaction;
  schema: string;
  meetingId: string;
  revision: string;
  position: string;
  at: Date;
}

async function apply(event: RecordedEvent & MeetingEvent, ctx: ProjectionContext): Promise<void> {
  const on: Applying = {
    trx: ctx.trx,
    schema: ctx.schema,
    meetingId: event.data.meetingId,
    revision: event.revision.toString(),
    position: event.position.toString(),
    at: event.recordedAt,
  };
  if (event.type === 'MeetingProposed') await proposed(event.data, on);
  else await applyToMeeting(event, on);
  if (event.type !== 'MeetingProposed') await touchMeeting(on, {});
}

const table = (on: Applying, name: 'meetings' | 'participants' | 'submissions') => on.trx(`${on.schema}.${name}`);
const participantsOf = (on: Applying) => table(on, 'participants').where({ meeting_id: on.meetingId });
const submissionsOf = (on: Applying) => table(on, 'submissions').where({ meeting_id: on.meetingId });

async function touchMeeting(on: Applying, changes: Record<string, unknown>): Promise<void> {
  await table(on, 'meetings')
    .where({ id: on.meetingId })
    .update({ ...changes, revision: on.revision, position: on.position, updated_at: on.at });
}

async function proposed(d: Extract<MeetingEvent, { type: 'MeetingProposed' }>['data'], on: Applying): Promise<void> {
  await table(on, 'meetings')
    .insert({
      id: on.meetingId,
      title: d.title,
      description: d.description,
      location: d.location,
      organizer_id: d.organizerId,
      duration_minutes: d.durationMinutes,
      timezone: d.timezone,
      status: 'polling',
      proposed_windows: JSON.stringify(d.proposedWindows),
      group_ids: JSON.stringify(d.groupIds),
      deadline: d.deadline,
      auto_schedule: d.autoSchedule,
      results_visibility: d.resultsVisibility,
      revision: on.revision,
      position: on.position,
      created_at: on.at,
      updated_at: on.at,
    })
    .onConflict('id')
    .ignore();
  if (d.participants.length === 0) return;
  await table(on, 'participants')
    .insert(d.participants.map((p, place) => participantRow(on, p, place)))
    .onConflict(['meeting_id', 'user_id'])
    .ignore();
}

type Invited = { userId: string; required: boolean; viaGroupId: string | null };

const participantRow = (on: Applying, p: Invited, place: number) => ({
  meeting_id: on.meetingId,
  user_id: p.userId,
  required: p.required,
  via_group_id: p.viaGroupId,
  invited_revision: on.revision,
  invited_place: place,
});

async function invite(on: Applying, p: Invited): Promise<void> {
  await table(on, 'participants').insert(participantRow(on, p, 0)).onConflict(['meeting_id', 'user_id']).ignore();
}

async function applyToMeeting(event: Exclude<MeetingEvent, { type: 'MeetingProposed' }>, on: Applying): Promise<void> {
  switch (event.type) {
    case 'ParticipantInvited':
      return invite(on, event.data);
    case 'ParticipantRemoved':
      await participantsOf(on).where({ user_id: event.data.userId }).delete();
      await submissionsOf(on).where({ participant_id: event.data.userId }).delete();
      return;
    case 'AvailabilitySubmitted':
      return submitted(event.data.participantId, event.data.slots, on);
    case 'InvitationAnswered':
      await participantsOf(on).where({ user_id: event.data.participantId }).update({ response: event.data.response });
      return;
    case 'MeetingScheduled':
      await touchMeeting(on, { status: 'scheduled', scheduled_start: event.data.start, scheduled_end: event.data.end, scheduled_by: event.data.by });
      await participantsOf(on).update({ response: 'pending' });
      for (const [userId, response] of Object.entries(event.data.answers)) await participantsOf(on).where({ user_id: userId }).update({ response });
      return;
    case 'MeetingRescheduled':
      await touchMeeting(on, { scheduled_start: event.data.start, scheduled_end: event.data.end });
      await participantsOf(on).update({ response: 'pending' });
      return;
    case 'MeetingCancelled':
      await touchMeeting(on, { status: 'cancelled', cancel_reason: event.data.reason });
      return;
    case 'MeetingDeadlineReminderSent':
      await touchMeeting(on, { deadline_reminded: true });
      return;
    case 'MeetingPollClosed':
      await touchMeeting(on, { poll_closed: true });
      return;
    default:
      assertNever(event);
  }
}

async function submitted(participantId: string, slots: readonly unknown[], on: Applying): Promise<void> {
  await participantsOf(on).where({ user_id: participantId }).update({ submitted: slots.length > 0 });
  if (slots.length === 0) {
    await submissionsOf(on).where({ participant_id: participantId }).delete();
    return;
  }
  await table(on, 'submissions')
    .insert({ meeting_id: on.meetingId, participant_id: participantId, slots: JSON.stringify(slots), revision: on.revision, position: on.position, submitted_at: on.at })
    .onConflict(['meeting_id', 'participant_id'])
    .merge();
}
