/** Response bodies of the calendar feed routes (issue 13 item 4). */
import { z } from 'zod';
import { field, instantField } from '../dtoFields.js';

const TOKEN = 'cal_3q2-7wEvjq4hYbq1dV0m6GkqD2c1w0xjvJr0d5yq9kU';

export const calendarTokenSchema = z
  .object({
    token: field(z.string(), 'The feed secret, shown in this answer only; a new one replaces it (the old URL stops working).', TOKEN),
    url: field(z.string(), 'The feed: GET it with any calendar client (PUBLIC_URL + /v1/me/calendar.ics?token=…).', `https://tessera.example/v1/me/calendar.ics?token=${TOKEN}`),
    webcalUrl: field(z.string(), 'The same feed as a webcal:// link, which calendar apps open as a subscription.', `webcal://tessera.example/v1/me/calendar.ics?token=${TOKEN}`),
    createdAt: instantField('When this token was made'),
  })
  .meta({ id: 'CalendarToken', description: 'The secret URL of the caller’s calendar feed.' });

export const calendarFeedSchema = field(
  z.string().startsWith('BEGIN:VCALENDAR'),
  'An iCalendar document (RFC 5545, METHOD:PUBLISH, times in UTC): the scheduled meetings the user organises or accepted/tentatively accepted, and the ticketed events they hold seats for, from 30 days ago to a year ahead.',
  'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tessera//Tessera//EN\r\nMETHOD:PUBLISH\r\n…\r\nEND:VCALENDAR\r\n',
);
