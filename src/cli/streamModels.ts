/**
 * Stream category → its decider, for `stream state` and `verify`. Each context lists
 * its models in its descriptor (src/contexts/); a category without one cannot be
 * folded (the CLI says so and exits 2).
 */
import type { Decider } from '../domain/shared/decider.js';
import type { DomainEvent } from '../domain/shared/messages.js';
import {
  USER_EMAIL_STREAM_CATEGORY,
  USER_STREAM_CATEGORY,
  userDecider,
  userEmailDecider,
  userEmailEventTypes,
  userEventTypes,
  type UserEmailState,
  type UserState,
} from '../domain/identity/index.js';
import {
  PersistentMap,
  TICKETED_EVENT_STREAM_CATEGORY,
  freeSeats,
  seatsForSale,
  ticketedEventDecider,
  ticketedEventEventTypes,
  waitlistLength,
  type TicketedEventState,
} from '../domain/ticketing/index.js';
import {
  AVAILABILITY_STREAM_CATEGORY,
  availabilityDecider,
  availabilityEventTypes,
  type AvailabilityState,
} from '../domain/scheduling/index.js';
import { REMINDER_STREAM_CATEGORY, reminderDecider, reminderEventTypes, type ReminderState } from '../domain/notifications/reminder.js';
import { categoryOf } from './eventJson.js';
import type { StreamChecker } from './verifyStreams.js';

/** A running fold of one stream. */
export interface StreamFold {
  /** Throws UnexpectedEventTypeError for a type the category's decider does not know. */
  apply(event: DomainEvent): void;
  /** The state as plain JSON (maps become objects). */
  json(): unknown;
  /** A few label/value lines for humans. */
  summary(): Array<[string, string]>;
}

export interface StreamModel {
  category: string;
  eventTypes: readonly string[];
  fold(): StreamFold;
  /** The category's invariant checker for `verify`; without one, verify checks revisions and that every event folds. */
  check?(): StreamChecker;
}

export class UnexpectedEventTypeError extends Error {
  override readonly name = 'UnexpectedEventTypeError';
  constructor(
    readonly category: string,
    readonly type: string,
  ) {
    super(`${type} is not an event of the ${category} decider`);
  }
}

export function model<S, E extends DomainEvent>(spec: {
  category: string;
  decider: Pick<Decider<S, unknown, E>, 'initialState' | 'evolve'>;
  eventTypes: readonly E['type'][];
  summary: (state: S) => Array<[string, string]>;
  json?: (state: S) => unknown;
}): StreamModel {
  const known = new Set<string>(spec.eventTypes);
  return {
    category: spec.category,
    eventTypes: spec.eventTypes,
    fold() {
      let state = spec.decider.initialState();
      return {
        apply(event) {
          if (!known.has(event.type)) throw new UnexpectedEventTypeError(spec.category, event.type);
          state = spec.decider.evolve(state, event as E);
        },
        json: () => (spec.json ? spec.json(state) : toPlain(state)),
        summary: () => spec.summary(state),
      };
    },
  };
}

/** The ticketing context's categories. Functions (not module constants): no module-level state. */
export function ticketingStreamModels(): StreamModel[] {
  return [
    model({
      category: TICKETED_EVENT_STREAM_CATEGORY,
      decider: ticketedEventDecider,
      eventTypes: ticketedEventEventTypes,
      summary: ticketedEventSummary,
      json: (state) => ({ ...(toPlain(state) as object), derived: { freeSeats: freeSeats(state), seatsForSale: seatsForSale(state), waitlistLength: waitlistLength(state) } }),
    }),
  ];
}

/** The identity context's categories. */
export function identityStreamModels(): StreamModel[] {
  return [
    model({
      category: USER_STREAM_CATEGORY,
      decider: userDecider,
      eventTypes: userEventTypes,
      summary: (s: UserState) =>
        s.status === 'active'
          ? [
              ['status', s.status],
              ['email', s.email],
              ['name', s.name],
              ['timezone', s.timezone],
              ['roles', s.roles.join(', ') || '-'],
              ['email verified', s.emailVerifiedAt ?? '-'],
              ['registered', s.registeredAt],
            ]
          : [['status', s.status]],
    }),
    model({
      category: USER_EMAIL_STREAM_CATEGORY,
      decider: userEmailDecider,
      eventTypes: userEmailEventTypes,
      summary: (s: UserEmailState) =>
        s.status === 'claimed'
          ? [
              ['status', s.status],
              ['userId', s.userId],
              ['email', s.email],
            ]
          : [['status', s.status]],
    }),
  ];
}

/** The scheduling context's `availability-<userId>` streams. */
export function availabilityStreamModel(): StreamModel {
  return model({ category: AVAILABILITY_STREAM_CATEGORY, decider: availabilityDecider, eventTypes: availabilityEventTypes, summary: availabilitySummary });
}

function availabilitySummary(s: AvailabilityState): Array<[string, string]> {
  if (s.timezone === null) return [['hours', 'not set (no WeeklyAvailabilitySet yet)'], ['overrides', String(Object.keys(s.overrides).length)]];
  const spans = (intervals: ReadonlyArray<{ start: string; end: string }>) => intervals.map(({ start, end }) => `${start}–${end}`).join(', ') || 'unavailable';
  const days = [...new Set(s.intervals.map((i) => i.day))];
  return [
    ['timezone', s.timezone],
    ['weekly', days.map((day) => `${day} ${spans(s.intervals.filter((i) => i.day === day))}`).join('; ') || 'none'],
    ['overrides', Object.entries(s.overrides).map(([date, intervals]) => `${date} ${spans(intervals)}`).join('; ') || 'none'],
  ];
}

/** The notifications context's categories: one stream per reminded occurrence. */
export function notificationsStreamModels(): StreamModel[] {
  return [
    model({
      category: REMINDER_STREAM_CATEGORY,
      decider: reminderDecider,
      eventTypes: reminderEventTypes,
      summary: (s: ReminderState) =>
        s.sent
          ? [
              ['kind', s.sent.kind],
              ['subject', s.sent.subjectId],
              ['start', s.sent.start],
              ['recipients', String(s.sent.recipients.length)],
            ]
          : [['status', 'not sent']],
    }),
  ];
}

export function findStreamModel(stream: string, models: readonly StreamModel[]): StreamModel | undefined {
  const category = categoryOf(stream);
  return models.find((m) => m.category === category);
}

function ticketedEventSummary(s: TicketedEventState): Array<[string, string]> {
  if (s.status === 'unscheduled') return [['status', 'unscheduled (no TicketedEventScheduled yet)']];
  const byStatus = new Map<string, number>();
  for (const r of s.reservations.values()) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
  const openOffers = [...s.offers.values()].filter((o) => o.status === 'open').length;
  const counts = [...byStatus].map(([status, n]) => `${status} ${n}`).join(', ');
  return [
    ['title', s.details.title],
    ['status', s.status],
    ['seats', `capacity ${s.capacity}, held ${s.held}, confirmed ${s.confirmed}, offered ${s.offered}, free ${freeSeats(s)}, for sale ${seatsForSale(s)}`],
    ['reservations', s.reservations.size === 0 ? '0' : `${s.reservations.size} (${counts})`],
    ['waitlist', `${waitlistLength(s)} waiting, ${openOffers} open offer(s), ${s.waitlist.size} entries in total`],
    ['organizer', s.organizerId],
    ['collaborators', String(s.collaborators.size)],
  ];
}

/** Plain JSON of a state: PersistentMap/Map → object (keys sorted), Set → array. */
export function toPlain(value: unknown): unknown {
  if (value instanceof PersistentMap || value instanceof Map) {
    const entries = [...(value as Iterable<[unknown, unknown]>)].map(([k, v]) => [String(k), toPlain(v)] as const);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries);
  }
  if (value instanceof Set) return [...value].map(toPlain);
  if (Array.isArray(value)) return value.map(toPlain);
  if (typeof value === 'bigint') return value.toString();
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
  }
  return value;
}
