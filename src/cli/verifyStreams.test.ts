import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../domain/shared/errors.js';
import {
  ticketedEventDecider,
  type CommandMeta,
  type TicketedEventCommand,
  type TicketedEventEvent,
  type TicketedEventState,
  type WaitlistMode,
} from '../domain/ticketing/index.js';
import { TicketedEventChecker } from './verifyStreams.js';

const ORGANIZER = 'organizer';
const T0 = Date.parse('2030-01-01T00:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

/** Runs commands through the real decider, as the command handlers do, and records the events. */
function history(settings: { capacity: number; holdMinutes: number; mode: WaitlistMode; maxPerReservation?: number }) {
  let state: TicketedEventState = ticketedEventDecider.initialState();
  const events: TicketedEventEvent[] = [];
  let minutes = 0;
  const run = (command: Omit<TicketedEventCommand, 'meta'>, actorId = ORGANIZER): boolean => {
    const meta: CommandMeta = { actorId, now: at(minutes) };
    try {
      const produced = ticketedEventDecider.decide({ ...command, meta } as TicketedEventCommand, state);
      for (const event of produced) state = ticketedEventDecider.evolve(state, event);
      events.push(...produced);
      return true;
    } catch (error) {
      if (error instanceof DomainError) return false;
      throw error;
    }
  };
  run({
    type: 'ScheduleTicketedEvent',
    data: {
      eventId: 'e',
      title: 'Concert',
      startsAt: at(60 * 24 * 30),
      endsAt: at(60 * 24 * 30 + 120),
      timezone: 'UTC',
      capacity: settings.capacity,
      maxPerReservation: settings.maxPerReservation ?? 4,
      holdMinutes: settings.holdMinutes,
      waitlist: { enabled: true, mode: settings.mode, offerMinutes: 30 },
      publish: true,
    },
  });
  return {
    run,
    events,
    get state() {
      return state;
    },
    advance(by: number) {
      minutes += by;
    },
  };
}

function check(events: Array<{ type: string; data: unknown }>): string[] {
  const checker = new TicketedEventChecker();
  const problems = events.flatMap((event, i) => checker.check({ ...event, revision: BigInt(i) }).map((p) => `#${i} ${p}`));
  return [...problems, ...checker.finish()];
}

describe('TicketedEventChecker', () => {
  it('finds nothing in histories the decider writes (random commands, both waitlist modes)', () => {
    const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
    const step = fc.oneof(
      w(30, fc.record({ kind: fc.constant('reserve' as const), user: fc.nat(3), quantity: fc.integer({ min: 1, max: 4 }) })),
      w(10, fc.record({ kind: fc.constant('confirm' as const), pick: fc.nat(20) })),
      w(15, fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat(20) })),
      w(10, fc.record({ kind: fc.constant('expire' as const), pick: fc.nat(20) })),
      w(25, fc.record({ kind: fc.constant('join' as const), user: fc.nat(3), quantity: fc.integer({ min: 1, max: 4 }) })),
      w(5, fc.record({ kind: fc.constant('leave' as const), user: fc.nat(3) })),
      w(25, fc.record({ kind: fc.constant('promote' as const) })),
      w(15, fc.record({ kind: fc.constant('accept' as const), pick: fc.nat(20) })),
      w(10, fc.record({ kind: fc.constant('expireOffer' as const), pick: fc.nat(20) })),
      w(5, fc.record({ kind: fc.constant('capacity' as const), capacity: fc.integer({ min: 1, max: 8 }) })),
      w(1, fc.record({ kind: fc.constant('cancelEvent' as const) })),
    );
    fc.assert(
      fc.property(
        fc.record({ capacity: fc.integer({ min: 1, max: 6 }), holdMinutes: fc.constantFrom(0, 10), mode: fc.constantFrom<WaitlistMode>('auto', 'offer') }),
        fc.array(step, { minLength: 10, maxLength: 80 }),
        (settings, steps) => {
          const h = history(settings);
          let id = 0;
          const nth = <T>(items: T[], i: number) => items[i % Math.max(items.length, 1)];
          for (const s of steps) {
            const reservations = [...h.state.reservations.values()];
            const offers = [...h.state.offers.values()];
            const user = `u${'user' in s ? s.user : 0}`;
            switch (s.kind) {
              case 'reserve':
                h.run({ type: 'ReserveSeats', data: { reservationId: `r${id++}`, userId: user, quantity: s.quantity } }, user);
                break;
              case 'confirm': {
                const r = nth(reservations, s.pick);
                if (r) h.run({ type: 'ConfirmReservation', data: { reservationId: r.reservationId } }, r.userId);
                break;
              }
              case 'cancel': {
                const r = nth(reservations, s.pick);
                if (r) h.run({ type: 'CancelReservation', data: { reservationId: r.reservationId, byRole: 'holder' } }, r.userId);
                break;
              }
              case 'expire': {
                h.advance(11);
                const r = nth(reservations, s.pick);
                if (r) h.run({ type: 'ExpireHold', data: { reservationId: r.reservationId } }, 'system');
                break;
              }
              case 'join':
                h.run({ type: 'JoinWaitlist', data: { entryId: `w${id++}`, userId: user, quantity: s.quantity } }, user);
                break;
              case 'leave': {
                const entryId = h.state.activeEntryByUser.get(user);
                if (entryId) h.run({ type: 'LeaveWaitlist', data: { entryId } }, user);
                break;
              }
              case 'promote':
                h.run({ type: 'PromoteWaitlist', data: { newId: (seed) => `gen-${seed}` } }, 'system');
                break;
              case 'accept': {
                const o = nth(offers, s.pick);
                if (o) h.run({ type: 'AcceptWaitlistOffer', data: { offerId: o.offerId, userId: o.userId, reservationId: `r${id++}` } }, o.userId);
                break;
              }
              case 'expireOffer': {
                h.advance(31);
                const o = nth(offers, s.pick);
                if (o) h.run({ type: 'ExpireWaitlistOffer', data: { offerId: o.offerId } }, 'system');
                break;
              }
              case 'capacity':
                h.run({ type: 'ChangeTicketedEventDetails', data: { capacity: s.capacity } });
                break;
              case 'cancelEvent':
                h.run({ type: 'CancelTicketedEvent', data: {} });
                break;
            }
          }
          expect(check(h.events)).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('flags a promotion that jumps the FIFO queue', () => {
    const h = history({ capacity: 4, holdMinutes: 0, mode: 'offer' });
    h.run({ type: 'ReserveSeats', data: { reservationId: 'r1', userId: 'a', quantity: 4 } }, 'a');
    h.run({ type: 'JoinWaitlist', data: { entryId: 'w1', userId: 'b', quantity: 2 } }, 'b');
    h.run({ type: 'JoinWaitlist', data: { entryId: 'w2', userId: 'c', quantity: 1 } }, 'c');
    h.run({ type: 'CancelReservation', data: { reservationId: 'r1', byRole: 'holder' } }, 'a');
    const jump: TicketedEventEvent = { type: 'WaitlistOfferMade', data: { entryId: 'w2', offerId: 'o1', userId: 'c', quantity: 1, expiresAt: at(30) } };
    expect(check([...h.events, jump])).toEqual([
      `#${h.events.length} waitlist entry w2 is promoted before the earlier entry w1, whose 2 seat(s) fit the 4 free seat(s) (FIFO)`,
    ]);
  });

  it('flags impossible reservation moves, over-capacity, events after cancellation, gaps and unknown types', () => {
    const h = history({ capacity: 4, holdMinutes: 0, mode: 'auto' });
    h.run({ type: 'ReserveSeats', data: { reservationId: 'r1', userId: 'a', quantity: 3 } }, 'a');
    const n = h.events.length;
    const seats = (reservationId: string, quantity: number) => ({
      type: 'SeatsReserved',
      data: { reservationId, userId: 'z', quantity, unitPrice: 0, currency: 'EUR', status: 'confirmed', reservedAt: at(0) },
    });
    expect(check([...h.events, { type: 'HoldExpired', data: { reservationId: 'r1' } }])).toEqual([
      `#${n} HoldExpired moves reservation r1 from confirmed to expired (allowed: held → confirmed | expired | cancelled, confirmed → cancelled)`,
    ]);
    expect(check([...h.events, seats('r2', 2)])).toEqual([`#${n} held 0 + confirmed 5 + offered 0 = 5 exceeds the capacity of 4`]);
    expect(check([...h.events, seats('r2', 5)])[0]).toBe(`#${n} reservation r2 takes 5 seats, more than maxPerReservation 4`);
    expect(check([...h.events, seats('r1', 1)])[0]).toBe(`#${n} reservation r1 is reserved a second time`);
    expect(check([...h.events, { type: 'TicketedEventCancelled', data: { reason: null, by: ORGANIZER } }, seats('r3', 1)])).toEqual([
      `#${n + 1} SeatsReserved after the event was cancelled (a cancelled event accepts nothing)`,
    ]);
    expect(check([{ type: 'TicketedEventPublished', data: {} }])).toEqual(['#0 TicketedEventPublished before TicketedEventScheduled']);
    expect(check([...h.events, { type: 'SeatsSold', data: {} }])).toEqual([`#${n} SeatsSold is not a ticketedEvent event`]);

    const checker = new TicketedEventChecker();
    expect(checker.check({ ...h.events[0]!, revision: 0n })).toEqual([]);
    expect(checker.check({ ...h.events[1]!, revision: 2n })).toEqual(['revision 2 where revision 1 was expected (revisions are contiguous from 0)']);
  });
});
