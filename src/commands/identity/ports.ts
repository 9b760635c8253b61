/** What the identity commands need from outside the domain. */

/** Slow password hashing (scrypt in src/api/auth/passwords.ts). */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** Constant-time comparison; false for a malformed hash. */
  verify(password: string, hash: string): Promise<boolean>;
}
