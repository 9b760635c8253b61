/**
 * What a use case knows about the request besides its input: who acts, when, and the
 * runtime's retry and concurrency hints. One shape for every context.
 */
import type { CommandMetadata } from './runtime.js';

export interface Actor {
  userId: string;
  isAdmin: boolean;
}

export interface RequestMeta {
  actor: Actor;
  correlationId: string;
  idempotencyKey?: string;
  /** See CommandMetadata.idempotencyKeyIsNew. */
  idempotencyKeyIsNew?: boolean;
  expectedRevision?: bigint;
  now: Date;
}

/** Jobs act as the system, not as a user. */
export const systemMeta = (now: Date, correlationId: string): RequestMeta => ({
  actor: { userId: 'system', isAdmin: true },
  correlationId,
  now,
});

/** The meta every domain command carries: its decision time and who acts (the deciders check rights on it). */
export const decisionMeta = (actor: Actor, now: Date): { now: string; actorId: string; actorIsAdmin: boolean } => ({
  now: now.toISOString(),
  actorId: actor.userId,
  actorIsAdmin: actor.isAdmin,
});

/** A domain command before its decision meta is added: type and data, checked against each other. */
export type WithoutMeta<Command> = Command extends unknown ? Omit<Command, 'meta'> : never;

/** What the command runtime records with the events and needs for retries and If-Match. */
export function runtimeMeta(meta: RequestMeta): CommandMetadata {
  return {
    actorId: meta.actor.userId,
    correlationId: meta.correlationId,
    now: meta.now,
    ...(meta.idempotencyKey ? { idempotencyKey: meta.idempotencyKey, idempotencyKeyIsNew: meta.idempotencyKeyIsNew ?? false } : {}),
    ...(meta.expectedRevision !== undefined ? { expectedRevision: meta.expectedRevision } : {}),
  };
}
