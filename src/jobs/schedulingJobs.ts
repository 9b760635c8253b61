/**
 * Meeting deadlines (docs/scheduling.md §3 "Deadline", §6.3):
 * - a reactor that, when a poll with a deadline is proposed, enqueues the deadline job at
 *   the deadline and the reminder job 24 h before it, with deterministic ids;
 * - the handlers, which run the meeting decider's idempotent deadline commands (a second
 *   run decides nothing), re-arming themselves when a timer fires early;
 * - the sweeper, which re-enqueues overdue ones found in the meetings read model.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { systemMeta } from '../commands/meta.js';
import type { MeetingCommands } from '../commands/scheduling/meetingCommands.js';
import { REMINDER_LEAD_MS, reminderDueAt } from '../domain/scheduling/deadline.js';
import type { MeetingProposed } from '../domain/scheduling/events.js';
import type { Projection } from '../projections/projection.js';
import { overdueDeadlineWork } from '../projections/scheduling/deadlineQueries.js';
import { loadMeeting } from '../projections/scheduling/meetings.js';
import { recommendationsOf } from '../projections/scheduling/recommendationInputs.js';
import { jobId, type ContextJobs, type JobHandlers, type JobQueue } from './jobs.js';

declare module './jobs.js' {
  interface JobTypes {
    'meeting-deadline': { meetingId: string };
    'meeting-deadline-reminder': { meetingId: string };
    /** Re-enqueues overdue deadlines and reminders found in the meetings read model. */
    'scheduling-sweep': Record<string, never>;
  }
}

/** The step the deadline job ranks candidates at (the recommendations' default). */
export const DEADLINE_STEP_MINUTES = 15;

export const SCHEDULING_REACTOR = 'schedulingReactor';

const deadlineJobId = (meetingId: string, ...more: string[]) => jobId('meeting-deadline', meetingId, ...more);
const reminderJobId = (meetingId: string, ...more: string[]) => jobId('meeting-reminder', meetingId, ...more);

/** Enqueues before the reactor's checkpoint commits: at-least-once, de-duplicated by job id. */
export function schedulingReactor(jobs: JobQueue): Projection {
  return {
    name: SCHEDULING_REACTOR,
    version: 1,
    eventTypes: ['MeetingProposed'],
    setup: async () => undefined,
    transactional: false,
    async apply(recorded) {
      const { meetingId, deadline, proposedWindows } = (recorded.data as MeetingProposed['data']);
      if (deadline === null || proposedWindows.length === 0) return;
      await jobs.enqueue('meeting-deadline', { meetingId }, { jobId: deadlineJobId(meetingId), runAt: new Date(deadline) });
      const reminderAt = reminderDueAt(deadline, recorded.recordedAt.toISOString());
      if (reminderAt) await jobs.enqueue('meeting-deadline-reminder', { meetingId }, { jobId: reminderJobId(meetingId), runAt: new Date(reminderAt) });
    },
  };
}

export interface SchedulingJobDeps {
  meetings: MeetingCommands;
  jobs: JobQueue;
  knex: Knex;
  logger?: Logger;
  now?: () => Date;
}

export function schedulingJobs(deps: SchedulingJobDeps): ContextJobs {
  return { handlers: schedulingJobHandlers(deps), periodic: ['scheduling-sweep'] };
}

/** Thrown while the meetings read model has not reached the stream: the job is retried with backoff. */
class ReadModelBehindError extends Error {}

function schedulingJobHandlers(deps: SchedulingJobDeps): JobHandlers {
  const now = deps.now ?? (() => new Date());

  /** Schedules the best candidate anyone can make, or closes the poll unscheduled. */
  const atDeadline = async (meetingId: string, at: Date) => {
    const { state, revision } = await deps.meetings.load(meetingId);
    if (state.status !== 'polling' || state.deadline === null || state.pollClosed) return;
    if (Date.parse(state.deadline) > at.getTime()) {
      // Ran early (timers are not exact): come back at the deadline.
      await deps.jobs.enqueue('meeting-deadline', { meetingId }, { jobId: deadlineJobId(meetingId, 'again', String(at.getTime())), runAt: new Date(state.deadline) });
      return;
    }
    const meta = { ...systemMeta(at, `job:meeting-deadline:${meetingId}`), expectedRevision: revision };
    if (!state.autoSchedule) {
      await deps.meetings.closePoll(meetingId, 'not-auto-scheduled', meta);
      return;
    }
    // Ranked on the read model at exactly the stream's revision, so the choice is the one GET …/recommendations gave.
    const loaded = await loadMeeting(deps.knex, meetingId);
    if (!loaded || loaded.meeting.revision !== revision) throw new ReadModelBehindError(`meeting ${meetingId}: the read model is not at revision ${revision} yet`);
    const [top] = await recommendationsOf(deps.knex, loaded, { limit: 1, stepMinutes: DEADLINE_STEP_MINUTES });
    if (top && top.availableCount > 0) await deps.meetings.schedule(meetingId, new Date(top.start).toISOString(), 'deadline', meta);
    else await deps.meetings.closePoll(meetingId, 'no-available-time', meta);
  };

  const beforeDeadline = async (meetingId: string, at: Date) => {
    const { state } = await deps.meetings.load(meetingId);
    if (state.status !== 'polling' || state.deadlineReminded || state.deadline === null) return;
    const dueAt = Date.parse(state.deadline) - REMINDER_LEAD_MS;
    if (dueAt > at.getTime()) {
      await deps.jobs.enqueue('meeting-deadline-reminder', { meetingId }, { jobId: reminderJobId(meetingId, 'again', String(at.getTime())), runAt: new Date(dueAt) });
      return;
    }
    await deps.meetings.remindBeforeDeadline(meetingId, systemMeta(at, `job:meeting-reminder:${meetingId}`));
  };

  return {
    'meeting-deadline': ({ meetingId }) => atDeadline(meetingId, now()),
    'meeting-deadline-reminder': ({ meetingId }) => beforeDeadline(meetingId, now()),
    'scheduling-sweep': async () => {
      const at = now();
      const bucket = String(Math.floor(at.getTime() / 60_000));
      const work = await overdueDeadlineWork(deps.knex, at).catch((error: { code?: string }) => {
        // The read model does not exist until a projector has started once (split roles).
        if (error?.code === '42P01') return { deadlines: [], reminders: [] };
        throw error;
      });
      for (const meetingId of work.deadlines) await deps.jobs.enqueue('meeting-deadline', { meetingId }, { jobId: deadlineJobId(meetingId, 'sweep', bucket) });
      for (const meetingId of work.reminders) await deps.jobs.enqueue('meeting-deadline-reminder', { meetingId }, { jobId: reminderJobId(meetingId, 'sweep', bucket) });
      if (work.deadlines.length + work.reminders.length > 0) deps.logger?.info({ deadlines: work.deadlines.length, reminders: work.reminders.length }, 'sweeper re-enqueued overdue meeting deadlines');
    },
  };
}
