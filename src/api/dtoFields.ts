/**
 * Building blocks for response DTO schemas: every field carries a description and an
 * example (zod metadata, read by the OpenAPI and AsyncAPI generators).
 */
import { z, type ZodType } from 'zod';

/** The field `schema`, documented. */
export function field<T extends ZodType>(schema: T, description: string, example: unknown): T {
  return schema.meta({ description, example }) as T;
}

export const EXAMPLE = {
  eventId: '0b9a3f4e-5c1d-4e8f-9a2b-7c6d5e4f3a21',
  userId: '6f1c2d3e-4b5a-4c7d-8e9f-0a1b2c3d4e5f',
  reservationId: '9c8b7a6f-5e4d-4c3b-a2f1-0e9d8c7b6a54',
  entryId: 'e1d2c3b4-a5f6-4e7d-8c9b-0a1f2e3d4c5b',
  offerId: '4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d',
  instant: '2026-12-01T18:30:00.000Z',
} as const;

/** The store position a command response carries (also in X-Position). */
export const positionField = field(
  z.string().regex(/^\d+$/),
  'Event-store position of this change (command responses only; same as X-Position): send it as X-Min-Position to read your write.',
  '63504385',
);

export const revisionField = field(z.string().regex(/^\d+$/), "The resource stream's revision (also the ETag W/\"<revision>\"; send it as If-Match).", '4');

export const instantField = (description: string) => field(z.iso.datetime({ offset: true }), `${description} (ISO-8601, UTC).`, EXAMPLE.instant);

/** `{items, nextCursor}`: one page of a cursor-paginated list. */
export function pageOf<T extends ZodType>(item: T, what: string) {
  return z.object({
    items: field(z.array(item), `This page of ${what}.`, []),
    nextCursor: field(z.string().nullable(), 'Pass as ?cursor= for the next page; null on the last page.', 'eyJjIjoiMjAyNi0xMi0wMVQxODozMDowMC4wMDBaIn0'),
  });
}
