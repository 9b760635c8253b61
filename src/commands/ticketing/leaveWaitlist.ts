/** LeaveWaitlist: the entry leaves the queue (declining an open offer). */
import type { RequestMeta } from '../meta.js';
import { runOnEvent, type TicketingDeps, type TicketingResult } from './ticketedEventStream.js';

export function leaveWaitlist(deps: TicketingDeps, eventId: string, entryId: string, meta: RequestMeta): Promise<TicketingResult> {
  return runOnEvent(deps, eventId, { type: 'LeaveWaitlist', data: { entryId } }, meta);
}
