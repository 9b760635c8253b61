/** CancelTicketedEvent: releases every seat; holders and waiters are notified by the projection. */
import { z } from 'zod';
import type { RequestMeta } from '../meta.js';
import { runOnEvent, type TicketingDeps, type TicketingResult } from './ticketedEventStream.js';

export const cancelInput = z.object({ reason: z.string().max(1000).optional() }).strict();

export function cancelEvent(deps: TicketingDeps, eventId: string, reason: string | undefined, meta: RequestMeta): Promise<TicketingResult> {
  return runOnEvent(deps, eventId, { type: 'CancelTicketedEvent', data: { reason } }, meta);
}
