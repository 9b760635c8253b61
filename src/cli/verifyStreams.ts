/**
 * Stream checks of `tessera verify` (DESIGN §4, §10). Pure: fed one stream's events in
 * revision order, each checker folds them through the category's decider and reports
 * every rule broken at each revision.
 *
 * Ticketing rules, re-checked at every revision:
 * - held + confirmed + offered ≤ capacity;
 * - the counters equal the sums over reservations (held, confirmed) and open offers;
 * - a reservation moves only held → confirmed | expired | cancelled, confirmed → cancelled,
 *   both as the event intends it (evolve ignores impossible moves, so they are checked
 *   against the state before the event) and as the folded state shows it;
 * - at most maxPerReservation seats per direct reservation;
 * - the waitlist is served FIFO: no entry is promoted while an earlier one fits;
 * - nothing happens before TicketedEventScheduled or after TicketedEventCancelled.
 * The counter sums are kept incrementally (only what an event touches is re-read), so a
 * hot stream costs O(events), and recomputed in full once at the end of the stream.
 */
import {
  evolveTicketedEvent,
  freeSeats,
  initialTicketedEventState,
  isTicketedEventEventType,
  type ReservationStatus,
  type TicketedEventEvent,
  type TicketedEventState,
} from '../domain/ticketing/index.js';
import { UnexpectedEventTypeError, type StreamFold, type StreamModel } from './streamModels.js';

export interface CheckedEvent {
  revision: bigint;
  type: string;
  data: unknown;
  /** When the store recorded it (absent in hand-made test histories). */
  recordedAt?: Date;
}

export interface StreamChecker {
  /** The problems at this event's revision ([] when every rule holds). */
  check(event: CheckedEvent): string[];
  /** Problems only visible at the end of the stream. */
  finish(): string[];
}

export function checkerFor(model: StreamModel): StreamChecker {
  return model.check?.() ?? new FoldChecker(model.fold());
}

/** Checks that revisions are contiguous from 0; a category's own rules go in `apply`. */
export abstract class RevisionChecker implements StreamChecker {
  private next = 0n;

  check(event: CheckedEvent): string[] {
    const problems: string[] = [];
    if (event.revision !== this.next) problems.push(`revision ${event.revision} where revision ${this.next} was expected (revisions are contiguous from 0)`);
    this.next = event.revision + 1n;
    this.apply(event, problems);
    return problems;
  }

  protected abstract apply(event: CheckedEvent, problems: string[]): void;

  finish(): string[] {
    return [];
  }
}

/** Categories without extra rules: every event must be one the decider knows and folds. */
class FoldChecker extends RevisionChecker {
  constructor(private readonly fold: StreamFold) {
    super();
  }

  protected apply(event: CheckedEvent, problems: string[]): void {
    try {
      this.fold.apply(event);
    } catch (error) {
      problems.push(error instanceof UnexpectedEventTypeError ? error.message : `the decider cannot fold ${event.type}: ${messageOf(error)}`);
    }
  }
}

type Counters = { held: number; confirmed: number; offered: number };

const ALLOWED_MOVES: Record<string, readonly ReservationStatus[]> = {
  none: ['held', 'confirmed'],
  held: ['confirmed', 'expired', 'cancelled'],
  confirmed: ['cancelled'],
  expired: [],
  cancelled: [],
};

const RULE = 'allowed: held → confirmed | expired | cancelled, confirmed → cancelled';

export class TicketedEventChecker extends RevisionChecker {
  private state: TicketedEventState = initialTicketedEventState();
  private readonly sums: Counters = { held: 0, confirmed: 0, offered: 0 };

  protected apply(raw: CheckedEvent, problems: string[]): void {
    if (!isTicketedEventEventType(raw.type)) {
      problems.push(`${raw.type} is not a ticketedEvent event`);
      return;
    }
    const event = { type: raw.type, data: raw.data } as TicketedEventEvent;
    const before = this.state;
    this.checkIntent(before, event, problems);
    let after: TicketedEventState;
    try {
      after = evolveTicketedEvent(before, event);
    } catch (error) {
      problems.push(`the decider cannot fold ${event.type}: ${messageOf(error)}`);
      return;
    }
    this.trackReservations(before, after, event, problems);
    this.trackOffers(before, after, event);
    this.state = after;
    this.checkCounters(after, problems);
  }

  override finish(): string[] {
    const full: Counters = { held: 0, confirmed: 0, offered: 0 };
    for (const r of this.state.reservations.values()) {
      if (r.status === 'held') full.held += r.quantity;
      if (r.status === 'confirmed') full.confirmed += r.quantity;
    }
    for (const o of this.state.offers.values()) if (o.status === 'open') full.offered += o.quantity;
    return (['held', 'confirmed', 'offered'] as const)
      .filter((k) => full[k] !== this.state[k])
      .map((k) => `at the end of the stream the ${k} counter is ${this.state[k]} but ${k === 'offered' ? 'open offers' : `${k} reservations`} sum to ${full[k]}`);
  }

  /** What the event claims to do, judged against the state before it. */
  private checkIntent(s: TicketedEventState, e: TicketedEventEvent, problems: string[]): void {
    if (e.type === 'TicketedEventScheduled') {
      if (s.status !== 'unscheduled') problems.push('TicketedEventScheduled for an event that already exists');
      return;
    }
    if (s.status === 'unscheduled') problems.push(`${e.type} before TicketedEventScheduled`);
    if (s.status === 'cancelled') problems.push(`${e.type} after the event was cancelled (a cancelled event accepts nothing)`);
    switch (e.type) {
      case 'SeatsReserved': {
        const d = e.data;
        if (s.reservations.has(d.reservationId)) problems.push(`reservation ${d.reservationId} is reserved a second time`);
        if (!Number.isSafeInteger(d.quantity) || d.quantity < 1) problems.push(`reservation ${d.reservationId} has quantity ${String(d.quantity)}`);
        if (d.status !== 'held' && d.status !== 'confirmed') problems.push(`reservation ${d.reservationId} starts as ${String(d.status)} (must be held or confirmed)`);
        if (d.waitlistEntryId === undefined && d.quantity > s.details.maxPerReservation) {
          problems.push(`reservation ${d.reservationId} takes ${d.quantity} seats, more than maxPerReservation ${s.details.maxPerReservation}`);
        }
        if (d.waitlistEntryId !== undefined && d.offerId === undefined) this.checkFifo(s, d.waitlistEntryId, problems);
        if (d.offerId !== undefined && s.offers.get(d.offerId)?.status !== 'open') {
          problems.push(`reservation ${d.reservationId} takes the seats of offer ${d.offerId}, which is ${s.offers.get(d.offerId)?.status ?? 'unknown'}`);
        }
        return;
      }
      case 'ReservationConfirmed':
        return this.checkMove(s, e.data.reservationId, 'confirmed', e.type, problems);
      case 'HoldExpired':
        return this.checkMove(s, e.data.reservationId, 'expired', e.type, problems);
      case 'ReservationCancelled':
        return this.checkMove(s, e.data.reservationId, 'cancelled', e.type, problems);
      case 'WaitlistOfferMade':
        return this.checkFifo(s, e.data.entryId, problems);
      default:
        return;
    }
  }

  private checkMove(s: TicketedEventState, reservationId: string, to: ReservationStatus, type: string, problems: string[]): void {
    const from = s.reservations.get(reservationId)?.status;
    if (from === undefined) problems.push(`${type} for unknown reservation ${reservationId}`);
    else if (!ALLOWED_MOVES[from]!.includes(to)) problems.push(`${type} moves reservation ${reservationId} from ${from} to ${to} (${RULE})`);
  }

  /** planPromotions walks waiting entries in join order and skips only those that do not fit. */
  private checkFifo(s: TicketedEventState, entryId: string, problems: string[]): void {
    const free = freeSeats(s);
    for (const id of s.waitingQueue) {
      if (id === entryId) return;
      const earlier = s.waitlist.get(id);
      if (earlier !== undefined && earlier.quantity <= free) {
        problems.push(`waitlist entry ${entryId} is promoted before the earlier entry ${id}, whose ${earlier.quantity} seat(s) fit the ${free} free seat(s) (FIFO)`);
        return;
      }
    }
    problems.push(`waitlist entry ${entryId} is promoted but is not waiting`);
  }

  /** What the fold did to each reservation the event touches; keeps the held/confirmed sums. */
  private trackReservations(before: TicketedEventState, after: TicketedEventState, e: TicketedEventEvent, problems: string[]): void {
    let ids: Iterable<string>;
    switch (e.type) {
      case 'TicketedEventCancelled':
        ids = before.reservations.keys();
        break;
      case 'SeatsReserved':
      case 'ReservationConfirmed':
      case 'HoldExpired':
      case 'ReservationCancelled':
        ids = [e.data.reservationId];
        break;
      default:
        ids = [];
    }
    for (const id of ids) {
      const was = before.reservations.get(id);
      const now = after.reservations.get(id);
      if (was?.status === now?.status) continue;
      if (now === undefined) {
        problems.push(`reservation ${id} disappeared from the state`);
      } else if (!ALLOWED_MOVES[was?.status ?? 'none']!.includes(now.status)) {
        problems.push(`reservation ${id} went from ${was?.status ?? 'nothing'} to ${now.status} (${RULE})`);
      }
      if (was && now && was.quantity !== now.quantity) problems.push(`reservation ${id} changed quantity from ${was.quantity} to ${now.quantity}`);
      for (const [r, sign] of [
        [was, -1],
        [now, 1],
      ] as const) {
        if (r?.status === 'held') this.sums.held += sign * r.quantity;
        if (r?.status === 'confirmed') this.sums.confirmed += sign * r.quantity;
      }
    }
  }

  private trackOffers(before: TicketedEventState, after: TicketedEventState, e: TicketedEventEvent): void {
    let ids: Iterable<string>;
    switch (e.type) {
      case 'TicketedEventCancelled':
        ids = before.offers.keys();
        break;
      case 'WaitlistOfferMade':
      case 'WaitlistOfferExpired':
        ids = [e.data.offerId];
        break;
      case 'SeatsReserved':
        ids = e.data.offerId === undefined ? [] : [e.data.offerId];
        break;
      case 'WaitlistLeft': {
        const offerId = before.waitlist.get(e.data.entryId)?.offerId;
        ids = offerId === undefined ? [] : [offerId];
        break;
      }
      default:
        ids = [];
    }
    for (const id of ids) {
      const was = before.offers.get(id);
      const now = after.offers.get(id);
      if (was?.status === 'open') this.sums.offered -= was.quantity;
      if (now?.status === 'open') this.sums.offered += now.quantity;
    }
  }

  private checkCounters(s: TicketedEventState, problems: string[]): void {
    for (const k of ['held', 'confirmed', 'offered'] as const) {
      if (s[k] < 0) problems.push(`the ${k} counter is negative (${s[k]})`);
      if (s[k] !== this.sums[k]) {
        problems.push(`the ${k} counter is ${s[k]} but ${k === 'offered' ? 'open offers' : `${k} reservations`} sum to ${this.sums[k]}`);
        this.sums[k] = s[k]; // report a drift once, not at every later revision
      }
    }
    if (s.status !== 'unscheduled' && s.held + s.confirmed + s.offered > s.capacity) {
      problems.push(`held ${s.held} + confirmed ${s.confirmed} + offered ${s.offered} = ${s.held + s.confirmed + s.offered} exceeds the capacity of ${s.capacity}`);
    }
  }
}

export const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
