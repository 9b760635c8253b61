/** CancelMeeting: the organizer calls it off; a cancelled meeting accepts nothing more. */
import { z } from 'zod';
import type { RequestMeta } from '../meta.js';
import { runOnMeeting, type MeetingDeps, type MeetingResult } from './meetingStream.js';

export const cancelMeetingInput = z.object({ reason: z.string().max(1000).optional() }).strict();

export function cancelMeeting(deps: MeetingDeps, meetingId: string, reason: string | undefined, meta: RequestMeta): Promise<MeetingResult> {
  return runOnMeeting(deps, meetingId, { type: 'CancelMeeting', data: { reason: reason ?? null } }, meta);
}
