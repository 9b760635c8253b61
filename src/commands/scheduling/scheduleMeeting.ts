/** ScheduleMeeting: the organizer (or the deadline job) picks the time; answers are pre-filled from the submissions. */
import { z } from 'zod';
import { instant } from '../../api/schemas.js';
import type { RequestMeta } from '../meta.js';
import { runOnMeeting, type MeetingDeps, type MeetingResult } from './meetingStream.js';

/** The body of schedule and reschedule. */
export const meetingTimeInput = z.object({ start: instant() }).strict();

export function scheduleMeeting(deps: MeetingDeps, meetingId: string, start: string, by: 'organizer' | 'deadline', meta: RequestMeta): Promise<MeetingResult> {
  return runOnMeeting(deps, meetingId, { type: 'ScheduleMeeting', data: { start, by } }, meta);
}
