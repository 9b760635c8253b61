/** Response bodies of the administrators' operations routes. */
import { z } from 'zod';
import { field, instantField } from './dtoFields.js';

export const projectionStatusPageSchema = z.object({
  items: field(
    z.array(
      z.object({
        name: field(z.string(), 'Projection or reactor name.', 'ticketing'),
        version: field(z.number().int(), 'Schema version of its read model (a bump triggers a rebuild).', 1),
        position: field(z.string(), 'Event-store position it has applied up to ("-1" before the first event).', '63504385'),
        lagEvents: field(z.number().int().min(0), 'Stored events it has not applied yet (counted up to 10 000).', 0),
        lagEventsCapped: field(z.boolean(), 'True when `lagEvents` stopped counting at its limit (the real lag is larger).', false),
        lagSeconds: field(z.number().min(0), 'Age of the oldest event it has not applied, in seconds (0 when caught up).', 0),
        updatedAt: instantField('When its checkpoint last moved').nullable(),
        lastEventAt: instantField('When the last event it applied was recorded').nullable(),
        runnerActive: field(z.boolean(), 'Whether some process runs it now (holds its leader lease).', true),
        state: field(
          z.enum(['not-started', 'behind', 'live', 'stopped', 'failed']),
          '`live` when a runner is caught up, `behind` while it catches up, `stopped` when no process runs it, `failed` when it stopped at an event it cannot apply (see `failure`).',
          'live',
        ),
        failure: field(
          z
            .object({
              position: field(z.string(), 'Store position of the event it could not apply.', '63504385'),
              stream: field(z.string(), 'Stream of that event.', 'ticketedEvent-0b6f3c1e-8a8e-4d0f-9a55-3f1b7f6d2c11'),
              revision: field(z.string(), 'Stream revision of that event.', '3'),
              eventId: field(z.string(), 'Id of that event.', '5d1c2f0a-6b3e-4f7a-9c1d-2e8b7a6f5c40'),
              eventType: field(z.string(), 'Type of that event.', 'EventCreated'),
              error: field(z.string(), 'The error applying it gave (SQLSTATE kept).', 'date/time field value out of range (22008)'),
              attempts: field(z.number().int().min(1), 'How many times it was tried.', 3),
              failedAt: instantField('When it was marked failed'),
            })
            .nullable(),
          'The event it stopped at, or null. Fix the cause, then restart the projector or run `tessera projections rebuild <name>`.',
          null,
        ),
      }),
    ),
    'Every projection and reactor.',
    [],
  ),
});
