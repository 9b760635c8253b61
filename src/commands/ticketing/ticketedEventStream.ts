/**
 * What every ticketing use case shares: the `ticketedEvent-<id>` stream, the typed way
 * to run one command on it, and ids of new things.
 * Ids are derived from the Idempotency-Key when there is one, so a retried request
 * decides the very same command.
 */
import { randomUUID } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import {
  ticketedEventDecider,
  ticketedEventStreamName,
  type TicketedEventCommand,
  type TicketedEventEvent,
  type TicketedEventState,
} from '../../domain/ticketing/index.js';
import { decisionMeta, runtimeMeta, type RequestMeta, type WithoutMeta } from '../meta.js';
import type { CommandResult, CommandRuntime } from '../runtime.js';

export interface TicketingDeps {
  commands: CommandRuntime;
}

export type TicketingResult = CommandResult<TicketedEventState, TicketedEventEvent>;

/** A ticketed-event command before its meta is added. */
export type TicketedEventRequest = WithoutMeta<TicketedEventCommand>;

export function runOnEvent(deps: TicketingDeps, eventId: string, request: TicketedEventRequest, meta: RequestMeta): Promise<TicketingResult> {
  const command: TicketedEventCommand = { ...request, meta: decisionMeta(meta.actor, meta.now) };
  return deps.commands.execute(ticketedEventDecider, ticketedEventStreamName(eventId), command, runtimeMeta(meta));
}

const ID_NAMESPACE = '0b9f6c2e-8a51-4f3d-9e27-5d8c1a4b7e60';

/** A new id; the same for a retried request with the same Idempotency-Key. */
export function requestId(meta: RequestMeta, purpose: string): string {
  return meta.idempotencyKey ? uuidv5(`${meta.actor.userId}\u0000${meta.idempotencyKey}\u0000${purpose}`, ID_NAMESPACE) : randomUUID();
}

/** uuid v5 of `<eventId>:<seed>`: the same for every run of a job, so a retry decides identical events. */
export const eventDerivedId = (eventId: string, seed: string): string => uuidv5(`${eventId}:${seed}`, ID_NAMESPACE);
