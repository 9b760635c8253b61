import { describe, expect, it } from 'vitest';
import { bigintString, currency, instant, localDate, queryInstant, timeZone } from './schemas.js';

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, value: unknown) => schema.safeParse(value).success;

describe('boundary schemas', () => {
  it('instant(): offsets required, real calendar times, 1970 ≤ t < 2200, normalised to UTC', () => {
    expect(instant().parse('2030-06-01T18:00:00+02:00')).toBe('2030-06-01T16:00:00.000Z');
    expect(instant().parse('1970-01-01T00:00:00Z')).toBe('1970-01-01T00:00:00.000Z');
    expect(instant().parse('2030-06-01T18:00Z')).toBe('2030-06-01T18:00:00.000Z');
    for (const bad of ['0000-01-01T00:00:00Z', '2200-01-01T00:00:00Z', '1970-01-01T00:30:00+01:00', '2030-06-01T18:00:00', '2030-06-01', '2030-02-29T00:00:00Z', '2030-06-01T18:00:60Z', '2030-06-01T18:00:00+24:00', '2030-06-01 18:00:00Z', ' 2030-06-01T18:00:00Z']) {
      expect(ok(instant(), bad), bad).toBe(false);
    }
    expect(ok(instant(), '2032-02-29T00:00:00Z')).toBe(true); // a leap day
  });

  it('queryInstant(): any UTC year 0001–9999', () => {
    expect(queryInstant().parse('0001-01-01T00:00:00Z')).toBe('0001-01-01T00:00:00.000Z');
    expect(ok(queryInstant(), '0001-01-01T00:00:00+01:00')).toBe(false); // year 0 in UTC
    expect(ok(queryInstant(), '9999-12-31T23:59:59.999Z')).toBe(true);
    expect(ok(queryInstant(), '9999-12-31T23:59:59-01:00')).toBe(false);
  });

  it('localDate(): real days from 1970-01-01 to 2199-12-31', () => {
    for (const good of ['1970-01-01', '2199-12-31', '2032-02-29']) expect(ok(localDate(), good), good).toBe(true);
    for (const bad of ['1969-12-31', '2200-01-01', '2031-02-29', '2030-13-01', '2030-1-01', '2030-01-01T00:00:00Z']) expect(ok(localDate(), bad), bad).toBe(false);
  });

  it('timeZone(), currency(), bigintString()', () => {
    expect(timeZone().parse('europe/berlin')).toBe('Europe/Berlin');
    expect(timeZone().parse('Asia/Kolkata')).toBe('Asia/Kolkata');
    expect(ok(timeZone(), '+05:00')).toBe(false);
    expect(ok(currency(), 'EUR')).toBe(true);
    expect(ok(currency(), 'ABC')).toBe(false);
    expect(ok(bigintString(), '9223372036854775807')).toBe(true);
    expect(ok(bigintString(), '9223372036854775808')).toBe(false);
  });
});
