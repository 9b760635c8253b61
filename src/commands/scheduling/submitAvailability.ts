/** SubmitAvailability: the actor's slots inside the proposed windows, replacing their previous submission ([] withdraws it). */
import { z } from 'zod';
import { instant } from '../../api/schemas.js';
import { MEETING_LIMITS } from '../../domain/scheduling/meeting.js';
import type { AvailabilitySlot } from '../../domain/scheduling/events.js';
import type { RequestMeta } from '../meta.js';
import { runOnMeeting, type MeetingDeps, type MeetingResult } from './meetingStream.js';

export const submitAvailabilityInput = z
  .object({
    slots: z
      .array(z.object({ start: instant(), end: instant(), preference: z.enum(['yes', 'if-need-be']).default('yes') }).strict())
      .max(MEETING_LIMITS.maxSlots),
  })
  .strict();

export function submitAvailability(deps: MeetingDeps, meetingId: string, slots: AvailabilitySlot[], meta: RequestMeta): Promise<MeetingResult> {
  return runOnMeeting(deps, meetingId, { type: 'SubmitAvailability', data: { slots } }, meta);
}
