/** Opaque cursors for keyset pagination: base64url JSON of the last item's sort key. */
import { z, type ZodType } from 'zod';
import { HttpError } from './problem.js';
import { bigintString, queryInstant } from './schemas.js';

export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** Decodes and validates a cursor against its key's schema; anything else is a 400, never a query error. */
export function decodeCursor<K>(cursor: string | undefined, schema: ZodType<K>): K | undefined {
  if (cursor === undefined) return undefined;
  try {
    const parsed = schema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'invalid-cursor', 'The cursor is not valid');
}

/**
 * Cursor keys: a timestamp (or start time) plus a uuid tiebreaker, or a join sequence.
 * Validated as fully as any input (a client can write a cursor by hand): instants a
 * query can be bounded by, sequences within bigint.
 */
export const cursorKeys = {
  startsAt: z.object({ s: queryInstant(), id: z.uuid() }).strict(),
  createdAt: z.object({ c: queryInstant(), id: z.uuid() }).strict(),
  sequence: z.object({ seq: bigintString() }).strict(),
};

/** Given limit+1 rows, returns the page and the cursor for the next one. */
export function page<T>(rows: T[], limit: number, keyOf: (row: T) => Record<string, string | number>): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last)) : null };
}
