/**
 * The deadline jobs' decisions on a meeting poll (docs/scheduling.md §6.3). Each is
 * idempotent — it returns [] when its work is done or moot — so a job that runs twice
 * (a retry, the sweeper, a worker killed after the append) changes nothing the second time.
 */
import { conflict } from '../shared/errors.js';
import type { MeetingEvent } from './events.js';
import { requireOrganizer, type ClosePoll, type ProposedMeeting, type RemindBeforeDeadline } from './meeting.js';

/** How long before the deadline the participants who have not submitted are reminded. */
export const REMINDER_LEAD_MS = 24 * 60 * 60_000;

const isOpenPoll = (state: ProposedMeeting) => state.status === 'polling' && state.deadline !== null;

/** When the reminder is due, or null when there is none (no deadline, or proposed less than 24 h before it). */
export function reminderDueAt(deadline: string | null, proposedAt: string): string | null {
  if (deadline === null) return null;
  const due = Date.parse(deadline) - REMINDER_LEAD_MS;
  return due > Date.parse(proposedAt) ? new Date(due).toISOString() : null;
}

/** From 24 h before the deadline until it: the participants who have not submitted, once. */
export function remindBeforeDeadline({ meta }: RemindBeforeDeadline, state: ProposedMeeting): MeetingEvent[] {
  requireOrganizer(meta, state);
  if (!isOpenPoll(state) || state.deadlineReminded) return [];
  const deadline = Date.parse(state.deadline!);
  const now = Date.parse(meta.now);
  if (now >= deadline) return [];
  if (now < deadline - REMINDER_LEAD_MS) throw conflict('reminder-not-due', `The reminder is due at ${new Date(deadline - REMINDER_LEAD_MS).toISOString()}`);
  const participantIds = [...state.participants.values()].filter((p) => !p.submitted).map((p) => p.userId);
  if (participantIds.length === 0) return [];
  return [{ type: 'MeetingDeadlineReminderSent', data: { meetingId: state.meetingId, participantIds, deadline: state.deadline! } }];
}

/** At the deadline, when the job does not schedule: records that the poll closed unscheduled, once. */
export function closePoll({ data, meta }: ClosePoll, state: ProposedMeeting): MeetingEvent[] {
  requireOrganizer(meta, state);
  if (!isOpenPoll(state) || state.pollClosed) return [];
  if (Date.parse(meta.now) < Date.parse(state.deadline!)) throw conflict('deadline-not-reached', `The poll closes at ${state.deadline}`);
  return [{ type: 'MeetingPollClosed', data: { meetingId: state.meetingId, deadline: state.deadline!, reason: data.reason } }];
}
