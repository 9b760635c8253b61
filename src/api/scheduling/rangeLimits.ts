/** The range rule free/busy and suggestions share (docs/scheduling.md §3): `to` after `from`, at most 62 days. */
import { HttpError } from '../problem.js';

export const MAX_RANGE_DAYS = 62;
const DAY_MS = 86_400_000;

/** Throws 422 `invalid-range` or `range-too-long`; both instants are ISO-8601 UTC. */
export function checkRange(from: string, to: string): { from: number; to: number } {
  const range = { from: Date.parse(from), to: Date.parse(to) };
  if (!(range.from < range.to)) throw new HttpError(422, 'invalid-range', '`to` must be after `from`');
  if (range.to - range.from > MAX_RANGE_DAYS * DAY_MS) throw new HttpError(422, 'range-too-long', `The range may span at most ${MAX_RANGE_DAYS} days`);
  return range;
}
