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
        lagSeconds: field(z.number().min(0).nullable(), 'Age of the oldest event it has not applied, in seconds (null when unknown).', 0),
        updatedAt: instantField('When its checkpoint last moved').nullable(),
        state: field(z.enum(['not-started', 'behind', 'live']), '`live` when caught up with the store, `behind` otherwise.', 'live'),
      }),
    ),
    'Every projection and reactor.',
    [],
  ),
});
