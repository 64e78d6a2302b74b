/**
 * Domain errors carry a `code` the HTTP layer maps to a status (STYLE habit 7) and a message a
 * person can read (Indonesian, it may reach a WhatsApp user or the dashboard).
 */
export type DomainErrorCode = 'not_found' | 'conflict' | 'invalid' | 'insufficient_funds';

export class DomainError extends Error {
  override name = 'DomainError';
  readonly code: DomainErrorCode;

  constructor(code: DomainErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
