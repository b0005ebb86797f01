/**
 * The one error type of the product: a stable code, an HTTP status and a human title.
 * Each service keeps its catalogue of these in its own errors.ts.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly extensions: Record<string, unknown>;

  constructor(status: number, code: string, title: string, detail: string, extensions: Record<string, unknown> = {}) {
    super(detail);
    this.status = status;
    this.code = code;
    this.title = title;
    this.extensions = extensions;
  }
}

export const idempotencyKeyReused = () =>
  new AppError(
    422,
    'idempotency-key-reused',
    'Idempotency-Key reused with a different request',
    'This Idempotency-Key was already used with another body or path; use a new key for a new request.',
  );
