import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../shared/errors.js';
import type { CommandMeta, TicketedEventCommand } from './commands.js';
import { ticketedEventDecider } from './decider.js';
import type { TicketedEventEvent, WaitlistMode } from './events.js';
import { PersistentMap } from './persistentMap.js';
import type { TicketedEventState } from './state.js';
import { planPromotions, seatsForSale } from './waitlist.js';

/**
 * Random command sequences against the decider. After every accepted command, and at
 * every revision in between (as `tessera verify` does), the invariants of DESIGN §4 hold.
 */

const ORGANIZER = 'organizer';
const USERS = ['u0', 'u1', 'u2', 'u3'];
const T0 = Date.parse('2030-01-01T00:00:00.000Z');

type Action =
  | { kind: 'advance'; minutes: number }
  | { kind: 'reserve'; user: number; quantity: number }
  | { kind: 'confirm'; pick: number }
  | { kind: 'cancel'; pick: number; asOrganizer: boolean }
  /** `onTime`: the delayed job fires exactly at the expiry, so the clock moves there first. */
  | { kind: 'expireHold'; pick: number; onTime: boolean }
  | { kind: 'join'; user: number; quantity: number }
  | { kind: 'leave'; user: number }
  | { kind: 'promote' }
  | { kind: 'accept'; pick: number; wrongUser: boolean }
  | { kind: 'expireOffer'; pick: number; onTime: boolean }
  | { kind: 'capacity'; capacity: number }
  | { kind: 'mode'; mode: WaitlistMode }
  | { kind: 'cancelEvent' };

const user = fc.nat({ max: USERS.length - 1 });
const pick = fc.nat({ max: 50 });
// Mostly valid quantities; now and then one above any maxPerReservation.
const quantity = fc.oneof(
  { weight: 9, arbitrary: fc.integer({ min: 1, max: 3 }) },
  { weight: 1, arbitrary: fc.constant(5) },
);
const rarely = fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
const action = <K extends Action['kind']>(kind: K) => fc.constant(kind);

// Weights roughly follow real traffic: mostly reservations, cancellations and promotions.
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 15, arbitrary: fc.record({ kind: action('advance'), minutes: fc.integer({ min: 1, max: 20 }) }) },
  { weight: 30, arbitrary: fc.record({ kind: action('reserve'), user, quantity }) },
  { weight: 15, arbitrary: fc.record({ kind: action('confirm'), pick }) },
  { weight: 15, arbitrary: fc.record({ kind: action('cancel'), pick, asOrganizer: fc.boolean() }) },
  { weight: 10, arbitrary: fc.record({ kind: action('expireHold'), pick, onTime: fc.boolean() }) },
  { weight: 20, arbitrary: fc.record({ kind: action('join'), user, quantity }) },
  { weight: 5, arbitrary: fc.record({ kind: action('leave'), user }) },
  { weight: 30, arbitrary: fc.record({ kind: action('promote') }) },
  { weight: 15, arbitrary: fc.record({ kind: action('accept'), pick, wrongUser: rarely }) },
  { weight: 10, arbitrary: fc.record({ kind: action('expireOffer'), pick, onTime: fc.boolean() }) },
  { weight: 10, arbitrary: fc.record({ kind: action('capacity'), capacity: fc.integer({ min: 1, max: 10 }) }) },
  { weight: 5, arbitrary: fc.record({ kind: action('mode'), mode: fc.constantFrom<WaitlistMode>('auto', 'offer') }) },
  { weight: 1, arbitrary: fc.record({ kind: action('cancelEvent') }) },
);

const settingsArb = fc.record({
  capacity: fc.integer({ min: 1, max: 6 }),
  maxPerReservation: fc.integer({ min: 2, max: 4 }),
  holdMinutes: fc.constantFrom(0, 10),
  waitlistEnabled: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  mode: fc.constantFrom<WaitlistMode>('auto', 'offer'),
  offerMinutes: fc.constantFrom(5, 30),
});
type Settings = typeof settingsArb extends fc.Arbitrary<infer S> ? S : never;

const nth = <T>(items: Iterable<T>, index: number): T | undefined => {
  const all = [...items];
  return all.length === 0 ? undefined : all[index % all.length];
};
/** Even picks choose among the items the command can act on, odd picks among all (to hit rejections). */
const pickTarget = <T>(items: Iterable<T>, actionable: (item: T) => boolean, index: number): T | undefined => {
  const all = [...items];
  const preferred = all.filter(actionable);
  return index % 2 === 0 && preferred.length > 0 ? nth(preferred, index >> 1) : nth(all, index >> 1);
};

/** Turns an abstract action into a concrete command against the current state. */
interface Clock {
  now(): string;
  /** Moves the clock forward to `iso` (never back). */
  advanceTo(iso: string): void;
}

function toCommand(
  action: Action,
  state: TicketedEventState,
  clock: Clock,
  nextId: () => string,
): TicketedEventCommand | undefined {
  const meta = (actorId: string): CommandMeta => ({ actorId, now: clock.now() });
  switch (action.kind) {
    case 'advance':
      return undefined;
    case 'reserve': {
      const userId = USERS[action.user] ?? 'u0';
      return {
        type: 'ReserveSeats',
        data: { reservationId: `r-${nextId()}`, userId, quantity: action.quantity },
        meta: meta(userId),
      };
    }
    case 'confirm': {
      const reservation = pickTarget(state.reservations.values(), (r) => r.status === 'held', action.pick);
      if (reservation === undefined) return undefined;
      const { reservationId, userId } = reservation;
      return { type: 'ConfirmReservation', data: { reservationId }, meta: meta(userId) };
    }
    case 'cancel': {
      const reservation = pickTarget(
        state.reservations.values(),
        (r) => r.status === 'held' || r.status === 'confirmed',
        action.pick,
      );
      if (reservation === undefined) return undefined;
      return {
        type: 'CancelReservation',
        data: { reservationId: reservation.reservationId, byRole: action.asOrganizer ? 'organizer' : 'holder' },
        meta: meta(action.asOrganizer ? ORGANIZER : reservation.userId),
      };
    }
    case 'expireHold': {
      const reservation = pickTarget(state.reservations.values(), (r) => r.status === 'held', action.pick);
      if (reservation === undefined) return undefined;
      if (action.onTime && reservation.holdExpiresAt !== undefined) clock.advanceTo(reservation.holdExpiresAt);
      return { type: 'ExpireHold', data: { reservationId: reservation.reservationId }, meta: meta('system') };
    }
    case 'join': {
      const userId = USERS[action.user] ?? 'u0';
      return {
        type: 'JoinWaitlist',
        data: { entryId: `e-${nextId()}`, userId, quantity: action.quantity },
        meta: meta(userId),
      };
    }
    case 'leave': {
      const userId = USERS[action.user] ?? 'u0';
      const entryId = state.activeEntryByUser.get(userId) ?? nth(state.waitlist.keys(), action.user);
      if (entryId === undefined) return undefined;
      return { type: 'LeaveWaitlist', data: { entryId }, meta: meta(userId) };
    }
    case 'promote':
      return { type: 'PromoteWaitlist', data: { newId: (seed) => `gen-${seed}` }, meta: meta('system') };
    case 'accept': {
      const offer = pickTarget(state.offers.values(), (o) => o.status === 'open', action.pick);
      if (offer === undefined) return undefined;
      const userId = action.wrongUser ? 'u-stranger' : offer.userId;
      return {
        type: 'AcceptWaitlistOffer',
        data: { offerId: offer.offerId, userId, reservationId: `r-${nextId()}` },
        meta: meta(userId),
      };
    }
    case 'expireOffer': {
      const offer = pickTarget(state.offers.values(), (o) => o.status === 'open', action.pick);
      if (offer === undefined) return undefined;
      if (action.onTime) clock.advanceTo(offer.expiresAt);
      return { type: 'ExpireWaitlistOffer', data: { offerId: offer.offerId }, meta: meta('system') };
    }
    case 'capacity':
      return { type: 'ChangeTicketedEventDetails', data: { capacity: action.capacity }, meta: meta(ORGANIZER) };
    case 'mode':
      return { type: 'ChangeTicketedEventDetails', data: { waitlist: { mode: action.mode } }, meta: meta(ORGANIZER) };
    case 'cancelEvent':
      return { type: 'CancelTicketedEvent', data: {}, meta: meta(ORGANIZER) };
  }
}

// ---- invariants ----

/** A deep, plain copy of a state (maps as key-sorted entry lists), for equality checks. */
function plain(state: TicketedEventState): unknown {
  const entries = Object.entries(state).map(([field, value]) => [
    field,
    value instanceof PersistentMap ? [...value].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : value,
  ]);
  return structuredClone(Object.fromEntries(entries));
}

const sum = (values: Iterable<number>) => [...values].reduce((a, b) => a + b, 0);

/** `joinOrder`: entry ids in the order of their WaitlistJoined events. */
function checkInvariants(state: TicketedEventState, settings: Settings, joinOrder: readonly string[]) {
  const reservations = [...state.reservations.values()];
  const offers = [...state.offers.values()];
  const entries = [...state.waitlist.values()];

  // Counters equal the sums, and no seat is both free and taken.
  expect(state.held).toBe(sum(reservations.filter((r) => r.status === 'held').map((r) => r.quantity)));
  expect(state.confirmed).toBe(sum(reservations.filter((r) => r.status === 'confirmed').map((r) => r.quantity)));
  expect(state.offered).toBe(sum(offers.filter((o) => o.status === 'open').map((o) => o.quantity)));
  expect(Math.min(state.held, state.confirmed, state.offered)).toBeGreaterThanOrEqual(0);
  expect(state.held + state.confirmed + state.offered).toBeLessThanOrEqual(state.capacity);

  for (const r of reservations) {
    expect(r.quantity).toBeGreaterThanOrEqual(1);
    expect(r.quantity).toBeLessThanOrEqual(settings.maxPerReservation);
    if (r.status === 'held') expect(r.holdExpiresAt).toBeDefined();
  }

  // The FIFO queue is exactly the waiting entries in join order.
  expect(state.waitingQueue).toEqual(joinOrder.filter((id) => state.waitlist.get(id)?.status === 'waiting'));
  // One active (waiting or offered) entry per user, and the index agrees.
  const active = entries.filter((e) => e.status === 'waiting' || e.status === 'offered');
  expect(new Set(active.map((e) => e.userId)).size).toBe(active.length);
  expect(new Map(active.map((e) => [e.userId, e.entryId]))).toEqual(new Map(state.activeEntryByUser));
  // Offered entries and open offers match one to one.
  const openOffers = offers.filter((o) => o.status === 'open');
  const offeredEntries = entries.filter((e) => e.status === 'offered');
  expect(openOffers.map((o) => o.entryId).sort()).toEqual(offeredEntries.map((e) => e.entryId).sort());

  if (state.status === 'cancelled') {
    expect([state.held, state.confirmed, state.offered, state.waitingQueue.length]).toEqual([0, 0, 0, 0]);
  }
}

const allowedReservationMoves: Record<string, string[]> = {
  held: ['held', 'confirmed', 'expired', 'cancelled'],
  confirmed: ['confirmed', 'cancelled'],
  expired: ['expired'],
  cancelled: ['cancelled'],
};
const allowedEntryMoves: Record<string, string[]> = {
  waiting: ['waiting', 'offered', 'promoted', 'left', 'expired'],
  offered: ['offered', 'promoted', 'left', 'expired'],
  promoted: ['promoted'],
  left: ['left'],
  expired: ['expired'],
};

function checkTransitions(before: TicketedEventState, after: TicketedEventState) {
  for (const [id, r] of before.reservations) {
    expect(allowedReservationMoves[r.status]).toContain(after.reservations.get(id)?.status);
  }
  for (const [id, e] of before.waitlist) {
    expect(allowedEntryMoves[e.status]).toContain(after.waitlist.get(id)?.status);
  }
}

/**
 * Independent statement of the promotion rule: walking waiting entries in join order
 * with the seats free before the command, an entry is promoted iff it fits at its turn.
 */
function checkFifoPromotion(before: TicketedEventState, events: TicketedEventEvent[], joinOrder: readonly string[]) {
  const promoted = events.flatMap((e) =>
    e.type === 'WaitlistOfferMade' ? [e.data.entryId] : e.type === 'WaitlistPromoted' ? [e.data.entryId] : [],
  );
  let free = before.capacity - before.held - before.confirmed - before.offered;
  const expected: string[] = [];
  for (const entryId of joinOrder) {
    const entry = before.waitlist.get(entryId);
    if (entry?.status !== 'waiting') continue;
    if (entry.quantity <= free) {
      expected.push(entry.entryId);
      free -= entry.quantity;
    }
  }
  const open = before.status === 'published';
  expect(promoted).toEqual(open ? expected : []);
}

// ---- the run ----

/** Accepted commands (at least one event) by type, to prove the generator reaches every rule. */
type Coverage = Record<string, number>;

function run(settings: Settings, actions: Action[], coverage: Coverage) {
  const { decide, evolve, initialState } = ticketedEventDecider;
  let nowMs = T0;
  const clock: Clock = {
    now: () => new Date(nowMs).toISOString(),
    advanceTo: (iso) => {
      nowMs = Math.max(nowMs, Date.parse(iso));
    },
  };
  let counter = 0;
  const nextId = () => String(++counter);

  const log: TicketedEventEvent[] = [];
  const joinOrder: string[] = [];
  let state = initialState();
  const apply = (events: TicketedEventEvent[]) => {
    for (const event of events) {
      const before = state;
      state = evolve(state, event);
      log.push(event);
      if (event.type === 'WaitlistJoined') joinOrder.push(event.data.entryId);
      checkInvariants(state, settings, joinOrder);
      checkTransitions(before, state);
    }
  };

  apply(
    decide(
      {
        type: 'ScheduleTicketedEvent',
        data: {
          eventId: 'event-1',
          title: 'Property event',
          startsAt: '2030-03-01T18:00:00.000Z',
          endsAt: '2030-03-01T22:00:00.000Z',
          timezone: 'UTC',
          capacity: settings.capacity,
          maxPerReservation: settings.maxPerReservation,
          holdMinutes: settings.holdMinutes,
          pricing: { currency: 'EUR', basePrice: 1000, demandTiers: [{ minSoldRatio: 0.5, multiplier: 1.5 }] },
          waitlist: { enabled: settings.waitlistEnabled, mode: settings.mode, offerMinutes: settings.offerMinutes },
          publish: true,
        },
        meta: { actorId: ORGANIZER, now: clock.now() },
      },
      state,
    ),
  );

  for (const action of actions) {
    if (action.kind === 'advance') nowMs += action.minutes * 60_000;
    const command = toCommand(action, state, clock, nextId);
    if (command === undefined) continue;

    const snapshot = state;
    const snapshotCopy = plain(state);
    let events: TicketedEventEvent[];
    try {
      events = decide(command, state);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      expect(plain(state)).toEqual(snapshotCopy); // a rejected command changes nothing
      continue;
    }
    expect(plain(state)).toEqual(snapshotCopy); // decide never mutates

    if (command.type === 'PromoteWaitlist') checkFifoPromotion(snapshot, events, joinOrder);
    if (command.type === 'ReserveSeats') {
      // A direct sale never takes seats the waitlist could use now.
      expect(command.data.quantity).toBeLessThanOrEqual(seatsForSale(snapshot));
    }
    if (command.type === 'JoinWaitlist') expect(command.data.quantity).toBeGreaterThan(seatsForSale(snapshot));

    apply(events);
    // Neither decide nor evolve touched the state the command started from.
    expect(plain(snapshot)).toEqual(snapshotCopy);
    if (command.type === 'ReserveSeats') {
      expect(planPromotions(state).map((e) => e.entryId)).toEqual(planPromotions(snapshot).map((e) => e.entryId));
    }
    if (events.length > 0) coverage[command.type] = (coverage[command.type] ?? 0) + 1;

    // evolve(decide(…)) records what decide computed.
    for (const event of events) {
      if (event.type === 'SeatsReserved') {
        expect(state.reservations.get(event.data.reservationId)).toMatchObject({
          userId: event.data.userId,
          quantity: event.data.quantity,
          unitPrice: event.data.unitPrice,
          status: event.data.status,
          ...(event.data.holdExpiresAt === undefined ? {} : { holdExpiresAt: event.data.holdExpiresAt }),
        });
      }
    }
  }

  // Replaying the stored (JSON) history rebuilds exactly the live state.
  const stored = JSON.parse(JSON.stringify(log)) as TicketedEventEvent[];
  expect(stored).toEqual(log);
  expect(plain(stored.reduce(evolve, initialState()))).toEqual(plain(state));
}

describe('ticketed-event decider properties', () => {
  it('keeps every invariant over random command sequences', () => {
    const coverage: Coverage = {};
    fc.assert(
      fc.property(
        settingsArb,
        fc.array(actionArb, { minLength: 1, maxLength: 80, size: 'max' }),
        (settings, actions) => run(settings, actions, coverage),
      ),
      { numRuns: 400 },
    );
    // Guard against a generator that drifts into producing only rejections.
    for (const type of [
      'ReserveSeats',
      'ConfirmReservation',
      'CancelReservation',
      'ExpireHold',
      'JoinWaitlist',
      'LeaveWaitlist',
      'PromoteWaitlist',
      'AcceptWaitlistOffer',
      'ExpireWaitlistOffer',
      'ChangeTicketedEventDetails',
      'CancelTicketedEvent',
    ]) {
      expect(coverage[type] ?? 0, type).toBeGreaterThan(0);
    }
    console.info('accepted commands by type:', JSON.stringify(coverage));
  });

  it('never oversells under a burst of concurrent-looking reservations', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 200 }),
        (capacity, quantities) => {
          const { decide, evolve, initialState } = ticketedEventDecider;
          const now = '2030-01-01T00:00:00.000Z';
          let state = decide(
            {
              type: 'ScheduleTicketedEvent',
              data: {
                eventId: 'e',
                title: 'Burst',
                startsAt: '2030-03-01T18:00:00.000Z',
                endsAt: '2030-03-01T22:00:00.000Z',
                timezone: 'UTC',
                capacity,
                maxPerReservation: 4,
                publish: true,
              },
              meta: { actorId: ORGANIZER, now },
            },
            initialState(),
          ).reduce(evolve, initialState());
          let sold = 0;
          quantities.forEach((quantity, i) => {
            try {
              const userId = `u${i}`;
              const reserve: TicketedEventCommand = {
                type: 'ReserveSeats',
                data: { reservationId: `r${i}`, userId, quantity },
                meta: { actorId: userId, now },
              };
              const events = decide(reserve, state);
              state = events.reduce(evolve, state);
              sold += quantity;
            } catch (error) {
              expect((error as DomainError).code).toBe('sold-out');
              expect(quantity).toBeGreaterThan(capacity - sold);
            }
          });
          expect(state.confirmed).toBe(sold);
          expect(sold).toBeLessThanOrEqual(capacity);
        },
      ),
      { numRuns: 200 },
    );
  });
});
