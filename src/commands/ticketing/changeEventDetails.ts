/** ChangeTicketedEventDetails: absent fields stay; `waitlist` merges field by field, `pricing` is replaced whole. */
import { z } from 'zod';
import type { RequestMeta } from '../meta.js';
import { isoDateTime, pricing, timeZone, waitlist } from './inputs.js';
import { runOnEvent, type TicketingDeps, type TicketingResult } from './ticketedEventStream.js';

export const changeEventInput = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(10_000).optional(),
    venue: z.string().max(500).optional(),
    startsAt: isoDateTime.optional(),
    endsAt: isoDateTime.optional(),
    timezone: timeZone().optional(),
    capacity: z.number().int().min(1).max(10_000_000).optional(),
    maxPerReservation: z.number().int().min(1).max(1000).optional(),
    holdMinutes: z.number().int().min(0).max(10_080).optional(),
    pricing: pricing.optional(),
    waitlist: waitlist.partial().optional(),
  })
  .strict();
export type ChangeEventInput = z.output<typeof changeEventInput>;

export function changeEventDetails(deps: TicketingDeps, eventId: string, input: ChangeEventInput, meta: RequestMeta): Promise<TicketingResult> {
  return runOnEvent(deps, eventId, { type: 'ChangeTicketedEventDetails', data: input }, meta);
}
