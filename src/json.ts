/** JSON with bigint values written as strings (positions and revisions never become Numbers). */
export const bigintJson = (value: unknown): string => JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v));

/**
 * Whether a string anywhere in a JSON-like value (keys too) holds U+0000, which PostgreSQL
 * text and jsonb cannot store. Deeper than any accepted input is not scanned.
 */
export function containsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (value === null || typeof value !== 'object' || depth > 32) return false;
  if (Array.isArray(value)) return value.some((item) => containsNul(item, depth + 1));
  return Object.entries(value).some(([key, item]) => key.includes('\u0000') || containsNul(item, depth + 1));
}
