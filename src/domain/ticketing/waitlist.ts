import { freeSeats, type TicketedEventState, type WaitlistEntry } from './state.js';

/**
 * The FIFO promotion rule (DESIGN §4): walk waiting entries in join order; promote each
 * entry whose quantity fits the seats still free; skip an entry only when it does not
 * fit. Free seats only shrink during the walk, so one pass promotes every entry that
 * can be promoted, and no later entry is promoted while an earlier one fits.
 */
export function planPromotions(state: TicketedEventState): WaitlistEntry[] {
  return fifoPromotions(freeSeats(state), waitingEntries(state));
}

/** The walk itself, over any waiting entries in join order (the read model runs it on its rows). */
export function fifoPromotions<E extends { quantity: number }>(freeSeats: number, waitingInJoinOrder: Iterable<E>): E[] {
  const promoted: E[] = [];
  let free = freeSeats;
  for (const entry of waitingInJoinOrder) {
    if (free <= 0) break;
    if (entry.quantity <= free) {
      promoted.push(entry);
      free -= entry.quantity;
    }
  }
  return promoted;
}

/**
 * Seats a direct reservation may take now. The waitlist has first claim on free
 * seats: seats that the next PromoteWaitlist would give to waiting entries are not for
 * sale, so nobody jumps the queue in the moment between a cancellation and the promotion.
 */
export function seatsForSale(state: TicketedEventState): number {
  const claimedByWaitlist = planPromotions(state).reduce((sum, entry) => sum + entry.quantity, 0);
  return freeSeats(state) - claimedByWaitlist;
}

export function* waitingEntries(state: TicketedEventState): Generator<WaitlistEntry> {
  for (const entryId of state.waitingQueue) {
    const entry = state.waitlist.get(entryId);
    if (entry !== undefined) yield entry;
  }
}

/** 1-based position among waiting entries, or undefined when the entry is not waiting. */
export function waitlistPosition(state: TicketedEventState, entryId: string): number | undefined {
  const index = state.waitingQueue.indexOf(entryId);
  return index === -1 ? undefined : index + 1;
}

export interface WaitingEntryExplanation {
  entryId: string;
  userId: string;
  quantity: number;
  /** 1-based, among waiting entries. */
  position: number;
  /** The next PromoteWaitlist would promote this entry. */
  promotableNow: boolean;
  /** Seats this entry lacks after the entries ahead of it are served (0 when promotable). */
  seatsShort: number;
}

export interface WaitlistExplanation {
  freeSeats: number;
  offeredSeats: number;
  entries: WaitingEntryExplanation[];
}

/** Why each waiting entry is (not) being promoted, for users and operators. */
export function explainWaitlist(state: TicketedEventState): WaitlistExplanation {
  let free = freeSeats(state);
  let position = 0;
  const entries: WaitingEntryExplanation[] = [];
  for (const entry of waitingEntries(state)) {
    position += 1;
    const promotableNow = entry.quantity <= free;
    if (promotableNow) free -= entry.quantity;
    entries.push({
      entryId: entry.entryId,
      userId: entry.userId,
      quantity: entry.quantity,
      position,
      promotableNow,
      seatsShort: promotableNow ? 0 : entry.quantity - Math.max(free, 0),
    });
  }
  return { freeSeats: freeSeats(state), offeredSeats: state.offered, entries };
}
