/**
 * Errors a decider or policy may raise. The `kind` carries the HTTP meaning; the one
 * problem-details mapper in src/api turns it into a status. `code` is stable and
 * appears in problem+json bodies.
 */
export type DomainErrorKind =
  | 'conflict' // 409: business rule (sold-out, event-not-open, …)
  | 'invalid' // 422: semantically wrong input that passed schema validation
  | 'forbidden' // 403
  | 'not-found'; // 404

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const conflict = (code: string, message: string) => new DomainError('conflict', code, message);
export const invalid = (code: string, message: string) => new DomainError('invalid', code, message);
export const forbidden = (code: string, message: string) => new DomainError('forbidden', code, message);
export const notFound = (code: string, message: string) => new DomainError('not-found', code, message);
