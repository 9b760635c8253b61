/** InviteParticipants: more people (and groups, expanded now) for a meeting; the organizer. */
import { z } from 'zod';
import type { RequestMeta } from '../meta.js';
import { runOnMeeting, type MeetingDeps, type MeetingResult } from './meetingStream.js';
import { inviteesInput, resolveParticipants, type Invitees } from './participants.js';

export const inviteParticipantsInput = z.object(inviteesInput).strict();

export async function inviteParticipants(deps: MeetingDeps, meetingId: string, invitees: Invitees, organizerId: string, meta: RequestMeta): Promise<MeetingResult> {
  // groups are expanded as the organizer sees them (an admin acting for them invites what they may)
  const { participants } = await resolveParticipants(deps.knex, invitees, organizerId);
  return runOnMeeting(deps, meetingId, { type: 'InviteParticipants', data: { participants } }, meta);
}
