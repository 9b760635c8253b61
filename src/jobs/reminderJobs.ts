/**
 * Reminders (issue 13 item 5): 24 h before a ticketed event to the holders of confirmed
 * seats, `reminderMinutes` (default 60) before a meeting to its organizer and accepted
 * participants.
 *
 * - The reactor keeps one row per subject (its current start and when to remind) and
 *   one delayed `remind` job per occurrence, id = (kind, subject, start). A new start
 *   cancels the old job and plans a new one; a cancellation cancels it.
 * - The job re-reads the subject's stream: a job whose start is no longer the subject's
 *   (a race with a move, a stale sweep) or whose subject is cancelled does nothing.
 * - Sending is the SendReminder command on the occurrence's own stream, which appends
 *   ReminderSent at most once and never once the occurrence has started; the
 *   notifications projection makes it each recipient's notification (and e-mail).
 * - The sweeper re-enqueues due, unsent reminders found in the reactor's table.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { sendReminder } from '../commands/notifications/sendReminder.js';
import { systemMeta } from '../commands/meta.js';
import type { CommandRuntime } from '../commands/runtime.js';
import type { TicketingCommands } from '../commands/ticketing/ticketingCommands.js';
import type { ReminderKind, ReminderOccurrence } from '../domain/notifications/reminder.js';
import { DEFAULT_MEETING_REMINDER_MINUTES, type MeetingEvent } from '../domain/scheduling/events.js';
import { meetingReminderRecipients } from '../domain/scheduling/meetingCalendar.js';
import { DomainError } from '../domain/shared/errors.js';
import type { TicketedEventEvent } from '../domain/ticketing/index.js';
import type { EventStore, RecordedEvent } from '../eventstore/eventStore.js';
import { loadMeetingCalendar } from '../notifications/loadMeetingCalendar.js';
import { projectionSchema, type Projection, type ProjectionContext } from '../projections/projection.js';
import { jobId, type ContextJobs, type JobHandlers, type JobQueue } from './jobs.js';

declare module './jobs.js' {
  interface JobTypes {
    /** Remind of one occurrence: `start` is the subject's start when the job was planned. */
    remind: { kind: ReminderKind; subjectId: string; start: string };
    /** Re-enqueues due reminders not yet sent. */
    'reminder-sweep': Record<string, never>;
  }
}

export const EVENT_REMINDER_LEAD_MS = 24 * 3600_000;
export const REMINDERS_REACTOR = 'remindersReactor';
const TABLE = `${projectionSchema(REMINDERS_REACTOR)}.reminders`;

const remindJobId = (kind: ReminderKind, subjectId: string, start: string) => jobId('remind', kind, subjectId, String(Date.parse(start)));
const sameInstant = (a: string, b: string) => Date.parse(a) === Date.parse(b);

type Planned = { kind: ReminderKind; subjectId: string; start: string; remindAt: Date };

export function remindersReactor(jobs: JobQueue): Projection {
  const reminders = (ctx: ProjectionContext) => ctx.trx(`${ctx.schema}.reminders`);

  /** Moves the subject's reminder to a new start: the old job is dropped, the new one planned. */
  async function plan(ctx: ProjectionContext, { kind, subjectId, start, remindAt }: Planned): Promise<void> {
    const old = await reminders(ctx).where({ kind, subject_id: subjectId }).first<{ starts_at: Date } | undefined>('starts_at');
    if (old && old.starts_at.getTime() === Date.parse(start)) return;
    await reminders(ctx)
      .insert({ kind, subject_id: subjectId, starts_at: start, remind_at: remindAt, sent: false })
      .onConflict(['kind', 'subject_id'])
      .merge();
    if (old) await jobs.cancel(remindJobId(kind, subjectId, old.starts_at.toISOString()));
    await jobs.enqueue('remind', { kind, subjectId, start }, { jobId: remindJobId(kind, subjectId, start), runAt: remindAt });
  }

  async function drop(ctx: ProjectionContext, kind: ReminderKind, subjectId: string): Promise<void> {
    const [old] = await reminders(ctx).where({ kind, subject_id: subjectId }).delete().returning<Array<{ starts_at: Date }>>('starts_at');
    if (old) await jobs.cancel(remindJobId(kind, subjectId, old.starts_at.toISOString()));
  }

  async function applyTicketing(event: TicketedEventEvent, eventId: string, ctx: ProjectionContext): Promise<void> {
    if (event.type === 'TicketedEventCancelled') return drop(ctx, 'event-reminder', eventId);
    const start = event.type === 'TicketedEventScheduled' || event.type === 'TicketedEventDetailsChanged' ? event.data.startsAt : undefined;
    if (start) await plan(ctx, { kind: 'event-reminder', subjectId: eventId, start, remindAt: new Date(Date.parse(start) - EVENT_REMINDER_LEAD_MS) });
  }

  async function applyMeeting(event: MeetingEvent, ctx: ProjectionContext): Promise<void> {
    const meetings = ctx.trx(`${ctx.schema}.meetings`);
    if (event.type === 'MeetingProposed') {
      await meetings.insert({ id: event.data.meetingId, reminder_minutes: event.data.reminderMinutes ?? DEFAULT_MEETING_REMINDER_MINUTES }).onConflict('id').ignore();
    } else if (event.type === 'MeetingScheduled' || event.type === 'MeetingRescheduled') {
      const meeting = await meetings.where({ id: event.data.meetingId }).first<{ reminder_minutes: number } | undefined>('reminder_minutes');
      const minutes = meeting?.reminder_minutes ?? DEFAULT_MEETING_REMINDER_MINUTES;
      const { meetingId, start } = event.data;
      await plan(ctx, { kind: 'meeting-reminder', subjectId: meetingId, start, remindAt: new Date(Date.parse(start) - minutes * 60_000) });
    } else if (event.type === 'MeetingCancelled') {
      await drop(ctx, 'meeting-reminder', event.data.meetingId);
    }
  }

  return {
    name: REMINDERS_REACTOR,
    version: 1,
    eventTypes: ['TicketedEventScheduled', 'TicketedEventDetailsChanged', 'TicketedEventCancelled', 'MeetingProposed', 'MeetingScheduled', 'MeetingRescheduled', 'MeetingCancelled', 'ReminderSent'],
    async setup(db, schema) {
      await db.raw(`
        CREATE TABLE ${schema}.meetings (id text PRIMARY KEY, reminder_minutes integer NOT NULL);
        -- one row per subject: its current start, when to remind, whether that occurrence was reminded
        CREATE TABLE ${schema}.reminders (
          kind text NOT NULL,
          subject_id text NOT NULL,
          starts_at timestamptz NOT NULL,
          remind_at timestamptz NOT NULL,
          sent boolean NOT NULL,
          PRIMARY KEY (kind, subject_id)
        );
        CREATE INDEX reminders_due_idx ON ${schema}.reminders (remind_at) WHERE NOT sent;
      `);
    },
    async apply(recorded: RecordedEvent, ctx) {
      if (recorded.type === 'ReminderSent') {
        const { kind, subjectId, start } = recorded.data as ReminderOccurrence;
        await reminders(ctx).where({ kind, subject_id: subjectId, starts_at: start }).update({ sent: true });
      } else if (recorded.type.startsWith('Meeting')) {
        await applyMeeting({ type: recorded.type, data: recorded.data } as MeetingEvent, ctx);
      } else {
        const eventId = recorded.streamName.slice(recorded.streamName.indexOf('-') + 1);
        await applyTicketing({ type: recorded.type, data: recorded.data } as TicketedEventEvent, eventId, ctx);
      }
    },
  };
}

export interface ReminderJobDeps {
  ticketing: TicketingCommands;
  commands: CommandRuntime;
  store: EventStore;
  jobs: JobQueue;
  knex: Knex;
  logger?: Logger;
  now?: () => Date;
}

/** The reminder jobs for the worker; `reminder-sweep` runs on every sweeper tick. */
export function reminderJobs(deps: ReminderJobDeps): ContextJobs {
  return { handlers: reminderJobHandlers(deps), periodic: ['reminder-sweep'] };
}

/** An occurrence as it is now, with whom to remind and when; undefined when it is cancelled or gone. */
type Current = ReminderOccurrence & { recipients: string[]; remindAt: Date };

async function currentEvent(ticketing: TicketingCommands, eventId: string): Promise<Current | undefined> {
  const loaded = await ticketing.load(eventId).catch((error: unknown) => {
    if (error instanceof DomainError && error.kind === 'not-found') return undefined;
    throw error;
  });
  if (!loaded || loaded.state.status !== 'published') return undefined;
  const { title, startsAt, endsAt } = loaded.state.details;
  const recipients = [...loaded.state.reservations.values()].filter((r) => r.status === 'confirmed').map((r) => r.userId);
  return { kind: 'event-reminder', subjectId: eventId, title, start: startsAt, end: endsAt, recipients, remindAt: new Date(Date.parse(startsAt) - EVENT_REMINDER_LEAD_MS) };
}

async function currentMeeting(store: EventStore, meetingId: string): Promise<Current | undefined> {
  const { meeting } = await loadMeetingCalendar(store, meetingId);
  if (meeting.status !== 'scheduled' || !meeting.scheduled) return undefined;
  const { start, end } = meeting.scheduled;
  return {
    kind: 'meeting-reminder',
    subjectId: meetingId,
    title: meeting.title,
    start,
    end,
    recipients: meetingReminderRecipients(meeting),
    remindAt: new Date(Date.parse(start) - meeting.reminderMinutes * 60_000),
  };
}

function reminderJobHandlers(deps: ReminderJobDeps): JobHandlers {
  const now = deps.now ?? (() => new Date());
  return {
    remind: async ({ kind, subjectId, start }) => {
      const at = now();
      const current = kind === 'event-reminder' ? await currentEvent(deps.ticketing, subjectId) : await currentMeeting(deps.store, subjectId);
      // Cancelled, or moved since this job was planned: the job of the new start reminds.
      if (!current || !sameInstant(current.start, start)) return;
      if (current.remindAt > at) {
        // Ran early (timers are not exact): come back at the reminder time.
        await deps.jobs.enqueue('remind', { kind, subjectId, start }, { jobId: jobId(remindJobId(kind, subjectId, start), 'again', String(at.getTime())), runAt: current.remindAt });
        return;
      }
      const { remindAt: _, ...reminder } = current;
      await sendReminder(deps.commands, reminder, systemMeta(at, `job:remind:${kind}:${subjectId}`));
    },
    'reminder-sweep': async () => {
      const at = now();
      const bucket = String(Math.floor(at.getTime() / 60_000));
      const due = await deps
        .knex(TABLE)
        .where({ sent: false })
        .andWhere('remind_at', '<=', at)
        .andWhere('starts_at', '>', at)
        .limit(500)
        .select<Array<{ kind: ReminderKind; subject_id: string; starts_at: Date }>>('kind', 'subject_id', 'starts_at')
        .catch((error: { code?: string }) => {
          // The table does not exist until a projector has started once (split roles).
          if (error?.code === '42P01') return [];
          throw error;
        });
      for (const row of due) {
        const start = row.starts_at.toISOString();
        await deps.jobs.enqueue('remind', { kind: row.kind, subjectId: row.subject_id, start }, { jobId: jobId(remindJobId(row.kind, row.subject_id, start), 'sweep', bucket) });
      }
      if (due.length) deps.logger?.info({ reminders: due.length }, 'sweeper re-enqueued due reminders');
    },
  };
}
