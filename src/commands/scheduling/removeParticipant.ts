/** RemoveParticipant: the organizer removes someone, or a participant leaves. */
import type { RequestMeta } from '../meta.js';
import { runOnMeeting, type MeetingDeps, type MeetingResult } from './meetingStream.js';

export function removeParticipant(deps: MeetingDeps, meetingId: string, userId: string, meta: RequestMeta): Promise<MeetingResult> {
  return runOnMeeting(deps, meetingId, { type: 'RemoveParticipant', data: { userId } }, meta);
}
