/** AnswerInvitation (RSVP): a participant accepts, declines or tentatively accepts a scheduled meeting. */
import { z } from 'zod';
import type { InvitationResponse } from '../../domain/scheduling/events.js';
import type { RequestMeta } from '../meta.js';
import { runOnMeeting, type MeetingDeps, type MeetingResult } from './meetingStream.js';

export const rsvpInput = z.object({ response: z.enum(['accepted', 'declined', 'tentative']) }).strict();

export function answerInvitation(deps: MeetingDeps, meetingId: string, response: InvitationResponse, meta: RequestMeta): Promise<MeetingResult> {
  return runOnMeeting(deps, meetingId, { type: 'AnswerInvitation', data: { response } }, meta);
}
