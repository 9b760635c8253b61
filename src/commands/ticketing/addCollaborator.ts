/** AddCollaborator: a co-organizer or viewer (an existing collaborator changes role). */
import { z } from 'zod';
import type { CollaboratorRole } from '../../domain/ticketing/index.js';
import type { RequestMeta } from '../meta.js';
import { runOnEvent, type TicketingDeps, type TicketingResult } from './ticketedEventStream.js';

export const collaboratorInput = z.object({ userId: z.uuid(), role: z.enum(['co-organizer', 'viewer']) }).strict();

export function addCollaborator(deps: TicketingDeps, eventId: string, userId: string, role: CollaboratorRole, meta: RequestMeta): Promise<TicketingResult> {
  return runOnEvent(deps, eventId, { type: 'AddCollaborator', data: { userId, role } }, meta);
}
