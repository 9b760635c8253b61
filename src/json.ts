/** JSON with bigint values written as strings (positions and revisions never become Numbers). */
export function bigintJson(value: unknown): string {
  try {
    // Without a replacer JSON.stringify takes V8's fast path; it throws a TypeError on a bigint.
    return JSON.stringify(value);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
  }
}

/**
 * Deeper than any input Tessera accepts (an event body is 4 levels deep). Input nested
 * deeper is refused before anything walks it recursively (idempotency hashing, zod).
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Text PostgreSQL cannot store: U+0000 (text and jsonb refuse it) and lone UTF-16
 * surrogates (not Unicode: jsonb refuses them, and UTF-8 encoding turns every one into
 * U+FFFD, so two different strings would become the same bytes — e.g. password hashes).
 * In a /u regex a paired surrogate is one code point, so \p{Cs} matches only lone ones.
 */
const LONE_SURROGATE = /\p{Cs}/u;
export const isStorableText = (text: string): boolean => !text.includes('\u0000') && !LONE_SURROGATE.test(text);

/** Whether a JSON-like value nests deeper than `maxDepth` objects/arrays. Iterative: any depth is safe to ask about. */
export function nestsDeeperThan(value: unknown, maxDepth = MAX_JSON_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= maxDepth) return true;
    for (const item of Object.values(current)) if (item !== null && typeof item === 'object') stack.push([item, depth + 1]);
  }
  return false;
}

/**
 * Where a string in a JSON-like value (a key too) is not storable text (see
 * isStorableText): the path to the first one, or undefined. Iterative; values nested
 * deeper than MAX_JSON_DEPTH are not scanned (such input is refused as too deep).
 */
export function findUnstorableText(value: unknown): string[] | undefined {
  const stack: Array<[unknown, string[]]> = [[value, []]];
  while (stack.length > 0) {
    const [current, path] = stack.pop()!;
    if (typeof current === 'string') {
      if (!isStorableText(current)) return path;
      continue;
    }
    if (current === null || typeof current !== 'object' || path.length > MAX_JSON_DEPTH) continue;
    // reversed, so the first field is looked at first
    for (const [key, item] of Object.entries(current).reverse()) {
      if (!isStorableText(key)) return [...path, key];
      stack.push([item, [...path, key]]);
    }
  }
  return undefined;
}

/** The former name (U+0000 only); it now finds lone surrogates too. */
export const findNul = findUnstorableText;
