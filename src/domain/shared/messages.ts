/**
 * The shared kernel's message shapes, one definition for every context: what a decider
 * receives (a command with its decision metadata) and what it produces (events). Stream
 * metadata (positions, correlation ids) lives beside events in the store, never in them.
 */

/** An event as a decider produces it and the store records it. */
export type DomainEvent<Type extends string = string, Data = unknown> = { type: Type; data: Data };

/** What every decision is made with: the time and the actor arrive in the command, never from a clock. */
export interface DecisionMeta {
  /** ISO-8601 decision time. */
  now: string;
  /** The acting user, or 'system'. */
  actorId: string;
  /** Platform admins may act as the owner of any resource. */
  actorIsAdmin?: boolean;
}

export type Command<Type extends string, Data, Meta extends DecisionMeta = DecisionMeta> = { type: Type; data: Data; meta: Meta };

/**
 * The roles on a ticketed event, named by the ticketing decider (who may do what) and by
 * the API's access rules (resources.event([...])), so both read the one list.
 */
export type EventRole = 'organizer' | 'co-organizer' | 'viewer';
