/**
 * The one error type of the product: a stable code, an HTTP status and a human title.
 * Each service keeps its catalogue of these in its own errors.ts.
 */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly extensions: Record<string, unknown>;
  /** Response headers the problem needs, such as WWW-Authenticate or Retry-After. */
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    title: string,
    detail: string,
    extensions: Record<string, unknown> = {},
    headers: Record<string, string> = {},
  ) {
    super(detail);
    this.status = status;
    this.code = code;
    this.title = title;
    this.extensions = extensions;
    this.headers = headers;
  }
}

export const idempotencyKeyReused = () =>
  new AppError(
    422,
    'idempotency-key-reused',
    'Idempotency-Key reused with a different request',
    'This Idempotency-Key was already used with another body or path; use a new key for a new request.',
  );

export const forbidden = (detail: string) => new AppError(403, 'forbidden', 'Forbidden', detail);

export const deadLetterNotFound = (eventId: string) =>
  new AppError(404, 'dead-letter-not-found', 'Not found', `This service has no dead letter for event ${eventId}.`);

export const deadLetterSettled = (eventId: string, state: string) =>
  new AppError(409, 'dead-letter-settled', 'Dead letter already settled', `The dead letter of event ${eventId} is ${state} already.`, { state });
