import { deciderSpec } from '../../../test/support/deciderSpec.js';
import { describe, expect, it } from 'vitest';
import type { CommandMeta, TicketedEventCommand } from './commands.js';
import { ticketedEventDecider } from './decider.js';
import {
  ticketedEventEventTypes,
  type SeatsReserved,
  type TicketedEventEvent,
  type TicketedEventScheduled,
} from './events.js';
import { activeWaitlistEntryOf, freeSeats, roleOf, type TicketedEventState } from './state.js';
import { explainWaitlist, seatsForSale, waitlistPosition } from './waitlist.js';

// ---- given / when / then ----

const fold = (events: TicketedEventEvent[]): TicketedEventState =>
  events.reduce(ticketedEventDecider.evolve, ticketedEventDecider.initialState());

const given = deciderSpec(ticketedEventDecider);

// ---- fixtures ----

const ORGANIZER = 'user-organizer';
const ALICE = 'user-alice';
const BOB = 'user-bob';
const CAROL = 'user-carol';
const DAVE = 'user-dave';

const NOW = '2030-05-01T12:00:00.000Z';
const STARTS = '2030-06-01T18:00:00.000Z';
const ENDS = '2030-06-01T22:00:00.000Z';
const later = (minutes: number) => new Date(Date.parse(NOW) + minutes * 60_000).toISOString();

const meta = (actorId: string, now = NOW): CommandMeta => ({ actorId, now });

function scheduled(overrides: Partial<TicketedEventScheduled['data']> = {}): TicketedEventScheduled {
  return {
    type: 'TicketedEventScheduled',
    data: {
      eventId: 'event-1',
      title: 'Night concert',
      description: '',
      venue: 'Hall A',
      startsAt: STARTS,
      endsAt: ENDS,
      timezone: 'Europe/Berlin',
      maxPerReservation: 4,
      pricing: { currency: 'EUR', basePrice: 2000, demandTiers: [] },
      holdMinutes: 0,
      waitlist: { enabled: true, mode: 'auto', offerMinutes: 60 },
      capacity: 10,
      organizerId: ORGANIZER,
      ...overrides,
    },
  };
}
const published: TicketedEventEvent = { type: 'TicketedEventPublished', data: {} };
const open = (overrides: Partial<TicketedEventScheduled['data']> = {}) => [scheduled(overrides), published];

function reserved(
  reservationId: string,
  userId: string,
  quantity: number,
  extra: Partial<SeatsReserved['data']> = {},
): SeatsReserved {
  return {
    type: 'SeatsReserved',
    data: {
      reservationId,
      userId,
      quantity,
      unitPrice: 2000,
      currency: 'EUR',
      status: 'confirmed',
      reservedAt: NOW,
      ...extra,
    },
  };
}
const held = (reservationId: string, userId: string, quantity: number, holdExpiresAt = later(15)) =>
  reserved(reservationId, userId, quantity, { status: 'held', holdExpiresAt });
const joined = (entryId: string, userId: string, quantity: number): TicketedEventEvent => ({
  type: 'WaitlistJoined',
  data: { entryId, userId, quantity },
});
const offerMade = (entryId: string, userId: string, quantity: number, expiresAt = later(60)): TicketedEventEvent => ({
  type: 'WaitlistOfferMade',
  data: { entryId, offerId: `offer-${entryId}`, userId, quantity, expiresAt },
});

const newId = (seed: string) => `id(${seed})`;
const tier = (minSoldRatio: number, multiplier: number) => ({ minSoldRatio, multiplier });

type ScheduleData = Partial<Extract<TicketedEventCommand, { type: 'ScheduleTicketedEvent' }>['data']>;

const cmd = {
  schedule: (data: ScheduleData = {}) =>
    ({
      type: 'ScheduleTicketedEvent',
      data: {
        eventId: 'event-1',
        title: 'Night concert',
        startsAt: STARTS,
        endsAt: ENDS,
        timezone: 'Europe/Berlin',
        capacity: 10,
        ...data,
      },
      meta: meta(ORGANIZER),
    }) as const satisfies TicketedEventCommand,
  publish: (actor = ORGANIZER, now = NOW): TicketedEventCommand => ({
    type: 'PublishTicketedEvent',
    data: {},
    meta: meta(actor, now),
  }),
  change: (
    data: Extract<TicketedEventCommand, { type: 'ChangeTicketedEventDetails' }>['data'],
    actor = ORGANIZER,
  ): TicketedEventCommand => ({ type: 'ChangeTicketedEventDetails', data, meta: meta(actor) }),
  cancelEvent: (actor = ORGANIZER): TicketedEventCommand => ({
    type: 'CancelTicketedEvent',
    data: { reason: 'storm' },
    meta: meta(actor),
  }),
  reserve: (userId: string, quantity: number, reservationId = 'r-new', now = NOW): TicketedEventCommand => ({
    type: 'ReserveSeats',
    data: { reservationId, userId, quantity },
    meta: meta(userId, now),
  }),
  confirm: (reservationId: string, actor: string, now = NOW): TicketedEventCommand => ({
    type: 'ConfirmReservation',
    data: { reservationId },
    meta: meta(actor, now),
  }),
  expireHold: (reservationId: string, now: string): TicketedEventCommand => ({
    type: 'ExpireHold',
    data: { reservationId },
    meta: meta('system', now),
  }),
  cancelReservation: (
    reservationId: string,
    actor: string,
    byRole: 'holder' | 'organizer' = 'holder',
  ): TicketedEventCommand => ({
    type: 'CancelReservation',
    data: { reservationId, byRole, reason: 'changed plans' },
    meta: meta(actor),
  }),
  join: (userId: string, quantity: number, entryId = 'e-new', now = NOW): TicketedEventCommand => ({
    type: 'JoinWaitlist',
    data: { entryId, userId, quantity },
    meta: meta(userId, now),
  }),
  leave: (entryId: string, actor: string): TicketedEventCommand => ({
    type: 'LeaveWaitlist',
    data: { entryId },
    meta: meta(actor),
  }),
  promote: (now = NOW): TicketedEventCommand => ({
    type: 'PromoteWaitlist',
    data: { newId },
    meta: meta('system', now),
  }),
  accept: (offerId: string, userId: string, reservationId = 'r-offer', now = NOW): TicketedEventCommand => ({
    type: 'AcceptWaitlistOffer',
    data: { offerId, userId, reservationId },
    meta: meta(userId, now),
  }),
  expireOffer: (offerId: string, now: string): TicketedEventCommand => ({
    type: 'ExpireWaitlistOffer',
    data: { offerId },
    meta: meta('system', now),
  }),
  addCollaborator: (
    userId: string,
    role: 'co-organizer' | 'viewer',
    actor = ORGANIZER,
  ): TicketedEventCommand => ({ type: 'AddCollaborator', data: { userId, role }, meta: meta(actor) }),
  removeCollaborator: (userId: string, actor = ORGANIZER): TicketedEventCommand => ({
    type: 'RemoveCollaborator',
    data: { userId },
    meta: meta(actor),
  }),
};

// ---- tests ----

describe('events', () => {
  it('lists exactly the event types of DESIGN §4', () => {
    expect([...ticketedEventEventTypes].sort()).toEqual(
      [
        'TicketedEventScheduled',
        'TicketedEventPublished',
        'TicketedEventDetailsChanged',
        'CapacityChanged',
        'TicketedEventCancelled',
        'SeatsReserved',
        'ReservationConfirmed',
        'HoldExpired',
        'ReservationCancelled',
        'WaitlistJoined',
        'WaitlistLeft',
        'WaitlistOfferMade',
        'WaitlistOfferExpired',
        'WaitlistPromoted',
        'CollaboratorAdded',
        'CollaboratorRemoved',
      ].sort(),
    );
  });
});

describe('ScheduleTicketedEvent', () => {
  it('schedules a draft with defaults resolved and times in UTC', () => {
    given([])
      .when(cmd.schedule({ startsAt: '2030-06-01T20:00:00+02:00', endsAt: '2030-06-02T00:00:00+02:00' }))
      .then([
        {
          type: 'TicketedEventScheduled',
          data: {
            eventId: 'event-1',
            title: 'Night concert',
            description: '',
            venue: '',
            startsAt: STARTS,
            endsAt: ENDS,
            timezone: 'Europe/Berlin',
            maxPerReservation: 10,
            pricing: { currency: 'EUR', basePrice: 0, demandTiers: [] },
            holdMinutes: 0,
            waitlist: { enabled: false, mode: 'auto', offerMinutes: 720 },
            capacity: 10,
            organizerId: ORGANIZER,
          },
        },
      ]);
  });

  it('records pricing with demand tiers sorted and the early bird in UTC', () => {
    const [event] = ticketedEventDecider.decide(
      cmd.schedule({
        pricing: {
          currency: 'USD',
          basePrice: 5000,
          demandTiers: [
            { minSoldRatio: 0.8, multiplier: 1.5 },
            { minSoldRatio: 0.5, multiplier: 1.2 },
          ],
          earlyBird: { until: '2030-05-10T00:00:00+02:00', multiplier: 0.8 },
        },
        waitlist: { enabled: true, mode: 'offer' },
      }),
      fold([]),
    );
    expect(event?.type === 'TicketedEventScheduled' && event.data.pricing).toEqual({
      currency: 'USD',
      basePrice: 5000,
      demandTiers: [
        { minSoldRatio: 0.5, multiplier: 1.2 },
        { minSoldRatio: 0.8, multiplier: 1.5 },
      ],
      earlyBird: { until: '2030-05-09T22:00:00.000Z', multiplier: 0.8 },
    });
    expect(event?.type === 'TicketedEventScheduled' && event.data.waitlist).toEqual({
      enabled: true,
      mode: 'offer',
      offerMinutes: 720,
    });
  });

  it('publishes right away when asked', () => {
    const events = ticketedEventDecider.decide(cmd.schedule({ publish: true }), fold([]));
    expect(events.map((e) => e.type)).toEqual(['TicketedEventScheduled', 'TicketedEventPublished']);
    expect(fold(events).status).toBe('published');
  });

  it('rejects scheduling twice', () => {
    given([scheduled()]).when(cmd.schedule()).thenThrows('event-already-scheduled', 'conflict');
  });

  it.each<[string, ScheduleData]>([
    ['invalid-title', { title: '  ' }],
    ['invalid-time', { startsAt: '2030-06-01 18:00' }],
    ['invalid-time', { endsAt: '2030-06-01T22:00:00' }],
    ['invalid-time-range', { endsAt: STARTS }],
    ['invalid-time-range', { endsAt: '2030-06-01T17:00:00.000Z' }],
    ['invalid-timezone', { timezone: 'Mars/Olympus' }],
    ['invalid-capacity', { capacity: 0 }],
    ['invalid-capacity', { capacity: 2.5 }],
    ['invalid-max-per-reservation', { maxPerReservation: 0 }],
    ['invalid-hold-minutes', { holdMinutes: -1 }],
    ['invalid-hold-minutes', { holdMinutes: 7 * 24 * 60 + 1 }],
    ['invalid-pricing', { pricing: { currency: 'eur', basePrice: 100 } }],
    ['invalid-pricing', { pricing: { currency: 'EUR', basePrice: 10.5 } }],
    ['invalid-pricing', { pricing: { currency: 'EUR', basePrice: -1 } }],
    ['invalid-pricing', { pricing: { currency: 'EUR', basePrice: 1, demandTiers: [tier(1.5, 2)] } }],
    ['invalid-pricing', { pricing: { currency: 'EUR', basePrice: 1, demandTiers: [tier(0, 0)] } }],
    ['invalid-pricing', { pricing: { currency: 'EUR', basePrice: 1, earlyBird: { until: 'soon', multiplier: 0.5 } } }],
    ['invalid-waitlist', { waitlist: { enabled: true, offerMinutes: 0 } }],
  ])('rejects %s (%j)', (code, data) => {
    given([]).when(cmd.schedule(data)).thenThrows(code, 'invalid');
  });

  it('rejects publishing at creation when the event has already ended', () => {
    given([])
      .when({ ...cmd.schedule({ publish: true }), meta: meta(ORGANIZER, '2030-07-01T00:00:00.000Z') })
      .thenThrows('event-ended');
  });
});

describe('PublishTicketedEvent', () => {
  it('publishes a draft', () => {
    given([scheduled()]).when(cmd.publish()).then([published]);
  });
  it('is a no-op when already published', () => {
    given(open()).when(cmd.publish()).then([]);
  });
  it('lets co-organizers and admins publish, not viewers or strangers', () => {
    const base = [scheduled(), { type: 'CollaboratorAdded', data: { userId: BOB, role: 'co-organizer' } } as const];
    given(base).when(cmd.publish(BOB)).then([published]);
    given([...base, { type: 'CollaboratorAdded', data: { userId: CAROL, role: 'viewer' } }])
      .when(cmd.publish(CAROL))
      .thenThrows('not-organizer', 'forbidden');
    given([scheduled()]).when(cmd.publish(ALICE)).thenThrows('not-organizer', 'forbidden');
    given([scheduled()])
      .when({ type: 'PublishTicketedEvent', data: {}, meta: { ...meta(ALICE), actorIsAdmin: true } })
      .then([published]);
  });
  it('rejects unknown, cancelled and ended events', () => {
    given([]).when(cmd.publish()).thenThrows('event-not-found', 'not-found');
    given([scheduled(), { type: 'TicketedEventCancelled', data: { reason: null, by: ORGANIZER } }])
      .when(cmd.publish())
      .thenThrows('event-cancelled');
    given([scheduled()]).when(cmd.publish(ORGANIZER, ENDS)).thenThrows('event-ended');
  });
});

describe('ChangeTicketedEventDetails', () => {
  it('records only the fields that changed', () => {
    given(open())
      .when(cmd.change({ title: 'Late concert', venue: 'Hall A', waitlist: { mode: 'offer' } }))
      .then([
        {
          type: 'TicketedEventDetailsChanged',
          data: { title: 'Late concert', waitlist: { enabled: true, mode: 'offer', offerMinutes: 60 } },
        },
      ]);
  });
  it('is a no-op when nothing changes (pricing compared by value)', () => {
    given(open())
      .when(cmd.change({ title: 'Night concert', capacity: 10, pricing: { basePrice: 2000, currency: 'EUR' } }))
      .then([]);
  });
  it('changes capacity through CapacityChanged', () => {
    given(open())
      .when(cmd.change({ capacity: 20, description: 'Bring earplugs' }))
      .then([
        { type: 'TicketedEventDetailsChanged', data: { description: 'Bring earplugs' } },
        { type: 'CapacityChanged', data: { from: 10, to: 20 } },
      ]);
  });
  it('lowers capacity down to the seats held, confirmed and offered, not below', () => {
    const history = [
      ...open(),
      reserved('r1', ALICE, 3),
      held('r2', BOB, 2),
      joined('e1', CAROL, 2),
      offerMade('e1', CAROL, 2),
    ];
    given(history)
      .when(cmd.change({ capacity: 7 }))
      .then([{ type: 'CapacityChanged', data: { from: 10, to: 7 } }]);
    given(history).when(cmd.change({ capacity: 6 })).thenThrows('capacity-below-reserved', 'conflict');
  });
  it('validates the merged details', () => {
    given(open()).when(cmd.change({ endsAt: '2030-06-01T17:00:00.000Z' })).thenThrows('invalid-time-range');
    given(open()).when(cmd.change({ capacity: -5 })).thenThrows('invalid-capacity');
  });
  it('rejects non-organizers and cancelled events', () => {
    given(open()).when(cmd.change({ title: 'Mine' }, ALICE)).thenThrows('not-organizer', 'forbidden');
    given([...open(), { type: 'TicketedEventCancelled', data: { reason: null, by: ORGANIZER } }])
      .when(cmd.change({ title: 'Back' }))
      .thenThrows('event-cancelled');
  });
});

describe('CancelTicketedEvent', () => {
  const history = [
    ...open({ capacity: 6 }),
    reserved('r1', ALICE, 2),
    held('r2', BOB, 2),
    joined('e1', CAROL, 2),
    offerMade('e1', CAROL, 2),
    joined('e2', DAVE, 4),
  ];

  it('emits one event and the fold releases everything', () => {
    given(history)
      .when(cmd.cancelEvent())
      .then([{ type: 'TicketedEventCancelled', data: { reason: 'storm', by: ORGANIZER } }]);
    const state = given(history).when(cmd.cancelEvent()).thenState();
    expect(state.status).toBe('cancelled');
    expect([state.held, state.confirmed, state.offered]).toEqual([0, 0, 0]);
    expect([...state.reservations.values()].map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
    expect(state.offers.get('offer-e1')?.status).toBe('withdrawn');
    expect([...state.waitlist.values()].map((e) => e.status)).toEqual(['expired', 'expired']);
    expect(state.waitingQueue).toEqual([]);
    expect(state.activeEntryByUser.size).toBe(0);
  });

  it('accepts nothing afterwards', () => {
    const cancelled = [...history, { type: 'TicketedEventCancelled', data: { reason: null, by: ORGANIZER } } as const];
    given(cancelled).when(cmd.cancelEvent()).thenThrows('event-cancelled');
    given(cancelled).when(cmd.reserve(ALICE, 1)).thenThrows('event-not-open');
    given(cancelled).when(cmd.join(ALICE, 1)).thenThrows('event-not-open');
    given(cancelled).when(cmd.confirm('r2', BOB)).thenThrows('event-cancelled');
    given(cancelled).when(cmd.cancelReservation('r1', ALICE)).thenThrows('event-cancelled');
    given(cancelled).when(cmd.accept('offer-e1', CAROL)).thenThrows('event-cancelled');
    given(cancelled).when(cmd.leave('e2', DAVE)).thenThrows('event-cancelled');
    given(cancelled).when(cmd.addCollaborator(BOB, 'viewer')).thenThrows('event-cancelled');
    given(cancelled).when(cmd.promote()).then([]);
    given(cancelled).when(cmd.expireHold('r2', later(60))).then([]);
    given(cancelled).when(cmd.expireOffer('offer-e1', later(120))).then([]);
  });

  it('is for organizers only', () => {
    given(history).when(cmd.cancelEvent(ALICE)).thenThrows('not-organizer', 'forbidden');
  });
});

describe('ReserveSeats', () => {
  it('confirms at once when holdMinutes is 0 and records the price', () => {
    given(open()).when(cmd.reserve(ALICE, 2, 'r1')).then([reserved('r1', ALICE, 2)]);
  });

  it('holds the seats until now + holdMinutes when holds are on', () => {
    given(open({ holdMinutes: 15 }))
      .when(cmd.reserve(ALICE, 2, 'r1'))
      .then([held('r1', ALICE, 2, later(15))]);
  });

  it('records the demand price from the sold ratio before the reservation', () => {
    const tiers = { currency: 'EUR', basePrice: 2000, demandTiers: [{ minSoldRatio: 0.5, multiplier: 1.5 }] };
    given([...open({ pricing: tiers }), reserved('r1', BOB, 4)])
      .when(cmd.reserve(ALICE, 1, 'r2'))
      .then([reserved('r2', ALICE, 1)]); // 4/10 sold: no surcharge yet
    given([...open({ pricing: tiers }), reserved('r1', BOB, 4), held('r2', CAROL, 1)])
      .when(cmd.reserve(ALICE, 1, 'r3'))
      .then([reserved('r3', ALICE, 1, { unitPrice: 3000 })]); // 5/10: the 1.5 tier
  });

  it('rejects bad quantities', () => {
    given(open()).when(cmd.reserve(ALICE, 0)).thenThrows('invalid-quantity', 'invalid');
    given(open()).when(cmd.reserve(ALICE, 1.5)).thenThrows('invalid-quantity', 'invalid');
    given(open()).when(cmd.reserve(ALICE, 5)).thenThrows('exceeds-max-per-reservation', 'invalid');
  });

  it('only sells while the event is published and not over', () => {
    given([scheduled()]).when(cmd.reserve(ALICE, 1)).thenThrows('event-not-open', 'conflict');
    given(open()).when(cmd.reserve(ALICE, 1, 'r1', ENDS)).thenThrows('event-not-open');
    given(open())
      .when(cmd.reserve(ALICE, 1, 'r1', later(1)))
      .then([reserved('r1', ALICE, 1, { reservedAt: later(1) })]);
  });

  it('never oversells; the message points at the waitlist when there is one', () => {
    const full = [...open({ capacity: 5 }), reserved('r1', BOB, 4)];
    const error = given(full).when(cmd.reserve(ALICE, 2)).thenThrows('sold-out', 'conflict');
    expect(error.message).toMatch(/Only 1 seat\(s\) are available.*waiting list/);
    const noWaitlist = [...open({ capacity: 4, waitlist: { enabled: false, mode: 'auto', offerMinutes: 60 } })];
    const soldOut = given([...noWaitlist, reserved('r1', BOB, 4)]).when(cmd.reserve(ALICE, 1)).thenThrows('sold-out');
    expect(soldOut.message).toBe('The event is sold out.');
  });

  it('counts held seats and seats held by offers as taken', () => {
    given([...open({ capacity: 5 }), held('r1', BOB, 3), joined('e1', CAROL, 2), offerMade('e1', CAROL, 2)])
      .when(cmd.reserve(ALICE, 1))
      .thenThrows('sold-out');
  });

  it('leaves free seats to waiting entries that fit them (nobody jumps the queue)', () => {
    const history = [
      ...open({ capacity: 5 }),
      reserved('r1', BOB, 4),
      joined('e1', CAROL, 2),
      { type: 'ReservationCancelled', data: { reservationId: 'r1', by: BOB, byRole: 'holder', reason: null } } as const,
    ];
    // 5 free, Carol's 2 are claimed by the waitlist: 3 remain for sale.
    given(history).when(cmd.reserve(ALICE, 4)).thenThrows('sold-out');
    given(history).when(cmd.reserve(ALICE, 3, 'r2')).then([reserved('r2', ALICE, 3)]);
  });

  it('rejects reserving for someone else and reused ids', () => {
    given(open())
      .when({ type: 'ReserveSeats', data: { reservationId: 'r1', userId: ALICE, quantity: 1 }, meta: meta(BOB) })
      .thenThrows('actor-mismatch', 'forbidden');
    given([...open(), reserved('r1', BOB, 1)]).when(cmd.reserve(ALICE, 1, 'r1')).thenThrows('reservation-exists');
  });

  it('rejects unknown events', () => {
    given([]).when(cmd.reserve(ALICE, 1)).thenThrows('event-not-found', 'not-found');
  });
});

describe('ConfirmReservation', () => {
  const history = [...open({ holdMinutes: 15 }), held('r1', ALICE, 2)];

  it('confirms a hold before it expires', () => {
    given(history)
      .when(cmd.confirm('r1', ALICE, later(14)))
      .then([{ type: 'ReservationConfirmed', data: { reservationId: 'r1' } }]);
    const state = given(history).when(cmd.confirm('r1', ALICE)).thenState();
    expect([state.held, state.confirmed]).toEqual([0, 2]);
  });
  it('lets an organizer confirm (e.g. payment taken at the door)', () => {
    given(history)
      .when(cmd.confirm('r1', ORGANIZER))
      .then([{ type: 'ReservationConfirmed', data: { reservationId: 'r1' } }]);
  });
  it('rejects a hold at or after its expiry', () => {
    given(history).when(cmd.confirm('r1', ALICE, later(15))).thenThrows('hold-expired', 'conflict');
  });
  it('moves only from held', () => {
    const hist = (event: TicketedEventEvent) => given([...history, event]);
    hist({ type: 'ReservationConfirmed', data: { reservationId: 'r1' } })
      .when(cmd.confirm('r1', ALICE))
      .thenThrows('invalid-reservation-state', 'conflict');
    hist({ type: 'HoldExpired', data: { reservationId: 'r1' } })
      .when(cmd.confirm('r1', ALICE))
      .thenThrows('invalid-reservation-state');
    hist({ type: 'ReservationCancelled', data: { reservationId: 'r1', by: ALICE, byRole: 'holder', reason: null } })
      .when(cmd.confirm('r1', ALICE))
      .thenThrows('invalid-reservation-state');
  });
  it('rejects strangers and unknown reservations', () => {
    given(history).when(cmd.confirm('r1', BOB)).thenThrows('not-reservation-owner', 'forbidden');
    given(history).when(cmd.confirm('nope', ALICE)).thenThrows('reservation-not-found', 'not-found');
  });
});

describe('ExpireHold', () => {
  const history = [...open({ holdMinutes: 15 }), held('r1', ALICE, 2)];

  it('expires a hold at its expiry time and frees the seats', () => {
    given(history)
      .when(cmd.expireHold('r1', later(15)))
      .then([{ type: 'HoldExpired', data: { reservationId: 'r1' } }]);
    expect(given(history).when(cmd.expireHold('r1', later(15))).thenState().held).toBe(0);
  });
  it('does nothing before the expiry (the expiry only moves by rule)', () => {
    given(history).when(cmd.expireHold('r1', later(14))).then([]);
  });
  it('does nothing once the hold is resolved (idempotent job)', () => {
    given([...history, { type: 'ReservationConfirmed', data: { reservationId: 'r1' } }])
      .when(cmd.expireHold('r1', later(60)))
      .then([]);
    given([...history, { type: 'HoldExpired', data: { reservationId: 'r1' } }])
      .when(cmd.expireHold('r1', later(60)))
      .then([]);
  });
  it('rejects unknown reservations', () => {
    given(history).when(cmd.expireHold('nope', later(60))).thenThrows('reservation-not-found');
  });
});

describe('CancelReservation', () => {
  const history = [...open({ holdMinutes: 15 }), held('r1', ALICE, 2), reserved('r2', ALICE, 1)];

  it('lets the holder cancel a held or confirmed reservation', () => {
    given(history)
      .when(cmd.cancelReservation('r1', ALICE))
      .then([
        {
          type: 'ReservationCancelled',
          data: { reservationId: 'r1', by: ALICE, byRole: 'holder', reason: 'changed plans' },
        },
      ]);
    const state = given(history).when(cmd.cancelReservation('r2', ALICE)).thenState();
    expect([state.held, state.confirmed, state.reservations.get('r2')?.status]).toEqual([2, 0, 'cancelled']);
  });
  it('lets organizers cancel as organizer', () => {
    given(history)
      .when(cmd.cancelReservation('r1', ORGANIZER, 'organizer'))
      .then([
        {
          type: 'ReservationCancelled',
          data: { reservationId: 'r1', by: ORGANIZER, byRole: 'organizer', reason: 'changed plans' },
        },
      ]);
  });
  it('rejects other users', () => {
    given(history).when(cmd.cancelReservation('r1', BOB)).thenThrows('not-reservation-owner', 'forbidden');
    given(history).when(cmd.cancelReservation('r1', BOB, 'organizer')).thenThrows('not-organizer', 'forbidden');
  });
  it('rejects cancelled and expired reservations and unknown ids', () => {
    given([...history, { type: 'HoldExpired', data: { reservationId: 'r1' } }])
      .when(cmd.cancelReservation('r1', ALICE))
      .thenThrows('invalid-reservation-state');
    const cancelledR2: TicketedEventEvent = {
      type: 'ReservationCancelled',
      data: { reservationId: 'r2', by: ALICE, byRole: 'holder', reason: null },
    };
    given([...history, cancelledR2])
      .when(cmd.cancelReservation('r2', ALICE))
      .thenThrows('invalid-reservation-state');
    given(history).when(cmd.cancelReservation('nope', ALICE)).thenThrows('reservation-not-found');
  });
});

describe('JoinWaitlist / LeaveWaitlist', () => {
  const full = [...open({ capacity: 4 }), reserved('r1', BOB, 3)];

  it('joins when not enough seats remain for the quantity', () => {
    given(full).when(cmd.join(ALICE, 2, 'e1')).then([joined('e1', ALICE, 2)]);
    const state = given(full).when(cmd.join(ALICE, 2, 'e1')).thenState();
    expect(waitlistPosition(state, 'e1')).toBe(1);
    expect(activeWaitlistEntryOf(state, ALICE)?.status).toBe('waiting');
  });
  it('rejects joining while enough seats remain', () => {
    given(full).when(cmd.join(ALICE, 1)).thenThrows('seats-available', 'conflict');
  });
  it('allows joining when the free seats are claimed by earlier waiting entries', () => {
    const history = [
      ...full,
      joined('e1', CAROL, 1),
      { type: 'ReservationCancelled', data: { reservationId: 'r1', by: BOB, byRole: 'holder', reason: null } } as const,
    ];
    // 4 free, Carol's 1 claimed: 3 for sale.
    given(history).when(cmd.join(ALICE, 3)).thenThrows('seats-available');
    given(history).when(cmd.join(ALICE, 4, 'e2')).then([joined('e2', ALICE, 4)]);
  });
  it('rejects when the waitlist is disabled', () => {
    const noWaitlist = { capacity: 1, waitlist: { enabled: false, mode: 'auto' as const, offerMinutes: 60 } };
    given([...open(noWaitlist), reserved('r1', BOB, 1)])
      .when(cmd.join(ALICE, 1))
      .thenThrows('waitlist-disabled', 'conflict');
  });
  it('allows one active entry per user, and a new one once it is resolved', () => {
    given([...full, joined('e1', ALICE, 2)]).when(cmd.join(ALICE, 3, 'e2')).thenThrows('already-on-waitlist');
    given([...full, joined('e1', ALICE, 2), offerMade('e1', ALICE, 1)])
      .when(cmd.join(ALICE, 3, 'e2'))
      .thenThrows('already-on-waitlist');
    given([...full, joined('e1', ALICE, 2), { type: 'WaitlistLeft', data: { entryId: 'e1' } }])
      .when(cmd.join(ALICE, 3, 'e2'))
      .then([joined('e2', ALICE, 3)]);
  });
  it('applies the reservation rules to the quantity and the actor', () => {
    given(full).when(cmd.join(ALICE, 0)).thenThrows('invalid-quantity');
    given(full).when(cmd.join(ALICE, 5)).thenThrows('exceeds-max-per-reservation');
    given(full).when(cmd.join(ALICE, 2, 'e1', ENDS)).thenThrows('event-not-open');
    given(full)
      .when({ type: 'JoinWaitlist', data: { entryId: 'e1', userId: ALICE, quantity: 2 }, meta: meta(BOB) })
      .thenThrows('actor-mismatch');
    given([...full, joined('e1', CAROL, 2)]).when(cmd.join(ALICE, 2, 'e1')).thenThrows('waitlist-entry-exists');
  });

  it('leaves a waiting entry', () => {
    given([...full, joined('e1', ALICE, 2)])
      .when(cmd.leave('e1', ALICE))
      .then([{ type: 'WaitlistLeft', data: { entryId: 'e1' } }]);
  });
  it('leaving with an open offer declines it and frees its seats', () => {
    const state = given([...full, joined('e1', ALICE, 1), offerMade('e1', ALICE, 1)])
      .when(cmd.leave('e1', ALICE))
      .thenState();
    expect(state.offered).toBe(0);
    expect(state.offers.get('offer-e1')?.status).toBe('withdrawn');
    expect(state.waitlist.get('e1')?.status).toBe('left');
  });
  it('rejects leaving unknown, foreign or finished entries', () => {
    given(full).when(cmd.leave('nope', ALICE)).thenThrows('waitlist-entry-not-found', 'not-found');
    given([...full, joined('e1', ALICE, 2)])
      .when(cmd.leave('e1', BOB))
      .thenThrows('not-waitlist-entry-owner', 'forbidden');
    given([...full, joined('e1', ALICE, 2), { type: 'WaitlistLeft', data: { entryId: 'e1' } }])
      .when(cmd.leave('e1', ALICE))
      .thenThrows('waitlist-entry-not-active');
  });
});

describe('PromoteWaitlist', () => {
  // Capacity 10, 10 sold; entries A:3, B:1, C:2, D:1 in that order.
  const queue = (overrides: Partial<TicketedEventScheduled['data']> = {}) => [
    ...open(overrides),
    reserved('r1', BOB, 4),
    reserved('r2', BOB, 4),
    reserved('r3', BOB, 2),
    joined('eA', ALICE, 3),
    joined('eB', CAROL, 1),
    joined('eC', DAVE, 2),
    joined('eD', 'user-erin', 1),
  ];
  const free = (reservationId: string, by = BOB): TicketedEventEvent => ({
    type: 'ReservationCancelled',
    data: { reservationId, by, byRole: 'holder', reason: null },
  });
  const promotedAuto = (
    entryId: string,
    userId: string,
    quantity: number,
    extra: Partial<SeatsReserved['data']> = {},
  ) => [
    reserved(`id(reservation:${entryId})`, userId, quantity, { waitlistEntryId: entryId, ...extra }),
    {
      type: 'WaitlistPromoted',
      data: { entryId, reservationId: `id(reservation:${entryId})`, via: 'auto' },
    } as const,
  ];

  it('serves entries in join order, skipping only entries that do not fit', () => {
    // 2 seats free: A (3) does not fit, B (1) does, C (2) no longer fits, D (1) does.
    given([...queue(), free('r3')])
      .when(cmd.promote())
      .then([...promotedAuto('eB', CAROL, 1), ...promotedAuto('eD', 'user-erin', 1)]);
  });

  it('never promotes a later entry while an earlier one fits', () => {
    // 4 seats free: A (3) fits and goes first, then B (1); C and D must wait.
    given([...queue(), free('r1')])
      .when(cmd.promote())
      .then([...promotedAuto('eA', ALICE, 3), ...promotedAuto('eB', CAROL, 1)]);
  });

  it('holds promoted seats when holds are on, and prices each promotion in turn', () => {
    const pricing = { currency: 'EUR', basePrice: 1000, demandTiers: [{ minSoldRatio: 0.9, multiplier: 2 }] };
    // 6 sold + 4 free: A (3) is priced at 6/10, B (1) at 9/10.
    given([...queue({ holdMinutes: 30, pricing }), free('r1')])
      .when(cmd.promote())
      .then([
        ...promotedAuto('eA', ALICE, 3, { status: 'held', holdExpiresAt: later(30), unitPrice: 1000 }),
        ...promotedAuto('eB', CAROL, 1, { status: 'held', holdExpiresAt: later(30), unitPrice: 2000 }),
      ]);
  });

  it('in offer mode, makes offers that hold the seats for offerMinutes', () => {
    const offerMode = { waitlist: { enabled: true, mode: 'offer' as const, offerMinutes: 90 } };
    const history = [...queue(offerMode), free('r3')];
    given(history)
      .when(cmd.promote())
      .then([
        {
          type: 'WaitlistOfferMade',
          data: { entryId: 'eB', offerId: 'id(offer:eB)', userId: CAROL, quantity: 1, expiresAt: later(90) },
        },
        {
          type: 'WaitlistOfferMade',
          data: { entryId: 'eD', offerId: 'id(offer:eD)', userId: 'user-erin', quantity: 1, expiresAt: later(90) },
        },
      ]);
    const state = given(history).when(cmd.promote()).thenState();
    expect([state.offered, freeSeats(state)]).toEqual([2, 0]);
    expect(state.waitlist.get('eB')).toMatchObject({
      status: 'offered',
      offerId: 'id(offer:eB)',
      offerExpiresAt: later(90),
    });
  });

  it('returns [] when nothing fits, so the job is idempotent', () => {
    given(queue()).when(cmd.promote()).then([]);
    const afterFirstRun = given([...queue(), free('r3')]).when(cmd.promote()).thenState();
    expect(ticketedEventDecider.decide(cmd.promote(), afterFirstRun)).toEqual([]);
  });

  it('does nothing for drafts and ended events', () => {
    given([scheduled()]).when(cmd.promote()).then([]);
    given([...queue(), free('r3')]).when(cmd.promote(ENDS)).then([]);
  });

  it('refuses ids that newId derives badly', () => {
    const broken: TicketedEventCommand = {
      type: 'PromoteWaitlist',
      data: { newId: () => 'same' },
      meta: meta('system'),
    };
    expect(() => ticketedEventDecider.decide(broken, given([...queue(), free('r3')]).state)).toThrow(/newId/);
  });
});

describe('AcceptWaitlistOffer / ExpireWaitlistOffer', () => {
  const offerMode = { capacity: 4, waitlist: { enabled: true, mode: 'offer' as const, offerMinutes: 60 } };
  const history = [
    ...open(offerMode),
    reserved('r1', BOB, 4),
    joined('e1', ALICE, 2),
    joined('e2', CAROL, 2),
    { type: 'ReservationCancelled', data: { reservationId: 'r1', by: BOB, byRole: 'holder', reason: null } } as const,
    offerMade('e1', ALICE, 2),
    offerMade('e2', CAROL, 2),
  ];

  it('turns the offer into a reservation and marks the entry promoted', () => {
    given(history)
      .when(cmd.accept('offer-e1', ALICE, 'r2', later(30)))
      .then([
        reserved('r2', ALICE, 2, { reservedAt: later(30), waitlistEntryId: 'e1', offerId: 'offer-e1' }),
        { type: 'WaitlistPromoted', data: { entryId: 'e1', reservationId: 'r2', via: 'offer', offerId: 'offer-e1' } },
      ]);
    const state = given(history).when(cmd.accept('offer-e1', ALICE, 'r2')).thenState();
    expect([state.offered, state.confirmed, freeSeats(state)]).toEqual([2, 2, 0]);
    expect(state.waitlist.get('e1')).toMatchObject({ status: 'promoted', reservationId: 'r2' });
  });
  it('rejects unknown offers, other users and stale offers', () => {
    given(history).when(cmd.accept('nope', ALICE)).thenThrows('offer-not-found', 'not-found');
    given(history).when(cmd.accept('offer-e1', CAROL)).thenThrows('not-offer-owner', 'forbidden');
    given(history).when(cmd.accept('offer-e1', ALICE, 'r2', later(60))).thenThrows('offer-expired', 'conflict');
    given([...history, { type: 'WaitlistOfferExpired', data: { offerId: 'offer-e1', entryId: 'e1' } }])
      .when(cmd.accept('offer-e1', ALICE))
      .thenThrows('offer-expired');
    given([...history, { type: 'WaitlistLeft', data: { entryId: 'e1' } }])
      .when(cmd.accept('offer-e1', ALICE))
      .thenThrows('offer-withdrawn');
    given([
      ...history,
      reserved('r2', ALICE, 2, { waitlistEntryId: 'e1', offerId: 'offer-e1' }),
      { type: 'WaitlistPromoted', data: { entryId: 'e1', reservationId: 'r2', via: 'offer', offerId: 'offer-e1' } },
    ])
      .when(cmd.accept('offer-e1', ALICE, 'r3'))
      .thenThrows('offer-already-accepted');
    given(history)
      .when({
        type: 'AcceptWaitlistOffer',
        data: { offerId: 'offer-e1', userId: ALICE, reservationId: 'r2' },
        meta: meta(BOB),
      })
      .thenThrows('actor-mismatch');
  });

  it('expires an open offer at its expiry, and not before', () => {
    given(history)
      .when(cmd.expireOffer('offer-e1', later(60)))
      .then([{ type: 'WaitlistOfferExpired', data: { offerId: 'offer-e1', entryId: 'e1' } }]);
    given(history).when(cmd.expireOffer('offer-e1', later(59))).then([]);
    given(history).when(cmd.expireOffer('nope', later(60))).thenThrows('offer-not-found');
  });

  it('passes the seats of an expired offer to the next entry', () => {
    const next = [...history, joined('e3', DAVE, 2)]; // e1 and e2 hold offers, e3 waits
    expect(ticketedEventDecider.decide(cmd.promote(later(59)), fold(next))).toEqual([]);
    const expired = given(next).when(cmd.expireOffer('offer-e1', later(60))).thenState();
    expect(expired.waitlist.get('e1')?.status).toBe('expired');
    expect(ticketedEventDecider.decide(cmd.promote(later(60)), expired)).toEqual([
      {
        type: 'WaitlistOfferMade',
        data: { entryId: 'e3', offerId: 'id(offer:e3)', userId: DAVE, quantity: 2, expiresAt: later(120) },
      },
    ]);
  });
});

describe('collaborators', () => {
  it('adds, changes and removes collaborators', () => {
    given(open())
      .when(cmd.addCollaborator(BOB, 'viewer'))
      .then([{ type: 'CollaboratorAdded', data: { userId: BOB, role: 'viewer' } }]);
    const withBob = [...open(), { type: 'CollaboratorAdded', data: { userId: BOB, role: 'viewer' } } as const];
    given(withBob).when(cmd.addCollaborator(BOB, 'viewer')).then([]);
    given(withBob)
      .when(cmd.addCollaborator(BOB, 'co-organizer'))
      .then([{ type: 'CollaboratorAdded', data: { userId: BOB, role: 'co-organizer' } }]);
    given(withBob).when(cmd.removeCollaborator(BOB)).then([{ type: 'CollaboratorRemoved', data: { userId: BOB } }]);
    expect(roleOf(fold(withBob), BOB)).toBe('viewer');
    expect(roleOf(fold(withBob), ORGANIZER)).toBe('organizer');
  });
  it('is managed by the organizer only', () => {
    const withBob = [...open(), { type: 'CollaboratorAdded', data: { userId: BOB, role: 'co-organizer' } } as const];
    given(withBob).when(cmd.addCollaborator(CAROL, 'viewer', BOB)).thenThrows('not-organizer', 'forbidden');
    given(withBob).when(cmd.removeCollaborator(BOB, BOB)).thenThrows('not-organizer', 'forbidden');
  });
  it('rejects the organizer as collaborator, unknown roles and unknown collaborators', () => {
    given(open()).when(cmd.addCollaborator(ORGANIZER, 'viewer')).thenThrows('collaborator-is-organizer', 'invalid');
    given(open())
      .when({ type: 'AddCollaborator', data: { userId: BOB, role: 'owner' as 'viewer' }, meta: meta(ORGANIZER) })
      .thenThrows('invalid-role', 'invalid');
    given(open()).when(cmd.removeCollaborator(BOB)).thenThrows('collaborator-not-found', 'not-found');
  });
  it('gives co-organizers management rights until removed', () => {
    const added = [...open(), { type: 'CollaboratorAdded', data: { userId: BOB, role: 'co-organizer' } } as const];
    given(added).when(cmd.change({ title: 'By Bob' }, BOB)).then([
      { type: 'TicketedEventDetailsChanged', data: { title: 'By Bob' } },
    ]);
    given([...added, { type: 'CollaboratorRemoved', data: { userId: BOB } }])
      .when(cmd.change({ title: 'By Bob' }, BOB))
      .thenThrows('not-organizer');
  });
});

describe('waitlist read helpers', () => {
  it('explains positions and why entries wait', () => {
    const state = fold([
      ...open({ capacity: 6 }),
      reserved('r1', BOB, 4),
      joined('e1', ALICE, 3),
      joined('e2', CAROL, 1),
      joined('e3', DAVE, 2),
      { type: 'WaitlistLeft', data: { entryId: 'e1' } },
      joined('e4', 'user-erin', 2),
    ]);
    // 2 free: Carol (1) fits, Dave (2) now lacks 1, Erin (2) lacks 1.
    expect(explainWaitlist(state)).toEqual({
      freeSeats: 2,
      offeredSeats: 0,
      entries: [
        { entryId: 'e2', userId: CAROL, quantity: 1, position: 1, promotableNow: true, seatsShort: 0 },
        { entryId: 'e3', userId: DAVE, quantity: 2, position: 2, promotableNow: false, seatsShort: 1 },
        { entryId: 'e4', userId: 'user-erin', quantity: 2, position: 3, promotableNow: false, seatsShort: 1 },
      ],
    });
    expect([waitlistPosition(state, 'e1'), waitlistPosition(state, 'e4')]).toEqual([undefined, 3]);
    expect(seatsForSale(state)).toBe(1);
  });
});
