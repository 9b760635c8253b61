/** PublishTicketedEvent: a draft goes on sale (a no-op when it already is). */
import type { RequestMeta } from '../meta.js';
import { runOnEvent, type TicketingDeps, type TicketingResult } from './ticketedEventStream.js';

export function publishEvent(deps: TicketingDeps, eventId: string, meta: RequestMeta): Promise<TicketingResult> {
  return runOnEvent(deps, eventId, { type: 'PublishTicketedEvent', data: {} }, meta);
}
