/** ProposeMeeting: a poll over proposed windows, or a fixed-time meeting scheduled at once; organised by the actor. */
import { z } from 'zod';
import { instant, timeZone } from '../../api/schemas.js';
import { MEETING_LIMITS } from '../../domain/scheduling/meeting.js';
import type { RequestMeta } from '../meta.js';
import { requestId, runOnMeeting, type MeetingDeps, type MeetingResult } from './meetingStream.js';
import { inviteesInput, resolveParticipants } from './participants.js';

export const instantWindowInput = z.object({ start: instant(), end: instant() }).strict();

export const proposeMeetingInput = z
  .object({
    title: z.string().trim().min(1).max(200),
    description: z.string().max(10_000).optional(),
    location: z.string().max(500).optional(),
    durationMinutes: z.number().int().min(MEETING_LIMITS.minDurationMinutes).max(MEETING_LIMITS.maxDurationMinutes),
    timezone: timeZone(),
    // the count and each window's length are the decider's (422 with their own codes)
    proposedWindows: z.array(instantWindowInput).max(1000).optional(),
    start: instant().optional(),
    ...inviteesInput,
    deadline: instant().optional(),
    autoSchedule: z.boolean().optional(),
    resultsVisibility: z.enum(['participants', 'organizer']).optional(),
  })
  .strict();
export type ProposeMeetingInput = z.output<typeof proposeMeetingInput>;

export async function proposeMeeting(deps: MeetingDeps, input: ProposeMeetingInput, meta: RequestMeta): Promise<MeetingResult & { meetingId: string }> {
  const meetingId = requestId(meta, 'meeting');
  const { participants, groupIds } = await resolveParticipants(deps.knex, input, meta.actor.userId);
  const result = await runOnMeeting(
    deps,
    meetingId,
    {
      type: 'ProposeMeeting',
      data: {
        meetingId,
        title: input.title,
        description: input.description ?? '',
        location: input.location ?? '',
        durationMinutes: input.durationMinutes,
        timezone: input.timezone,
        ...(input.proposedWindows !== undefined ? { proposedWindows: input.proposedWindows } : {}),
        ...(input.start !== undefined ? { start: input.start } : {}),
        participants,
        groupIds,
        deadline: input.deadline ?? null,
        autoSchedule: input.autoSchedule ?? false,
        resultsVisibility: input.resultsVisibility ?? 'participants',
      },
    },
    meta,
  );
  return { ...result, meetingId };
}
