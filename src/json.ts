/** JSON with bigint values written as strings (positions and revisions never become Numbers). */
export const bigintJson = (value: unknown): string => JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v));

/**
 * Where a string in a JSON-like value (a key too) holds U+0000, which PostgreSQL text and
 * jsonb cannot store: the path to the first one, or undefined. Deeper than any accepted
 * input is not scanned.
 */
export function findNul(value: unknown, depth = 0): string[] | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? [] : undefined;
  if (value === null || typeof value !== 'object' || depth > 32) return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) return [key];
    const inner = findNul(item, depth + 1);
    if (inner) return [key, ...inner];
  }
  return undefined;
}
