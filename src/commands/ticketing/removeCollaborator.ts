/** RemoveCollaborator: the user no longer helps run the event. */
import type { RequestMeta } from '../meta.js';
import { runOnEvent, type TicketingDeps, type TicketingResult } from './ticketedEventStream.js';

export function removeCollaborator(deps: TicketingDeps, eventId: string, userId: string, meta: RequestMeta): Promise<TicketingResult> {
  return runOnEvent(deps, eventId, { type: 'RemoveCollaborator', data: { userId } }, meta);
}
