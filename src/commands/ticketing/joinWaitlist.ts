/** JoinWaitlist for the actor, only while the event is sold out for the quantity asked. */
import type { RequestMeta } from '../meta.js';
import { requestId, runOnEvent, type TicketingDeps, type TicketingResult } from './ticketedEventStream.js';

export async function joinWaitlist(deps: TicketingDeps, eventId: string, quantity: number, meta: RequestMeta): Promise<TicketingResult & { entryId: string }> {
  const entryId = requestId(meta, `waitlist:${eventId}`);
  const result = await runOnEvent(deps, eventId, { type: 'JoinWaitlist', data: { entryId, userId: meta.actor.userId, quantity } }, meta);
  return { ...result, entryId };
}
