/** The deadline jobs' use cases (docs/scheduling.md §6.3): the reminder 24 h before, and closing a poll unscheduled. */
import type { ClosePoll } from '../../domain/scheduling/meeting.js';
import type { RequestMeta } from '../meta.js';
import { runOnMeeting, type MeetingDeps, type MeetingResult } from './meetingStream.js';

export function remindBeforeDeadline(deps: MeetingDeps, meetingId: string, meta: RequestMeta): Promise<MeetingResult> {
  return runOnMeeting(deps, meetingId, { type: 'RemindBeforeDeadline', data: {} }, meta);
}

export function closePoll(deps: MeetingDeps, meetingId: string, reason: ClosePoll['data']['reason'], meta: RequestMeta): Promise<MeetingResult> {
  return runOnMeeting(deps, meetingId, { type: 'ClosePoll', data: { reason } }, meta);
}
