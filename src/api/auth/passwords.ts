/**
 * Password hashing with node:crypto scrypt (memory-hard; no native add-on to build).
 * Stored as `scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>` so the cost can be raised
 * later without invalidating existing hashes. Comparison is constant-time.
 *
 * Unknown emails are checked against a dummy hash of the same cost, so a failed
 * login costs about the same whether or not the account exists.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { PasswordHasher } from '../../commands/identity/ports.js';
import { isStorableText } from '../../json.js';

export interface ScryptCost {
  /** log2 of N, the CPU/memory cost. */
  logN: number;
  r: number;
  p: number;
}

/** N = 2^15, r = 8, p = 1: 32 MiB and some tens of milliseconds per hash. */
export const DEFAULT_SCRYPT_COST: ScryptCost = { logN: 15, r: 8, p: 1 };
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const FORMAT = /^scrypt\$(\d{1,2})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

function scrypt(password: string, salt: Buffer, cost: ScryptCost, keyLength: number): Promise<Buffer> {
  const N = 2 ** cost.logN;
  const options: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r + 16 * 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize('NFC'), salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export class ScryptPasswords implements PasswordHasher {
  private dummy: Promise<string> | undefined;

  constructor(private readonly cost: ScryptCost = DEFAULT_SCRYPT_COST) {}

  async hash(password: string): Promise<string> {
    // Lone surrogates all encode to U+FFFD: 12 × U+D800 and 12 × U+DFFF would share a hash.
    // The boundary refuses them (src/api/routes.ts); reaching here with one is a bug.
    if (!isStorableText(password)) throw new Error('refusing to hash a password that is not well-formed text');
    const salt = randomBytes(SALT_LENGTH);
    const key = await scrypt(password, salt, this.cost, KEY_LENGTH);
    return `scrypt$${this.cost.logN}$${this.cost.r}$${this.cost.p}$${salt.toString('base64')}$${key.toString('base64')}`;
  }

  async verify(password: string, hash: string): Promise<boolean> {
    const match = FORMAT.exec(hash);
    if (!match || !isStorableText(password)) return false;
    const cost = { logN: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
    // Refuse costs we would never have written (a tampered hash must not become a DoS).
    if (cost.logN < 10 || cost.logN > 20 || cost.r < 1 || cost.r > 32 || cost.p < 1 || cost.p > 16) return false;
    const salt = Buffer.from(match[4]!, 'base64');
    const expected = Buffer.from(match[5]!, 'base64');
    if (expected.length < 16 || expected.length > 128) return false;
    const actual = await scrypt(password, salt, cost, expected.length);
    return timingSafeEqual(actual, expected);
  }

  /** Spends the time of a real check, then fails: for unknown accounts. */
  async verifyDummy(password: string): Promise<false> {
    this.dummy ??= this.hash(randomBytes(16).toString('hex'));
    await this.verify(password, await this.dummy);
    return false;
  }
}
