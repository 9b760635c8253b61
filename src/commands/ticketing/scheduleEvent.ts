/** ScheduleTicketedEvent: a new event (a draft, or published at once), organised by the actor. */
import { z } from 'zod';
import type { RequestMeta } from '../meta.js';
import { isoDateTime, pricing, timeZone, waitlist } from './inputs.js';
import { requestId, runOnEvent, type TicketingDeps, type TicketingResult } from './ticketedEventStream.js';

export const createEventInput = z
  .object({
    title: z.string().trim().min(1).max(200),
    description: z.string().max(10_000).optional(),
    venue: z.string().max(500).optional(),
    startsAt: isoDateTime,
    endsAt: isoDateTime,
    timezone: timeZone(),
    capacity: z.number().int().min(1).max(10_000_000),
    maxPerReservation: z.number().int().min(1).max(1000).optional(),
    holdMinutes: z.number().int().min(0).max(10_080).optional(),
    pricing: pricing.optional(),
    waitlist: waitlist.optional(),
    publish: z.boolean().optional(),
  })
  .strict();
export type CreateEventInput = z.output<typeof createEventInput>;

export async function scheduleEvent(deps: TicketingDeps, input: CreateEventInput, meta: RequestMeta): Promise<TicketingResult & { eventId: string }> {
  const eventId = requestId(meta, 'event');
  const result = await runOnEvent(deps, eventId, { type: 'ScheduleTicketedEvent', data: { eventId, ...input } }, meta);
  return { ...result, eventId };
}
