/**
 * Sample data for every mail kind: what `tessera mail preview` renders and what the
 * template tests render. The data have the shapes the notification sources write.
 */
import type { MailContent, MailKind } from './templates.js';

const EVENT = {
  id: '0b9a3f4e-5c1d-4e8f-9a2b-7c6d5e4f3a21',
  title: 'Rust Meetup Berlin',
  venue: 'c-base, Berlin',
  startsAt: '2026-12-10T18:00:00.000Z',
  endsAt: '2026-12-10T21:00:00.000Z',
  timezone: 'Europe/Berlin',
};
const MEETING = {
  meetingId: '7d3c2b1a-0f9e-4d8c-b7a6-5e4d3c2b1a09',
  title: 'Q1 Planning',
  start: '2026-12-15T09:00:00.000Z',
  end: '2026-12-15T10:00:00.000Z',
  organizerName: 'Grace Hopper',
  deadline: '2026-12-08T17:00:00.000Z',
};
const RESERVATION = '9c8b7a6f-5e4d-4c3b-a2f1-0e9d8c7b6a54';
const OFFER = '4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d';

const SAMPLE_DATA: Record<MailKind, Record<string, unknown>> = {
  'reservation-confirmed': { reservationId: RESERVATION, quantity: 2, event: EVENT },
  'reservation-held': { reservationId: RESERVATION, quantity: 2, expiresAt: '2026-12-01T12:15:00.000Z', event: EVENT },
  'hold-expired': { reservationId: RESERVATION, event: EVENT },
  'reservation-cancelled': { reservationId: RESERVATION, reason: 'Double booking', event: EVENT },
  'waitlist-joined': { entryId: 'e1d2c3b4-a5f6-4e7d-8c9b-0a1f2e3d4c5b', quantity: 2, event: EVENT },
  'waitlist-offer': { offerId: OFFER, quantity: 2, expiresAt: '2026-12-02T00:00:00.000Z', event: EVENT },
  'waitlist-offer-expired': { offerId: OFFER, event: EVENT },
  'waitlist-promoted': { reservationId: RESERVATION, via: 'auto', event: EVENT },
  'event-cancelled': { reason: 'The venue is flooded', event: EVENT },
  'event-changed': { changed: ['startsAt', 'venue'], event: EVENT },
  'event-reminder': { event: EVENT },
  'meeting-invited': MEETING,
  'meeting-deadline-reminder': MEETING,
  'meeting-deadline-passed': { ...MEETING, reason: 'no-available-time' },
  'meeting-scheduled': MEETING,
  'meeting-rescheduled': { ...MEETING, previousStart: '2026-12-14T09:00:00.000Z', previousEnd: '2026-12-14T10:00:00.000Z' },
  'meeting-cancelled': MEETING,
  'meeting-reminder': MEETING,
  welcome: { name: 'Ada Lovelace' },
  'password-changed': { changedAt: '2026-12-01T11:00:00.000Z' },
  'verify-email': { expiresAt: '2026-12-02T11:00:00.000Z', link: 'https://tessera.example/verify-email?token=sample' },
};

export function sampleMailContent(kind: MailKind, publicUrl: string): MailContent {
  const data = SAMPLE_DATA[kind];
  const action =
    typeof data.link === 'string' ? data.link : data.event ? `${publicUrl}/v1/events/${EVENT.id}` : data.meetingId ? `${publicUrl}/v1/meetings/${MEETING.meetingId}` : undefined;
  return {
    kind,
    recipient: { name: 'Ada Lovelace', timeZone: 'Europe/Berlin' },
    data,
    links: {
      app: publicUrl,
      settings: `${publicUrl}/v1/me/notification-settings`,
      ...(kind === 'verify-email' ? {} : { unsubscribe: `${publicUrl}/v1/unsubscribe?token=sample` }),
      ...(action ? { action } : {}),
    },
  };
}
