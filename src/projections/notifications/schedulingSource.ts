/**
 * Scheduling as a notification source (docs/scheduling.md §4, §6.4): invitations,
 * scheduled / rescheduled / cancelled meetings, deadline reminders and the organizer's
 * "deadline passed" notice, each told to the people it concerns. The subject is the
 * meeting. `data` carries what a text or an e-mail needs without another read:
 * meetingId, title, the organizer's id and name, the times.
 *
 * Like the ticketing source it keeps its own copy of what it needs (meetings, who takes
 * part, user names from identity's events) in tables of this schema, never reading
 * another read model.
 */
import type { Knex } from 'knex';
import type { UserProfileChanged, UserRegistered } from '../../domain/identity/index.js';
import type { MeetingEvent } from '../../domain/scheduling/events.js';
import type { ProjectionContext } from '../projection.js';
import type { NotificationSourceHandler, Notifier } from './notificationsProjection.js';

export async function setupSchedulingSource(db: Knex | Knex.Transaction, s: string): Promise<void> {
  await db.raw(`
    -- names, for texts that say who organises
    CREATE TABLE ${s}.scheduling_people (
      user_id text PRIMARY KEY,
      name text NOT NULL
    );
    CREATE TABLE ${s}.scheduling_meetings (
      id uuid PRIMARY KEY,
      title text NOT NULL,
      organizer_id text NOT NULL,
      duration_minutes integer NOT NULL,
      deadline timestamptz,
      scheduled_start timestamptz,
      scheduled_end timestamptz
    );
    CREATE TABLE ${s}.scheduling_participants (
      meeting_id uuid NOT NULL,
      user_id text NOT NULL,
      PRIMARY KEY (meeting_id, user_id)
    );
  `);
}

type MeetingEventType = MeetingEvent['type'];
type DataOf<T extends MeetingEventType> = Extract<MeetingEvent, { type: T }>['data'];
type Handler<T extends MeetingEventType> = (data: DataOf<T>, on: Notifier) => Promise<void>;

const table = (ctx: ProjectionContext, name: string) => ctx.trx(`${ctx.schema}.${name}`);

interface MeetingRow {
  id: string;
  title: string;
  organizer_id: string;
  duration_minutes: number;
  deadline: Date | null;
  scheduled_start: Date | null;
  scheduled_end: Date | null;
}

/** What every scheduling notification's data starts with. */
export async function aboutMeeting(ctx: ProjectionContext, meetingId: string) {
  const meeting = await table(ctx, 'scheduling_meetings').where({ id: meetingId }).first<MeetingRow | undefined>();
  if (!meeting) throw new Error(`meeting ${meetingId} missing from the notifications read model`);
  const organizer = await table(ctx, 'scheduling_people').where({ user_id: meeting.organizer_id }).first<{ name: string } | undefined>();
  return {
    meetingId,
    title: meeting.title,
    organizerId: meeting.organizer_id,
    organizerName: organizer?.name ?? null,
    durationMinutes: meeting.duration_minutes,
    deadline: meeting.deadline?.toISOString() ?? null,
    start: meeting.scheduled_start?.toISOString() ?? null,
    end: meeting.scheduled_end?.toISOString() ?? null,
  };
}

const participantsOf = async (ctx: ProjectionContext, meetingId: string): Promise<string[]> =>
  (await table(ctx, 'scheduling_participants').where({ meeting_id: meetingId }).orderBy('user_id').select<Array<{ user_id: string }>>('user_id')).map((r) => r.user_id);

async function invite(on: Notifier, meetingId: string, userId: string, required: boolean): Promise<void> {
  await table(on.ctx, 'scheduling_participants').insert({ meeting_id: meetingId, user_id: userId }).onConflict(['meeting_id', 'user_id']).ignore();
  await on.notify(userId, 'meeting-invited', meetingId, { ...(await aboutMeeting(on.ctx, meetingId)), required });
}

const proposed: Handler<'MeetingProposed'> = async (d, on) => {
  await table(on.ctx, 'scheduling_meetings')
    .insert({ id: d.meetingId, title: d.title, organizer_id: d.organizerId, duration_minutes: d.durationMinutes, deadline: d.deadline })
    .onConflict('id')
    .ignore();
  for (const participant of d.participants) await invite(on, d.meetingId, participant.userId, participant.required);
};

const invited: Handler<'ParticipantInvited'> = (d, on) => invite(on, d.meetingId, d.userId, d.required);

const removed: Handler<'ParticipantRemoved'> = async (d, on) => {
  await table(on.ctx, 'scheduling_participants').where({ meeting_id: d.meetingId, user_id: d.userId }).delete();
};

const scheduled: Handler<'MeetingScheduled'> = async (d, on) => {
  await table(on.ctx, 'scheduling_meetings').where({ id: d.meetingId }).update({ scheduled_start: d.start, scheduled_end: d.end });
  const about = await aboutMeeting(on.ctx, d.meetingId);
  for (const userId of await participantsOf(on.ctx, d.meetingId)) {
    await on.notify(userId, 'meeting-scheduled', d.meetingId, { ...about, by: d.by, response: d.answers[userId] ?? 'pending' });
  }
  // Scheduled by the deadline job, not by them: the organizer hears of it too.
  if (d.by === 'deadline') await on.notify(about.organizerId, 'meeting-scheduled', d.meetingId, { ...about, by: d.by, response: null });
};

const rescheduled: Handler<'MeetingRescheduled'> = async (d, on) => {
  const before = await aboutMeeting(on.ctx, d.meetingId);
  await table(on.ctx, 'scheduling_meetings').where({ id: d.meetingId }).update({ scheduled_start: d.start, scheduled_end: d.end });
  const about = { ...before, start: d.start, end: d.end, previousStart: before.start, previousEnd: before.end };
  for (const userId of await participantsOf(on.ctx, d.meetingId)) await on.notify(userId, 'meeting-rescheduled', d.meetingId, about);
};

const cancelled: Handler<'MeetingCancelled'> = async (d, on) => {
  const about = { ...(await aboutMeeting(on.ctx, d.meetingId)), reason: d.reason };
  for (const userId of await participantsOf(on.ctx, d.meetingId)) await on.notify(userId, 'meeting-cancelled', d.meetingId, about);
};

const reminderSent: Handler<'MeetingDeadlineReminderSent'> = async (d, on) => {
  const about = await aboutMeeting(on.ctx, d.meetingId);
  for (const userId of d.participantIds) await on.notify(userId, 'meeting-deadline-reminder', d.meetingId, about);
};

const pollClosed: Handler<'MeetingPollClosed'> = async (d, on) => {
  const about = await aboutMeeting(on.ctx, d.meetingId);
  await on.notify(about.organizerId, 'meeting-deadline-passed', d.meetingId, { ...about, reason: d.reason });
};

/** The meeting events that tell someone something or change who would be told. */
const meetingHandlers: { [T in MeetingEventType]?: Handler<T> } = {
  MeetingProposed: proposed,
  ParticipantInvited: invited,
  ParticipantRemoved: removed,
  MeetingScheduled: scheduled,
  MeetingRescheduled: rescheduled,
  MeetingCancelled: cancelled,
  MeetingDeadlineReminderSent: reminderSent,
  MeetingPollClosed: pollClosed,
};

// Identity's user stream: user-<uuid>.
const userIdOfStream = (stream: string) => stream.slice('user-'.length);

async function named(on: Notifier, name: string | undefined): Promise<void> {
  if (name === undefined) return;
  await table(on.ctx, 'scheduling_people').insert({ user_id: userIdOfStream(on.event.streamName), name }).onConflict('user_id').merge();
}

export const schedulingSource: NotificationSourceHandler = {
  source: 'scheduling',
  eventTypes: [...Object.keys(meetingHandlers), 'UserRegistered', 'UserProfileChanged'],
  apply: async (on) => {
    const { event } = on;
    if (event.type === 'UserRegistered') return named(on, (event.data as UserRegistered['data']).name);
    if (event.type === 'UserProfileChanged') return named(on, (event.data as UserProfileChanged['data']).name);
    const handle = meetingHandlers[event.type as MeetingEventType] as Handler<MeetingEventType>;
    await handle(event.data as DataOf<MeetingEventType>, on);
  },
};
