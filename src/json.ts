/** JSON with bigint values written as strings (positions and revisions never become Numbers). */
export const bigintJson = (value: unknown): string => JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
