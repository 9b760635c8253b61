/** Failures of the command runtime itself (not business rules). Mapped in src/api/problem.ts. */
export class PreconditionFailedError extends Error {
  override readonly name = 'PreconditionFailedError';
  constructor(
    readonly stream: string,
    readonly expected: bigint,
    readonly actual: bigint | undefined,
  ) {
    super(`If-Match revision ${expected} does not match the current revision ${actual ?? 'none'}`);
  }
}

/** Gave up after repeated revision conflicts with other writers; safe to retry. */
export class ConcurrencyExhaustedError extends Error {
  override readonly name = 'ConcurrencyExhaustedError';
  constructor(readonly stream: string, attempts: number) {
    super(`Gave up on ${stream} after ${attempts} conflicting attempts`);
  }
}
