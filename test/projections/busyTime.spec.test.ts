/**
 * The busy-time projection, event type by event type: given ticketing and meeting events →
 * expected rows of rm_scheduling_busy_time, on a real database. It keeps its own copy of
 * times, titles and answers, so it never reads another context's tables.
 */
import { randomUUID } from 'node:crypto';
import { describe, it } from 'vitest';
import { meetingStreamName, type MeetingEvent } from '../../src/domain/scheduling/events.js';
import { ticketedEventStreamName, type TicketedEventEvent } from '../../src/domain/ticketing/index.js';
import { busyTimeProjection } from '../../src/projections/scheduling/busyTimeProjection.js';
import { expectRows, projectionSpecForFile, type SpecEvent } from '../support/projectionSpec.js';

const spec = projectionSpecForFile(busyTimeProjection(), 'busy_time_spec');

const STARTS = '2030-02-01T20:00:00.000Z';
const ENDS = '2030-02-01T23:00:00.000Z';

function ticketedEvent() {
  const id = randomUUID();
  const ev = <E extends TicketedEventEvent>(type: E['type'], data: E['data']): SpecEvent => ({ type, data, stream: ticketedEventStreamName(id) });
  return {
    id,
    scheduled: () =>
      ev('TicketedEventScheduled', {
        eventId: id,
        capacity: 10,
        organizerId: 'org',
        title: 'Gig',
        description: 'Loud',
        venue: 'Hall',
        startsAt: STARTS,
        endsAt: ENDS,
        timezone: 'Europe/Berlin',
        maxPerReservation: 6,
        pricing: { currency: 'EUR', basePrice: 1000, demandTiers: [] },
        holdMinutes: 15,
        waitlist: { enabled: false, mode: 'auto', offerMinutes: 30 },
      }),
    published: () => ev('TicketedEventPublished', {}),
    reserved: (reservationId: string, userId: string, status: 'held' | 'confirmed' = 'held') =>
      ev('SeatsReserved', { reservationId, userId, quantity: 2, unitPrice: 1000, currency: 'EUR', status, reservedAt: '2030-01-01T00:00:30.000Z' }),
    ev,
  };
}

function meeting() {
  const id = randomUUID();
  const ev = <E extends MeetingEvent>(type: E['type'], data: E['data']): SpecEvent => ({ type, data, stream: meetingStreamName(id) });
  return {
    id,
    proposed: (participants: string[]) =>
      ev('MeetingProposed', {
        meetingId: id,
        title: 'Q1 Planning',
        description: '',
        location: '',
        organizerId: 'olga',
        durationMinutes: 60,
        timezone: 'Europe/Berlin',
        proposedWindows: [{ start: '2030-03-02T09:00:00.000Z', end: '2030-03-02T17:00:00.000Z' }],
        participants: participants.map((userId) => ({ userId, required: true, viaGroupId: null })),
        groupIds: [],
        deadline: null,
        autoSchedule: false,
        resultsVisibility: 'participants',
      }),
    scheduled: (answers: Record<string, 'accepted' | 'tentative' | 'declined'> = {}) =>
      ev('MeetingScheduled', { meetingId: id, start: '2030-03-02T10:00:00.000Z', end: '2030-03-02T11:00:00.000Z', by: 'organizer', answers }),
    ev,
  };
}

const eventColumns = ['id', 'title', 'starts_at', 'ends_at', 'cancelled'];
const holderColumns = ['reservation_id', 'event_id', 'user_id', 'active'];
const meetingColumns = ['id', 'title', 'organizer_id', 'status', 'starts_at', 'ends_at'];
const participantColumns = ['meeting_id', 'user_id', 'response'];

describe('busy-time projection: ticketed events', () => {
  it('TicketedEventScheduled keeps its own copy of the title and times', () => {
    const e = ticketedEvent();
    return spec.given().when(e.scheduled()).then(expectRows('ticketed_events', { columns: eventColumns, rows: [{ id: e.id, title: 'Gig', starts_at: STARTS, ends_at: ENDS, cancelled: false }] }));
  });

  it('SeatsReserved (held or confirmed) makes the holder busy; several in one batch', () => {
    const e = ticketedEvent();
    const [r1, r2] = [randomUUID(), randomUUID()];
    return spec.given(e.scheduled(), e.published()).when(e.reserved(r1, 'alice'), e.reserved(r2, 'bob', 'confirmed')).then(
      expectRows('seat_holders', {
        columns: holderColumns,
        rows: [
          { reservation_id: r1, event_id: e.id, user_id: 'alice', active: true },
          { reservation_id: r2, event_id: e.id, user_id: 'bob', active: true },
        ],
      }),
    );
  });

  it('ReservationConfirmed keeps the holder busy', () => {
    const e = ticketedEvent();
    const r = randomUUID();
    return spec.given(e.scheduled(), e.published(), e.reserved(r, 'alice')).when(e.ev('ReservationConfirmed', { reservationId: r })).then(
      expectRows('seat_holders', { columns: holderColumns, rows: [{ reservation_id: r, event_id: e.id, user_id: 'alice', active: true }] }),
    );
  });

  it('HoldExpired frees the holder', () => {
    const e = ticketedEvent();
    const r = randomUUID();
    return spec.given(e.scheduled(), e.published(), e.reserved(r, 'alice')).when(e.ev('HoldExpired', { reservationId: r })).then(
      expectRows('seat_holders', { columns: holderColumns, rows: [{ reservation_id: r, event_id: e.id, user_id: 'alice', active: false }] }),
    );
  });

  it('ReservationCancelled frees the holder, even right after reserving in the same batch', () => {
    const e = ticketedEvent();
    const r = randomUUID();
    return spec.given(e.scheduled(), e.published()).when(e.reserved(r, 'alice'), e.ev('ReservationCancelled', { reservationId: r, by: 'alice', byRole: 'holder', reason: null })).then(
      expectRows('seat_holders', { columns: holderColumns, rows: [{ reservation_id: r, event_id: e.id, user_id: 'alice', active: false }] }),
    );
  });

  it('TicketedEventDetailsChanged moves the busy time and renames it; other changes leave it', () => {
    const e = ticketedEvent();
    const moved = { startsAt: '2030-02-02T18:00:00.000Z', endsAt: '2030-02-02T20:00:00.000Z' };
    return spec.given(e.scheduled()).when(e.ev('TicketedEventDetailsChanged', moved), e.ev('TicketedEventDetailsChanged', { title: 'Gig II' }), e.ev('TicketedEventDetailsChanged', { venue: 'Park' })).then(
      expectRows('ticketed_events', { columns: eventColumns, rows: [{ id: e.id, title: 'Gig II', starts_at: moved.startsAt, ends_at: moved.endsAt, cancelled: false }] }),
    );
  });

  it('TicketedEventCancelled frees every holder of that event only', () => {
    const [e, other] = [ticketedEvent(), ticketedEvent()];
    const [r1, r2, r3] = [randomUUID(), randomUUID(), randomUUID()];
    return spec
      .given(e.scheduled(), e.published(), e.reserved(r1, 'alice'), e.reserved(r2, 'bob', 'confirmed'), other.scheduled(), other.published(), other.reserved(r3, 'alice'))
      .when(e.ev('TicketedEventCancelled', { reason: 'rain', by: 'org' }))
      .then(
        expectRows('seat_holders', {
          columns: holderColumns,
          rows: [
            { reservation_id: r1, event_id: e.id, user_id: 'alice', active: false },
            { reservation_id: r2, event_id: e.id, user_id: 'bob', active: false },
            { reservation_id: r3, event_id: other.id, user_id: 'alice', active: true },
          ],
        }),
        expectRows('ticketed_events', {
          columns: ['id', 'cancelled'],
          rows: [
            { id: e.id, cancelled: true },
            { id: other.id, cancelled: false },
          ],
        }),
      );
  });
});

describe('busy-time projection: meetings', () => {
  it('MeetingProposed keeps the title, organizer and participants (pending, not yet busy)', () => {
    const m = meeting();
    return spec.given().when(m.proposed(['ann', 'ben'])).then(
      expectRows('meetings', { columns: meetingColumns, rows: [{ id: m.id, title: 'Q1 Planning', organizer_id: 'olga', status: 'polling', starts_at: null, ends_at: null }] }),
      expectRows('meeting_participants', {
        columns: participantColumns,
        rows: [
          { meeting_id: m.id, user_id: 'ann', response: 'pending' },
          { meeting_id: m.id, user_id: 'ben', response: 'pending' },
        ],
      }),
    );
  });

  it('ParticipantInvited adds a pending participant', () => {
    const m = meeting();
    return spec.given(m.proposed(['ann'])).when(m.ev('ParticipantInvited', { meetingId: m.id, userId: 'cid', required: false, viaGroupId: null })).then(
      expectRows('meeting_participants', {
        columns: participantColumns,
        rows: [
          { meeting_id: m.id, user_id: 'ann', response: 'pending' },
          { meeting_id: m.id, user_id: 'cid', response: 'pending' },
        ],
      }),
    );
  });

  it('MeetingScheduled sets the times and the pre-filled answers; the others are pending', () => {
    const m = meeting();
    return spec.given(m.proposed(['ann', 'ben', 'cid'])).when(m.scheduled({ ann: 'accepted', ben: 'tentative' })).then(
      expectRows('meetings', { columns: meetingColumns, rows: [{ id: m.id, title: 'Q1 Planning', organizer_id: 'olga', status: 'scheduled', starts_at: '2030-03-02T10:00:00.000Z', ends_at: '2030-03-02T11:00:00.000Z' }] }),
      expectRows('meeting_participants', {
        columns: participantColumns,
        rows: [
          { meeting_id: m.id, user_id: 'ann', response: 'accepted' },
          { meeting_id: m.id, user_id: 'ben', response: 'tentative' },
          { meeting_id: m.id, user_id: 'cid', response: 'pending' },
        ],
      }),
    );
  });

  it('InvitationAnswered records the answer', () => {
    const m = meeting();
    return spec.given(m.proposed(['ann', 'ben']), m.scheduled({ ann: 'accepted' })).when(
      m.ev('InvitationAnswered', { meetingId: m.id, participantId: 'ann', response: 'declined' }),
      m.ev('InvitationAnswered', { meetingId: m.id, participantId: 'ben', response: 'tentative' }),
    ).then(
      expectRows('meeting_participants', {
        columns: participantColumns,
        rows: [
          { meeting_id: m.id, user_id: 'ann', response: 'declined' },
          { meeting_id: m.id, user_id: 'ben', response: 'tentative' },
        ],
      }),
    );
  });

  it('MeetingRescheduled moves the times and sets every answer back to pending', () => {
    const m = meeting();
    return spec.given(m.proposed(['ann']), m.scheduled({ ann: 'accepted' })).when(m.ev('MeetingRescheduled', { meetingId: m.id, start: '2030-03-03T08:00:00.000Z', end: '2030-03-03T09:00:00.000Z' })).then(
      expectRows('meetings', { columns: ['id', 'status', 'starts_at', 'ends_at'], rows: [{ id: m.id, status: 'scheduled', starts_at: '2030-03-03T08:00:00.000Z', ends_at: '2030-03-03T09:00:00.000Z' }] }),
      expectRows('meeting_participants', { columns: participantColumns, rows: [{ meeting_id: m.id, user_id: 'ann', response: 'pending' }] }),
    );
  });

  it('ParticipantRemoved drops the participant', () => {
    const m = meeting();
    return spec.given(m.proposed(['ann', 'ben']), m.scheduled({ ann: 'accepted', ben: 'accepted' })).when(m.ev('ParticipantRemoved', { meetingId: m.id, userId: 'ann' })).then(
      expectRows('meeting_participants', { columns: participantColumns, rows: [{ meeting_id: m.id, user_id: 'ben', response: 'accepted' }] }),
    );
  });

  it('MeetingCancelled marks the meeting cancelled (nobody is busy for it)', () => {
    const m = meeting();
    return spec.given(m.proposed(['ann']), m.scheduled({ ann: 'accepted' })).when(m.ev('MeetingCancelled', { meetingId: m.id, reason: null })).then(
      expectRows('meetings', { columns: ['id', 'status'], rows: [{ id: m.id, status: 'cancelled' }] }),
    );
  });

  it('AvailabilitySubmitted changes nothing here', () => {
    const m = meeting();
    return spec.given(m.proposed(['ann'])).when(m.ev('AvailabilitySubmitted', { meetingId: m.id, participantId: 'ann', slots: [] })).then(
      expectRows('meeting_participants', { columns: participantColumns, rows: [{ meeting_id: m.id, user_id: 'ann', response: 'pending' }] }),
    );
  });
});
