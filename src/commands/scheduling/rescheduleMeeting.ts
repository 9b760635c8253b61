/** RescheduleMeeting: a new time for a scheduled meeting; every answer goes back to pending. */
import type { RequestMeta } from '../meta.js';
import { runOnMeeting, type MeetingDeps, type MeetingResult } from './meetingStream.js';

export function rescheduleMeeting(deps: MeetingDeps, meetingId: string, start: string, meta: RequestMeta): Promise<MeetingResult> {
  return runOnMeeting(deps, meetingId, { type: 'RescheduleMeeting', data: { start } }, meta);
}
